"""What the answer-pattern tests add to scoring a campaign, beside a floor, in one run.

    .venv/bin/python bench/patterns.py [--responses 1000000] [--units 1000] [--repeat 3]

Scoring runs ``analysis.integrity.pattern_flags`` once per campaign over every published
response (the closed answers of 30 scale questions, the unit of each, the straight-lining and
speeding flags). The floor is one ``np.unique`` of the rows viewed as opaque values — the least any
test that counts identical answer vectors per unit must do. Both are timed on the same random
matrix, interleaved, best of ``--repeat``. Results go to docs/PERFORMANCE.md
(``<!-- section:patterns -->``).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sections import put_section

from analysis.integrity import pattern_flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    answers = rng.integers(1, 6, size=(args.responses, 30), dtype=np.uint8)
    groups = rng.integers(0, args.units, size=args.responses)
    straight = (answers == answers[:, :1]).all(axis=1)
    speeding = rng.random(args.responses) < 0.04
    rows = np.ascontiguousarray(answers).view(np.dtype((np.void, answers.shape[1]))).ravel()
    best = {"floor": float("inf"), "patterns": float("inf")}
    for _ in range(args.repeat):
        start = time.perf_counter()
        np.unique(rows)
        best["floor"] = min(best["floor"], time.perf_counter() - start)
        start = time.perf_counter()
        pattern_flags(answers, groups, straight=straight, speeding=speeding)
        best["patterns"] = min(best["patterns"], time.perf_counter() - start)
    command = (
        f".venv/bin/python bench/patterns.py --responses {args.responses} --units {args.units} "
        f"--repeat {args.repeat}"
    )
    put_section(
        "patterns",
        "\n".join(
            [
                "<!-- section:patterns -->",
                "## Answer-pattern tests of a campaign",
                "",
                f"`{command}` — {datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()},"
                f" numpy {np.__version__}. {args.responses:,} responses of 30 scale questions in"
                f" {args.units:,} units; best of {args.repeat}.",
                "",
                "| step | seconds | ratio to floor |",
                "|---|---:|---:|",
                f"| floor: one `np.unique` of the rows | {best['floor']:.2f} | 1.0 |",
                f"| `pattern_flags` (identical vectors, straight-lining, speeding per unit) "
                f"| {best['patterns']:.2f} | {best['patterns'] / best['floor']:.1f} |",
                "",
                "Scoring runs it once per campaign score, in the scoring child process, next to the"
                ' library\'s scoring of the same responses (see "Scoring a province").',
                "<!-- /section -->",
            ]
        ),
    )
    print(best)


if __name__ == "__main__":
    main()
