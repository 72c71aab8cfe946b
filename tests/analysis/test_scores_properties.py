"""Properties of ``analysis.scores.score`` over generated unit trees and answers (hypothesis).

The tree shape, the group sizes, k and the policy are drawn by hypothesis; the answers
themselves come from a numpy generator seeded by hypothesis, so that a few hundred answers cost
one draw. Each property runs the full pipeline with the minimum of 1,000 bootstrap resamples.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.instrument import NA, ChoiceItem, Dimension, Instrument, ResponseData, ScaleItem
from analysis.quality import FLAGS, SPEEDING, STRAIGHT_LINING, QualityPolicy, quality_flags
from analysis.scores import TOP, Groups, score

INSTRUMENT = Instrument(
    "prop",
    2,
    (
        *(ScaleItem(f"q{i}", 5, 4, reverse=i == 4) for i in range(8)),
        ScaleItem("g", 5, 4, overall=True),
    ),
    (
        Dimension("d1", ("q0", "q1", "q2")),
        Dimension("d2", ("q3", "q4", "q5")),
        Dimension("d3", ("q6", "q7"), weight=2.0),
    ),
    (ChoiceItem("kind", "single", ("a", "b", "c")), ChoiceItem("topics", "multi", ("w", "x", "y"))),
)


@dataclass(frozen=True)
class Case:
    """A generated unit tree with its responses."""

    groups: Groups
    own: tuple[int, ...]  # respondents attached to each group itself
    data: ResponseData
    k: int
    policy: QualityPolicy

    def subtree_counts(self) -> dict[str, int]:
        """Respondents per group key, a parent counting its whole subtree; ``TOP`` for all."""
        counts = list(self.own)
        for node in reversed(range(len(counts))):
            parent = self.groups.parents[node]
            if parent >= 0:
                counts[parent] += counts[node]
        out = dict(zip(self.groups.keys, counts, strict=True))
        out[TOP] = sum(self.own)
        return out

    def parent_of(self, key: str) -> str:
        parent = self.groups.parents[self.groups.keys.index(key)]
        return TOP if parent < 0 else self.groups.keys[parent]


def answers(rng: np.random.Generator, of: np.ndarray) -> ResponseData:
    """Plausible answers: mostly satisfied, some blanks and "na", a few straight-liners,
    speeders and devices seen more than once (a device marker stays within its group)."""
    n = len(of)
    scale = rng.choice([1, 2, 3, 4, 5], p=[0.05, 0.1, 0.2, 0.4, 0.25], size=(n, 9))
    scale[rng.random((n, 9)) < 0.1] = 0
    scale[rng.random((n, 9)) < 0.04] = NA
    straight = rng.random(n) < 0.1
    scale[straight] = rng.integers(1, 6, size=(int(straight.sum()), 1))
    kind = rng.integers(0, 4, size=n)
    topics = rng.random((n, 3)) < 0.4
    return ResponseData(
        scale=scale.astype(np.uint8),
        choices={"kind": kind, "topics": topics},
        duration_bucket=rng.integers(0, 5, size=n),
        device=np.where(rng.random(n) < 0.3, rng.integers(0, 4, size=n) + 10 * of, -1),
    )


@st.composite
def cases(
    draw: st.DrawFn, max_groups: int = 6, max_own: int = 25, flags: tuple[str, ...] = FLAGS
) -> Case:
    size = draw(st.integers(1, max_groups))
    parents = tuple(draw(st.integers(-1, node - 1)) for node in range(size))
    own = tuple(draw(st.lists(st.integers(0, max_own), min_size=size, max_size=size)))
    k = draw(st.integers(5, 12))
    exclude = draw(st.sets(st.sampled_from(flags)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    of = np.repeat(np.arange(size), own)
    data = answers(rng, of)
    keys = tuple(f"u{node}" for node in range(size))
    expected = tuple(draw(st.one_of(st.none(), st.integers(1, 60))) for _ in range(size))
    groups = Groups(keys, parents, of, expected)
    return Case(groups, own, data, k, QualityPolicy(exclude=frozenset(exclude)))


def run(case: Case) -> dict[str, Any]:
    return score(INSTRUMENT, case.data, k=case.k, groups=case.groups, policy=case.policy).json


# -- permutations --------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(case=cases(flags=(STRAIGHT_LINING, SPEEDING)), seed=st.integers(0, 2**32 - 1))
def test_order_of_respondents_changes_nothing(case: Case, seed: int) -> None:
    """The same responses in another order, each in the same group: the same JSON, intervals
    included. Which response of a device counts as the repeat is the later one by definition,
    so device markers stay within a group and repeated devices are not excluded here."""
    order = np.random.default_rng(seed).permutation(len(case.data))
    shuffled = Case(
        Groups(case.groups.keys, case.groups.parents, case.groups.of[order], case.groups.expected),
        case.own,
        case.data.take(order),
        case.k,
        case.policy,
    )
    first = score(INSTRUMENT, case.data, k=case.k, groups=case.groups, policy=case.policy)
    second = score(INSTRUMENT, shuffled.data, k=case.k, groups=shuffled.groups, policy=case.policy)
    assert second.json == first.json
    assert second.summaries == first.summaries


# -- reverse items -------------------------------------------------------------------------------


@st.composite
def reverse_cases(draw: st.DrawFn) -> tuple[list[ScaleItem], list[bool], np.ndarray]:
    """2–6 items of 5 or 7 points with satisfied_from, some reversed, and raw answers."""
    width = draw(st.integers(2, 6))
    points = [draw(st.sampled_from([5, 7])) for _ in range(width)]
    items = [ScaleItem(f"q{i}", p, 4 if p == 5 else 5) for i, p in enumerate(points)]
    reverse = [draw(st.booleans()) for _ in range(width)]
    n = draw(st.integers(10, 80))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    raw = np.column_stack([rng.integers(1, p + 1, size=n) for p in points])
    raw[rng.random(raw.shape) < 0.1] = 0
    raw[rng.random(raw.shape) < 0.05] = NA
    return items, reverse, raw.astype(np.uint8)


def mirrored(items: list[ScaleItem], reverse: list[bool], raw: np.ndarray) -> np.ndarray:
    """The answers n + 1 − v on the reversed columns, blanks and "na" untouched."""
    out = raw.copy()
    for column, (item, flipped) in enumerate(zip(items, reverse, strict=True)):
        values = out[:, column]
        answered = (values != 0) & (values != NA)
        if flipped:
            values[answered] = item.points + 1 - values[answered]
    return out


def instrument_for(items: list[ScaleItem], reverse: list[bool]) -> Instrument:
    scale_items = tuple(
        ScaleItem(item.id, item.points, item.satisfied_from, reverse=flipped)
        for item, flipped in zip(items, reverse, strict=True)
    )
    half = max(1, len(items) // 2)
    ids = [item.id for item in items]
    dimensions = (Dimension("d1", tuple(ids[:half])), Dimension("d2", tuple(ids[half:]), 2.0))
    return Instrument("rev", 1, scale_items, dimensions if ids[half:] else dimensions[:1])


def without_bootstrap(document: dict[str, Any]) -> dict[str, Any]:
    """The JSON with the bootstrap intervals of the indices left out."""
    out = {**document, "overall": {**document["overall"], "ci": None}}
    out["dimensions"] = [{**d, "ci": None} for d in document["dimensions"]]
    return out


@settings(max_examples=30, deadline=None)
@given(case=reverse_cases())
def test_reverse_answer_equals_mirrored_answer_on_a_normal_item(
    case: tuple[list[ScaleItem], list[bool], np.ndarray],
) -> None:
    """Answer v on a reverse item gives the numbers of answer n + 1 − v on a normal item: every
    count, mean, share, interval of a question, index, alpha (bootstrap intervals of indices: see
    the next test)."""
    items, reverse, raw = case
    as_reverse = score(instrument_for(items, reverse), ResponseData(raw)).json
    as_normal = score(
        instrument_for(items, [False] * len(items)), ResponseData(mirrored(items, reverse, raw))
    ).json
    assert without_bootstrap(as_reverse) == without_bootstrap(as_normal)


def test_reverse_answer_gives_the_same_bootstrap_intervals() -> None:
    """The recoding comes before anything else, the bootstrap included (docs/scoring.md)."""
    rng = np.random.default_rng(5)
    raw = rng.integers(0, 6, size=(60, 3)).astype(np.uint8)
    items = [ScaleItem(f"q{i}", 5, 4) for i in range(3)]
    reverse = [False, True, False]
    as_reverse = score(instrument_for(items, reverse), ResponseData(raw)).json
    as_normal = score(
        instrument_for(items, [False] * 3), ResponseData(mirrored(items, reverse, raw))
    ).json
    assert without_bootstrap(as_reverse) == without_bootstrap(as_normal)
    assert as_reverse == as_normal


# -- suppression ---------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(case=cases(max_groups=7, max_own=20))
def test_no_suppressed_group_leaks_a_number(case: Case) -> None:
    """A suppressed group is exactly ``{"suppressed": true, "n_below": k}``; every group under k
    is suppressed; a shown group shows its true count; under every shown group of k or more,
    its count minus its shown children's is 0 or at least k."""
    result = score(INSTRUMENT, case.data, k=case.k, groups=case.groups, policy=case.policy)
    document = result.json
    excluded = np.zeros(len(case.data), dtype=bool)
    flags = quality_flags(INSTRUMENT, case.data, case.policy)
    for name in case.policy.exclude:
        excluded |= flags[name]
    own = np.bincount(case.groups.of[~excluded], minlength=len(case.groups.keys))
    kept = replace(case, own=tuple(int(n) for n in own))  # the numbers count kept responses
    counts = kept.subtree_counts()
    if counts[TOP] < case.k:
        assert document == {
            "questionnaire": "prop",
            "version": 2,
            "k": case.k,
            "suppressed": True,
            "n_below": case.k,
        }
        assert result.summaries == {}
        return
    assert document["n"] == counts[TOP]
    shown = {TOP: counts[TOP]}
    for key, body in document["groups"].items():
        if body.get("suppressed"):
            assert body == {"suppressed": True, "n_below": case.k}
            continue
        assert body["suppressed"] is False and body["n"] == counts[key] >= case.k
        shown[key] = body["n"]
    assert set(result.summaries) == set(shown)
    for key, n in counts.items():
        if 0 < n < case.k:
            assert key not in shown
    for parent, n in shown.items():
        children = [key for key in shown if key != TOP and kept.parent_of(key) == parent]
        recovered = n - sum(shown[child] for child in children)
        assert recovered == 0 or recovered >= case.k, (parent, counts, sorted(shown))


# -- ranges --------------------------------------------------------------------------------------

PERCENT_KEYS = {"index", "satisfied", "share", "margin_of_error"}
INTERVAL_KEYS = {"ci", "satisfied_ci"}


def walk(node: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """Every (path, key, value) of a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from walk(value, f"{path}/{position}")


@settings(max_examples=30, deadline=None)
@given(case=cases())
def test_indices_shares_and_bounds_stay_in_range(case: Case) -> None:
    """Every index, share and interval bound is within [0, 100], every interval is ordered,
    p-values are probabilities and Holm never lowers one."""
    document = run(case)
    for path, key, value in walk(document):
        if value is None:
            continue
        if key in PERCENT_KEYS:
            assert 0 <= value <= 100, (path, key, value)
        elif key in INTERVAL_KEYS:
            low, high = value
            assert 0 <= low <= high <= 100, (path, key, value)
        elif key == "percent":
            assert all(v is None or 0 <= v <= 100 for v in value.values()), (path, value)
        elif key == "difference":
            assert -100 <= value <= 100, (path, value)
        elif key == "p":
            assert 0 <= value <= 1
        elif key == "alpha":
            assert value <= 1
    for path, _, value in walk(document):
        if isinstance(value, dict) and "p_adjusted" in value and value["p"] is not None:
            assert value["p"] <= value["p_adjusted"] <= 1, (path, value)
