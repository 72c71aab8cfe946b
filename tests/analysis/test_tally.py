"""Tallies are additive: responses tallied in any batches, stored and added in any order, give
the scores of all of them tallied at once, to the last digit (``analysis.tally``).

This is what lets the server keep one tally per (campaign, unit), add each release as it is
published and never read a campaign's responses again; the full scoring from the responses
stays the reference the incremental one is held to.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import replace
from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.bootstrap import RESAMPLES, SEED
from analysis.quality import SPEEDING, STRAIGHT_LINING, quality_flags
from analysis.scores import assemble, score
from analysis.tally import QUOTE_SAMPLE, Tally, empty_tally, replicate_sums, tally_groups
from analysis.themes import load_taxonomy
from tests.analysis.test_scores_properties import INSTRUMENT, Case, cases

COMMENTS = [
    None,
    "Cô giáo chủ nhiệm rất tận tâm với các cháu, cảm ơn nhà trường nhiều.",
    "Học phí và các khoản thu đầu năm quá nhiều, mong nhà trường công khai rõ ràng.",
    "Nhà vệ sinh bẩn, thiếu nước rửa tay; mong sửa sớm.",
    "Cổng trường giờ tan học tắc đường, cần bố trí người phân luồng.",
    "Bữa ăn bán trú ít rau, con về kể hay bị đói.",
    "ok",
]
TAXONOMY = load_taxonomy()


def with_comments(case: Case, seed: int) -> Case:
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(COMMENTS), size=len(case.data))
    comments = np.array([COMMENTS[i] for i in picks], dtype=object)
    return replace(case, data=replace(case.data, comments=comments))


def batched(case: Case, keys: np.ndarray, cuts: int, seed: int) -> list[Tally]:
    """Each group's tally as the sum of its tallies over ``cuts`` random batches of responses,
    each batch stored and read back, added in a random order."""
    size = len(case.groups.keys) + 1
    flags = quality_flags(INSTRUMENT, case.data, case.policy)  # repeated devices: whole table
    rng = np.random.default_rng(seed)
    batch_of = rng.integers(0, cuts, size=len(case.data))
    parts: list[list[Tally]] = []
    for batch in rng.permutation(cuts):
        rows = np.flatnonzero(batch_of == batch)
        tallies = tally_groups(
            INSTRUMENT,
            case.data.take(rows),
            case.groups.of[rows],
            size,
            keys=keys[rows],
            policy=case.policy,
            taxonomy=TAXONOMY,
            flags={name: flag[rows] for name, flag in flags.items()},
            resamples=RESAMPLES,
            seed=SEED,
        )
        parts.append([Tally.from_bytes(tally.to_bytes()) for tally in tallies])
    empty = empty_tally(INSTRUMENT, TAXONOMY, RESAMPLES)
    return [reduce(lambda a, b: a + b, (part[g] for part in parts), empty) for g in range(size)]


@settings(max_examples=25, deadline=None)
@given(
    case=cases(flags=(STRAIGHT_LINING, SPEEDING)),
    cuts=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_tallies_added_in_any_batches_score_like_all_at_once(
    case: Case, cuts: int, seed: int
) -> None:
    case = with_comments(case, seed)
    keys = np.random.default_rng(seed).integers(0, 2**63, size=len(case.data), dtype=np.uint64)
    whole = score(
        INSTRUMENT, case.data, k=case.k, groups=case.groups, policy=case.policy, keys=keys
    )
    tallies = batched(case, keys, cuts, seed)
    parts = assemble(
        INSTRUMENT, tallies, case.groups, k=case.k, policy=case.policy, taxonomy=TAXONOMY
    )
    assert parts.json == whole.json
    assert parts.summaries == whole.summaries


def test_a_response_gets_the_same_weights_alone_or_in_any_company() -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 2, size=(5000, 6)).astype(np.uint8)
    keys = rng.integers(0, 2**63, size=5000, dtype=np.uint64)
    together = replicate_sums(values, keys, RESAMPLES, SEED)
    alone = sum(
        replicate_sums(values[i : i + 1], keys[i : i + 1], RESAMPLES, SEED) for i in range(50)
    )
    assert (alone == replicate_sums(values[:50], keys[:50], RESAMPLES, SEED)).all()
    in_batches = np.zeros_like(together)
    for start in range(0, 5000, 997):
        rows = slice(start, start + 997)
        in_batches += replicate_sums(values[rows], keys[rows], RESAMPLES, SEED)
    assert (in_batches == together).all()


def test_weights_are_independent_poisson_draws_across_respondents_and_replicates() -> None:
    """Each response's weight per replicate (its replicate sums of a single 1) has the mean and
    variance of Poisson(1), and two responses' weights are uncorrelated, also when their keys
    are consecutive (the server's are random; a table's are places)."""
    keys = np.arange(2000, dtype=np.uint64)
    weights = np.stack(
        [
            replicate_sums(np.ones((1, 1), np.uint8), keys[i : i + 1], RESAMPLES, SEED)[:, 0]
            for i in range(2000)
        ]
    )
    assert weights.mean() == pytest.approx(1.0, abs=0.01)
    assert weights.var() == pytest.approx(1.0, abs=0.02)
    correlation = np.corrcoef(weights.astype(float))
    off_diagonal = correlation[~np.eye(len(keys), dtype=bool)]
    assert abs(off_diagonal.mean()) < 0.002
    assert np.abs(off_diagonal).max() < 0.2  # 1,000 replicates: |r| of independent draws < 0.2


def test_the_quote_sample_is_the_smallest_keys_whatever_the_batches() -> None:
    texts = [f"Nhà vệ sinh bẩn quá, mong nhà trường sửa sớm lần {i} nhé." for i in range(300)]
    from analysis.instrument import ResponseData

    data = ResponseData(
        scale=np.full((300, len(INSTRUMENT.scale_items)), 4, dtype=np.uint8),
        choices={"kind": np.ones(300, dtype=np.int64), "topics": np.zeros((300, 3), bool)},
        comments=np.array(texts, dtype=object),
    )
    keys = np.random.default_rng(3).permutation(300).astype(np.uint64) * 7919
    of = np.zeros(300, dtype=np.intp)

    def tallied(rows: np.ndarray) -> Tally:
        return tally_groups(
            INSTRUMENT,
            data.take(rows),
            of[rows],
            1,
            keys=keys[rows],
            taxonomy=TAXONOMY,
            resamples=RESAMPLES,
            seed=SEED,
        )[0]

    whole = tallied(np.arange(300))
    halves = tallied(np.arange(0, 300, 2)) + tallied(np.arange(1, 300, 2))
    assert halves.quotes == whole.quotes
    (sample,) = whole.quotes.values()
    assert len(sample) == QUOTE_SAMPLE
    assert [key for key, _ in sample] == sorted(int(k) for k in keys)[:QUOTE_SAMPLE]


def test_a_tally_travels_as_json_without_comments_or_answer_vectors() -> None:
    rng = np.random.default_rng(11)
    case_data = tally_groups(
        INSTRUMENT,
        _answers(rng, 60),
        np.zeros(60, dtype=np.intp),
        1,
        keys=rng.integers(0, 2**63, size=60, dtype=np.uint64),
        taxonomy=TAXONOMY,
        resamples=RESAMPLES,
        seed=SEED,
    )[0]
    like = empty_tally(INSTRUMENT, TAXONOMY, RESAMPLES)
    text = json.dumps(case_data.to_json())
    assert "Nhà vệ sinh" not in text and "vectors" not in text
    back = Tally.from_json(json.loads(text), like)
    assert (back.replicates() == case_data.replicates()).all()
    assert (back.answers == case_data.answers).all() and back.quotes == {}
    broken = json.loads(text)
    broken["answers"][0][0] = -1
    with pytest.raises(ValueError, match="answers"):
        Tally.from_json(broken, like)
    for field, value in (
        ("shape", [999, 1]),
        ("zlib_base64", "eJzLSM3JyQcABiwCFQ=="),
        ("deviation", "float"),
    ):
        broken = json.loads(text)
        broken["replicates"][field] = value
        with pytest.raises(ValueError, match="replicates"):
            Tally.from_json(broken, like)
    bomb = json.loads(text)  # a stream that inflates far beyond the expected size
    bomb["replicates"]["zlib_base64"] = base64.b64encode(zlib.compress(bytes(10**7))).decode()
    with pytest.raises(ValueError, match="replicates"):
        Tally.from_json(bomb, like)
    difference = (case_data + case_data) - case_data
    assert (difference.replicates() == case_data.replicates()).all()
    assert (difference.cross == case_data.cross).all()


def _answers(rng: np.random.Generator, n: int):
    from tests.analysis.test_scores_properties import answers

    data = answers(rng, np.zeros(n, dtype=np.intp))
    comments = np.array([COMMENTS[i] for i in rng.integers(0, len(COMMENTS), n)], dtype=object)
    return replace(data, comments=comments)
