"""What the personal-data scrubber costs per comment, beside a floor, in one run.

    .venv/bin/python bench/scrub.py [--repeat 5]

Comments: every text of tests/data/pii_corpus.jsonl and pii_holdout.jsonl (parent comments,
Zalo messages, petitions; 499 texts, 12 to 700 characters). Three cases, interleaved, each timed
per comment with ``perf_counter_ns`` over ``--repeat`` passes after a warm-up pass:

- floor: NFC normalisation and one pass of the word regex over the text, the least any
  scrubber that reads words must do;
- fast: ``scrub(text)``, what runs on every comment before it is stored (the submission path);
- deep: ``scrub(text, deep=True)``, the same with the underthesea CRF reading of names.

Results go to docs/PERFORMANCE.md (``<!-- section:scrubber -->``). The submission benchmark
(bench/run.py) measures the fast pass in place: every request it sends carries a comment.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sections import put_section

from survey_server.privacy.scrubber import WORD, scrub

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def _floor(text: str) -> int:
    return sum(1 for _ in WORD.finditer(unicodedata.normalize("NFC", text)))


CASES = {
    "floor: NFC + one word-regex pass": _floor,
    "fast pass (submission path)": lambda text: scrub(text),
    "deep pass (with the CRF)": lambda text: scrub(text, deep=True),
}


def comments() -> list[str]:
    texts = []
    for name in ("pii_corpus.jsonl", "pii_holdout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def measure(texts: list[str], repeat: int) -> dict[str, list[int]]:
    timings: dict[str, list[int]] = {case: [] for case in CASES}
    for run in CASES.values():  # warm-up: word lists, gazetteers, the CRF model
        for text in texts:
            run(text)
    for _ in range(repeat):
        for text in texts:
            for case, run in CASES.items():
                started = time.perf_counter_ns()
                run(text)
                timings[case].append(time.perf_counter_ns() - started)
    return timings


def section(texts: list[str], timings: dict[str, list[int]], repeat: int) -> str:
    floor = statistics.fmean(timings[next(iter(CASES))])
    lines = [
        "<!-- section:scrubber -->",
        "## Personal-data scrubber: cost per comment",
        "",
        "```",
        f".venv/bin/python bench/scrub.py --repeat {repeat}",
        "```",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{len(texts)} comments (tests/data, mean {statistics.fmean(map(len, texts)):.0f} "
        f"characters), {repeat} passes, cases interleaved per comment.",
        "",
        "| case | mean µs | p50 µs | p99 µs | max µs | × floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for case, values in timings.items():
        ordered = sorted(values)
        mean = statistics.fmean(ordered)
        lines.append(
            f"| {case} | {mean / 1000:,.1f} | {ordered[len(ordered) // 2] / 1000:,.1f} | "
            f"{ordered[int(0.99 * (len(ordered) - 1))] / 1000:,.1f} | {ordered[-1] / 1000:,.1f} "
            f"| {mean / floor:,.0f} |"
        )
    lines += [
        "",
        "The fast pass is what a submission pays (bench/run.py measures it in place). The CRF",
        "pass would multiply that by the ratio of the two rows, so it runs where nobody waits on",
        "a submission: before a release, in the scoring child process; in the offline `score`",
        "command; in `survey-server scrub`. docs/PRIVACY.md gives what each pass finds.",
        "<!-- /section -->",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-doc", action="store_true", help="print only")
    arguments = parser.parse_args()
    texts = comments()
    text = section(texts, measure(texts, arguments.repeat), arguments.repeat)
    print(text)
    if not arguments.no_doc:
        put_section("scrubber", text)


if __name__ == "__main__":
    main()
