"""Recall and kept share of the personal-data scrubber, by kind, on annotated comments.

    .venv/bin/python bench/pii_eval.py tests/data/pii_heldout.jsonl [more.jsonl …] [--misses 40]

Each line: {"text", "vanish": [...], "digits": [...], "keep": [...], "labels": {string: kind}}.
A ``vanish`` string is removed when it is no longer in the output (the lenient rule) and, under
the strict rule the figures below report, when no part of it is left either: no word of a name
("Nguyễn Thị [tên]" leaks), no two letters of initials ("[tên].T.P" leaks). A ``digits`` number
is removed when its last nine digits are gone; a ``keep`` string must be there unchanged.
Kinds come from ``labels``; a string without one counts as "name", "number" or "kept".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey_server.privacy.scrubber import scrub

WORD = re.compile(r"[^\W\d_]{2,}|\d{2,}")
#: Titles some annotators put in a name's span ("cô Mai", "bé Su"): not part of the name.
TITLES = frozenset(
    [
        "cô",
        "thầy",
        "bác",
        "bé",
        "cu",
        "em",
        "anh",
        "chị",
        "ông",
        "bà",
        "cháu",
        "con",
        "bạn",
        "chú",
        "dì",
        "mẹ",
        "bố",
        "ba",
        "má",
        "út",
        "thằng",
    ]
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def number_survives(number: str, out: str) -> bool:
    want = _digits(number)
    if want.startswith("84") and len(want) == 11:
        want = want[2:]
    return want[-9:] in _digits(out)


def pieces(value: str) -> list[str]:
    """The parts of a name or address whose survival still points at the person."""
    if re.fullmatch(r"(?:[^\W\d_]{1,3}\.\s?)+[^\W\d_]{0,3}\.?", value):  # initials: T.T.B.P.
        letters = re.findall(r"[^\W\d_]+", value)
        return [".".join(letters[i : i + 2]) for i in range(len(letters) - 1)] or letters
    return WORD.findall(value)


def strictly_survives(value: str, kind: str, text: str, out: str, vanishing: list[str]) -> bool:
    if value in out:
        return True
    if kind == "address":  # the street may stay; its house, lane or flat number may not
        parts = re.findall(r"\d+", value)
    else:  # a title before a name ("cô", "bé") may stay
        parts = [p for p in pieces(value) if p.lower() not in TITLES]
    for piece in parts:
        pattern = re.compile(rf"(?<![\w.]){re.escape(piece)}(?![\w])")
        elsewhere = len(pattern.findall(text)) - sum(len(pattern.findall(v)) for v in vanishing)
        if len(pattern.findall(out)) > max(elsewhere, 0):
            return True
    return False


def evaluate(paths: list[Path]) -> dict:
    found, total, kept, keep_total = Counter(), Counter(), Counter(), Counter()
    lenient = Counter()
    misses: list[str] = []
    timings: list[float] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            labels = item.get("labels", {})
            started = time.perf_counter()
            out = unicodedata.normalize("NFC", scrub(item["text"]).text)
            timings.append(time.perf_counter() - started)
            vanishing = item.get("vanish", [])
            for value in vanishing:
                kind = labels.get(value, "name")
                total[kind] += 1
                lenient[kind] += value not in out
                if strictly_survives(value, kind, item["text"], out, vanishing):
                    misses.append(f"LEAK [{kind}] {value!r}\n     {out}")
                else:
                    found[kind] += 1
            for number in item.get("digits", []):
                kind = labels.get(number, "number")
                total[kind] += 1
                if number_survives(number, out):
                    misses.append(f"LEAK [{kind}] {number!r}\n     {out}")
                else:
                    found[kind] += 1
                    lenient[kind] += 1
            for value in item.get("keep", []):
                kind = labels.get(value, "kept")
                keep_total[kind] += 1
                if value in out:
                    kept[kind] += 1
                else:
                    misses.append(f"LOST [{kind}] {value!r}\n     {out}")
    return {
        "found": found,
        "lenient": lenient,
        "total": total,
        "kept": kept,
        "keep_total": keep_total,
        "misses": misses,
        "timings": timings,
    }


GROUPS = {
    "person names": ("full_name", "given_name", "initials", "name"),
    "numbered addresses": ("address",),
    "identifiers": ("phone", "cccd", "email", "bank_account", "other_id", "number"),
}


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f} ({part}/{whole})" if whole else "–"


def report(result: dict) -> str:
    found, total = result["found"], result["total"]
    lines = ["| removed | strict | lenient |", "|---|---:|---:|"]
    for group, kinds in GROUPS.items():
        for kind in kinds:
            if total[kind]:
                lines.append(
                    f"| {kind} | {_share(found[kind], total[kind])} | "
                    f"{_share(result['lenient'][kind], total[kind])} |"
                )
        whole = sum(total[k] for k in kinds)
        lines.append(
            f"| **{group}** | **{_share(sum(found[k] for k in kinds), whole)}** | "
            f"{_share(sum(result['lenient'][k] for k in kinds), whole)} |"
        )
    all_found, all_total = sum(found.values()), sum(total.values())
    lines.append(f"| **all personal data** | **{_share(all_found, all_total)}** | |")
    lines += ["", "| kept | share |", "|---|---:|"]
    for kind, whole in sorted(result["keep_total"].items()):
        lines.append(f"| {kind} | {_share(result['kept'][kind], whole)} |")
    lines.append(
        f"| **all must-keep text** | **"
        f"{_share(sum(result['kept'].values()), sum(result['keep_total'].values()))}** |"
    )
    timings = sorted(result["timings"])
    if timings:
        mean = sum(timings) / len(timings) * 1e6
        p99 = timings[int(0.99 * (len(timings) - 1))] * 1e6
        lines.append(f"\n{len(timings)} texts, {mean:,.0f} µs mean, {p99:,.0f} µs p99 per text")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", type=Path)
    parser.add_argument("--misses", type=int, default=0, help="print this many misses")
    arguments = parser.parse_args()
    result = evaluate(arguments.corpus)
    for miss in result["misses"][: arguments.misses]:
        print(miss)
    print(report(result))


if __name__ == "__main__":
    main()
