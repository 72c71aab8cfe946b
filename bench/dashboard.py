"""Benchmark: the dashboard and the scores API of a province-sized campaign on PostgreSQL.

    .venv/bin/python bench/dashboard.py [--responses 1000000] [--units 1000] [--requests 60]

A scratch PostgreSQL database gets the province of ``bench/score.py`` (one Sở, 100 communes,
``--units`` schools, the phổ thông questionnaire, ``--responses`` stored responses). A real
``survey-server serve`` process (one worker) serves it on 127.0.0.1; an administrator of the
Sở signs in over HTTP. Measured, in this order, in one run:

* baseline: ``GET /healthz`` (the framework and a database round trip), sequentially;
* cold: the first scores request after a start (the campaign is read and scored once, then
  kept in memory) — three fresh server starts; and the first dashboard page after a start;
* cached: the scores API for the Sở, a commune and a school, and the dashboard page for the
  Sở and a commune, each ``--requests`` times sequentially: p50 / p95 / p99 and the ratio of
  p50 to the baseline's.

Targets (issue 6): p95 under 300 ms for a cached view and under 3 s cold. Results go to
docs/PERFORMANCE.md (its "Dashboard" section).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from score import CAMPAIGN, PG_ADMIN, log, pg, prepare_database  # noqa: E402
from sections import put_section  # noqa: E402

from tests.live import BIN, start  # noqa: E402
from tests.staff import csrf_of  # noqa: E402

SCRATCH = "bench_lang_nghe_dashboard"
PASSWORD = "mat-khau-do-hieu-nang-2026"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "n": len(ordered)}


def timed(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return elapsed * 1000


@contextmanager
def signed_in(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=120) as client:
        form = client.get("/staff/login")
        done = client.post(
            "/staff/login",
            data={"username": "bench.admin", "password": PASSWORD, "csrf": csrf_of(form.text)},
        )
        assert done.status_code == 303, done.text[:300]
        yield client


def run(url: str, workdir: Path, requests: int) -> dict[str, Any]:
    environment = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(workdir)}
    subprocess.run(
        [str(BIN), "users", "create", "bench.admin", "--role", "admin", "--unit", "SO-BENCH",
         "--password-stdin"],
        input=PASSWORD, text=True, env=environment, check=True, capture_output=True,
    )  # fmt: skip
    scores = f"/api/v1/campaigns/{CAMPAIGN}/scores"
    dashboard = f"/staff/campaigns/{CAMPAIGN}"
    results: dict[str, Any] = {"cold_scores": [], "cold_page": []}
    for attempt in range(3):
        server = start(url, workdir, link="")
        try:
            with signed_in(server.base_url) as client:
                if attempt == 0:
                    results["baseline"] = percentiles(
                        [timed(client, "/healthz") for _ in range(requests * 2)]
                    )
                results["cold_scores"].append(timed(client, f"{scores}?unit=SO-BENCH"))
        finally:
            server.stop()
    server = start(url, workdir, link="")
    try:
        with signed_in(server.base_url) as client:
            results["cold_page"].append(timed(client, dashboard))
            views = {
                "scores API, Sở": f"{scores}?unit=SO-BENCH",
                "scores API, commune": f"{scores}?unit=XA-7",
                "scores API, school": f"{scores}?unit=TR-7",
                "dashboard, Sở": dashboard,
                "dashboard, commune": f"{dashboard}?unit=XA-7",
            }
            results["cached"] = {
                name: percentiles([timed(client, path) for _ in range(requests)])
                for name, path in views.items()
            }
    finally:
        server.stop()
    return results


def section(results: dict[str, Any], command: str, responses: int, units: int) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    base = results["baseline"]
    lines = [
        "<!-- section:dashboard -->",
        "## Dashboard and scores API of a province",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
        f"{commit}, {os.cpu_count()} cores, Python {platform.python_version()}; PostgreSQL, one "
        f"`survey-server serve` worker, sequential requests from one client on 127.0.0.1.",
        "",
        f"Campaign of {responses:,} responses × 30 questions over {units:,} schools under 100 "
        "communes (the province of `bench/score.py`).",
        "",
        "| request | n | p50 ms | p95 ms | p99 ms | p50 / baseline |",
        "|---|---:|---:|---:|---:|---:|",
        f"| baseline `GET /healthz` | {base['n']} | {base['p50']:.1f} | {base['p95']:.1f} | "
        f"{base['p99']:.1f} | 1.0 |",
    ]
    for name, p in results["cached"].items():
        lines.append(
            f"| cached: {name} | {p['n']} | {p['p50']:.1f} | {p['p95']:.1f} | {p['p99']:.1f} | "
            f"{p['p50'] / base['p50']:.1f} |"
        )
    cold = results["cold_scores"]
    lines += [
        "",
        "| cold (first request after a start) | times (s) |",
        "|---|---|",
        "| scores API, Sở | " + " / ".join(f"{t / 1000:.2f}" for t in cold) + " |",
        "| dashboard, Sở | " + " / ".join(f"{t / 1000:.2f}" for t in results["cold_page"]) + " |",
        "",
    ]
    cached_p95 = max(p["p95"] for p in results["cached"].values())
    cold_worst = max(cold + results["cold_page"]) / 1000
    lines += [
        f"- Target p95 under 300 ms for a cached view: {'met' if cached_p95 < 300 else 'missed'} "
        f"({cached_p95:.0f} ms at worst).",
        f"- Target under 3 s cold: {'met' if cold_worst < 3 else 'missed'} ({cold_worst:.1f} s at "
        "worst): a cold view reads and decodes every response of the campaign and scores the "
        "whole campaign once (see the scoring section for the split between loading and "
        "scoring); every later view of any unit is a slice of that result, until a response "
        "arrives.",
        "<!-- /section -->",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    pg(f"DROP DATABASE IF EXISTS {SCRATCH}")
    pg(f"CREATE DATABASE {SCRATCH}")
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{SCRATCH}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            log("preparing the province")
            asyncio.run(prepare_database(url, args.units, args.responses, workdir))
            log("measuring")
            results = run(url, workdir, args.requests)
    finally:
        pg(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
    command = (
        f".venv/bin/python bench/dashboard.py --responses {args.responses} --units {args.units} "
        f"--requests {args.requests}"
    )
    text = section(results, command, args.responses, args.units)
    print(text)
    put_section("dashboard", text)


if __name__ == "__main__":
    main()
