"""Comparisons between units and between campaigns (docs/scoring.md).

A difference is called significant only at 5 % after Holm's correction for the number of
comparisons made together (the units compared with their parent, or the statistics compared
between two campaigns).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.05


@dataclass(frozen=True)
class Difference:
    """A difference with its two-sided p-value, before and after correction."""

    difference: float
    p: float
    p_adjusted: float = math.nan
    significant: bool = False


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (Holm 1979), in the order given.

    Sorted ascending, p₍ᵢ₎ is multiplied by (m − i + 1), made monotone and capped at 1; a
    hypothesis is rejected at level α when its adjusted value is ≤ α. NaN stays NaN and does not
    count towards m.

    >>> [round(p, 3) for p in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    """
    indexed = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    m = len(indexed)
    adjusted = [math.nan] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(indexed):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[index] = running
    return adjusted


def z_test(difference: float, standard_error: float) -> Difference:
    """Two-sided z-test of a difference with a known standard error (Wald).

    >>> round(z_test(3.92, 2.0).p, 4)
    0.05
    """
    if not standard_error > 0 or math.isnan(difference):
        return Difference(difference, math.nan)
    return Difference(difference, _two_sided(difference / standard_error))


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> Difference:
    """Two-sided z-test of p₁ − p₂ with the pooled variance p(1 − p)(1/n₁ + 1/n₂).

    The difference is in percentage points.

    >>> result = two_proportion_test(90, 100, 75, 100)
    >>> round(result.difference, 1), round(result.p, 4)
    (15.0, 0.0052)
    """
    if n1 <= 0 or n2 <= 0:
        return Difference(math.nan, math.nan)
    pooled = (x1 + x2) / (n1 + n2)
    difference = x1 / n1 - x2 / n2
    error = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if error == 0:
        return Difference(100 * difference, 1.0 if difference == 0 else math.nan)
    return Difference(100 * difference, _two_sided(difference / error))


def index_test(
    difference: float, standard_error: float, index_a: float, n_a: int, index_b: float, n_b: int
) -> Difference:
    """A difference of two indices (percentages): a z-test on its bootstrap standard error.

    When the replicates do not vary at all — every answer the same on both sides, 10 of 10
    satisfied against 0 of 30 — there is no standard error to use, and the indices are tested
    as shares of respondents with :func:`two_proportion_test` instead.

    >>> index_test(100.0, 0.0, 100.0, 10, 0.0, 30).significant or index_test(100.0, 0.0, 100.0, 10, 0.0, 30).p < 1e-6
    True
    """
    if standard_error > 0:
        return z_test(difference, standard_error)
    if any(math.isnan(value) for value in (difference, index_a, index_b)):
        return Difference(difference, math.nan)
    return two_proportion_test(round(index_a * n_a / 100), n_a, round(index_b * n_b / 100), n_b)


def _two_sided(z: float) -> float:
    """2·(1 − Φ(|z|)) = erfc(|z|/√2), without scipy's per-call overhead."""
    return math.erfc(abs(z) / math.sqrt(2))


def corrected(differences: Sequence[Difference], alpha: float = ALPHA) -> list[Difference]:
    """The same differences with Holm-adjusted p-values and the verdict at ``alpha``."""
    adjusted = holm([d.p for d in differences])
    return [
        Difference(d.difference, d.p, p, bool(not math.isnan(p) and p <= alpha))
        for d, p in zip(differences, adjusted, strict=True)
    ]
