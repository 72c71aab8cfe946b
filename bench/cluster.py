"""Benchmark: two app processes and a worker on one PostgreSQL, and kill -9 of each of them.

    .venv/bin/python bench/cluster.py [--duration 12] [--rounds 3]

The deployment of compose.yaml on one machine: two ``survey-server serve`` processes (one
granian worker each, each on its own port, as two containers behind a load balancer), one
``survey-server worker`` and PostgreSQL; a reader process opens the campaign's scores every
``--read-every`` seconds as a dashboard would (``services.campaign_scores``: the scrubber's
second pass over new comments, the due releases, a scoring job deferred and run by the worker).
A fifth of the bodies carry a comment, as in a real campaign.

1. **Throughput per core used.** ``wrk`` (bench/post.lua, a new submission_id on every request)
   sends half its connections to each app. Interleaved with it, the raw-driver baseline
   (``bench/baseline_app.py`` ``/insert``: decode, one durable ``INSERT`` per request) in
   **one** process. Cores used = CPU seconds of every process involved (apps, worker, reader,
   PostgreSQL; not wrk) over the wall time, read from /proc; the target compares stored
   responses per core-second.
2. **kill -9.** The same load for twice as long; a third of the way in, ``SIGKILL`` to app 1,
   started again two seconds later. Then the burst flags the load raised (thousands a second
   through one link) are kept, as an office would after review, so that releases are made and
   the worker gets a scoring job; ``SIGKILL`` to the worker while it runs that job, started
   again two seconds later. Afterwards: every 201 is a stored row, the job was taken over from
   the dead worker (``JOBS_STALLED_AFTER``) and succeeded, and the stored scores cover every
   release.

Results: docs/PERFORMANCE.md (``<!-- section:cluster -->``). Load goes to 127.0.0.1 only,
bounded by ``--duration``; the scratch database (``run.PG_DB``) is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from run import (
    CAMPAIGN,
    CLK,
    PG_DB,
    ROOT,
    SURVEY_SERVER,
    Database,
    Server,
    _machine_ticks,
    _proc_stats,
    build_bodies,
    demo_link,
    free_port,
    log,
    post_once,
    run_wrk,
)
from sections import put_section

TARGET_RATIO = 0.8
COMMENT_SHARE = 0.2  # of responses with a comment, as in a real campaign
STALLED_AFTER = 10  # JOBS_STALLED_AFTER: a killed worker's job is taken over this soon


@dataclass
class Load:
    """One wrk run (or two side by side) and the CPU of the processes it measures."""

    requests: int
    sent: int
    n201: int
    non2xx: int
    socket_errors: int
    seconds: float
    cpu_seconds: float  # the measured processes and PostgreSQL
    cpu_us: dict[str, float]  # CPU per stored response of each role
    other_pct: float
    rows_added: int

    @property
    def stored_per_s(self) -> float:
        return self.n201 / self.seconds

    @property
    def cores(self) -> float:
        return self.cpu_seconds / self.seconds

    @property
    def per_core(self) -> float:
        return self.n201 / self.cpu_seconds


def _ticks(roles: dict[int, str]) -> dict[str, int]:
    """CPU ticks so far of each role's processes (by session id) and of PostgreSQL's."""
    out: dict[str, int] = {}
    for _, comm, sid, ticks in _proc_stats():
        role = roles.get(sid, "PostgreSQL" if comm == "postgres" else None)
        if role is not None:
            out[role] = out.get(role, 0) + ticks
    return out


def load(
    urls: list[str],
    bodies: Path,
    connections: int,
    seconds: float,
    db: Database,
    roles: dict[int, str],
    during: Any = None,
) -> Load:
    """wrk against each URL at once (``connections`` shared among them); ``during``, if given,
    runs in a thread meanwhile (the kills). Every wrk gets its own random seed: two with the
    same seed send the same submission ids, which the product takes as resent forms."""
    before_rows = db.count()
    before, (busy0, total0) = _ticks(roles), _machine_ticks()
    usage0 = os.times()
    results: list[dict[str, Any]] = []
    threads = [
        threading.Thread(
            target=lambda url=url, seed=seed: results.append(
                run_wrk(url, bodies, connections // len(urls), seconds, seed)[0]
            )
        )
        for seed, url in ((random.getrandbits(30), url) for url in urls)
    ]
    for thread in threads:
        thread.start()
    if during is not None:
        during()
    for thread in threads:
        thread.join()
    after, (busy1, total1) = _ticks(roles), _machine_ticks()
    usage1 = os.times()
    time.sleep(1.0)  # requests in flight when wrk stopped are committed (or not) before counting
    rows = db.count() - before_rows
    used = {role: (ticks - before.get(role, 0)) / CLK for role, ticks in after.items()}
    cpu = sum(used.values())
    wrk_cpu = (usage1.children_user + usage1.children_system) - (
        usage0.children_user + usage0.children_system
    )
    busy = (busy1 - busy0) / CLK
    statuses: dict[str, int] = {}
    for result in results:
        for status, count in result["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    return Load(
        requests=sum(r["requests"] for r in results),
        sent=sum(r["sent"] for r in results),
        n201=statuses.get("201", 0),
        non2xx=sum(v for k, v in statuses.items() if not k.startswith("2")),
        socket_errors=sum(v for r in results for k, v in r["errors"].items() if k != "status"),
        seconds=max(r["duration_us"] for r in results) / 1e6,
        cpu_seconds=cpu,
        cpu_us={
            role: round(seconds * 1e6 / max(1, statuses.get("201", 0)))
            for role, seconds in used.items()
        },
        other_pct=round(
            max(0.0, 100 * (busy - cpu - wrk_cpu) / max(1, (total1 - total0) / CLK)), 1
        ),
        rows_added=rows,
    )


def reader_loop(url: str, every: float) -> None:
    """``--child reader``: what a dashboard open on the campaign does, every ``every`` seconds."""
    from survey_server.db.migrate import migrate
    from survey_server.scoring.services import campaign_scores

    async def go() -> None:
        engine = await migrate(url)
        await engine.start_connection_pool()
        while True:
            await campaign_scores(CAMPAIGN, wait=0)
            await asyncio.sleep(every)

    asyncio.run(go())


class Cluster:
    """Two apps, a worker and a reader on the scratch database."""

    def __init__(self, env: dict[str, str], url: str, log_dir: Path, read_every: float) -> None:
        self.log_dir = log_dir
        self.ports = [free_port(), free_port()]
        self.apps = [
            Server(
                f"app{i + 1}",
                [str(SURVEY_SERVER), "serve"],
                {**env, "PORT": str(port), "WORKERS": "1"},
                port,
                "/healthz",
            )
            for i, port in enumerate(self.ports)
        ]
        self.env, self.url, self.read_every = env, url, read_every
        self.worker: subprocess.Popen[bytes] | None = None
        self.reader: subprocess.Popen[bytes] | None = None

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        with open(self.log_dir / f"{name}.log", "ab") as logfile:
            return subprocess.Popen(
                argv,
                env=self.env,
                cwd=ROOT,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", [str(SURVEY_SERVER), "worker"])

    def start(self) -> None:
        for app in self.apps:
            app.start(self.log_dir)
        self.start_worker()
        self.reader = self._spawn(
            "reader",
            [sys.executable, __file__, "--child", "reader", self.url, str(self.read_every)],
        )

    @property
    def roles(self) -> dict[int, str]:
        out = {app.sid: "apps" for app in self.apps if app.sid}
        for role, process in (("worker", self.worker), ("reader", self.reader)):
            if process is not None:
                out[process.pid] = role
        return out

    def stop(self) -> None:
        for process in (self.reader, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        for app in self.apps:
            app.stop()

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}/api/v1/responses" for port in self.ports]


def _event(events: list[str], text: str) -> None:
    events.append(f"{time.strftime('%H:%M:%S')} {text}")
    log(f"  {text}")


def kill_app(cluster: Cluster, seconds: float, events: list[str]) -> None:
    """SIGKILL to app 1 a third of the way into the load, started again two seconds later."""
    time.sleep(seconds / 3)
    app = cluster.apps[0]
    assert app.proc is not None
    os.killpg(app.proc.pid, signal.SIGKILL)
    app.proc.wait()
    app.proc = None
    _event(events, "app 1 killed")
    time.sleep(2)
    app.start(cluster.log_dir)
    _event(events, "app 1 started again")


def kill_worker(cluster: Cluster, events: list[str], limit: float = 120) -> None:
    """SIGKILL to the worker while it runs a job (the reader keeps making releases and
    deferring the scoring), started again two seconds later."""
    # one link sending thousands a second is flagged as a burst and held back from releases
    # (docs/INTEGRITY.md); the office reviews the flag and keeps the responses
    _sql(cluster.url, "UPDATE integrity_flag SET status = 'kept'")
    _event(events, "burst flags of the load kept, as an office would after review")
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not _jobs(cluster.url, "doing"):
        time.sleep(0.02)
    running = _jobs(cluster.url, "doing")
    assert cluster.worker is not None
    os.killpg(cluster.worker.pid, signal.SIGKILL)
    cluster.worker.wait()
    _event(events, f"worker killed with {running} job(s) running")
    time.sleep(2)
    cluster.start_worker()
    _event(events, "worker started again")


def _sql(url: str, query: str) -> list[Any]:
    import asyncpg

    async def go() -> list[Any]:
        connection = await asyncpg.connect(url)
        try:
            return list(await connection.fetch(query))
        finally:
            await connection.close()

    return asyncio.run(go())


def _jobs(url: str, status: str) -> int:
    return int(
        _sql(url, f"SELECT count(*) FROM procrastinate_jobs WHERE status = '{status}'")[0][0]
    )


def settle(url: str, limit: float = 240) -> dict[str, Any]:
    """Waits until no job is waiting or running (or ``limit``), then what became of the jobs and
    whether the stored scores cover every release."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if not _jobs(url, "todo") and not _jobs(url, "doing"):
            break
        time.sleep(1)
    statuses = {
        row[0]: row[1]
        for row in _sql(url, "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1")
    }
    newest = _sql(url, "SELECT coalesce(max(id), 0) FROM response_release")[0][0]
    covered = _sql(url, "SELECT coalesce(max(newest), 0) FROM score_snapshot")[0][0]
    return {
        "settled_s": round(time.monotonic() - started, 1),
        "jobs": statuses,
        "newest_release": newest,
        "scored_release": covered,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--read-every", type=float, default=5)
    parser.add_argument("--pg-dsn", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--report", type=Path, help="write the section from a saved cluster.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        reader_loop(args.child[1], float(args.child[2]))
        return
    if args.report:
        put_section("cluster", section(json.loads(args.report.read_text()), args))
        return
    work = Path(f"/tmp/bench-cluster-{os.getpid()}")
    work.mkdir(parents=True)
    url = f"{args.pg_dsn.rstrip('/')}/{PG_DB}"
    db = Database("postgres", url, work, admin_dsn=f"{args.pg_dsn.rstrip('/')}/postgres")
    env = {k: v for k, v in os.environ.items() if k not in ("WORKERS", "HOST", "PORT")}
    env.update(
        {
            "DATABASE_URL": url,
            "DATA_DIR": str(work),
            "PYTHONPATH": str(ROOT),
            "JOBS_STALLED_AFTER": str(STALLED_AFTER),
        }
    )
    env.pop("SECRET_KEY", None)
    db.create()
    try:
        report = bench(args, db, env, url, work)
    finally:
        db.drop()
    (work / "cluster.json").write_text(json.dumps(report, indent=1))
    text = section(report, args)
    print(text)
    if not args.no_doc:
        put_section("cluster", text)


def bench(
    args: argparse.Namespace, db: Database, env: dict[str, str], url: str, work: Path
) -> dict[str, Any]:
    log("preparing the demo database")
    link = demo_link(env)
    # the job queue's tables, as compose.yaml's `migrate` service adds them
    subprocess.run(
        [str(SURVEY_SERVER), "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    cluster = Cluster(env, url, work, args.read_every)
    port = free_port()
    baseline = Server(
        "baseline",
        [
            sys.executable,
            str(ROOT / "bench" / "baseline_app.py"),
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        {**env, "BENCH_DATABASE_URL": url, "BENCH_LINK": link},
        port,
        "/ping",
    )
    runs: list[dict[str, Any]] = []
    try:
        cluster.apps[0].start(work)
        base = f"http://127.0.0.1:{cluster.ports[0]}"
        bodies, info = build_bodies(base, link, work / "bodies.txt", comment_share=COMMENT_SHARE)
        example = json.dumps(info["example"], ensure_ascii=False).encode()
        status, text = post_once(f"{base}/api/v1/responses", example)
        if status != 201:
            raise RuntimeError(f"product refused the benchmark body: {status} {text}")
        cluster.apps[0].stop()
        baseline.start(work)
        try:
            another = example.replace(
                b"00000000-0000-4000-8000-000000000000", b"1" * 8 + b"-1111-4111-8111-" + b"1" * 12
            )
            status, text = post_once(f"http://127.0.0.1:{port}/insert", another)
        finally:
            baseline.stop()
        if status != 201:
            raise RuntimeError(f"the baseline refused the benchmark body: {status} {text}")
        for _ in range(args.rounds):
            db.reset()
            baseline.start(work)
            try:
                insert = f"http://127.0.0.1:{port}/insert"
                run_wrk(insert, bodies, args.connections, 2, random.getrandbits(30))
                time.sleep(1.5)  # the warm-up's last requests are stored before counting
                measured = load(
                    [insert],
                    bodies,
                    args.connections,
                    args.duration,
                    db,
                    {baseline.sid: "baseline"} if baseline.sid else {},
                )
            finally:
                baseline.stop()
            runs.append({"case": "baseline", **measured.__dict__})
            log(
                f"  baseline B, one process: {measured.stored_per_s:,.0f}/s, "
                f"{measured.cores:.2f} cores, {measured.per_core:,.0f} per core-second"
            )
            db.reset()
            cluster.start()
            try:
                for target in cluster.urls:
                    run_wrk(target, bodies, args.connections // 2, 2, random.getrandbits(30))
                time.sleep(1.5)
                measured = load(
                    cluster.urls, bodies, args.connections, args.duration, db, cluster.roles
                )
            finally:
                cluster.stop()
            runs.append({"case": "cluster", **measured.__dict__})
            log(
                f"  two apps, worker, reader: {measured.stored_per_s:,.0f}/s, "
                f"{measured.cores:.2f} cores, {measured.per_core:,.0f} per core-second"
            )
        db.reset()
        events: list[str] = []
        cluster.start()
        try:
            killed = load(
                cluster.urls,
                bodies,
                args.connections,
                args.duration * 2,
                db,
                cluster.roles,
                during=lambda: kill_app(cluster, args.duration * 2, events),
            )
            kill_worker(cluster, events)
            outcome = settle(url)
            worker_log = (work / "worker.log").read_text(errors="replace")
            outcome["taken_over"] = worker_log.count("of a dead worker queued again")
            outcome["succeeded"] = worker_log.count("ended with status: Success")
            outcome["failed"] = worker_log.count("ended with status: Error") + worker_log.count(
                "ended with status: Fail"
            )
        finally:
            cluster.stop()
        log(f"  kill -9: {killed.n201:,} acknowledged, {killed.rows_added:,} stored; {outcome}")
    finally:
        cluster.stop()
        baseline.stop()
    return {
        "runs": runs,
        "kill": {**killed.__dict__, **outcome, "events": events},
        "body": {k: v for k, v in info.items() if k != "example"},
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }


def section(report: dict[str, Any], args: argparse.Namespace) -> str:
    def median_of(case: str, key: str) -> float:
        values = [run[key] for run in report["runs"] if run["case"] == case]
        return statistics.median(values)

    def per_core(run: dict[str, Any]) -> float:
        return run["n201"] / run["cpu_seconds"]

    lines = [
        "<!-- section:cluster -->",
        "## Two app processes and a worker on one PostgreSQL",
        "",
        f"Produced by `.venv/bin/python bench/cluster.py --duration {args.duration:g} "
        f"--rounds {args.rounds}` on {report['at']}, commit {report['commit']}, "
        f"{os.cpu_count()} cores; wrk, the processes measured and PostgreSQL share them.",
        "",
        "- **Cluster:** two `survey-server serve` (one granian worker each, own port), one "
        "`survey-server worker`, and a reader opening the campaign's scores every "
        f"{args.read_every:g} s as a dashboard does (releases made, scoring job deferred, run by "
        f"the worker). wrk sends {args.connections // 2} connections to each app "
        f"(bench/post.lua, {report['body']['body_bytes']}-byte body of "
        f"{report['body']['questions']} answers, a new submission_id each time).",
        "- **Baseline:** `bench/baseline_app.py` `/insert` in one process (one granian worker): "
        f"the same decode, one durable `INSERT` per request, {args.connections} connections.",
        "- **Cores used:** CPU seconds of the processes measured and of every PostgreSQL "
        "process, from /proc, over the run's wall time (wrk not counted). Stored per "
        "core-second = 201 answers ÷ those CPU seconds.",
        "- Interleaved: baseline, cluster, baseline, cluster, … on an emptied `submission` table.",
        "",
        "| round | case | stored/s | cores used | stored per core-second | CPU µs per stored "
        "response | non-2xx | socket errors | rows = 201s | other % |",
        "|---:|---|---:|---:|---:|---|---:|---:|---|---:|",
    ]
    for i, run in enumerate(report["runs"]):
        in_flight = max(0, run["sent"] - 1 - run["requests"])
        ok = run["n201"] <= run["rows_added"] <= run["n201"] + in_flight
        name = (
            "baseline B, one process" if run["case"] == "baseline" else "2 apps + worker + reader"
        )
        lines.append(
            f"| {i // 2 + 1} | {name} | {run['n201'] / run['seconds']:,.0f} | "
            f"{run['cpu_seconds'] / run['seconds']:.2f} | {per_core(run):,.0f} | "
            + ", ".join(f"{role} {us:,}" for role, us in sorted(run["cpu_us"].items()))
            + " | "
            f"{run['non2xx']} | {run['socket_errors']} | {'yes' if ok else 'NO'} | "
            f"{run['other_pct']} |"
        )
    base = statistics.median(per_core(r) for r in report["runs"] if r["case"] == "baseline")
    mine = statistics.median(per_core(r) for r in report["runs"] if r["case"] == "cluster")
    ratio = mine / base

    def without_reader(run: dict[str, Any]) -> float:
        return 1e6 / sum(us for role, us in run["cpu_us"].items() if role != "reader")

    bare = statistics.median(without_reader(r) for r in report["runs"] if r["case"] == "cluster")
    met = "met" if ratio >= TARGET_RATIO else "NOT met"
    kill = report["kill"]
    jobs = ", ".join(f"{count} {status}" for status, count in sorted(kill["jobs"].items()))
    lines += [
        "",
        f"- **Stored per core-second, cluster ÷ baseline (medians): {ratio:.2f}** "
        f"(target ≥ {TARGET_RATIO}: {met}). Throughput: cluster "
        f"{median_of('cluster', 'n201') / median_of('cluster', 'seconds'):,.0f}/s, "
        f"baseline {median_of('baseline', 'n201') / median_of('baseline', 'seconds'):,.0f}/s.",
        f"- Of the cluster's CPU, the reader's share is publication, not submission: the "
        "scrubber's second pass over every new response (the statistical model on each "
        "comment) and the releases. Without it (apps, worker and PostgreSQL only) the ratio is "
        f"{bare / base:.2f}.",
        "",
        f"**kill -9 under the same load** ({kill['seconds']:.0f} s): "
        + "; ".join(kill["events"])
        + ".",
        f"- Acknowledged (201): {kill['n201']:,}; rows added: {kill['rows_added']:,} "
        f"({kill['rows_added'] - kill['n201']:,} more: requests stored whose answer was lost "
        "with the killed app or still on the way when wrk stopped); connection errors while "
        f"app 1 was down: {kill['socket_errors']:,}. Every 201 stored: "
        f"{'yes' if kill['rows_added'] >= kill['n201'] else 'NO'}.",
        f"- Jobs: {kill['taken_over']} taken over from the killed worker (JOBS_STALLED_AFTER="
        f"{STALLED_AFTER} s), {kill['succeeded']} ended in success, {kill['failed']} failed (the "
        "worker's log); left in the queue once it settled "
        f"({kill['settled_s']} s): {jobs or 'none'}; stored scores "
        f"cover release {kill['scored_release']} of {kill['newest_release']}: "
        f"{'yes' if kill['scored_release'] == kill['newest_release'] else 'NO'}.",
        "<!-- /section -->",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
