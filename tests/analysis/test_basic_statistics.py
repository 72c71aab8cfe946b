"""Intervals and reliability against independent references (scipy, hand computations)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats import binomtest

from analysis.intervals import mean_interval, wilson_interval
from analysis.reliability import cronbach_alpha


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 5000), data=st.data())
def test_wilson_matches_scipy(n: int, data) -> None:
    successes = data.draw(st.integers(0, n))
    reference = binomtest(successes, n).proportion_ci(method="wilson")
    low, high = wilson_interval(successes, n)
    assert low == pytest.approx(reference.low, abs=1e-9)
    assert high == pytest.approx(reference.high, abs=1e-9)
    assert 0 <= low <= successes / n <= high <= 1


def test_wilson_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(5, 3)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.integers(1, 5), min_size=2, max_size=300))
def test_mean_interval_matches_scipy(values: list[int]) -> None:
    data = np.array(values, dtype=float)
    result = mean_interval(data)
    assert result.n == len(values) and result.mean == pytest.approx(data.mean())
    if data.std() == 0:
        assert result.low == pytest.approx(result.mean) and result.high == pytest.approx(
            result.mean
        )
        return
    low, high = stats.t.interval(0.95, len(values) - 1, loc=data.mean(), scale=stats.sem(data))
    assert (result.low, result.high) == (pytest.approx(low), pytest.approx(high))


def test_mean_interval_small_samples() -> None:
    assert mean_interval(np.array([])).mean is None
    single = mean_interval(np.array([4.0]))
    assert single.mean == 4.0 and single.low is None


def test_cronbach_alpha_by_hand_and_on_complete_cases() -> None:
    # hand-computed: item variances 5/3, 19/12, 5/3; total variance 57/4 → α = 1.5·(1 − 59/12 / 57/4)
    items = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 5]], dtype=float)
    assert cronbach_alpha(items) == pytest.approx(1.5 * (1 - (59 / 12) / (57 / 4)))
    with_gaps = np.vstack([items, [[np.nan, 1, 5]]])
    assert cronbach_alpha(with_gaps) == pytest.approx(cronbach_alpha(items))
    assert cronbach_alpha(np.array([[3, 3], [3, 3]], dtype=float)) is None
    assert cronbach_alpha(np.array([[1, 2]], dtype=float)) is None


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_alpha_ignores_the_order_of_respondents(seed: int) -> None:
    rng = np.random.default_rng(seed)
    items = rng.integers(1, 6, size=(40, 5)).astype(float)
    shuffled = items[rng.permutation(40)]
    assert cronbach_alpha(shuffled) == pytest.approx(cronbach_alpha(items))
