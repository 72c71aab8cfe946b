"""Hostile uploads and a sign-in flood against a real server: what each costs, and whether
respondents notice.

    .venv/bin/python bench/hostile.py [--engine sqlite|postgres] [--seconds 20]

A real ``survey-server serve --workers 1`` on 127.0.0.1 (the demo province, SQLite by default;
PostgreSQL ``test`` database with ``--engine postgres``). For each hostile file of
``tests/hostile.py`` a principal uploads it to the paper import while a probe asks ``/healthz``
and submits a respondent's answers every 50 ms; the table gives the upload's answer and time,
the probe's p50/p99/max, and the peak RSS of the server's processes (the granian worker and the
parse children) above idle. Then 8 clients try wrong passwords on one account for ``--seconds``
while the probe times the respondent page; the account's owner, from the browser it signed in
with before, signs in during the flood. Baseline: the same probe with nothing else running, in
the same run. Results go to docs/PERFORMANCE.md (``<!-- section:hostile-ENGINE -->``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import BIN, environment, group_pids, percentiles, rss_mb, serving
from sections import put_section

from tests.hostile import HOSTILE_TABLES

PASSWORD = "mat-khau-thu-nghiem-2026"
CAMPAIGN = "HL-PT-2026"
SCALES = [f"tc{i}" for i in range(1, 6)]


def prepare(url: str, workdir: Path) -> None:
    env = environment(url, workdir)
    subprocess.run([str(BIN), "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([str(BIN), "demo", "--no-serve"], env=env, check=True, capture_output=True)
    for name, role, unit in (("ht.bench", "principal", "TH-LC1"), ("so.bench", "admin", "SO-HP")):
        subprocess.run(
            [str(BIN), "users", "create", name, "--role", role, "--unit", unit, "--password-stdin"],
            input=PASSWORD, text=True, env=env, check=True, capture_output=True,
        )  # fmt: skip


def csrf(text: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', text)
    assert match, text[:300]
    return match.group(1)


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> int:
    form = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf": csrf(form.text)},
    ).status_code


def link_code(client: httpx.Client) -> str:
    page = client.get(f"/staff/campaigns/{CAMPAIGN}/distribution").text
    match = re.search(r"/s/([A-Z0-9]{6,})", page)
    assert match, page[:300]
    return match.group(1)


class Probe:
    """Every 50 ms: /healthz, a respondent's submission, or the respondent page."""

    def __init__(self, base: str, link: str, what: str) -> None:
        self.base, self.link, self.what = base, link, what
        self.times: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self._stop.is_set():
                start = time.perf_counter()
                if self.what == "submit":
                    response = client.post(
                        "/api/v1/responses",
                        json={"link": self.link, "submission_id": str(uuid.uuid4()),
                              "answers": dict.fromkeys(SCALES, 4)},
                    )  # fmt: skip
                    ok = response.status_code == 201
                elif self.what == "page":
                    ok = client.get(f"/s/{self.link}").status_code == 200
                else:
                    ok = client.get("/healthz").status_code == 200
                self.times.append((time.perf_counter() - start) * 1000)
                self.failures += not ok
                time.sleep(0.05)


def peak_rss(pgid: int, stop: threading.Event, peaks: list[float]) -> None:
    while not stop.is_set():
        peaks.append(rss_mb(group_pids(pgid)))
        time.sleep(0.05)


def uploads(server: Any, link: str) -> list[dict[str, Any]]:
    rows = []
    with httpx.Client(base_url=server.base_url, timeout=300) as client:
        assert sign_in(client, "ht.bench") == 303
        for name, build in HOSTILE_TABLES.items():
            data, filename = build()
            token = csrf(client.get(f"/staff/campaigns/{CAMPAIGN}/paper").text)
            idle = rss_mb(group_pids(server.pgid))
            stop, peaks = threading.Event(), [idle]
            watcher = threading.Thread(target=peak_rss, args=(server.pgid, stop, peaks))
            watcher.start()
            with (
                Probe(server.base_url, link, "health") as health,
                Probe(server.base_url, link, "submit") as submit,
            ):
                start = time.perf_counter()
                response = client.post(
                    f"/staff/campaigns/{CAMPAIGN}/import",
                    data={"csrf": token, "unit": "TH-LC1"},
                    files={"file": (filename, data, "application/octet-stream")},
                )
                took = time.perf_counter() - start
            stop.set()
            watcher.join()
            rows.append(
                {
                    "file": name, "size": len(data), "status": response.status_code,
                    "seconds": took, "health": percentiles(health.times),
                    "submit": percentiles(submit.times), "failures": health.failures + submit.failures,
                    "peak_mb": max(peaks) - idle,
                }
            )  # fmt: skip
            print(rows[-1], flush=True)
    return rows


def flood(server: Any, link: str, seconds: float) -> dict[str, Any]:
    owner = httpx.Client(base_url=server.base_url, timeout=60)
    assert sign_in(owner, "so.bench") == 303  # the owner's browser gets its device cookie
    owner.post("/staff/logout", data={"csrf": csrf(owner.get("/staff/").text)})
    with Probe(server.base_url, link, "page") as baseline:
        time.sleep(min(seconds, 10))
    stop = threading.Event()
    attempts = [0]

    def guess() -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            while not stop.is_set():
                sign_in(client, "so.bench", "sai-" + uuid.uuid4().hex[:8])
                attempts[0] += 1

    guessers = [threading.Thread(target=guess) for _ in range(8)]
    with Probe(server.base_url, link, "page") as during:
        for thread in guessers:
            thread.start()
        time.sleep(seconds / 2)
        start = time.perf_counter()
        owner_status = sign_in(owner, "so.bench")
        owner_ms = (time.perf_counter() - start) * 1000
        time.sleep(seconds / 2)
        stop.set()
        for thread in guessers:
            thread.join()
    owner.close()
    return {
        "baseline": percentiles(baseline.times), "during": percentiles(during.times),
        "attempts": attempts[0], "owner_status": owner_status, "owner_ms": owner_ms,
        "failures": during.failures,
    }  # fmt: skip


def section(engine: str, rows: list[dict[str, Any]], signin: dict[str, Any], command: str) -> str:
    lines = [
        f"<!-- section:hostile-{engine} -->",
        f"## Hostile uploads and a sign-in flood ({engine})",
        "",
        f"`{command}` — {time.strftime('%Y-%m-%d')}, engine {engine}, one granian worker on "
        "127.0.0.1. While each file is uploaded by a principal, a probe asks `/healthz` and "
        "submits a respondent's answers every 50 ms; peak RSS is the server's processes (worker "
        "and parse children) above idle.",
        "",
        "| file | size | answer | seconds | /healthz p50 / p99 / max ms | submission p50 / p99 / max ms | peak RSS over idle |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        health, submit = row["health"], row["submit"]
        lines.append(
            f"| {row['file']} | {row['size'] / 1024:,.0f} KB | {row['status']} | "
            f"{row['seconds']:.1f} | {health['p50']:.0f} / {health['p99']:.0f} / "
            f"{health['max']:.0f} | {submit['p50']:.0f} / {submit['p99']:.0f} / "
            f"{submit['max']:.0f} | {row['peak_mb']:.0f} MB |"
        )
    base, during = signin["baseline"], signin["during"]
    lines += [
        "",
        f"Sign-in flood: 8 clients tried {signin['attempts']:,} wrong passwords on one account "
        f"for {args_seconds} s. Respondent page p50 / p99 / max: "
        f"{base['p50']:.0f} / {base['p99']:.0f} / {base['max']:.0f} ms alone, "
        f"{during['p50']:.0f} / {during['p99']:.0f} / {during['max']:.0f} ms during the flood "
        f"(p99 ratio {during['p99'] / base['p99']:.1f}). The account's owner, from the browser it "
        f"had signed in with, signed in during the flood: HTTP {signin['owner_status']} in "
        f"{signin['owner_ms']:.0f} ms.",
        "<!-- /section -->",
    ]
    return "\n".join(lines)


args_seconds = 20.0


def main() -> None:
    global args_seconds
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    args_seconds = args.seconds
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        if args.engine == "sqlite":
            url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            name = f"bench_hostile_{os.getpid()}"
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc",
                            f"CREATE DATABASE {name}"], check=True)  # fmt: skip
            url = f"postgres://postgres@127.0.0.1:5432/{name}"
        try:
            prepare(url, workdir)
            with serving(url, workdir) as server:
                with httpx.Client(base_url=server.base_url, timeout=60) as client:
                    assert sign_in(client, "so.bench") == 303
                    link = link_code(client)
                rows = uploads(server, link)
                signin = flood(server, link, args.seconds)
        finally:
            if args.engine == "postgres":
                subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc",
                                f"DROP DATABASE IF EXISTS {name}"], check=False)  # fmt: skip
    command = f".venv/bin/python bench/hostile.py --engine {args.engine} --seconds {args.seconds:g}"
    put_section(f"hostile-{args.engine}", section(args.engine, rows, signin, command))


if __name__ == "__main__":
    main()
