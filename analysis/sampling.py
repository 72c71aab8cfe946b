"""Response rate, margin of error and sample size for planning (docs/scoring.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.intervals import z_value


@dataclass(frozen=True)
class ResponseRate:
    """Responses against expected respondents, and the margin of error that gives."""

    responses: int
    expected: int
    rate: float  # percent
    margin_of_error: float  # percentage points, 95 %


def margin_of_error(
    share: float, n: int, population: int | None, confidence: float = 0.95
) -> float:
    """Half-width of the normal interval of a share, in percentage points, with the
    finite-population correction √((N − n)/(N − 1)) when the population N is known.

    e = z·√(p(1 − p)/n)·√((N − n)/(N − 1)) (Cochran 1977, §3.4). Asking everyone leaves no
    sampling error: e = 0 when n ≥ N.

    >>> round(margin_of_error(0.5, 100, None), 2)
    9.8
    >>> round(margin_of_error(0.5, 100, 200), 2)
    6.95
    """
    if n <= 0:
        raise ValueError("margin of error needs at least one response")
    if not 0 <= share <= 1:
        raise ValueError("share must be in [0, 1]")
    correction = 1.0
    if population is not None:
        correction = math.sqrt(max(population - n, 0) / (population - 1)) if population > 1 else 0.0
    return 100 * z_value(confidence) * math.sqrt(share * (1 - share) / n) * correction


def response_rate(responses: int, expected: int, share: float) -> ResponseRate:
    """Response rate in percent and the margin of error of ``share`` (the satisfied share)."""
    if expected <= 0:
        raise ValueError("expected respondents must be positive")
    moe = margin_of_error(share, responses, expected) if responses else float("nan")
    return ResponseRate(responses, expected, 100 * responses / expected, moe)


def sample_size(
    margin: float, population: int | None = None, share: float = 0.5, confidence: float = 0.95
) -> int:
    """Responses needed for a margin of error ``margin`` (a share, 0.05 = ±5 points).

    n₀ = z²·p(1 − p)/e², then n = n₀/(1 + (n₀ − 1)/N) for a population of N (Cochran 1977,
    eq. 4.1–4.2), rounded up. p = 0.5 is the safe choice when nothing is known.

    >>> sample_size(0.05)
    385
    >>> sample_size(0.05, population=400)
    197
    """
    if not 0 < margin < 1:
        raise ValueError("margin must be a share between 0 and 1")
    z = z_value(confidence)
    n0 = z * z * share * (1 - share) / (margin * margin)
    if population is not None:
        if population <= 0:
            raise ValueError("population must be positive")
        n0 = n0 / (1 + (n0 - 1) / population)
    return math.ceil(n0 - 1e-9)
