"""Comparisons (Holm, z tests, units against the rest of their parent, waves), sampling (margin
of error, sample size, response rate) and data-quality flags, against scipy and hand figures."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.comparisons import Difference, corrected, holm, two_proportion_test, z_test
from analysis.instrument import NA, Dimension, Instrument, ResponseData, ScaleItem
from analysis.quality import (
    REPEATED_DEVICE,
    SPEEDING,
    STRAIGHT_LINING,
    QualityPolicy,
    quality_flags,
)
from analysis.sampling import margin_of_error, response_rate, sample_size
from analysis.scores import TOP, Groups, compare_waves, score

Z = float(stats.norm.ppf(0.975))


def item(name: str, *, reverse: bool = False, overall: bool = False) -> ScaleItem:
    return ScaleItem(name, 5, 4, reverse=reverse, overall=overall)


def holm_step_down(p_values: list[float], alpha: float) -> set[int]:
    """Holm's procedure as first stated: walk the p-values upwards, reject while
    p₍ᵢ₎ ≤ α/(m − i + 1), stop at the first that is not."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    m = len(p_values)
    rejected: set[int] = set()
    for rank, index in enumerate(order):
        if p_values[index] > alpha / (m - rank):
            break
        rejected.add(index)
    return rejected


def holm_reference(p_values: list[float]) -> list[float]:
    """Adjusted p₍ᵢ₎ = max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    m = len(p_values)
    out = [0.0] * m
    for rank, index in enumerate(order):
        out[index] = max(min(1.0, (m - j) * p_values[order[j]]) for j in range(rank + 1))
    return out


# -- Holm ----------------------------------------------------------------------------------------


def test_holm_by_hand() -> None:
    assert holm([0.01, 0.02, 0.03, 0.5]) == pytest.approx([0.04, 0.06, 0.06, 0.5])
    assert holm([0.04, 0.01]) == pytest.approx([0.04, 0.02])
    assert holm([0.3, 0.9]) == pytest.approx([0.6, 0.9])
    assert holm([0.7, 0.8]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([]) == []
    # NaN stays NaN and does not count towards m
    adjusted = holm([0.01, math.nan, 0.04])
    assert adjusted[0] == pytest.approx(0.02) and adjusted[2] == pytest.approx(0.04)
    assert math.isnan(adjusted[1])


@settings(max_examples=300, deadline=None)
@given(
    p_values=st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=12),
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
)
def test_holm_agrees_with_the_step_down_procedure(p_values: list[float], alpha: float) -> None:
    """Adjusted ≤ α exactly for the hypotheses the step-down procedure rejects; adjusted values
    are ≥ the raw ones, ≤ 1, and equal the textbook max-of-products."""
    adjusted = holm(p_values)
    assert adjusted == pytest.approx(holm_reference(p_values), abs=1e-12)
    assert all(p <= q <= 1 for p, q in zip(p_values, adjusted, strict=True))
    rejected = {i for i, q in enumerate(adjusted) if q <= alpha}
    step_down = holm_step_down(p_values, alpha)
    # equal except for ties at the boundary, where the float product may fall either side
    boundary = {
        i
        for i, p in enumerate(p_values)
        if any(
            math.isclose(p * (len(p_values) - rank), alpha, rel_tol=1e-9)
            for rank in range(len(p_values))
        )
    }
    assert rejected - boundary == step_down - boundary


def test_corrected_calls_significant_only_after_holm() -> None:
    raw = [Difference(5.0, 0.03), Difference(-8.0, 0.001), Difference(1.0, 0.4)]
    out = corrected(raw)
    assert [d.p_adjusted for d in out] == pytest.approx([0.06, 0.003, 0.4])
    assert [d.significant for d in out] == [False, True, False]
    assert [d.difference for d in out] == [5.0, -8.0, 1.0]
    (lonely,) = corrected([Difference(math.nan, math.nan)])
    assert math.isnan(lonely.p_adjusted) and lonely.significant is False


# -- z tests -------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    difference=st.floats(-100, 100, allow_nan=False),
    error=st.floats(0.01, 50, allow_nan=False),
)
def test_z_test_matches_scipy(difference: float, error: float) -> None:
    result = z_test(difference, error)
    assert result.difference == difference
    assert result.p == pytest.approx(2 * stats.norm.sf(abs(difference) / error), abs=1e-12)


def test_z_test_degenerate() -> None:
    assert math.isnan(z_test(3.0, 0.0).p)
    assert math.isnan(z_test(math.nan, 1.0).p)
    assert math.isnan(z_test(3.0, math.nan).p)
    assert z_test(1.96 * 2, 2.0).p == pytest.approx(0.05, abs=1e-4)


@settings(max_examples=200, deadline=None)
@given(n1=st.integers(1, 500), n2=st.integers(1, 500), data=st.data())
def test_two_proportion_test_matches_pearson_chi_square(n1: int, n2: int, data: Any) -> None:
    """The pooled z test is Pearson's chi-square on the 2×2 table without continuity
    correction (z² = χ²)."""
    x1 = data.draw(st.integers(0, n1))
    x2 = data.draw(st.integers(0, n2))
    result = two_proportion_test(x1, n1, x2, n2)
    assert result.difference == pytest.approx(100 * (x1 / n1 - x2 / n2))
    if x1 + x2 in (0, n1 + n2):  # nobody or everybody satisfied: no difference to test
        assert result.p == 1.0
        return
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    expected = stats.chi2_contingency(table, correction=False).pvalue
    assert result.p == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_two_proportion_test_by_hand() -> None:
    # 90/100 against 75/100: pooled 0.825, se = √(0.825·0.175·0.02) = 0.05373, z = 2.792
    result = two_proportion_test(90, 100, 75, 100)
    z = 0.15 / math.sqrt(0.825 * 0.175 * 0.02)
    assert result.difference == pytest.approx(15.0)
    assert result.p == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert math.isnan(two_proportion_test(1, 0, 1, 2).p)


# -- margin of error, sample size, response rate --------------------------------------------------


def test_margin_of_error_by_hand() -> None:
    assert margin_of_error(0.5, 100, None) == pytest.approx(100 * Z * 0.05)
    assert margin_of_error(0.8, 50, 200) == pytest.approx(
        100 * Z * math.sqrt(0.8 * 0.2 / 50) * math.sqrt(150 / 199)
    )
    assert margin_of_error(0.5, 200, 200) == 0.0  # everyone asked
    assert margin_of_error(0.5, 250, 200) == 0.0  # more answers than expected
    assert margin_of_error(1.0, 30, None) == 0.0
    assert margin_of_error(0.5, 40, 1) == 0.0
    assert margin_of_error(0.5, 100, None, confidence=0.9) == pytest.approx(
        100 * stats.norm.ppf(0.95) * 0.05
    )
    with pytest.raises(ValueError):
        margin_of_error(0.5, 0, None)
    with pytest.raises(ValueError):
        margin_of_error(1.5, 10, None)


def test_sample_size_by_hand() -> None:
    """n₀ = z²p(1 − p)/e², n = n₀/(1 + (n₀ − 1)/N), rounded up (Cochran)."""
    assert sample_size(0.05) == 385  # 384.15
    assert sample_size(0.03) == 1068  # 1067.07
    assert sample_size(0.05, share=0.8) == 246  # 245.86
    assert sample_size(0.05, population=400) == 197  # 384.15 / 1.958
    assert sample_size(0.05, population=40) == 37
    assert sample_size(0.05, population=1) == 1
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError):
            sample_size(bad)
    with pytest.raises(ValueError):
        sample_size(0.05, population=0)


@settings(max_examples=200, deadline=None)
@given(
    margin=st.floats(0.01, 0.2),
    population=st.one_of(st.none(), st.integers(2, 20_000)),
    share=st.floats(0.05, 0.95),
)
def test_sample_size_is_the_smallest_that_reaches_the_margin(
    margin: float, population: int | None, share: float
) -> None:
    """The margin of error at the planned size is within the target, one response fewer is
    not (the finite-population correction of both being consistent)."""
    n = sample_size(margin, population, share)
    assert n >= 1
    if population is not None:
        assert n <= population
    reached = margin_of_error(share, n, population)
    # Cochran's n uses (N − 1)/N ≈ 1 in the correction: allow that rounding at small N
    slack = 1e-9 if population is None else 100 * margin * 2 / population
    assert reached <= 100 * margin + slack
    if n > 1:
        assert margin_of_error(share, n - 1, population) > 100 * margin - slack


def test_response_rate_function() -> None:
    rate = response_rate(45, 60, 0.8)
    assert rate.responses == 45 and rate.expected == 60 and rate.rate == 75.0
    assert rate.margin_of_error == pytest.approx(
        100 * Z * math.sqrt(0.16 / 45) * math.sqrt(15 / 59)
    )
    assert math.isnan(response_rate(0, 60, 0.5).margin_of_error)
    assert response_rate(60, 60, 0.5).margin_of_error == 0.0
    with pytest.raises(ValueError):
        response_rate(10, 0, 0.5)


# -- data-quality flags (docs/scoring.md) -------------------------------------------------------------

EIGHT = Instrument(
    "q",
    1,
    (*(item(f"q{i}", reverse=i == 7) for i in range(8)), item("extra")),
    (Dimension("d1", tuple(f"q{i}" for i in range(4))), Dimension("d2", ("q4", "q5", "q6", "q7"))),
)


def test_straight_lining() -> None:
    """At least 8 answered scale questions, all with the same (raw) answer; a blank or "na"
    is not an answer; the reverse item's raw answer counts as given."""
    rows = np.array(
        [
            [4] * 9,  # 9 answered, identical
            [4] * 8 + [0],  # 8 answered, identical
            [4] * 8 + [NA],  # "na" is no answer: still 8 identical
            [4] * 7 + [0, 0],  # only 7 answered
            [4] * 7 + [NA, 0],  # only 7 answered
            [4] * 8 + [5],  # one different
            [1] * 9,  # identical at the bottom
            [0] * 9,  # nothing answered
            [5, 5, 5, 5, 5, 5, 5, 1, 5],  # the same recoded (q7 reversed), not the same given
        ],
        dtype=np.uint8,
    )
    flags = quality_flags(EIGHT, ResponseData(rows), QualityPolicy())
    assert flags[STRAIGHT_LINING].tolist() == [
        True,
        True,
        True,
        False,
        False,
        False,
        True,
        False,
        False,
    ]
    assert quality_flags(EIGHT, ResponseData(rows), QualityPolicy(straight_min=9))[
        STRAIGHT_LINING
    ].tolist() == [True, False, False, False, False, False, True, False, False]
    assert not flags[SPEEDING].any() and not flags[REPEATED_DEVICE].any()


def test_speeding_and_repeated_device() -> None:
    """Speeding: 0 < bucket < speeding_below (0 is unknown); a repeated device: every response of
    a marker after its first (−1 is no marker)."""
    n = 8
    data = ResponseData(
        np.full((n, 9), 3, dtype=np.uint8) - np.eye(n, 9, dtype=np.uint8),
        duration_bucket=np.array([0, 1, 2, 3, 1, 0, 4, 2]),
        device=np.array([7, -1, 7, 3, -1, 3, 7, 9]),
    )
    flags = quality_flags(EIGHT, data, QualityPolicy())
    assert flags[SPEEDING].tolist() == [False, True, False, False, True, False, False, False]
    assert flags[REPEATED_DEVICE].tolist() == [False, False, True, False, False, True, True, False]
    slower = quality_flags(EIGHT, data, QualityPolicy(speeding_below=3))
    assert slower[SPEEDING].tolist() == [False, True, True, False, True, False, False, True]
    assert not flags[STRAIGHT_LINING].any()
    with pytest.raises(ValueError):
        QualityPolicy(exclude=frozenset({"typo"}))


def flagged_data(n: int = 40) -> ResponseData:
    """40 responses: rows 0–5 straight-lined (row 5 also a speeder), rows 5–8 speeders,
    device 1 on rows 10, 11, 12, device 2 on rows 13, 14."""
    rng = np.random.default_rng(8)
    scale = rng.integers(1, 6, size=(n, 9))
    scale[:, 0] = np.where(scale[:, 0] == scale[:, 1], scale[:, 0] % 5 + 1, scale[:, 0])
    scale[:6] = np.array([[5], [5], [4], [1], [5], [2]])  # straight-liners
    buckets = np.full(n, 3)
    buckets[5:9] = 1
    buckets[20:23] = 0  # unknown, not speeding
    device = np.full(n, -1)
    device[10:13] = 1
    device[13:15] = 2
    return ResponseData(scale.astype(np.uint8), duration_bucket=buckets, device=device)


def test_flags_are_counted_and_kept_by_default() -> None:
    data = flagged_data()
    result = score(EIGHT, data).json
    assert result["quality"] == {
        "straight_lining": 6,
        "speeding": 4,
        "repeated_device": 3,
        "excluded": 0,
        "policy": [],
        "patterns": [],  # one group: no other group to compare it with
    }
    assert result["n"] == 40


def test_excluded_responses_leave_the_numbers_but_stay_counted() -> None:
    """policy.exclude: every number is that of the responses left; the flag counts still
    cover every response (docs/scoring.md)."""
    data = flagged_data()
    policy = QualityPolicy(exclude=frozenset({STRAIGHT_LINING, SPEEDING}))
    result = score(EIGHT, data, policy=policy).json
    keep = np.ones(40, dtype=bool)
    keep[:9] = False  # rows 0–5 straight, 5–8 speeding: 9 responses
    reference = score(EIGHT, data.take(np.flatnonzero(keep))).json
    assert result["quality"] == {
        "straight_lining": 6,
        "speeding": 4,
        "repeated_device": 3,
        "excluded": 9,
        "policy": ["speeding", "straight_lining"],
        "patterns": [],
    }
    assert result["n"] == 31
    assert {**result, "quality": None} == {**reference, "quality": None}
    devices = score(EIGHT, data, policy=QualityPolicy(exclude=frozenset({REPEATED_DEVICE})))
    assert devices.json["n"] == 37 and devices.json["quality"]["excluded"] == 3


def test_quality_counts_per_group() -> None:
    data = flagged_data()
    groups = Groups.flat(["a"] * 20 + ["b"] * 20)
    result = score(EIGHT, data, groups=groups).json
    assert result["groups"]["a"]["quality"]["straight_lining"] == 6
    assert result["groups"]["b"]["quality"]["straight_lining"] == 0
    assert result["groups"]["a"]["quality"]["repeated_device"] == 3
    assert result["quality"]["speeding"] == 4


# -- a unit against the rest of its parent (docs/scoring.md) ------------------------------------------

ONE = Instrument("one", 1, (item("a"),), (Dimension("d", ("a",)),))


def units(satisfied: list[int], size: int = 100) -> tuple[ResponseData, Groups]:
    """One child of a parent P per entry, ``size`` respondents each, ``satisfied`` of them
    answering 5 and the others 2."""
    rows: list[int] = []
    of: list[int] = []
    for unit, count in enumerate(satisfied):
        rows += [5] * count + [2] * (size - count)
        of += [unit + 1] * size
    keys = ("P", *(f"u{i}" for i in range(len(satisfied))))
    groups = Groups(keys, (-1, *[0] * len(satisfied)), np.array(of))
    return ResponseData(np.array(rows, dtype=np.uint8)[:, None]), groups


def test_unit_against_the_rest_of_its_parent() -> None:
    """Ten similar schools and one clearly worse: only the worse one is significant after Holm;
    the difference is against the pooled rest of the parent; p_adjusted is Holm over the
    siblings; the p-values agree with a Wald test of the two shares."""
    satisfied = [78, 80, 82, 79, 81, 80, 77, 84, 80, 80, 30]
    data, groups = units(satisfied)
    result = score(ONE, data, groups=groups).json
    assert "comparison" not in result["groups"]["P"]  # P is all of its parent
    comparisons = [result["groups"][f"u{i}"]["comparison"] for i in range(len(satisfied))]
    total = sum(satisfied)
    for count, comparison in zip(satisfied, comparisons, strict=True):
        assert comparison["against"] == "rest_of_parent"
        rest = (total - count) / (100 * (len(satisfied) - 1))
        overall = comparison["overall"]
        assert overall["difference"] == pytest.approx(count - 100 * rest, abs=0.051)
        assert comparison["dimensions"]["d"]["difference"] == overall["difference"]
        error = math.sqrt(count / 100 * (1 - count / 100) / 100 + rest * (1 - rest) / 1000)
        wald = 2 * stats.norm.sf(abs(count / 100 - rest) / error)
        assert overall["p"] == pytest.approx(wald, abs=0.03)
    raw = [c["overall"]["p"] for c in comparisons]
    for comparison, adjusted in zip(comparisons, holm_reference(raw), strict=True):
        assert comparison["overall"]["p_adjusted"] == pytest.approx(adjusted, abs=1e-3)
    assert comparisons[-1]["overall"]["significant"] is True
    assert comparisons[-1]["overall"]["difference"] < -40
    assert not any(c["overall"]["significant"] for c in comparisons[:-1])
    # u7 (84 against 74.7) is under 5 % alone, not once eleven units are compared
    assert comparisons[7]["overall"]["p"] < 0.05 < comparisons[7]["overall"]["p_adjusted"]


def test_comparisons_only_where_the_rest_is_shown() -> None:
    """Every shown unit with a shown rest is compared; a suppressed unit carries no comparison,
    nor does a unit that is all of its parent."""
    data, groups = units([5, 40, 45], size=50)
    result = score(ONE, data, groups=groups, k=10).json
    assert all("comparison" in result["groups"][f"u{i}"] for i in range(3))
    few = ResponseData(np.array([5] * 60 + [2] * 8, dtype=np.uint8)[:, None])
    groups = Groups(("P", "big", "small"), (-1, 0, 0), np.array([1] * 60 + [2] * 8))
    result = score(ONE, few, groups=groups, k=10).json
    assert result["groups"]["small"] == {"suppressed": True, "n_below": 10}
    assert result["groups"]["big"] == {"suppressed": True, "n_below": 10}  # 68 − 60 = 8
    assert "comparison" not in result["groups"]["P"]


def test_unanimous_units_still_compare() -> None:
    """A unanimous unit against a unanimous rest, 100 points apart, is a difference."""
    data = ResponseData(np.array([5] * 10 + [2] * 30, dtype=np.uint8)[:, None])
    groups = Groups(("P", "u0", "u1"), (-1, 0, 0), np.array([1] * 10 + [2] * 30))
    result = score(ONE, data, groups=groups).json
    comparison = result["groups"]["u0"]["comparison"]["overall"]
    assert comparison["difference"] == 100.0
    assert comparison["significant"] is True


# -- a campaign against the previous one -----------------------------------------------------------


def wave(satisfied: dict[str, int], n: int, dimensions: tuple[Dimension, ...], seed: int) -> Any:
    """The whole-set summary of a wave where ``satisfied[q]`` of ``n`` answer question q
    with 4 or 5, the others with 1–3 (order shuffled per question)."""
    rng = np.random.default_rng(seed)
    columns = []
    for count in satisfied.values():
        column = np.r_[rng.integers(4, 6, count), rng.integers(1, 4, n - count)]
        columns.append(rng.permutation(column))
    instrument = Instrument("w", 1, tuple(item(q) for q in satisfied), dimensions)
    data = ResponseData(np.column_stack(columns).astype(np.uint8))
    return score(instrument, data).summaries[TOP]


def test_compare_waves_finds_a_clear_improvement_and_matches_by_id() -> None:
    current = wave(
        {"a": 270, "b": 260, "c": 250, "new": 100},
        300,
        (Dimension("d1", ("a", "b")), Dimension("d2", ("c",))),
        seed=1,
    )
    previous = wave(
        {"a": 180, "b": 190, "c": 200, "old": 150},
        300,
        (Dimension("d1", ("a", "b")), Dimension("d3", ("c", "old"))),
        seed=2,
    )
    result = compare_waves(current, previous)
    assert set(result) == {"overall", "dimensions", "questions"}
    assert set(result["dimensions"]) == {"d1"}
    assert set(result["questions"]) == {"a", "b", "c"}
    overall = result["overall"]
    assert overall["difference"] == pytest.approx(current.overall - previous.overall, abs=0.051)
    assert overall["difference"] > 15 and overall["significant"] is True
    raw = [
        2
        * stats.norm.sf(
            abs(current.overall - previous.overall)
            / math.hypot(current.overall_se, previous.overall_se)
        ),
        2
        * stats.norm.sf(
            abs(current.dimensions["d1"][0] - previous.dimensions["d1"][0])
            / math.hypot(current.dimensions["d1"][1], previous.dimensions["d1"][1])
        ),
    ]
    for question in ("a", "b", "c"):
        x1, n1 = current.satisfied[question]
        x2, n2 = previous.satisfied[question]
        table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
        raw.append(stats.chi2_contingency(table, correction=False).pvalue)
        entry = result["questions"][question]
        assert entry["difference"] == pytest.approx(100 * (x1 / n1 - x2 / n2), abs=0.051)
        assert entry["p"] == pytest.approx(raw[-1], abs=5e-5)
    assert current.satisfied["a"] == (270, 300) and previous.satisfied["a"] == (180, 300)
    statistics = [overall, result["dimensions"]["d1"], *result["questions"].values()]
    for entry, p, adjusted in zip(statistics, raw, holm_reference(raw), strict=True):
        assert entry["p"] == pytest.approx(p, abs=5e-5)
        assert entry["p_adjusted"] == pytest.approx(adjusted, abs=5e-5)
        assert entry["significant"] is bool(adjusted <= 0.05)
    assert all(entry["significant"] for entry in statistics)


def test_compare_waves_with_the_same_answers_finds_nothing() -> None:
    dimensions = (Dimension("d1", ("a", "b")),)
    current = wave({"a": 240, "b": 250}, 300, dimensions, seed=3)
    previous = wave({"a": 240, "b": 250}, 300, dimensions, seed=4)
    result = compare_waves(current, previous)
    entries = [result["overall"], *result["dimensions"].values(), *result["questions"].values()]
    assert len(entries) == 4
    assert all(entry["difference"] == 0.0 for entry in entries)
    assert not any(entry["significant"] for entry in entries)
    assert result["questions"]["a"]["p"] == 1.0
