"""Respondent-level Poisson bootstrap (docs/scoring.md): its settings and its intervals.

Each respondent gets an independent Poisson(1) weight in every replicate, the Poisson
approximation to resampling n of n with replacement (Hanley & MacGibbon 2006; Chamandy et al.
2012). A replicate's statistic is then a function of weighted sums Σ wᵢ·xᵢ, which are additive:
the replicates of a parent unit are the sums of its parts' (a bootstrap stratified by unit,
which is how the answers were collected: each school gathers its own). The weights come from
each response's key (``analysis.tally``), so they are the same whichever process, batch or order
computes them.
"""

from __future__ import annotations

import warnings

import numpy as np

RESAMPLES = 1000
SEED = 20_191_031  # Quyết định 3476/QĐ-BGDĐT, 31 October 2019


def percentile_interval(
    replicates: np.ndarray, confidence: float = 0.95, axis: int = 0
) -> np.ndarray:
    """Percentile bootstrap interval along ``axis`` (first axis of the result: low, high),
    ignoring replicates that are NaN (a replicate where an item drew no valid answer).

    >>> percentile_interval(np.arange(1001.0)).round(6).tolist()
    [25.0, 975.0]
    """
    tail = 100 * (1 - confidence) / 2
    if not np.isnan(replicates).any():
        return np.percentile(replicates, [tail, 100 - tail], axis=axis)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a statistic with no value at all: NaN
        return np.nanpercentile(replicates, [tail, 100 - tail], axis=axis)
