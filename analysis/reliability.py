"""Internal consistency of a dimension's items (docs/scoring.md)."""

from __future__ import annotations

import numpy as np

#: Below this, a dimension's items do not measure one thing well enough to average them.
ALPHA_WARNING = 0.7


def alpha_from_moments(m: float, sums: np.ndarray, cross: np.ndarray) -> float | None:
    """Cronbach's alpha from m complete cases, their item sums Σx and cross-products ΣxxT.

    α = k/(k − 1) · (1 − Σ var(item) / var(total)) with sample (co)variances
    C = (ΣxxT − m·x̄x̄T)/(m − 1), so var(item) = diag(C) and var(total) = ΣC (Cronbach 1951).
    Working from moments lets a parent unit add its children's instead of re-reading answers.
    ``None`` when there are fewer than 2 items or 2 complete cases, or the total does not vary.
    """
    k = len(sums)
    if k < 2 or m < 2:
        return None
    mean = np.asarray(sums, dtype=float) / m
    covariance = (np.asarray(cross, dtype=float) - m * np.outer(mean, mean)) / (m - 1)
    total_variance = float(covariance.sum())
    if total_variance <= 1e-12:
        return None
    return float(k / (k - 1) * (1 - float(np.trace(covariance)) / total_variance))


def cronbach_alpha(items: np.ndarray) -> float | None:
    """Cronbach's alpha of a respondents × items matrix, on complete cases (rows without NaN).

    >>> round(cronbach_alpha(np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 5]])), 4)
    0.9825
    >>> cronbach_alpha(np.array([[1.0], [2.0]])) is None
    True
    """
    matrix = np.asarray(items, dtype=float)
    if matrix.ndim != 2:
        return None
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    return alpha_from_moments(complete.shape[0], complete.sum(axis=0), complete.T @ complete)
