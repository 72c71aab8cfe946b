"""``analysis.scores.score`` on small hand-computed cases, checked against scipy and numpy.

Every expected number here is computed independently of the library: by hand, with
``scipy.stats`` (t and Wilson intervals) or with a few lines of numpy (Cronbach's alpha, a naive
multinomial bootstrap). The JSON is the docs/scoring.md format, the method docs/scoring.md.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats
from scipy.stats import binomtest

from analysis.instrument import NA, ChoiceItem, Dimension, Instrument, ResponseData, ScaleItem
from analysis.scores import TOP, Groups, score

SUPPRESSED = {"suppressed": True, "n_below": 10}


def item(name: str, *, points: int = 5, reverse: bool = False, overall: bool = False) -> ScaleItem:
    """A rated scale question: satisfied from 4 on five points (from 5 on seven)."""
    return ScaleItem(name, points, 4 if points == 5 else 5, reverse=reverse, overall=overall)


def codes(rows: list[list[int]]) -> np.ndarray:
    return np.array(rows, dtype=np.uint8)


def close(value: float | None, expected: float, digits: int = 1) -> bool:
    """``value`` is ``expected`` rounded to ``digits`` decimals (half a unit of slack)."""
    assert value is not None
    return abs(value - expected) <= 0.5 * 10**-digits + 1e-9


def wilson_percent(successes: int, n: int) -> tuple[float, float]:
    interval = binomtest(successes, n).proportion_ci(method="wilson")
    return 100 * interval.low, 100 * interval.high


def t_interval(values: np.ndarray) -> tuple[float, float]:
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    return float(low), float(high)


def numpy_alpha(matrix: np.ndarray) -> float:
    """Cronbach's alpha straight from its definition, on complete rows."""
    complete = matrix[(matrix > 0).all(axis=1)].astype(float)
    k = complete.shape[1]
    item_variances = complete.var(axis=0, ddof=1).sum()
    total_variance = complete.sum(axis=1).var(ddof=1)
    return k / (k - 1) * (1 - item_variances / total_variance)


def one_item(values: list[int], **options: Any) -> dict[str, Any]:
    """Scores of a one-question, one-dimension instrument."""
    instrument = Instrument("s", 1, (item("a"),), (Dimension("d", ("a",)),))
    return score(instrument, ResponseData(codes([[v] for v in values])), **options).json


# -- per question (docs/scoring.md) -----------------------------------------------------------------


def test_question_statistics_by_hand() -> None:
    """n, na, missing, counts, mean with its t-interval, satisfied with its Wilson interval."""
    answers = [5, 5, 4, 4, 4, 3, 2, 1, 0, 0, NA, 4]
    question = one_item(answers)["questions"][0]
    valid = np.array([v for v in answers if v not in (0, NA)], dtype=float)
    assert (question["id"], question["n"], question["na"], question["missing"]) == ("a", 9, 1, 2)
    assert question["counts"] == {"1": 1, "2": 1, "3": 1, "4": 4, "5": 2}
    assert close(question["mean"], 32 / 9, 2)
    low, high = t_interval(valid)
    assert close(question["mean_ci"][0], low, 2) and close(question["mean_ci"][1], high, 2)
    assert close(question["satisfied"], 100 * 6 / 9)
    low, high = wilson_percent(6, 9)
    assert close(question["satisfied_ci"][0], low) and close(question["satisfied_ci"][1], high)


def test_question_edges() -> None:
    """Everyone the same: a zero-width t-interval and a Wilson interval reaching 100."""
    question = one_item([5] * 12)["questions"][0]
    assert question["mean"] == 5.0 and question["mean_ci"] == [5.0, 5.0]
    assert question["satisfied"] == 100.0
    low, _ = wilson_percent(12, 12)
    assert close(question["satisfied_ci"][0], low) and question["satisfied_ci"][1] == 100.0
    nobody = one_item([0] * 6 + [NA] * 6)["questions"][0]
    assert (nobody["n"], nobody["na"], nobody["missing"]) == (0, 6, 6)
    assert nobody["mean"] is None and nobody["mean_ci"] is None
    assert nobody["satisfied"] is None and nobody["satisfied_ci"] is None


def test_reverse_item_is_recoded_and_counts_are_recoded() -> None:
    """A reverse answer v counts as n + 1 − v everywhere, counts included (docs/scoring.md)."""
    instrument = Instrument(
        "s", 1, (item("r", reverse=True), item("s", points=7, reverse=True)), ()
    )
    raw = codes([[1, 1]] * 6 + [[2, 7]] * 3 + [[5, 3]] * 2 + [[0, NA]])
    questions = score(instrument, ResponseData(raw)).json["questions"]
    five, seven = questions
    assert five["counts"] == {"1": 2, "2": 0, "3": 0, "4": 3, "5": 6}
    assert (five["n"], five["missing"], five["na"]) == (11, 1, 0)
    assert close(five["mean"], (6 * 5 + 3 * 4 + 2 * 1) / 11, 2)
    assert close(five["satisfied"], 100 * 9 / 11)
    assert seven["counts"] == {"1": 3, "2": 0, "3": 0, "4": 0, "5": 2, "6": 0, "7": 6}
    assert (seven["n"], seven["na"]) == (11, 1)
    assert close(seven["satisfied"], 100 * 8 / 11)


# -- dimensions and overall (docs/scoring.md) ---------------------------------------------------

# columns a, b (dimension d1, weight 1), c, e (d2, weight 3; e never answered), g (overall question)
HAND = codes(
    [
        [5, 5, 4, 0, 5],
        [5, 4, 4, 0, 4],
        [4, 4, 4, 0, 4],
        [4, 1, 1, 0, 5],
        [4, 2, 2, 0, 4],
        [5, 0, 2, 0, 5],
        [4, 0, 3, 0, 4],
        [4, 0, 1, 0, 2],
        [1, 0, 0, 0, 1],
        [0, 0, 2, 0, NA],
    ]
)
HAND_INSTRUMENT = Instrument(
    "hand",
    3,
    (item("a"), item("b"), item("c"), item("e"), item("g", overall=True)),
    (Dimension("d1", ("a", "b")), Dimension("d2", ("c", "e"), weight=3.0)),
)


def test_dimension_and_overall_indices_by_hand() -> None:
    """A dimension averages its items' shares (not the pooled answers), an item nobody answered
    is left out, and the overall index weighs the dimensions."""
    result = score(HAND_INSTRUMENT, ResponseData(HAND)).json
    d1, d2 = result["dimensions"]
    # a: 8 of 9 satisfied; b: 3 of 5 (pooled would be 11/14 = 78.6)
    assert d1["id"] == "d1" and close(d1["index"], (100 * 8 / 9 + 60) / 2)
    # c: 3 of 9; e has no valid answer and does not count as 0
    assert d2["id"] == "d2" and close(d2["index"], 100 * 3 / 9)
    assert close(result["overall"]["index"], ((100 * 8 / 9 + 60) / 2 + 3 * 100 * 3 / 9) / 4)
    # respondents with at least one valid answer in the dimension, and in any dimension
    assert (d1["n"], d2["n"], result["overall"]["n"], result["n"]) == (9, 9, 10, 10)


def test_overall_question_and_fully_satisfied() -> None:
    """The overall question is reported beside the index (Chỉ số hài lòng chung), not in it;
    fully satisfied = every valid rated answer satisfied, among those with one."""
    overall = score(HAND_INSTRUMENT, ResponseData(HAND)).json["overall"]
    general = overall["general"]
    assert general["question"] == "g" and general["n"] == 9
    assert close(general["satisfied"], 100 * 7 / 9)
    low, high = wilson_percent(7, 9)
    assert close(general["satisfied_ci"][0], low) and close(general["satisfied_ci"][1], high)
    valid = (HAND > 0) & (HAND != NA)
    fully = (valid.any(axis=1) & ~(valid & (HAND < 4)).any(axis=1)).sum()
    assert fully == 3
    assert overall["fully_satisfied"]["n"] == 10
    assert close(overall["fully_satisfied"]["share"], 30.0)
    low, high = wilson_percent(3, 10)
    assert close(overall["fully_satisfied"]["ci"][0], low)
    assert close(overall["fully_satisfied"]["ci"][1], high)


def test_cronbach_alpha_on_complete_cases() -> None:
    """Alpha of d1 on the five rows answering both a and b; null when no complete case."""
    d1, d2 = score(HAND_INSTRUMENT, ResponseData(HAND)).json["dimensions"]
    expected = numpy_alpha(HAND[:, :2])
    assert d1["alpha"] == pytest.approx(expected, abs=5e-4)
    assert d1["alpha_warning"] is bool(expected < 0.7)
    assert d2["alpha"] is None and d2["alpha_warning"] is False


def test_alpha_warning_threshold_and_nulls() -> None:
    """Consistent items: alpha above 0.7, no warning; unrelated items: a warning; one item or a
    single complete case: null (docs/scoring.md)."""
    rng = np.random.default_rng(11)
    level = rng.integers(1, 6, size=60)
    consistent = np.stack([level, np.clip(level + rng.integers(-1, 2, 60), 1, 5), level], axis=1)
    unrelated = rng.integers(1, 6, size=(60, 3))
    items = tuple(item(name) for name in ("a", "b", "c", "x", "y", "z", "o"))
    instrument = Instrument(
        "s",
        1,
        items,
        (
            Dimension("consistent", ("a", "b", "c")),
            Dimension("unrelated", ("x", "y", "z")),
            Dimension("single", ("o",)),
        ),
    )
    answers = np.concatenate([consistent, unrelated, level[:, None]], axis=1).astype(np.uint8)
    first, second, single = score(instrument, ResponseData(answers)).json["dimensions"]
    assert first["alpha"] == pytest.approx(numpy_alpha(consistent), abs=5e-4)
    assert first["alpha"] >= 0.7 and first["alpha_warning"] is False
    assert second["alpha"] == pytest.approx(numpy_alpha(unrelated), abs=5e-4)
    assert second["alpha"] < 0.7 and second["alpha_warning"] is True
    assert single["alpha"] is None and single["alpha_warning"] is False

    # only one respondent answers both items of the dimension
    pair = Instrument("s", 1, (item("a"), item("b")), (Dimension("d", ("a", "b")),))
    lonely = codes([[4, 5]] + [[4, 0]] * 6 + [[0, 3]] * 6)
    (dimension,) = score(pair, ResponseData(lonely)).json["dimensions"]
    assert dimension["alpha"] is None and dimension["n"] == 13


def test_dimension_without_any_answer_leaves_the_overall_index() -> None:
    """A dimension with no valid answer has no index and does not pull the overall to 0."""
    instrument = Instrument(
        "s", 1, (item("a"), item("b")), (Dimension("d1", ("a",)), Dimension("d2", ("b",), 5.0))
    )
    result = score(instrument, ResponseData(codes([[4, 0]] * 8 + [[2, NA]] * 4))).json
    d1, d2 = result["dimensions"]
    assert close(d1["index"], 100 * 8 / 12)
    assert d2["index"] is None and d2["ci"] is None and d2["n"] == 0
    assert close(result["overall"]["index"], 100 * 8 / 12)


# -- choices and response rate --------------------------------------------------------------------


def test_choice_distributions() -> None:
    """Single: counts per option, blanks as missing; multi: every option chosen counts once,
    never the combination; yes/no: 1 = no, 2 = yes; shares of those who answered."""
    instrument = Instrument(
        "s",
        1,
        (item("a"),),
        (Dimension("d", ("a",)),),
        (
            ChoiceItem("one", "single", ("x", "y", "z")),
            ChoiceItem("many", "multi", ("p", "q", "r")),
            ChoiceItem("yes", "yes_no", ("no", "yes")),
        ),
    )
    n = 12
    single = np.array([1, 1, 1, 2, 2, 3, 0, 0, 1, 2, 1, 3])
    multi = np.zeros((n, 3), dtype=bool)
    multi[:5, 0] = True  # p alone or with q
    multi[2:8, 1] = True  # q
    multi[9, 2] = True  # r alone; rows 8, 10 and 11 choose nothing
    yes_no = np.array([2] * 7 + [1] * 3 + [0] * 2)
    data = ResponseData(codes([[4]] * n), choices={"one": single, "many": multi, "yes": yes_no})
    one, many, yes = score(instrument, data).json["choices"]
    assert one == {
        "id": "one",
        "type": "single",
        "n": 10,
        "missing": 2,
        "counts": {"x": 5, "y": 3, "z": 2},
        "percent": {"x": 50.0, "y": 30.0, "z": 20.0},
    }
    assert many["type"] == "multi" and many["n"] == 9
    assert many["counts"] == {"p": 5, "q": 6, "r": 1}
    assert many["percent"] == {"p": 55.6, "q": 66.7, "r": 11.1}
    assert sum(many["counts"].values()) > many["n"]  # options, not combinations
    assert yes["n"] == 10 and yes["missing"] == 2 and yes["counts"] == {"no": 3, "yes": 7}
    assert yes["percent"] == {"no": 30.0, "yes": 70.0}


def moe(share: float, n: int, population: int) -> float:
    """z·√(p(1 − p)/n)·√((N − n)/(N − 1)) in points, z from scipy."""
    z = stats.norm.ppf(0.975)
    return (
        100
        * z
        * math.sqrt(share * (1 - share) / n)
        * math.sqrt((population - n) / (population - 1))
    )


def test_response_rate_with_finite_population_correction() -> None:
    """responses / expected, and the margin of error of the overall question's satisfied share
    with the finite-population correction; asking everyone leaves no sampling error."""
    instrument = Instrument("s", 1, (item("a"), item("g", overall=True)), (Dimension("d", ("a",)),))
    first = [[4, 5]] * 9 + [[2, 2]] * 6  # group A: 9 of 15 satisfied with g
    second = [[4, 4]] * 15  # group B: all 15 of the 15 expected answered
    groups = Groups(("A", "B"), (-1, -1), np.array([0] * 15 + [1] * 15), expected=(40, 15))
    result = score(instrument, ResponseData(codes(first + second)), groups=groups).json
    rate_a = result["groups"]["A"]["response_rate"]
    assert rate_a["expected"] == 40 and rate_a["rate"] == 37.5
    assert close(rate_a["margin_of_error"], moe(9 / 15, 15, 40))
    rate_b = result["groups"]["B"]["response_rate"]
    assert rate_b == {"expected": 15, "rate": 100.0, "margin_of_error": 0.0}
    # the whole set expects what its groups expect
    top = result["response_rate"]
    assert top["expected"] == 55 and close(top["rate"], 100 * 30 / 55)
    assert close(top["margin_of_error"], moe(24 / 30, 30, 55))
    assert score(instrument, ResponseData(codes(first))).json["response_rate"] is None


def test_response_rate_ignores_partially_known_populations() -> None:
    """The rate never divides responses of groups with unknown expected respondents."""
    instrument = Instrument("s", 1, (item("a"),), (Dimension("d", ("a",)),))
    groups = Groups(("A", "B"), (-1, -1), np.array([0] * 15 + [1] * 15), expected=(40, None))
    result = score(instrument, ResponseData(codes([[4]] * 30)), groups=groups).json
    assert result["groups"]["B"]["response_rate"] is None
    top = result["response_rate"]
    assert top is None or top["rate"] == pytest.approx(37.5)


def test_choice_only_instrument() -> None:
    """A feedback form without scale questions still gets its choice distributions."""
    instrument = Instrument("s", 1, (), (), (ChoiceItem("kind", "single", ("a", "b")),))
    data = ResponseData(np.zeros((12, 0), dtype=np.uint8), {"kind": np.array([1] * 8 + [2] * 4)})
    result = score(instrument, data).json
    assert result["choices"][0]["counts"] == {"a": 8, "b": 4}
    assert result["overall"]["index"] is None and result["questions"] == []


# -- the JSON (docs/scoring.md) -------------------------------------------------------------------------


def test_json_shape() -> None:
    """The keys docs/scoring.md promises, plain JSON (no NaN), percentages on 0–100."""
    groups = Groups.flat(["x"] * 10 + ["y"] * 6 + ["z"] * 4)
    result = score(HAND_INSTRUMENT, ResponseData(np.vstack([HAND, HAND])), k=5, groups=groups)
    document = result.json
    json.dumps(document, allow_nan=False)
    assert {"questionnaire": "hand", "version": 3, "k": 5}.items() <= document.items()
    assert {"n", "overall", "dimensions", "questions", "groups"} <= document.keys()
    assert {"n", "index", "ci"} <= document["overall"].keys()
    assert [d["id"] for d in document["dimensions"]] == ["d1", "d2"]
    for dimension in document["dimensions"]:
        assert {"id", "n", "index", "ci", "alpha"} <= dimension.keys()
    assert [q["id"] for q in document["questions"]] == ["a", "b", "c", "e", "g"]
    for question in document["questions"]:
        assert {
            "id",
            "n",
            "na",
            "missing",
            "mean",
            "mean_ci",
            "satisfied",
            "satisfied_ci",
            "counts",
        } <= question.keys()
        assert list(question["counts"]) == ["1", "2", "3", "4", "5"]
    low, high = document["overall"]["ci"]
    assert 0 <= low <= document["overall"]["index"] <= high <= 100
    assert document["groups"]["x"]["suppressed"] is False
    assert {"overall", "dimensions", "questions", "n"} <= document["groups"]["x"].keys()
    assert document["groups"]["z"] == {"suppressed": True, "n_below": 5}
    assert document["groups"]["y"] == {"suppressed": True, "n_below": 5}  # 20 − 10 = 4 + 6
    assert "suppressed" not in document and document["method"]["resamples"] == 1000
    assert set(result.summaries) == {TOP, "x"}


# -- bootstrap intervals (docs/scoring.md) -------------------------------------------------------------


def test_bootstrap_interval_agrees_with_wilson_for_one_item() -> None:
    """One dimension of one item: the index is the item's share, and its bootstrap interval is
    within a point of the Wilson interval; reproducible with the seed."""
    rng = np.random.default_rng(3)
    values = rng.choice([1, 2, 3, 4, 5], p=[0.05, 0.1, 0.15, 0.4, 0.3], size=3000).tolist()
    result = one_item(values)
    satisfied = sum(v >= 4 for v in values)
    low, high = wilson_percent(satisfied, len(values))
    overall = result["overall"]
    assert close(overall["index"], 100 * satisfied / len(values))
    assert abs(overall["ci"][0] - low) <= 1 and abs(overall["ci"][1] - high) <= 1
    assert overall["ci"][0] <= overall["index"] <= overall["ci"][1]
    assert result["dimensions"][0]["ci"] == overall["ci"]
    assert one_item(values) == result
    assert one_item(values, seed=7) == one_item(values, seed=7)


def naive_bootstrap(
    answers: np.ndarray, weights: tuple[float, float], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """2.5 and 97.5 percentiles of (d1, d2, overall) over 1,000 resamples of n respondents
    drawn with replacement; columns 0–1 are d1, 2–3 are d2."""
    rng = np.random.default_rng(seed)
    n = answers.shape[0]

    def indices(sample: np.ndarray) -> tuple[float, float, float]:
        valid = sample > 0
        shares = (valid & (sample >= 4)).sum(axis=0) / valid.sum(axis=0)
        d1, d2 = 100 * shares[:2].mean(), 100 * shares[2:].mean()
        return d1, d2, (weights[0] * d1 + weights[1] * d2) / sum(weights)

    replicates = np.array([indices(answers[rng.integers(0, n, n)]) for _ in range(1000)])
    low, high = np.percentile(replicates, [2.5, 97.5], axis=0)
    return low, high


def test_bootstrap_agrees_with_a_naive_multinomial_bootstrap() -> None:
    """A few hundred respondents, two dimensions: percentile bounds within 1.5 points of a
    textbook resample-with-replacement bootstrap."""
    rng = np.random.default_rng(2026)
    n = 400
    answers = rng.choice([1, 2, 3, 4, 5], p=[0.05, 0.1, 0.2, 0.35, 0.3], size=(n, 4))
    answers[:, 2:] = np.clip(answers[:, 2:] - rng.integers(0, 2, size=(n, 2)), 1, 5)
    answers[rng.random((n, 4)) < 0.1] = 0
    instrument = Instrument(
        "s",
        1,
        tuple(item(name) for name in "abcd"),
        (Dimension("d1", ("a", "b")), Dimension("d2", ("c", "d"), weight=2.0)),
    )
    result = score(instrument, ResponseData(answers.astype(np.uint8))).json
    low, high = naive_bootstrap(answers, (1.0, 2.0), seed=5)
    shown = [*(d["ci"] for d in result["dimensions"]), result["overall"]["ci"]]
    for (library_low, library_high), reference_low, reference_high in zip(
        shown, low, high, strict=True
    ):
        assert abs(library_low - reference_low) <= 1.5
        assert abs(library_high - reference_high) <= 1.5
    for entry in [*result["dimensions"], result["overall"]]:
        assert entry["ci"][0] <= entry["index"] <= entry["ci"][1]


# -- groups, the unit tree and suppression (docs/PRIVACY.md) -----------------------------------


def test_parent_pools_its_respondents() -> None:
    """A parent's index is its respondents' (10 of 40 satisfied = 25), not the mean of its
    children's (100 and 0 → 50); the parent's own respondents count too."""
    instrument = Instrument("s", 1, (item("a"), item("b")), (Dimension("d", ("a", "b")),))
    rows = [[5, 5]] * 10 + [[1, 2]] * 30 + [[4, 1]] * 6
    groups = Groups(("P", "A", "B"), (-1, 0, 0), np.array([1] * 10 + [2] * 30 + [0] * 6))
    result = score(instrument, ResponseData(codes(rows)), k=5, groups=groups).json
    parent, first, second = (result["groups"][key] for key in ("P", "A", "B"))
    assert (parent["n"], first["n"], second["n"]) == (46, 10, 30)
    assert first["parent"] == "P" and parent["parent"] is None
    assert first["overall"]["index"] == 100.0 and second["overall"]["index"] == 0.0
    # a: 16 of 46 satisfied, b: 10 of 46
    assert close(parent["overall"]["index"], 100 * (16 / 46 + 10 / 46) / 2)
    assert parent["questions"][0]["counts"] == {"1": 30, "2": 0, "3": 0, "4": 6, "5": 10}
    assert close(parent["questions"][1]["mean"], (50 + 60 + 6) / 46, 2)
    assert parent["dimensions"][0]["alpha"] == pytest.approx(numpy_alpha(codes(rows)), abs=5e-4)
    assert result["overall"] == parent["overall"]


def test_group_under_k_and_complementary_suppression() -> None:
    """3 + 27 + 30 under a parent of 60: the 3 are withheld, and so are the 27 that would give
    them away by subtraction; the suppressed entries carry nothing else."""
    instrument = Instrument("s", 1, (item("a"),), (Dimension("d", ("a",)),))
    groups = Groups(("P", "A", "B", "C"), (-1, 0, 0, 0), np.array([1] * 3 + [2] * 27 + [3] * 30))
    result = score(instrument, ResponseData(codes([[4]] * 60)), groups=groups)
    shown = result.json["groups"]
    assert shown["A"] == SUPPRESSED and shown["B"] == SUPPRESSED
    assert shown["P"]["n"] == 60 and shown["C"]["n"] == 30
    assert set(result.summaries) == {TOP, "P", "C"}


def test_flat_groups_like_by_column() -> None:
    """``--by``: one group per value, sorted, no parent key; the total protects a small group
    from subtraction too."""
    instrument = Instrument("s", 1, (item("a"),), (Dimension("d", ("a",)),))
    labels = ["z"] * 20 + ["a"] * 5 + ["b"] * 6 + ["m"] * 22
    rows = [[5]] * 20 + [[1]] * 11 + [[3]] * 22
    result = score(instrument, ResponseData(codes(rows)), groups=Groups.flat(labels)).json
    assert list(result["groups"]) == ["a", "b", "m", "z"]
    assert result["groups"]["a"] == SUPPRESSED and result["groups"]["b"] == SUPPRESSED
    assert result["groups"]["m"]["n"] == 22 and result["groups"]["z"]["n"] == 20
    assert "parent" not in result["groups"]["m"]
    assert result["groups"]["z"]["overall"]["index"] == 100.0
    assert result["groups"]["m"]["overall"]["index"] == 0.0
    # without b, 42 − 17 − 20 = 5 would give group a back: m is withheld too
    labels = ["z"] * 20 + ["a"] * 5 + ["m"] * 17
    result = score(instrument, ResponseData(codes(rows[:42])), groups=Groups.flat(labels)).json
    assert result["groups"]["a"] == SUPPRESSED
    assert result["groups"]["m"] == SUPPRESSED and result["groups"]["z"]["n"] == 20


def test_whole_set_under_k() -> None:
    """Fewer than k responses in all: only the identification and the suppression mark."""
    result = one_item([5] * 9)
    assert result == {
        "questionnaire": "s",
        "version": 1,
        "k": 10,
        "suppressed": True,
        "n_below": 10,
    }
    assert (
        score(
            Instrument("s", 1, (item("a"),), (Dimension("d", ("a",)),)),
            ResponseData(codes([[5]] * 9)),
        ).summaries
        == {}
    )
    assert one_item([5] * 9, k=5)["n"] == 9


def residual_after_shown_frontier(
    counts: dict[str, int], parents: dict[str, str | None], shown: set[str], node: str
) -> int:
    """``node``'s count minus its nearest shown descendants' (those with no shown group in
    between): what subtraction reveals about the hidden respondents under ``node``."""
    frontier: list[str] = []
    stack = [child for child, parent in parents.items() if parent == node]
    while stack:
        child = stack.pop()
        if child in shown:
            frontier.append(child)
        else:
            stack.extend(grandchild for grandchild, p in parents.items() if p == child)
    return counts[node] - sum(counts[child] for child in frontier)


def test_small_parent_is_withheld_with_its_children() -> None:
    """A commune under k is withheld and so are its schools; its sibling then protects it,
    while the sibling's own 12 respondents protect the sibling's schools."""
    instrument = Instrument("s", 1, (item("a"),), (Dimension("d", ("a",)),))
    # X = A 4 + B 3 = 7; Y = C 30 + D 25 + 12 of its own = 67
    of = np.array([2] * 4 + [3] * 3 + [4] * 30 + [5] * 25 + [1] * 12)
    groups = Groups(("X", "Y", "A", "B", "C", "D"), (-1, -1, 0, 0, 1, 1), of)
    result = score(instrument, ResponseData(codes([[4]] * 74)), groups=groups).json
    shown = {key: body.get("n") for key, body in result["groups"].items()}
    assert shown == {"X": None, "Y": None, "A": None, "B": None, "C": 30, "D": 25}
    assert all(result["groups"][key] == SUPPRESSED for key in ("X", "Y", "A", "B"))
    counts = {TOP: 74, "X": 7, "Y": 67, "A": 4, "B": 3, "C": 30, "D": 25}
    parents = {TOP: None, "X": TOP, "Y": TOP, "A": "X", "B": "X", "C": "Y", "D": "Y"}
    assert residual_after_shown_frontier(counts, parents, {"C", "D"}, TOP) == 19


def test_subtraction_through_a_withheld_parent_reveals_nothing() -> None:
    """Subtracting the nearest shown groups under any shown group leaves 0 or at least k."""
    instrument = Instrument("s", 1, (item("a"),), (Dimension("d", ("a",)),))
    keys = ("P", "Q", "R", "C1", "C2")
    parents = {TOP: None, "P": TOP, "Q": TOP, "R": TOP, "C1": "P", "C2": "P"}
    of = np.array([3] * 20 + [4] * 20 + [1] * 3 + [2] * 57)
    groups = Groups(keys, (-1, -1, -1, 0, 0), of)
    rows = [[5]] * 40 + [[1]] * 3 + [[4]] * 57
    result = score(instrument, ResponseData(codes(rows)), groups=groups).json
    counts = {"P": 40, "Q": 3, "R": 57, "C1": 20, "C2": 20, TOP: 100}
    shown = {key for key, body in result["groups"].items() if not body.get("suppressed")}
    assert result["groups"]["Q"] == SUPPRESSED
    for node in [TOP, *shown]:
        residual = residual_after_shown_frontier(counts, parents, shown, node)
        assert residual == 0 or residual >= 10, (node, residual, sorted(shown))
