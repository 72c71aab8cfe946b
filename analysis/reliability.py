"""Internal consistency of a dimension's items (DESIGN §7.3)."""

from __future__ import annotations

import numpy as np

#: Below this, a dimension's items do not measure one thing well enough to average them.
ALPHA_WARNING = 0.7


def cronbach_alpha(items: np.ndarray) -> float | None:
    """Cronbach's alpha of a respondents × items matrix, on complete cases (rows without NaN).

    α = k/(k − 1) · (1 − Σ var(item) / var(total)), sample variances (Cronbach 1951). ``None``
    when there are fewer than 2 items or 2 complete cases, or when the total does not vary.

    >>> round(cronbach_alpha(np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 5]])), 4)
    0.9825
    >>> cronbach_alpha(np.array([[1.0], [2.0]])) is None
    True
    """
    matrix = np.asarray(items, dtype=float)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        return None
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    if complete.shape[0] < 2:
        return None
    k = complete.shape[1]
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return None
    return float(k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total_variance))
