"""Benchmark: the dashboard and the scores API of a province-sized campaign on PostgreSQL.

    .venv/bin/python bench/dashboard.py [--responses 1000000] [--units 1000] [--requests 100]
                                        [--cold 3] [--no-doc]

A scratch PostgreSQL database gets the province of ``bench/score.py`` (its
``prepare_database``: one Sở, 100 communes, ``--units`` schools, the real phổ thông
questionnaire, a campaign and ``--responses`` stored responses, bulk-inserted, not timed). A
real ``survey-server serve --workers 1`` process serves it on a free port of 127.0.0.1, and an
administrator of the Sở signs in through the login form, as a browser would. One client,
sequential requests, keep-alive, ``Accept-Encoding: gzip``; a time includes reading the whole
body. Measured in one run, in this order:

* first scoring: ``--cold`` times the stored result is deleted and a fresh server is timed on
  the first scores API request for the Sở, which reads, decodes and scores the whole campaign
  (the server then stores the result, ``score_snapshot``);
* cold after a start: ``--cold`` fresh server starts, each timing the first scores API request
  for the Sở (answered from the stored result); then as many starts timing the first
  dashboard page of the Sở;
* cached: on one warm server, ``--requests`` rounds; each round asks, in an order rotated
  every round, ``GET /healthz`` twice (the baseline: the framework and one database round trip)
  and the scores API for the Sở, a commune and a school and the dashboard page for the Sở and
  a commune once each, so the baseline and the views share the machine's conditions; p50 /
  p95 / p99 (nearest rank) and the ratios to the baseline's p50 and p95;
* after a new release: on the same server, ``--cold`` times one release is inserted (a copy
  of the newest row, ten times: one release of k = 10), then the scores API for the Sở is timed (the
  server scores the campaign again in the background, and answers with the stored numbers
  marked pending unless the new ones are ready within its wait); then, until a commune's scores
  are current again, ``/healthz`` and those scores are timed in turn: how long new responses
  take to show, and what a scoring in the background costs the views meanwhile. The same for
  the dashboard page.

For every cold request the CPU time of the server's processes and of the PostgreSQL backends
of the scratch database is read from /proc, and for every phase the share of the machine used
by everything else (a test suite may run beside it), as in bench/run.py.

Targets (issue 6): p95 under 300 ms for a cached view and under 3 s cold. Results go to
docs/PERFORMANCE.md (its ``<!-- section:dashboard -->``; ``--no-doc`` only prints them); the
scratch database is dropped at the end, also when the run is interrupted (SIGINT, SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import score as score_bench
from sections import put_section

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "survey-server"
SCRATCH = f"bench_lang_nghe_dashboard_{os.getpid()}"  # never another run's database
USERNAME = "bench.admin"
PASSWORD = "mat-khau-do-hieu-nang-2026"
ROOT_UNIT = "SO-BENCH"
COMMUNE = "XA-7"
SCHOOL = "TR-7"  # a school of XA-7
TICK = os.sysconf("SC_CLK_TCK")
COLD_TARGET_S = 3.0
RELEASE = 10  # responses added at once: one release of the campaign's k
SCORING_WINDOW_S = 6.0  # well inside the ~12 s a province's scoring takes
CACHED_TARGET_MS = 300.0

log = score_bench.log


# -- CPU accounting (/proc) ----------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    """``/proc/PID/stat``: the command name, then the fields after it (state, ppid, pgrp, …)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return [text[text.index("(") + 1 : text.rindex(")")], *text[text.rindex(")") + 2 :].split()]


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def group_pids(pgid: int) -> list[int]:
    """The processes of a process group (the server, its granian worker and the worker's
    scoring process)."""
    found = []
    for pid in _pids():
        fields = _stat_fields(pid)
        if fields is not None and int(fields[3]) == pgid:
            found.append(pid)
    return found


def backend_pids(database: str) -> list[int]:
    """The PostgreSQL backends connected to ``database`` (their title names it)."""
    found = []
    for pid in _pids():
        fields = _stat_fields(pid)
        if fields is None or fields[0] != "postgres":
            continue
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if f" {database} " in title:
            found.append(pid)
    return found


def cpu_ticks(pids: list[int]) -> int:
    """utime + stime of the processes, in clock ticks."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            total += int(fields[12]) + int(fields[13])
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def own_ticks() -> int:
    times = os.times()
    return round((times.user + times.system) * TICK)


@dataclass
class Usage:
    """CPU used while a block ran: the server, its PostgreSQL backends, and everything else."""

    wall: float = 0.0
    server: float = 0.0  # CPU seconds
    postgres: float = 0.0
    other_share: float = 0.0  # of the machine, busy but not server, backends or this client


@contextmanager
def accounted(server_pgid: int) -> Iterator[Usage]:
    usage = Usage()
    server = group_pids(server_pgid)
    backends = backend_pids(SCRATCH)
    before = (cpu_ticks(server), cpu_ticks(backends), own_ticks(), machine_ticks())
    started = time.perf_counter()
    yield usage
    usage.wall = time.perf_counter() - started
    backends += [pid for pid in backend_pids(SCRATCH) if pid not in backends]
    server += [pid for pid in group_pids(server_pgid) if pid not in server]  # a new child
    s, p, c, (busy, total) = cpu_ticks(server), cpu_ticks(backends), own_ticks(), machine_ticks()
    span = max(1, total - before[3][1])
    usage.server = (s - before[0]) / TICK
    usage.postgres = (p - before[1]) / TICK
    explained = (s - before[0]) + (p - before[1]) + (c - before[2])
    usage.other_share = max(0.0, (busy - before[3][0] - explained) / span)


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.M)
        total += int(match.group(1)) if match else 0
    return total / 1024


# -- the server ----------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def pgid(self) -> int:
        return self.process.pid  # started in its own session: the group is its pid

    def stop(self) -> None:
        try:
            os.killpg(self.pgid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.process.wait(timeout=10)

    def kill(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)


LIVE: list[Server] = []  # killed at once when the run is interrupted


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(url: str, workdir: Path, port: int = 8000) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": str(workdir),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def serving(url: str, workdir: Path) -> Iterator[Server]:
    """``survey-server serve --workers 1`` on a free port, until /healthz answers."""
    port = free_port()
    log_path = workdir / f"server-{port}.log"
    with log_path.open("ab") as handle:
        process = subprocess.Popen(
            [str(BIN), "serve", "--workers", "1"],
            env=environment(url, workdir, port),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    LIVE.append(server)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield server
    finally:
        server.stop()
        LIVE.remove(server)


@contextmanager
def signed_in(server: Server) -> Iterator[httpx.Client]:
    """A client with the session cookie of the Sở's administrator."""
    with httpx.Client(
        base_url=server.base_url, timeout=180, headers={"Accept-Encoding": "gzip"}
    ) as client:
        form = client.get("/staff/login")
        match = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert match, form.text[:500]
        done = client.post(
            "/staff/login",
            data={"username": USERNAME, "password": PASSWORD, "csrf": match.group(1)},
        )
        assert done.status_code == 303, (done.status_code, done.text[:500])
        yield client


@dataclass
class Sample:
    ms: float
    wire: int  # body bytes as sent (gzip'd when the server compressed it)
    size: int  # body bytes decoded
    pending: bool  # the numbers leave out responses being scored (scores API, dashboard)


def timed(client: httpx.Client, path: str) -> Sample:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
    pending = (
        b'"pending":true' in response.content
        or "hệ thống đang tính lại".encode() in response.content
    )
    return Sample(elapsed, response.num_bytes_downloaded, len(response.content), pending)


# -- measurements --------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def rank(share: float) -> float:  # nearest rank
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    return {
        "n": len(ordered),
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": ordered[-1],
    }


@dataclass
class Cold:
    seconds: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)
    postgres_cpu: list[float] = field(default_factory=list)
    other: list[float] = field(default_factory=list)

    def add(self, usage: Usage) -> None:
        self.seconds.append(usage.wall)
        self.server_cpu.append(usage.server)
        self.postgres_cpu.append(usage.postgres)
        self.other.append(usage.other_share)


def create_admin(url: str, workdir: Path) -> None:
    subprocess.run(
        [str(BIN), "users", "create", USERNAME, "--role", "admin", "--unit", ROOT_UNIT,
         "--password-stdin"],
        input=PASSWORD, text=True, env=environment(url, workdir), check=True,
        capture_output=True,
    )  # fmt: skip


def add_release(url: str, number: int) -> None:
    """One release's worth of new responses: ``RELEASE`` copies of the newest stored response
    (same school, new ids and receipts). Fewer would change nothing that anyone can see:
    responses are published in releases of at least k (docs/PRIVACY.md)."""
    import asyncpg

    from survey_server.responses.writer import COLUMNS

    copied = ", ".join(f"s.{column}" for column in COLUMNS[2:])

    async def go() -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(
                f"INSERT INTO submission ({', '.join(COLUMNS)}) "
                f"SELECT gen_random_uuid(), $1 || lpad(g::text, 3, '0'), {copied} "
                "FROM (SELECT * FROM submission ORDER BY id DESC LIMIT 1) s, "
                "generate_series(1, $2) g",
                f"N{number:09d}",
                RELEASE,
            )
        finally:
            await connection.close()

    asyncio.run(go())


def run(url: str, workdir: Path, requests: int, cold_runs: int) -> dict[str, Any]:
    scores = f"/api/v1/campaigns/{score_bench.CAMPAIGN}/scores"
    page = f"/staff/campaigns/{score_bench.CAMPAIGN}"
    root_scores, root_page = f"{scores}?unit={ROOT_UNIT}", page
    commune_scores = f"{scores}?unit={COMMUNE}"
    results: dict[str, Any] = {"cold": {}, "fresh": []}

    first = results["cold"]["scores API, Sở: first scoring of the campaign (nothing stored)"] = (
        Cold()
    )
    for _ in range(cold_runs):
        sql(url, "DELETE FROM score_snapshot")
        with serving(url, workdir) as server, signed_in(server) as client:
            with accounted(server.pgid) as usage:
                timed(client, root_scores)
            first.add(usage)
            log(f"first scoring: {usage.wall:.2f} s")
    for name, path in (("scores API, Sở", root_scores), ("dashboard, Sở", root_page)):
        cold = results["cold"][f"{name}: first request after a start"] = Cold()
        for _ in range(cold_runs):
            with serving(url, workdir) as server, signed_in(server) as client:
                results["server_processes"] = len(group_pids(server.pgid))
                with accounted(server.pgid) as usage:
                    timed(client, path)
                cold.add(usage)
                log(f"cold after a start, {name}: {usage.wall:.2f} s")

    views = {
        "baseline": "/healthz",
        "scores API, Sở": root_scores,
        "scores API, commune": commune_scores,
        "scores API, school": f"{scores}?unit={SCHOOL}",
        "dashboard, Sở": root_page,
        "dashboard, commune": f"{page}?unit={COMMUNE}",
    }
    # the baseline twice per round, apart; the order rotates every round
    order = ["baseline", *list(views)[1:4], "baseline", *list(views)[4:]]
    with serving(url, workdir) as server, signed_in(server) as client:
        log("warming the cache")
        sizes = {name: timed(client, path) for name, path in views.items()}
        results["rss_warm_mb"] = rss_mb(group_pids(server.pgid))
        samples: dict[str, list[float]] = {name: [] for name in views}
        log(f"cached: {requests} rounds")
        with accounted(server.pgid) as usage:
            for round_number in range(requests):
                shift = round_number % len(order)
                for name in order[shift:] + order[:shift]:
                    samples[name].append(timed(client, views[name]).ms)
        results["cached_phase"] = usage
        results["cached"] = {
            name: {**percentiles(values), "wire": sizes[name].wire, "size": sizes[name].size}
            for name, values in samples.items()
        }
        log(f"cached: done in {usage.wall:.0f} s")

        number = 0
        for name, path in (("scores API, Sở", root_scores), ("dashboard, Sở", root_page)):
            label = f"{name}: first request after a new release"
            cold = results["cold"][label] = Cold()
            for _ in range(cold_runs):
                number += 1
                add_release(url, number)
                with accounted(server.pgid) as usage:
                    sample = timed(client, path)
                cold.add(usage)
                fresh = until_current(client, commune_scores, usage.wall)
                fresh["request"], fresh["pending"] = label, sample.pending
                fresh["rss_mb"] = rss_mb(group_pids(server.pgid))
                results["fresh"].append(fresh)
                log(
                    f"after a new release, {name}: {usage.wall:.2f} s "
                    f"(pending: {sample.pending}); current after {fresh['lag']:.1f} s"
                )
        results["submissions"] = submissions_during_a_scoring(url, client, root_scores)
        results["rss_end_mb"] = rss_mb(group_pids(server.pgid))
    return results


def submissions_during_a_scoring(
    url: str, client: httpx.Client, trigger: str, count: int = 60
) -> dict[str, dict[str, float]]:
    """``POST /api/v1/responses`` timed on the idle warm server, then while the campaign is
    scored again in the background (started by a view right after a new release): the
    respondents' path must not queue behind a scoring."""
    link = sql(url, "SELECT code FROM distribution_link ORDER BY id LIMIT 1", fetch=True)

    def submit() -> float:
        body = {"link": link, "submission_id": str(uuid.uuid4()), "answers": {"tc1": 4}}
        started = time.perf_counter()
        response = client.post("/api/v1/responses", json=body)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            raise RuntimeError(f"submission: {response.status_code} {response.text[:300]}")
        return elapsed

    idle = [submit() for _ in range(count)]
    add_release(url, 10_000)
    started = time.perf_counter()
    if not timed(client, trigger).pending:
        log("warning: the campaign was scored within the view's wait (a small campaign)")
    during = []
    while time.perf_counter() - started < SCORING_WINDOW_S:
        during.append(submit())
        time.sleep(0.1)
    log(f"submissions: idle p50 {statistics.median(idle):.1f} ms, during a scoring "
        f"p50 {statistics.median(during):.1f} ms")  # fmt: skip
    return {"idle": percentiles(idle), "during a scoring": percentiles(during)}


def until_current(client: httpx.Client, path: str, elapsed: float) -> dict[str, Any]:
    """While the campaign is scored again in the background: the latency of ``/healthz`` and
    of a commune's scores (``path``), asked in turn, until its numbers are current again; the
    seconds from the new release until then (``elapsed`` already passed)."""
    started = time.perf_counter() - elapsed
    during: dict[str, list[float]] = {"baseline": [], "commune": []}
    while True:
        during["baseline"].append(timed(client, "/healthz").ms)
        sample = timed(client, path)
        during["commune"].append(sample.ms)
        if not sample.pending:
            break
        time.sleep(0.25)
    return {
        "lag": time.perf_counter() - started,
        "during": {name: percentiles(values) for name, values in during.items()},
    }


def sql(url: str, statement: str, fetch: bool = False) -> Any:
    """Run a statement on the scratch database; its first value with ``fetch``."""
    import asyncpg

    async def go() -> Any:
        connection = await asyncpg.connect(url)
        try:
            if fetch:
                return await connection.fetchval(statement)
            return await connection.execute(statement)
        finally:
            await connection.close()

    return asyncio.run(go())


# -- report --------------------------------------------------------------------------------


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.rstrip("\n")


def about_run() -> dict[str, str]:
    """The code and the machine, read before the run."""
    dirty = [
        line[3:]
        for line in git("status", "--porcelain").splitlines()
        if line[3:].startswith(("survey_server/", "analysis/", "bench/"))
    ]
    commit = git("rev-parse", "--short", "HEAD")
    if dirty:
        commit += f" with uncommitted changes to {', '.join(f'`{p}`' for p in dirty)}"
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    memory = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    gib = int(memory.group(1)) / 1024**2 if memory else 0.0

    async def settings() -> tuple[str, str]:
        import asyncpg

        connection = await asyncpg.connect(score_bench.PG_ADMIN)
        try:
            return (
                await connection.fetchval("SHOW server_version"),
                await connection.fetchval("SHOW shared_buffers"),
            )
        finally:
            await connection.close()

    version, buffers = asyncio.run(settings())
    return {
        "commit": commit,
        "started": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {model}, {gib:.1f} GiB",
        "software": f"Python {platform.python_version()}, PostgreSQL {version} "
        f"(shared_buffers {buffers})",
        "load": Path("/proc/loadavg").read_text().split()[0],
    }


def ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def size(count: int) -> str:
    if count >= 1e6:
        return f"{count / 1e6:.1f} MB"
    return f"{count / 1e3:.0f} KB" if count >= 1e4 else f"{count:,} B"


def section(results: dict[str, Any], args: argparse.Namespace, about: dict[str, str]) -> str:
    command = (
        f".venv/bin/python bench/dashboard.py --responses {args.responses} --units {args.units} "
        f"--requests {args.requests} --cold {args.cold}"
    )
    base = results["cached"]["baseline"]
    phase: Usage = results["cached_phase"]
    processes = f"{results['server_processes']} processes in its group" + (
        ": granian's main process and one worker" if results["server_processes"] == 2 else ""
    )
    lines = [
        "<!-- section:dashboard -->",
        "## Dashboard and scores API of a province",
        "",
        f"Produced by `{command}`, started {about['started']} UTC, commit {about['commit']}; "
        f"{about['machine']}; {about['software']}; load average {about['load']} at the start.",
        "",
        f"Campaign of {args.responses:,} responses × 30 questions (the phổ thông questionnaire) "
        f"over {args.units:,} schools under {score_bench.COMMUNES} communes under one Sở: the "
        "province of `bench/score.py`, in a scratch PostgreSQL database dropped afterwards. "
        f"Server: `survey-server serve --workers 1` on 127.0.0.1 ({processes}). Client: one "
        "httpx client signed in as an administrator of the Sở, sequential requests on a "
        "keep-alive connection, `Accept-Encoding: gzip`; a time runs from sending the request "
        "to having read the whole body.",
        "",
        f"### Cached: {args.requests} rounds on one warm server",
        "",
        "Each round asks `GET /healthz` twice and every view once, in an order rotated every "
        "round, so the baseline shares the views' conditions. Other processes used "
        f"{phase.other_share:.0%} of the machine during this phase ({phase.wall:.0f} s). "
        "Percentiles by nearest rank.",
        "",
        "| request | n | p50 ms | p95 ms | p99 ms | max ms | p50 / baseline | p95 / baseline "
        "| body (gzip / decoded) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, p in results["cached"].items():
        label = "baseline `GET /healthz`" if name == "baseline" else name
        lines.append(
            f"| {label} | {p['n']} | {ms(p['p50'])} | {ms(p['p95'])} | {ms(p['p99'])} | "
            f"{ms(p['max'])} | {p['p50'] / base['p50']:,.1f} | {p['p95'] / base['p95']:,.1f} | "
            f"{size(p['wire'])} / {size(p['size'])} |"
        )
    lines += [
        "",
        "### Cold: first requests, and requests after a new release",
        "",
        "First scoring: the stored result deleted, a fresh server, the timed request scores the "
        "whole campaign (this happens once per campaign; afterwards the result is stored). After "
        "a start: a fresh server each time, signed in, then the timed request. After a new "
        "response: on the warm server above, one response inserted, then the timed request "
        "(the server scores the campaign again in the background; it waits up to 2 s for the "
        "new numbers only when the previous scoring took less, else it answers at once with "
        "the stored numbers marked pending). CPU seconds are read from /proc during the request: the server's "
        "processes and the PostgreSQL backends of the scratch database (the scoring process closes "
        "its connections before the first scoring's request ends, so their share is missing "
        'from that row); "other" is the share of the machine busy with anything else.',
        "",
        "| request | runs (s) | worst s | server CPU s (median) | PostgreSQL CPU s "
        "(median) | other % (max) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, cold in results["cold"].items():
        lines.append(
            f"| {name} | {' / '.join(f'{t:.2f}' for t in cold.seconds)} | "
            f"{max(cold.seconds):.2f} | {statistics.median(cold.server_cpu):.2f} | "
            f"{statistics.median(cold.postgres_cpu):.2f} | {max(cold.other):.0%} |"
        )
    fresh = results["fresh"]
    pending = sum(1 for run in fresh if run["pending"])
    lines += [
        "",
        f"Answered with the stored numbers marked pending: {pending} of {len(fresh)} requests "
        "after a new release. While the campaign was scored again in the background, the same "
        "client asked `GET /healthz` and the scores API of a commune in turn until its numbers "
        "were current (a scoring shares the server's two cores with the views):",
        "",
        "| after a new release | current after (s) | `/healthz` p50 / p95 / max ms "
        "| commune scores p50 / p95 / max ms | server memory after (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for run in fresh:
        health, commune = run["during"]["baseline"], run["during"]["commune"]
        lines.append(
            f"| {run['request'].split(':')[0]} | {run['lag']:.1f} | "
            f"{ms(health['p50'])} / {ms(health['p95'])} / {ms(health['max'])} | "
            f"{ms(commune['p50'])} / {ms(commune['p95'])} / {ms(commune['max'])} | "
            f"{run['rss_mb']:,.0f} |"
        )
    lines += [
        "",
        "Submissions (`POST /api/v1/responses`, one answer, the same client): on the idle warm "
        "server, then every 0.1 s during the first "
        f"{SCORING_WINDOW_S:.0f} s of a scoring in the background (started by a view of the "
        "Sở right after a new release):",
        "",
        "| submission | n | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, p in results["submissions"].items():
        lines.append(f"| {name} | {p['n']} | {ms(p['p50'])} | {ms(p['p95'])} | {ms(p['max'])} |")
    views = {k: v for k, v in results["cached"].items() if k != "baseline"}
    slowest = max(views, key=lambda k: views[k]["p95"])
    cached_p95 = views[slowest]["p95"]
    shown = [
        t
        for name, cold in results["cold"].items()
        if "first scoring" not in name
        for t in cold.seconds
    ]
    scoring = next(cold for name, cold in results["cold"].items() if "first scoring" in name)
    lines += [
        "",
        f"Server memory (RSS of its processes): {results['rss_warm_mb']:,.0f} MB with the "
        f"campaign's scores kept, {results['rss_end_mb']:,.0f} MB at the end ({2 * args.cold + 1} "
        "scorings in the background later, the scoring process included; the table above "
        "gives it after each).",
        "",
        f"- Target p95 under {CACHED_TARGET_MS:.0f} ms for a cached view: "
        f"{'met' if cached_p95 < CACHED_TARGET_MS else '**missed**'} (worst p95 "
        f"{ms(cached_p95)} ms, {slowest}).",
        f"- Target under {COLD_TARGET_S:.0f} s cold: "
        f"{'met' if max(shown) < COLD_TARGET_S else '**missed**'} "
        f"({min(shown):.1f}–{max(shown):.1f} s over every request after a start or after a "
        "new response).",
        f"- Scoring the campaign itself takes {min(scoring.seconds):.0f}–"
        f"{max(scoring.seconds):.0f} s: the one request that finds nothing stored waits for it "
        "(`survey-server rescore` does it ahead); every other request is answered from "
        "the stored result, and new responses show up in the numbers "
        f"{min(run['lag'] for run in fresh):.0f}–{max(run['lag'] for run in fresh):.0f} s "
        "after they arrive.",
    ]
    lines.append("<!-- /section -->")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=100, help="cached rounds")
    parser.add_argument("--cold", type=int, default=3, help="cold requests of each kind")
    parser.add_argument("--no-doc", action="store_true", help="print, leave the doc alone")
    args = parser.parse_args()

    def interrupted(number: int, _: object) -> None:
        for server in LIVE:
            server.kill()
        raise SystemExit(128 + number)  # the database is dropped on the way out

    signal.signal(signal.SIGTERM, interrupted)
    about = about_run()
    url = f"{score_bench.PG_ADMIN.rsplit('/', 1)[0]}/{SCRATCH}"
    score_bench.pg(f"CREATE DATABASE {SCRATCH}")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            workdir = Path(scratch)
            log(f"preparing the province: {args.units:,} schools, {args.responses:,} responses")
            started = time.perf_counter()
            asyncio.run(score_bench.prepare_database(url, args.units, args.responses, workdir))
            create_admin(url, workdir)
            log(f"prepared in {time.perf_counter() - started:.0f} s; measuring")
            results = run(url, workdir, args.requests, args.cold)
    finally:
        score_bench.pg(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        log(f"dropped {SCRATCH}")
    text = section(results, args, about)
    print(text)
    if not args.no_doc:
        put_section("dashboard", text)


if __name__ == "__main__":
    main()
