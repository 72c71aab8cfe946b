"""Answer-pattern tests per group: stuffing is flagged, honest heterogeneous schools are not."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis.integrity import IDENTICAL, SPEEDING, pattern_flags

ITEMS = 12


def honest(seed: int = 7, groups: int = 30) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Answers, group of each row and speeding flags of schools that differ in satisfaction.

    Each school has a level; each parent a mood around it; a share of parents that grows with
    the level, up to a quarter in the most satisfied schools, answers every question 5 (so
    all-5 vectors are far more common there than in the campaign as a whole)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(40, 400, groups)
    levels = rng.permutation(np.linspace(3.0, 4.7, groups))
    rows, labels, speeding = [], [], []
    for g, (size, level) in enumerate(zip(sizes, levels, strict=True)):
        mood = level + rng.normal(0, 0.5, (size, 1))
        answers = np.clip(np.rint(rng.normal(mood, 0.8, (size, ITEMS))), 1, 5)
        answers[rng.random((size, ITEMS)) < 0.05] = 0
        lazy = rng.random(size) < 0.25 * (level - 3.0) / 1.7
        answers[lazy] = 5
        rows.append(answers.astype(np.uint8))
        labels.append(np.full(size, g))
        speeding.append(rng.random(size) < rng.beta(1, 24))
    return np.vstack(rows), np.concatenate(labels), np.concatenate(speeding)


def straight_lined(answers: np.ndarray) -> np.ndarray:
    answered = answers != 0
    high = np.where(answered, answers, 0).max(axis=1)
    low = np.where(answered, answers, 255).min(axis=1)
    return (answered.sum(axis=1) >= 8) & (high == low)


def stuff(answers, groups, speeding, group: int, count: int, vector=(5,) * ITEMS):
    return (
        np.vstack([answers, np.tile(np.array(vector, dtype=np.uint8), (count, 1))]),
        np.concatenate([groups, np.full(count, group)]),
        np.concatenate([speeding, np.ones(count, dtype=bool)]),
    )


@pytest.mark.parametrize(("seed", "schools"), [(7, 30), (8, 30), (9, 30), (15, 8)])
def test_honest_heterogeneous_schools_are_not_flagged(seed: int, schools: int) -> None:
    """Seed 15 has, among 8 schools, one where a quarter of the parents answer in under a
    minute while the other seven are alike: the spread is known from too few schools."""
    answers, groups, speeding = honest(seed, schools)
    straight = straight_lined(answers)
    assert pattern_flags(answers, groups, straight=straight, speeding=speeding) == []
    # ... although a plain binomial test against the pooled rate would flag some of them
    counts = np.bincount(groups[straight], minlength=schools)
    sizes = np.bincount(groups)
    plain = stats.binom.sf(counts - 1, sizes, straight.mean()) * len(sizes)
    assert (plain < 0.001).any()


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_a_stuffed_school_is_flagged_identical_and_only_it(seed: int) -> None:
    answers, groups, speeding = honest(seed)
    sizes = np.bincount(groups)
    target = int(np.argmin(sizes))
    # three all-5 forms for each honest one: three quarters all-5, where the most satisfied
    # honest schools have about a quarter
    answers, groups, speeding = stuff(answers, groups, speeding, target, 3 * sizes[target])
    flags = pattern_flags(answers, groups, straight=straight_lined(answers), speeding=speeding)
    assert {flag.group for flag in flags} == {target}
    identical = next(flag for flag in flags if flag.kind == IDENTICAL)
    assert identical.observed >= 3 * sizes[target]
    assert identical.size == 4 * sizes[target]
    assert identical.expected < identical.observed / 2
    assert identical.p_value < 0.001


def test_identical_vectors_that_are_not_straight_lined_are_flagged() -> None:
    answers, groups, speeding = honest()
    vector = (4, 5, 4, 4, 3, 5, 4, 4, 5, 4, 4, 3)
    answers, groups, _ = stuff(answers, groups, speeding, 3, 40, vector)
    flags = pattern_flags(answers, groups, straight=straight_lined(answers), speeding=None)
    assert [(flag.group, flag.kind, flag.observed) for flag in flags] == [(3, IDENTICAL, 40)]


def test_speeding_share_is_tested_only_when_given() -> None:
    answers, groups, speeding = honest()
    speeding = speeding.copy()
    speeding[groups == 5] = np.arange((groups == 5).sum()) % 4 != 0  # three quarters
    straight = straight_lined(answers)
    flags = pattern_flags(answers, groups, straight=straight, speeding=speeding)
    assert [(flag.group, flag.kind) for flag in flags] == [(5, SPEEDING)]
    assert pattern_flags(answers, groups, straight=straight, speeding=None) == []


def test_groups_under_min_size_are_never_flagged() -> None:
    answers, groups, speeding = honest()
    answers, groups, speeding = stuff(answers, groups, speeding, 99, 9)  # a group of 9 clones
    straight = straight_lined(answers)
    flags = pattern_flags(answers, groups, straight=straight, speeding=speeding, min_size=10)
    assert flags == []
    small = pattern_flags(answers, groups, straight=straight, speeding=speeding, min_size=9)
    assert {flag.group for flag in small} == {99}
    assert pattern_flags(answers, groups, straight=straight, speeding=speeding, min_size=500) == []


def test_fewer_than_three_groups_have_no_reference() -> None:
    answers, groups, speeding = honest()
    vector = (4, 5, 4, 4, 3, 5, 4, 4, 5, 4, 4, 3)
    answers, groups, speeding = stuff(answers, groups, speeding, 0, 40, vector)
    straight = straight_lined(answers)
    for count, expected in ((2, set()), (3, {(0, IDENTICAL)})):
        kept = groups < count
        flags = pattern_flags(
            answers[kept], groups[kept], straight=straight[kept], speeding=speeding[kept]
        )
        assert {(flag.group, flag.kind) for flag in flags} == expected


def test_a_form_without_scale_questions_is_tested_for_straight_lining_only() -> None:
    """A feedback form (choices and text, no scale) has no answer vector to compare: scoring
    it must not fail, and the other tests still run."""
    groups = np.repeat(np.arange(5), 40)
    straight = np.zeros(200, dtype=bool)
    speeding = np.zeros(200, dtype=bool)
    speeding[:30] = True
    flags = pattern_flags(
        np.zeros((200, 0), dtype=np.uint8), groups, straight=straight, speeding=speeding
    )
    assert [(flag.group, flag.kind) for flag in flags] == [(0, "speeding")]


def test_memory_grows_with_groups_not_with_their_square() -> None:
    """A national campaign tests 50,000 schools at once: every test works from sums over the
    groups, never from a group × group table (at 20,000 groups one would be 3.2 GB)."""
    import tracemalloc

    from analysis.integrity import pattern_tests

    rng = np.random.default_rng(5)
    groups = 20_000
    sizes = rng.integers(20, 60, groups)
    pair_group = np.repeat(np.arange(groups), 3)
    pair_vector = rng.integers(0, 5_000, pair_group.size)  # each school's own common answers
    pair_counts = np.tile([6, 3, 1], groups)
    tracemalloc.start()
    try:
        flags = pattern_tests(
            sizes,
            (pair_group, pair_vector, pair_counts),
            straight=rng.binomial(sizes, 0.05),
            speeding=rng.binomial(sizes, 0.05),
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert all(flag.group < groups for flag in flags)
