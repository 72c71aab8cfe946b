"""Benchmark: A4 posters (and A6 slips) for 1,000 units, as one print run of a whole province.

    .venv/bin/python bench/posters.py [--units 1000]

Renders the posters of N distinct units (one page each, every page with its own QR code) and
the slip sheets of the same links, through the product's own renderer (survey_server.distribution
.pdf), and records the time, the size per page and the rate in docs/PERFORMANCE.md (its
"Posters" section; bench/run.py keeps it). Targets (issue 3): under a minute for 1,000 posters,
under 200 KB per poster page.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import time
from datetime import date
from pathlib import Path

from pypdf import PdfReader
from sections import put_section

from survey_server.distribution.codes import new_code
from survey_server.distribution.pdf import PrintItem, render_posters, render_slips

ROOT = Path(__file__).resolve().parent.parent

KINDS = ("Trường Mầm non", "Trường Tiểu học", "Trường THCS", "Trường THPT")
NAMES = (
    "Trần Quốc Toản",
    "Lê Văn Tám",
    "Chu Văn An",
    "Hoa Phượng",
    "Nguyễn Bỉnh Khiêm",
    "Võ Thị Sáu",
    "Kim Đồng",
    "Lý Tự Trọng",
    "Ngô Quyền",
    "Hoa Sen",
)


def items(count: int) -> list[PrintItem]:
    return [
        PrintItem(
            unit_name=f"{KINDS[i % 4]} {NAMES[i % 10]} số {i + 1}",
            campaign_title="Khảo sát sự hài lòng của cha mẹ học sinh năm học 2026–2027",
            url=f"https://khaosat.sogd.haiphong.gov.vn/s/{code}",
            code=code,
            closes_on=date(2027, 1, 15),
            minutes=5,
        )
        for i, code in enumerate(new_code() for _ in range(count))
    ]


def measure(count: int) -> dict[str, float]:
    batch = items(count)
    started = time.perf_counter()
    posters = render_posters(batch)
    poster_seconds = time.perf_counter() - started
    started = time.perf_counter()
    slips = render_slips(batch)
    slip_seconds = time.perf_counter() - started
    single = render_posters(batch[:1])
    pages = len(PdfReader(io.BytesIO(posters)).pages)
    return {
        "units": count,
        "pages": pages,
        "poster_seconds": poster_seconds,
        "poster_bytes": len(posters),
        "slip_seconds": slip_seconds,
        "slip_bytes": len(slips),
        "slip_pages": len(PdfReader(io.BytesIO(slips)).pages),
        "single_bytes": len(single),
    }


def section(result: dict[str, float], command: str) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    per_page = result["poster_bytes"] / result["pages"]
    lines = [
        "<!-- section:posters -->",
        "## Posters and slips for a whole province",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. One process, the product's renderer "
        "(reportlab, DejaVu Sans embedded as a subset, vector QR codes), every page with its own unit and code.",
        "",
        "| output | pages | time | rate | size | per page |",
        "|---|---:|---:|---:|---:|---:|",
        f"| posters (A4, one per unit) | {result['pages']:,} | {result['poster_seconds']:.1f} s | "
        f"{result['pages'] / result['poster_seconds']:.0f} pages/s | {result['poster_bytes'] / 1e6:.1f} MB | "
        f"{per_page / 1000:.1f} KB |",
        f"| slips (4 × A6 per A4 sheet, one sheet per unit) | {result['slip_pages']:,} | {result['slip_seconds']:.1f} s | "
        f"{result['slip_pages'] / result['slip_seconds']:.0f} pages/s | {result['slip_bytes'] / 1e6:.1f} MB | "
        f"{result['slip_bytes'] / result['slip_pages'] / 1000:.1f} KB |",
        f"| one poster on its own | 1 | – | – | {result['single_bytes'] / 1000:.1f} KB | {result['single_bytes'] / 1000:.1f} KB |",
        "",
        f"- Target under a minute for {result['units']:,} posters: "
        f"{'met' if result['poster_seconds'] < 60 else 'NOT met'} ({result['poster_seconds']:.1f} s).",
        f"- Target under 200 KB per poster page: {'met' if per_page < 200_000 and result['single_bytes'] < 200_000 else 'NOT met'} "
        f"({per_page / 1000:.1f} KB per page in the province file; a single poster, which carries the font subset "
        f"alone, {result['single_bytes'] / 1000:.1f} KB).",
        "<!-- /section -->",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=1000)
    args = parser.parse_args()
    result = measure(args.units)
    text = section(result, f".venv/bin/python bench/posters.py --units {args.units}")
    print(text)
    put_section("posters", text)


if __name__ == "__main__":
    main()
