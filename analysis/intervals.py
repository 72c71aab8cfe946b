"""Confidence intervals for a share and for a mean (docs/scoring.md).

The array forms work on counts and moments, so one call serves every group of a campaign and
the numbers roll up a unit tree by adding counts. 95 % unless asked otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class MeanResult:
    """The mean of valid answers with its t-interval (``None`` bounds when n < 2)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


@cache
def z_value(confidence: float = 0.95) -> float:
    """The two-sided normal quantile Φ⁻¹(1 − α/2); 1.96 at 95 %."""
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def wilson_bounds(
    successes: np.ndarray, n: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals of many proportions at once, as shares in [0, 1].

    p̂ = x/n, z = Φ⁻¹(1 − α/2); centre (p̂ + z²/2n)/(1 + z²/n), half-width
    z·√(p̂(1 − p̂)/n + z²/4n²)/(1 + z²/n) (Wilson 1927). Unlike the normal approximation it stays
    inside [0, 1] and behaves at 0 % and 100 %, which small schools often reach. Where n = 0 the
    interval is [0, 1].
    """
    x = np.asarray(successes, dtype=float)
    size = np.asarray(n, dtype=float)
    if np.any(size < 0) or np.any(x < 0) or np.any(x > size):
        raise ValueError("need 0 <= successes <= n")
    z = z_value(confidence)
    safe = np.where(size > 0, size, 1.0)
    share = x / safe
    denominator = 1 + z * z / safe
    centre = (share + z * z / (2 * safe)) / denominator
    half = z * np.sqrt(share * (1 - share) / safe + z * z / (4 * safe * safe)) / denominator
    low = np.where((size == 0) | (x == 0), 0.0, np.maximum(0.0, centre - half))
    high = np.where((size == 0) | (x == size), 1.0, np.minimum(1.0, centre + half))
    return low, high


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of one proportion (see :func:`wilson_bounds`).

    >>> low, high = wilson_interval(85, 100)
    >>> round(low, 4), round(high, 4)
    (0.7672, 0.9069)
    >>> wilson_interval(0, 0)
    (0.0, 1.0)
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    low, high = wilson_bounds(np.array(successes), np.array(n), confidence)
    return float(low), float(high)


def mean_bounds(
    n: np.ndarray, total: np.ndarray, total_squares: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means with Student t-intervals x̄ ± t(n−1)·s/√n, from n, Σx and Σx².

    s² = (Σx² − n·x̄²)/(n − 1). The mean is NaN where n = 0, the bounds where n < 2.
    """
    size = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(size > 0, np.asarray(total, dtype=float) / size, np.nan)
        variance = (np.asarray(total_squares, dtype=float) - size * mean * mean) / (size - 1)
        spread = np.sqrt(np.maximum(variance, 0.0) / size)
        t = stats.t.ppf(1 - (1 - confidence) / 2, np.maximum(size - 1, 1))
    enough = size >= 2
    return (
        mean,
        np.where(enough, mean - t * spread, np.nan),
        np.where(enough, mean + t * spread, np.nan),
    )


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> MeanResult:
    """Mean of one sample with its t-interval (see :func:`mean_bounds`).

    >>> result = mean_interval(np.array([4, 5, 3, 4, 4]))
    >>> result.mean, round(result.low, 3), round(result.high, 3)
    (4.0, 3.122, 4.878)
    """
    data = np.asarray(values, dtype=float)
    n = int(data.size)
    if n == 0:
        return MeanResult(0, None, None, None)
    mean, low, high = mean_bounds(np.array(n), data.sum(), (data * data).sum(), confidence)
    if n < 2:
        return MeanResult(n, float(mean), None, None)
    return MeanResult(n, float(mean), float(low), float(high))
