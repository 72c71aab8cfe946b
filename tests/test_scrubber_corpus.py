"""The scrubber against annotated corpora in tests/data (scored by bench/pii_eval.py).

All four are development corpora now (docs/PRIVACY.md, "Evaluation"): ``pii_corpus.jsonl``,
``pii_holdout.jsonl`` (written by someone who had not seen the scrubber, scored once, then used
to fix whole categories), ``pii_dev_shapes.jsonl`` (the shapes of real comments the scrubber
used to miss, by another writer) and ``pii_dev_c.jsonl`` (held out for one change, then used).
The floors are what the fast pass reaches, less a little, so that a change that loses ground on
any of them fails here. The held-out set is ``bench/heldout``, never tuned on.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
_SPEC = importlib.util.spec_from_file_location(
    "pii_eval", Path(__file__).parents[1] / "bench" / "pii_eval.py"
)
assert _SPEC is not None and _SPEC.loader is not None
pii_eval = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(pii_eval)


def score(path: Path) -> tuple[float, float, list[str]]:
    """Recall (the lenient rule: the string is gone) and kept share of the fast pass, with the
    misses, as ``bench/pii_eval.py`` counts them."""
    result = pii_eval.evaluate([path])
    recall = sum(result["lenient"].values()) / sum(result["total"].values())
    kept = sum(result["kept"].values()) / sum(result["keep_total"].values())
    return recall, kept, result["misses"]


@pytest.mark.parametrize(
    ("name", "least_recall", "least_kept"),
    [
        ("pii_corpus.jsonl", 0.98, 0.99),
        ("pii_holdout.jsonl", 0.95, 0.98),
        ("pii_dev_shapes.jsonl", 0.94, 0.96),
        ("pii_dev_c.jsonl", 0.94, 0.97),
    ],
)
def test_corpus_meets_the_targets(name: str, least_recall: float, least_kept: float) -> None:
    recall, kept, misses = score(DATA / name)
    assert recall >= least_recall and kept >= least_kept, "\n".join(misses[:30])


def test_development_corpus_is_large_enough() -> None:
    lines = [
        line
        for line in (DATA / "pii_corpus.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(lines) >= 200
