"""Confidence intervals for a share and for a mean (DESIGN §7.2).

Pure functions on counts and arrays; 95 % unless asked otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class MeanResult:
    """The mean of valid answers with its t-interval (``None`` bounds when n < 2)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (Wilson 1927), as shares in [0, 1].

    p̂ = x/n, z = Φ⁻¹(1 − α/2); centre (p̂ + z²/2n)/(1 + z²/n), half-width
    z·√(p̂(1 − p̂)/n + z²/4n²)/(1 + z²/n). Unlike the normal approximation it stays inside [0, 1]
    and behaves at 0 % and 100 %, which small schools often reach.

    >>> low, high = wilson_interval(85, 100)
    >>> round(low, 4), round(high, 4)
    (0.7672, 0.9069)
    >>> wilson_interval(0, 0)
    (0.0, 1.0)
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return 0.0, 1.0
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    share = successes / n
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> MeanResult:
    """Mean with a Student t-interval: x̄ ± t(n−1)·s/√n.

    >>> result = mean_interval(np.array([4, 5, 3, 4, 4]))
    >>> result.mean, round(result.low, 3), round(result.high, 3)
    (4.0, 3.122, 4.878)
    """
    data = np.asarray(values, dtype=float)
    n = int(data.size)
    if n == 0:
        return MeanResult(0, None, None, None)
    mean = float(data.mean())
    if n < 2:
        return MeanResult(n, mean, None, None)
    spread = float(data.std(ddof=1)) / math.sqrt(n)
    t = float(stats.t.ppf(1 - (1 - confidence) / 2, n - 1))
    return MeanResult(n, mean, mean - t * spread, mean + t * spread)
