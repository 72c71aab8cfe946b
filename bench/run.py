"""Submission-path benchmark: the product beside an empty POST and a bare insert, per engine.

    .venv/bin/python bench/run.py --engines sqlite,postgres --duration 12

For each engine, in one run and under the same load (wrk -t1 -c64 --timeout 10s, bench/post.lua:
every request a different random submission_id) and the same server setup (granian, the worker
count `survey-server serve` picks: 1 on SQLite, 2 on PostgreSQL):

A. baseline "empty Litestar POST"  bench/baseline_app.py POST /empty  (decode only, 201)
B. baseline "raw driver insert"    bench/baseline_app.py POST /insert (decode + 1 durable commit)
P. the product                     `survey-server serve`, POST /api/v1/responses

on a database prepared by `survey-server demo --no-serve`, with realistic full answers for the
demo link's questionnaire. The cases run interleaved (A, B, P, A, B, P, …), each on a freshly
started server, after a short warm-up, on an emptied `submission` table. After every run that
stores rows, the rows added are compared with the 201 answers counted by the Lua script.

Then, for the product: p99 at half its measured peak rate (two ways, both closed-loop, see the
doc), and the first-load weight of the respondent page as the real server sends it.

Results: bench/results/latest.json (every run) and docs/PERFORMANCE.md (rewritten; the text
between the `<!-- notes -->` markers of the existing doc is kept).

All load goes to 127.0.0.1; each wrk run is bounded by --duration; servers are started in their
own process group and stopped (SIGINT, then SIGKILL) by that group's id; the PostgreSQL scratch
database (bench_lang_nghe) is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
SURVEY_SERVER = VENV_BIN / "survey-server"
LUA = BENCH / "post.lua"
DOC = ROOT / "docs" / "PERFORMANCE.md"
RESULTS = BENCH / "results" / "latest.json"
CAMPAIGN = "HL-PT-2026"
QUESTIONNAIRE = "hai-long-pho-thong"
PG_DB = "bench_lang_nghe"
CLK = os.sysconf("SC_CLK_TCK")
NPROC = os.cpu_count() or 1

COMMENTS = [
    "Nhà trường rất quan tâm đến học sinh, cảm ơn thầy cô.",
    "Mong nhà trường tăng cường trao đổi với phụ huynh qua nhóm lớp.",
    "Sân trường cần thêm cây xanh và ghế đá.",
    "Con tôi thích đi học, giáo viên chủ nhiệm nhiệt tình.",
    "Nhà vệ sinh cần được dọn dẹp thường xuyên hơn.",
    "Các khoản thu nên được thông báo sớm hơn.",
    "Đề nghị tổ chức thêm hoạt động ngoại khóa cho các cháu.",
    "Cổng trường giờ tan học còn đông, mong có người hướng dẫn giao thông.",
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------------------------
# CPU accounting from /proc (server process tree, postgres, whole machine)


def _proc_stats() -> list[tuple[int, str, int, int]]:
    """(pid, comm, session id, utime+stime ticks) of every process."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        close = raw.rfind(")")
        comm = raw[raw.find("(") + 1 : close]
        fields = raw[close + 2 :].split()
        # fields[0] is state (field 3); session is field 6, utime 14, stime 15
        out.append((int(entry), comm, int(fields[3]), int(fields[11]) + int(fields[12])))
    return out


def _machine_ticks() -> tuple[int, int]:
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in parts]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class CpuSnap:
    server: int
    postgres: int
    busy: int
    total: int
    wrk_children: float

    @classmethod
    def take(cls, server_sid: int | None) -> CpuSnap:
        server = postgres = 0
        for _pid, comm, sid, ticks in _proc_stats():
            if server_sid is not None and sid == server_sid:
                server += ticks
            elif comm == "postgres":
                postgres += ticks
        busy, total = _machine_ticks()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(server, postgres, busy, total, usage.ru_utime + usage.ru_stime)


def wait_quiet(limit_s: float, threshold: float = 0.25) -> float:
    """Wait (at most limit_s) until the machine is mostly idle; return the last busy share."""
    deadline = time.monotonic() + limit_s
    while True:
        b0, t0 = _machine_ticks()
        time.sleep(0.5)
        b1, t1 = _machine_ticks()
        share = (b1 - b0) / max(1, t1 - t0)
        if share <= threshold or time.monotonic() >= deadline:
            return share


# --------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server started in its own session; stopped by signalling that process group only."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, ready: str):
        self.name, self.argv, self.env, self.port, self.ready = name, argv, env, port, ready
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    def start(self, log_dir: Path) -> None:
        self.log_path = log_dir / f"{self.name}.log"
        logfile = open(self.log_path, "ab")  # noqa: SIM115 - handed to the server process
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=ROOT,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        logfile.close()
        deadline = time.monotonic() + 40
        url = f"http://127.0.0.1:{self.port}{self.ready}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start-up; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        time.sleep(0.3)
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after 40 s; see {self.log_path}")

    @property
    def sid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        pgid = self.proc.pid
        try:
            os.killpg(pgid, signal.SIGINT)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        # granian workers are in the same group; make sure none outlives its parent
        for _ in range(50):
            if not any(sid == pgid for _, _, sid, _ in _proc_stats()):
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        self.proc = None


# --------------------------------------------------------------------------------------------
# Databases


class Database:
    def __init__(self, engine: str, url: str, data_dir: Path, admin_dsn: str | None = None):
        self.engine, self.url, self.data_dir, self.admin_dsn = engine, url, data_dir, admin_dsn

    # --- PostgreSQL helpers (asyncpg, one short connection per call)
    def _pg(self, sql: str, *args: Any, dsn: str | None = None, fetch: bool = False) -> Any:
        import asyncpg

        async def go() -> Any:
            connection = await asyncpg.connect(dsn or self.url)
            try:
                if fetch:
                    return await connection.fetch(sql, *args)
                return await connection.execute(sql, *args)
            finally:
                await connection.close()

        return asyncio.run(go())

    def create(self) -> None:
        if self.engine == "postgres":
            self.drop()
            self._pg(f'CREATE DATABASE "{PG_DB}"', dsn=self.admin_dsn)

    def drop(self) -> None:
        if self.engine == "postgres":
            self._pg(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)', dsn=self.admin_dsn)

    def count(self) -> int:
        if self.engine == "postgres":
            return int(self._pg("SELECT count(*) FROM submission", fetch=True)[0][0])
        with sqlite3.connect(self.sqlite_file) as connection:
            return int(connection.execute("SELECT count(*) FROM submission").fetchone()[0])

    def reset(self) -> None:
        """Empty the submission table and flush, so every run starts from the same state."""
        if self.engine == "postgres":
            self._pg("TRUNCATE submission CASCADE")  # feedback cases refer to it
            self._pg("CHECKPOINT")
            return
        connection = sqlite3.connect(self.sqlite_file, isolation_level=None)
        try:
            connection.execute("DELETE FROM submission")
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()

    @property
    def sqlite_file(self) -> str:
        return self.url.removeprefix("sqlite:///")

    def pg_settings(self) -> dict[str, str]:
        if self.engine != "postgres":
            return {}
        rows = self._pg(
            "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])",
            ["fsync", "synchronous_commit", "wal_sync_method", "shared_buffers", "max_wal_size"],
            fetch=True,
        )
        out = {row[0]: row[1] for row in rows}
        out["version"] = self._pg("SELECT version()", fetch=True)[0][0]
        return out


# --------------------------------------------------------------------------------------------
# wrk


@dataclass
class Run:
    engine: str
    case: str
    label: str
    connections: int
    duration_s: float
    think_ms: float = 0.0
    rps: float = 0.0
    ok_rps: float = 0.0
    requests: int = 0
    sent: int = 0
    n201: int = 0
    non2xx: int = 0
    wrk_non2xx: int | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    p999_ms: float = 0.0
    max_ms: float = 0.0
    rows_before: int | None = None
    rows_after: int | None = None
    rows_added: int | None = None
    rows_ok: bool | None = None
    server_cpu_us: float | None = None
    pg_cpu_us: float | None = None
    wrk_cpu_us: float | None = None
    machine_busy_pct: float | None = None
    other_busy_pct: float | None = None
    busy_before_pct: float | None = None
    kept: bool = True
    started: str = ""

    @property
    def socket_errors(self) -> int:
        return sum(v for k, v in self.errors.items() if k != "status")


def run_wrk(
    url: str,
    bodies: Path,
    connections: int,
    duration: float,
    seed: int,
    think_ms: float = 0.0,
) -> tuple[dict[str, Any], str]:
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        str(bodies),
        str(seed),
        f"{think_ms:.3f}",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[:500]}")
    line = next((row for row in done.stdout.splitlines() if row.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"no BENCHJSON line in wrk output:\n{done.stdout}\n{done.stderr}")
    return json.loads(line.removeprefix("BENCHJSON ")), done.stdout


def measure(
    *,
    engine: str,
    case: str,
    label: str,
    url: str,
    bodies: Path,
    connections: int,
    duration: float,
    server: Server,
    db: Database | None,
    think_ms: float = 0.0,
    quiet_wait: float = 10.0,
) -> Run:
    run = Run(engine, case, label, connections, duration, think_ms)
    run.busy_before_pct = round(100 * wait_quiet(quiet_wait), 1)
    run.started = datetime.now(UTC).isoformat(timespec="seconds")
    if db is not None:
        run.rows_before = db.count()
    before = CpuSnap.take(server.sid)
    data, text = run_wrk(url, bodies, connections, duration, random.getrandbits(30), think_ms)
    after = CpuSnap.take(server.sid)
    seconds = data["duration_us"] / 1e6
    run.requests = data["requests"]
    run.sent = data["sent"]
    run.rps = run.requests / seconds
    run.statuses = {str(k): v for k, v in data["statuses"].items()}
    run.n201 = run.statuses.get("201", 0)
    run.ok_rps = run.n201 / seconds
    run.non2xx = sum(v for k, v in run.statuses.items() if not k.startswith("2"))
    match = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    run.wrk_non2xx = int(match.group(1)) if match else 0
    run.errors = data["errors"]
    lat = data["latency_us"]
    run.p50_ms, run.p90_ms, run.p99_ms = lat["p50"] / 1e3, lat["p90"] / 1e3, lat["p99"] / 1e3
    run.p999_ms, run.max_ms = lat["p999"] / 1e3, lat["max"] / 1e3
    if run.requests:
        per = 1e6 / run.requests / CLK
        run.server_cpu_us = round((after.server - before.server) * per, 1)
        run.pg_cpu_us = round((after.postgres - before.postgres) * per, 1)
        run.wrk_cpu_us = round((after.wrk_children - before.wrk_children) * 1e6 / run.requests, 1)
    busy = after.busy - before.busy
    total = max(1, after.total - before.total)
    run.machine_busy_pct = round(100 * busy / total, 1)
    known = (after.server - before.server) + (after.postgres - before.postgres)
    known += (after.wrk_children - before.wrk_children) * CLK
    run.other_busy_pct = round(max(0.0, 100 * (busy - known) / total), 1)
    if db is not None:
        time.sleep(1.0)  # requests in flight when wrk stopped finish (or not) before we count
        run.rows_after = db.count()
        run.rows_added = run.rows_after - (run.rows_before or 0)
        in_flight = max(0, run.sent - 1 - run.requests)  # wrk calls request() once to check it
        # Every 201 is a stored row (no duplicates: each request has a new submission_id); the
        # only extra rows allowed are requests that were sent but not answered before wrk quit.
        run.rows_ok = run.n201 <= run.rows_added <= run.n201 + in_flight
    log(
        f"  {engine:8} {label:34} c={connections:<3} {run.rps:8.0f} req/s  "
        f"p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:7.2f} ms  non2xx {run.non2xx}  "
        f"sockerr {run.socket_errors}"
        + (
            f"  rows +{run.rows_added} vs 201s {run.n201} ({'ok' if run.rows_ok else 'MISMATCH'})"
            if db is not None
            else ""
        )
        + f"  srvCPU {run.server_cpu_us} us/req  other {run.other_busy_pct}%"
    )
    return run


# --------------------------------------------------------------------------------------------
# Request bodies


def build_bodies(
    base: str, link: str, path: Path, variants: int = 64, comment_share: float = 1.0
) -> tuple[Path, dict[str, Any]]:
    """Realistic full answers for the link's questionnaire, fetched from the running product;
    a comment in about ``comment_share`` of them."""
    with urllib.request.urlopen(f"{base}/api/v1/questionnaires/{QUESTIONNAIRE}", timeout=10) as r:
        definition = json.load(r)
    with urllib.request.urlopen(f"{base}/s/{link}", timeout=10) as r:
        page = r.read().decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    rng = random.Random(2026)
    prefix = '{"link":' + json.dumps(link) + ',"submission_id":"'
    lines = [prefix]
    sample: dict[str, Any] = {}
    for _ in range(variants):
        answers: dict[str, Any] = {}
        for section in definition["sections"]:
            for question in section["questions"]:
                if question.get("show_if") or 'name="' + question["id"] + '"' not in page:
                    continue  # hidden, or given by the link and not on the form
                kind = question["type"]
                options = [option["id"] for option in question.get("options") or []]
                if kind == "scale":
                    answers[question["id"]] = rng.randint(1, 5)
                elif kind == "single":
                    answers[question["id"]] = rng.choice(options)
                elif kind == "multi":
                    answers[question["id"]] = rng.sample(options, rng.randint(1, len(options)))
                elif kind == "yes_no":
                    answers[question["id"]] = rng.random() < 0.5
                elif kind == "number":
                    answers[question["id"]] = question.get("min") or 1
                elif comment_share >= 1 or rng.random() < comment_share:
                    answers[question["id"]] = rng.choice(COMMENTS)
        rest = {"answers": answers, "lang": "vi"}
        if token:
            rest["form_token"] = token.group(1)
        encoded = json.dumps(rest, ensure_ascii=False, separators=(",", ":"))
        lines.append('",' + encoded[1:])
        sample = answers
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    example = (lines[0] + "00000000-0000-4000-8000-000000000000" + lines[1]).encode()
    body = json.loads(example)
    return path, {
        "questions": len(sample),
        "body_bytes": len(example),
        "example": body,
        "form_token": bool(token),
    }


def post_once(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# --------------------------------------------------------------------------------------------
# Page weight


def raw_get(port: int, path: str, accept: str = "*/*") -> tuple[int, bytes, bytes]:
    """One GET over a fresh connection; return (bytes on the wire, headers, body as sent)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"User-Agent: Mozilla/5.0 (Linux; Android 13) bench\r\nAccept: {accept}\r\n"
        "Accept-Encoding: gzip\r\nAccept-Language: vi-VN,vi;q=0.9\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    return len(raw), head, body


def _decode_body(head: bytes, body: bytes) -> bytes:
    headers = head.decode("latin-1").lower()
    if "transfer-encoding: chunked" in headers:
        out, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2 :]
        body = out
    if "content-encoding: gzip" in headers:
        body = gzip.decompress(body)
    elif "content-encoding: deflate" in headers:
        body = zlib.decompress(body)
    return body


def _header(head: bytes, name: str) -> str | None:
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def page_weight(port: int, link: str) -> dict[str, Any]:
    items = []
    wire, head, body = raw_get(port, f"/s/{link}", "text/html")
    html = _decode_body(head, body).decode()
    items.append(
        {
            "url": f"/s/{link}",
            "status": int(head.split()[1]),
            "wire_bytes": wire,
            "body_bytes": len(body),
            "decoded_bytes": len(html.encode()),
            "content_encoding": _header(head, "content-encoding"),
        }
    )
    refs = re.findall(r"""(?:src|href|action|srcset|poster)\s*=\s*["']([^"']*)["']""", html)
    assets = [ref for ref in refs if ref.startswith("/static/")]
    texts = {"page": html}
    for asset in dict.fromkeys(assets):
        wire, head, body = raw_get(port, asset)
        decoded = _decode_body(head, body)
        texts[asset] = decoded.decode("utf-8", "replace")
        items.append(
            {
                "url": asset,
                "status": int(head.split()[1]),
                "wire_bytes": wire,
                "body_bytes": len(body),
                "decoded_bytes": len(decoded),
                "content_encoding": _header(head, "content-encoding"),
            }
        )
    # assets referenced from CSS (url(...)) would also load on first view
    for name, text in list(texts.items()):
        if name.endswith(".css") or ".css?" in name:
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
                if ref.startswith("/static/") and ref not in texts:
                    wire, head, body = raw_get(port, ref)
                    items.append(
                        {
                            "url": ref,
                            "status": int(head.split()[1]),
                            "wire_bytes": wire,
                            "body_bytes": len(body),
                            "decoded_bytes": len(_decode_body(head, body)),
                            "content_encoding": _header(head, "content-encoding"),
                        }
                    )
    third_party_attrs = [
        ref
        for ref in refs
        if re.match(r"^(https?:)?//", ref, re.I)
        and not re.match(rf"^(https?:)?//(127\.0\.0\.1|localhost):{port}(/|$)", ref, re.I)
    ]
    absolute_mentions = {
        name: sorted(
            set(re.findall(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'<>)]*""", text))
        )
        for name, text in texts.items()
    }
    favicon_link = bool(re.search(r"""<link[^>]+rel=["'][^"']*icon""", html, re.I))
    fav_wire, fav_head, _ = raw_get(port, "/favicon.ico", "image/avif,image/webp,*/*")
    total = sum(item["wire_bytes"] for item in items)
    return {
        "items": items,
        "total_wire_bytes": total,
        "total_body_bytes": sum(item["body_bytes"] for item in items),
        "total_decoded_bytes": sum(item["decoded_bytes"] for item in items),
        "third_party_refs": third_party_attrs,
        "absolute_urls_in_text": {k: v for k, v in absolute_mentions.items() if v},
        "script_tags": len(re.findall(r"<script\b", html)),
        "favicon_link": favicon_link,
        "favicon_status": int(fav_head.split()[1]),
        "favicon_wire_bytes": fav_wire,
    }


# --------------------------------------------------------------------------------------------
# One engine


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def demo_link(env: dict[str, str]) -> str:
    """The demo prepared in the database of ``env``; the code of its campaign's first link."""
    subprocess.run(
        [str(SURVEY_SERVER), "demo", "--no-serve"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    listed = subprocess.run(
        [str(SURVEY_SERVER), "links", "list", "--campaign", CAMPAIGN, "--json"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return str(json.loads(listed.stdout)[0]["code"])


def bench_engine(
    engine: str, args: argparse.Namespace, work: Path, log_dir: Path
) -> dict[str, Any]:
    from survey_server.config import Settings

    data_dir = work / engine
    data_dir.mkdir(parents=True, exist_ok=True)
    if engine == "postgres":
        url = f"{args.pg_dsn.rstrip('/')}/{PG_DB}"
        db = Database(engine, url, data_dir, admin_dsn=f"{args.pg_dsn.rstrip('/')}/postgres")
    else:
        url = f"sqlite:///{(data_dir / 'lang-nghe.db').resolve()}"
        db = Database(engine, url, data_dir)
    workers = Settings(database_url=url, data_dir=data_dir, secret_key="x").worker_count
    env = {k: v for k, v in os.environ.items() if k not in ("WORKERS", "HOST", "PORT")}
    env.update({"DATABASE_URL": url, "DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)})
    env.pop("SECRET_KEY", None)

    log(f"{engine}: preparing {url} with `survey-server demo --no-serve`")
    db.create()
    link = demo_link(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    product = Server(
        f"{engine}-product",
        [str(SURVEY_SERVER), "serve"],
        {**env, "PORT": str(port)},
        port,
        "/healthz",
    )
    baseline = Server(
        f"{engine}-baseline",
        [
            sys.executable,
            str(BENCH / "baseline_app.py"),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        {**env, "BENCH_DATABASE_URL": url, "BENCH_LINK": link},
        port,
        "/ping",
    )
    cases = {
        "A": ("baseline A: empty Litestar POST", baseline, f"{base}/empty", None),
        "B": ("baseline B: raw driver insert", baseline, f"{base}/insert", db),
        "P": ("product: POST /api/v1/responses", product, f"{base}/api/v1/responses", db),
    }
    result: dict[str, Any] = {
        "engine": engine,
        "database_url": url,
        "workers": workers,
        "link": link,
        "runs": [],
        "pg": db.pg_settings(),
    }
    try:
        product.start(log_dir)
        bodies, info = build_bodies(base, link, work / f"bodies-{engine}.txt")
        result["body"] = info
        example = json.dumps(info["example"], ensure_ascii=False).encode()
        status, text = post_once(f"{base}/api/v1/responses", example)
        if status != 201:
            raise RuntimeError(f"product refused the benchmark body: {status} {text}")
        result["page"] = page_weight(port, link)
        product.stop()
        baseline.start(log_dir)
        for path in ("/empty", "/insert"):
            body = example.replace(
                b"00000000-0000-4000-8000-000000000000", str(uuid.uuid4()).encode()
            )
            status, text = post_once(base + path, body)
            if status != 201:
                raise RuntimeError(f"baseline {path} refused the body: {status} {text}")
        baseline.stop()

        retries_left = args.retries
        for _round_no in range(args.repeats):
            for case in args.cases:
                label, server, case_url, case_db = cases[case]
                attempts: list[Run] = []
                while True:
                    if case_db is not None:
                        case_db.reset()
                    server.start(log_dir)
                    try:
                        run_wrk(
                            case_url, bodies, args.connections, args.warmup, random.getrandbits(30)
                        )
                        run = measure(
                            engine=engine,
                            case=case,
                            label=label,
                            url=case_url,
                            bodies=bodies,
                            connections=args.connections,
                            duration=args.duration,
                            server=server,
                            db=case_db,
                            quiet_wait=args.quiet_wait,
                        )
                    finally:
                        server.stop()
                    attempts.append(run)
                    if (
                        (run.other_busy_pct or 0) <= args.max_other
                        or retries_left <= 0
                        or len(attempts) > 1
                    ):
                        break
                    retries_left -= 1
                    log(
                        f"  {engine:8} run disturbed by other processes "
                        f"({run.other_busy_pct}% of the machine); running it again"
                    )
                best = min(attempts, key=lambda r: r.other_busy_pct or 0)
                for run in attempts:
                    run.kept = run is best
                    result["runs"].append(asdict(run))

        peak = median([r["rps"] for r in result["runs"] if r["case"] == "P" and r["kept"]])
        if args.half_rate and peak > 0:
            result["half"] = half_rate(
                engine, args, product, db, bodies, f"{base}/api/v1/responses", peak, log_dir
            )
    finally:
        product.stop()
        baseline.stop()
        if not args.keep:
            db.drop()
    return result


def half_rate(
    engine: str,
    args: argparse.Namespace,
    product: Server,
    db: Database,
    bodies: Path,
    url: str,
    peak: float,
    log_dir: Path,
) -> dict[str, Any]:
    """p99 of the product when offered about half its peak rate, measured two ways."""
    target = peak / 2
    out: dict[str, Any] = {"peak_rps": peak, "target_rps": target, "probes": []}
    db.reset()
    product.start(log_dir)
    try:
        run_wrk(url, bodies, args.connections, args.warmup, random.getrandbits(30))
        # 1. fewer connections, no pause: find the connection count giving ~half the peak
        seen: dict[int, float] = {}

        def probe(c: int) -> float:
            data, _ = run_wrk(url, bodies, c, args.probe, random.getrandbits(30))
            rps = data["requests"] / (data["duration_us"] / 1e6)
            seen[c] = rps
            out["probes"].append(
                {"connections": c, "rps": rps, "p99_ms": data["latency_us"]["p99"] / 1e3}
            )
            log(f"  {engine:8} probe c={c:<3} {rps:8.0f} req/s (target {target:.0f})")
            return rps

        for c in (1, 2, 4, 8, 16, 32):
            if probe(c) >= target:
                break
        above = [c for c, r in seen.items() if r >= target]
        below = [c for c, r in seen.items() if r < target]
        if above and below:
            lo, hi = max(below), min(above)
            mid = round((lo * hi) ** 0.5)
            if lo < mid < hi:
                probe(mid)
        chosen = min(seen, key=lambda c: abs(seen[c] - target))
        run = measure(
            engine=engine,
            case="H",
            label=f"product at ~half peak, c={chosen}",
            url=url,
            bodies=bodies,
            connections=chosen,
            duration=args.duration,
            server=product,
            db=db,
            quiet_wait=args.quiet_wait,
        )
        out["fewer_connections"] = asdict(run)
        # 2. all 64 connections, each pausing a random (exponential) think time between requests
        latency_ms = max(0.5, run.p50_ms)
        think = max(0.5, args.connections * 1000 / target - latency_ms)
        data, _ = run_wrk(url, bodies, args.connections, args.probe, random.getrandbits(30), think)
        achieved = data["requests"] / (data["duration_us"] / 1e6)
        cycle = args.connections * 1000 / max(1.0, achieved)  # ms per request per connection
        think = max(0.5, think + args.connections * 1000 / target - cycle)
        log(f"  {engine:8} paced probe {achieved:.0f} req/s; think time now {think:.1f} ms")
        run = measure(
            engine=engine,
            case="T",
            label=f"product at ~half peak, c={args.connections} paced",
            url=url,
            bodies=bodies,
            connections=args.connections,
            duration=args.duration,
            server=product,
            db=db,
            think_ms=think,
            quiet_wait=args.quiet_wait,
        )
        out["paced"] = asdict(run)
    finally:
        product.stop()
    return out


# --------------------------------------------------------------------------------------------
# Report


def machine_info(results: list[dict[str, Any]]) -> dict[str, Any]:
    import importlib.metadata as metadata

    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return (
                        line.split(":", 1)[1].strip()
                        if ":" in line
                        else line.split("=", 1)[1].strip('"')
                    )
        except OSError:
            pass
        return "?"

    versions = {}
    for name in ("litestar", "granian", "msgspec", "asyncpg", "piccolo", "jinja2"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "survey_server"], cwd=ROOT, capture_output=True, text=True
    )
    pg = next((r["pg"] for r in results if r.get("pg")), {})
    mem_kb = (
        int(first("/proc/meminfo", "MemTotal").split()[0]) if Path("/proc/meminfo").exists() else 0
    )
    return {
        "nproc": NPROC,
        "cpu": first("/proc/cpuinfo", "model name"),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "os": first("/etc/os-release", "PRETTY_NAME="),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": pg,
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "?",
        "packages": versions,
        "commit": git.stdout.strip()
        + (" (survey_server/ modified)" if dirty.stdout.strip() else ""),
    }


def fmt_int(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def fmt_ms(value: float | None) -> str:
    return "–" if value is None else (f"{value:.1f}" if value >= 10 else f"{value:.2f}")


def summarize(runs: list[dict[str, Any]], case: str) -> dict[str, Any] | None:
    chosen = [r for r in runs if r["case"] == case and r.get("kept", True)]
    if not chosen:
        return None

    def med(key: str) -> float | None:
        values = [r[key] for r in chosen if r[key] is not None]
        return median(values) if values else None

    return {
        "label": chosen[0]["label"],
        "n": len(chosen),
        "rps": med("rps"),
        "rps_min": min(r["rps"] for r in chosen),
        "rps_max": max(r["rps"] for r in chosen),
        "p50": med("p50_ms"),
        "p99": med("p99_ms"),
        "errors": sum(sum(v for k, v in r["errors"].items() if k != "status") for r in chosen),
        "non2xx": sum(r["non2xx"] for r in chosen),
        "requests": sum(r["requests"] for r in chosen),
        "server_cpu": med("server_cpu_us"),
        "pg_cpu": med("pg_cpu_us"),
        "wrk_cpu": med("wrk_cpu_us"),
        "busy": med("machine_busy_pct"),
        "other": med("other_busy_pct"),
        "rows_ok": None if chosen[0]["rows_ok"] is None else all(r["rows_ok"] for r in chosen),
        "rows": sum(r["rows_added"] or 0 for r in chosen),
        "n201": sum(r["n201"] for r in chosen),
    }


def write_doc(report: dict[str, Any], path: Path) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    notes = re.search(r"<!-- notes -->\n(.*?)<!-- /notes -->", old, re.S)
    notes_text = notes.group(1) if notes else "_(no notes yet)_\n"
    # sections written by the other benchmarks (bench/posters.py) are kept as they are
    kept_sections = re.findall(r"<!-- section:[a-z]+ -->.*?<!-- /section -->", old, re.S)
    m = report["machine"]
    a = report["args"]
    lines: list[str] = []
    w = lines.append
    w("# Performance: the submission path and the respondent page")
    w("")
    w("Produced by `bench/run.py`. Every figure below was measured by one run of:")
    w("")
    w("```sh")
    w(report["command"])
    w("```")
    w("")
    w(
        f"Run of {report['started']} – {report['finished']} UTC ({report['elapsed_s'] / 60:.1f} min), "
        f"commit {m['commit']}. Raw numbers of every run: `bench/results/latest.json`."
    )
    w("")
    w("## Machine and versions")
    w("")
    w(f"- nproc: {m['nproc']}; CPU: {m['cpu']}; memory: {m['memory_gib']} GiB")
    w(f"- {m['kernel']}, {m['os']}")
    w(
        f"- Python {m['python']}, SQLite library {m['sqlite']}; "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    )
    if m["postgres"]:
        pg = m["postgres"]
        w(
            f"- {pg.get('version', 'PostgreSQL')}; fsync={pg.get('fsync')}, "
            f"synchronous_commit={pg.get('synchronous_commit')}, wal_sync_method={pg.get('wal_sync_method')}, "
            f"shared_buffers={int(pg.get('shared_buffers', 0)) * 8 // 1024} MB"
        )
    w(f"- Load generator: {m['wrk']}; the same 2 cores run wrk, the server and PostgreSQL.")
    w("")
    w("## Method")
    w("")
    w(
        f"- Load: `wrk -t1 -c{a['connections']} -d{a['duration']:g}s --timeout 10s -s bench/post.lua URL`, "
        "keep-alive, 127.0.0.1 only. `post.lua` sends a full submission whose `submission_id` is a "
        "new random uuid4 on every request (math.random, seeded per wrk thread), so the product's "
        "idempotency never turns a request into a no-op; the answers are one of 64 pre-built "
        "variants (bench/run.py `build_bodies`)."
    )
    body = report["engines"][0].get("body", {}) if report["engines"] else {}
    w(
        f"- Body: the demo link of campaign {CAMPAIGN} (questionnaire `{QUESTIONNAIRE}`), "
        f"{body.get('questions', '?')} answers: every scale question 1..5, the single-choice question, "
        f"a short Vietnamese comment for the text question, `lang` and the `form_token` of the real "
        f"form page, as form.js sends them; {body.get('body_bytes', '?')} bytes."
    )
    w(
        "- Servers: granian, ASGI, the worker count `survey-server serve` picks (1 on SQLite, 2 on "
        "PostgreSQL), no access log. Product: `survey-server serve` itself. Baselines: "
        "`bench/baseline_app.py`, the same granian settings:"
    )
    w(
        "  - **A, empty Litestar POST**: `data: JSONBody[SubmissionIn]` (Litestar's msgspec decode into "
        'the product\'s Struct), returns 201 `{"receipt": …}`; no database.'
    )
    w(
        "  - **B, raw driver insert**: the same decode, then the same `submission` row (same FKs, from "
        "the demo database) inserted with one durable commit per request before answering. SQLite: one "
        "stdlib `sqlite3` connection, autocommit, the product's pragmas (WAL, synchronous=FULL), called "
        "**inline on the event loop** (no thread hop). PostgreSQL: asyncpg pool of 16 connections per "
        "worker, autocommit `INSERT`, no-op pool reset."
    )
    w(
        "  - **Product**: `POST /api/v1/responses`: link lookup (cached), campaign check, validation "
        "against the questionnaire version, packing, group commit through the writer."
    )
    w(
        f"- Order: the three cases interleaved, {a['repeats']} rounds (A, B, P, A, B, P, …); each run on a "
        f"freshly started server, after a {a['warmup']} s warm-up at the same load, on an emptied "
        "`submission` table (SQLite: DELETE + VACUUM + WAL checkpoint; PostgreSQL: TRUNCATE + CHECKPOINT). "
        "Tables show the median over rounds, (min–max) for req/s."
    )
    w(
        "- Stored rows check: the Lua `response()` hook counts status codes; after each run that stores "
        "rows, `count(*)` of `submission` must have grown by at least the number of 201s and by at most "
        "that plus the requests still in flight when wrk stopped (sent − answered, ≤ connections)."
    )
    w(
        "- CPU columns: utime+stime per request of the server's process group (all workers and "
        'threads), of all `postgres` processes, and of wrk; "other" is machine busy time not explained '
        "by those three (other sessions on this shared machine): a high value marks a disturbed run."
    )
    w("- Latencies are wrk's closed-loop numbers (no coordinated-omission correction).")
    w("")
    w("## Submission path: results")
    w("")
    targets = []
    for eng in report["engines"]:
        runs = eng["runs"]
        s = {c: summarize(runs, c) for c in ("A", "B", "P")}
        w(
            f"### {eng['engine']} ({eng['workers']} granian worker{'s' if eng['workers'] > 1 else ''})"
        )
        w("")
        w(
            "| case | req/s median | min–max | p50 ms | p99 ms | socket errors | non-2xx | server CPU µs/req "
            "| PG CPU µs/req | wrk CPU µs/req | machine busy % | other % | rows = 201s |"
        )
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for case in ("A", "B", "P"):
            x = s[case]
            if x is None:
                continue
            rows = (
                "–"
                if x["rows_ok"] is None
                else (
                    f"{'yes' if x['rows_ok'] else 'NO'} ({x['rows']:,} rows / {x['n201']:,} × 201)"
                )
            )
            w(
                f"| {x['label']} | **{fmt_int(x['rps'])}** | {fmt_int(x['rps_min'])}–{fmt_int(x['rps_max'])} "
                f"| {fmt_ms(x['p50'])} | {fmt_ms(x['p99'])} | {x['errors']} | {x['non2xx']} "
                f"| {fmt_int(x['server_cpu'])} | {fmt_int(x['pg_cpu']) if eng['engine'] == 'postgres' else '–'} "
                f"| {fmt_int(x['wrk_cpu'])} | {fmt_int(x['busy'])} | {fmt_int(x['other'])} | {rows} |"
            )
        w("")
        ratios = {}
        if s["P"] and s["B"] and s["B"]["rps"]:
            ratios["B"] = s["P"]["rps"] / s["B"]["rps"]
        if s["P"] and s["A"] and s["A"]["rps"]:
            ratios["A"] = s["P"]["rps"] / s["A"]["rps"]
        if ratios:
            w(
                f"- **product / baseline B (raw insert) = {ratios.get('B', 0):.2f}** (target ≥ 0.8: "
                f"{'met' if ratios.get('B', 0) >= 0.8 else 'NOT met'})"
            )
            w(f"- product / baseline A (empty POST) = {ratios.get('A', 0):.2f}")
            targets.append(
                (
                    eng["engine"],
                    "product ≥ 0.8 × baseline B",
                    ratios.get("B", 0) >= 0.8,
                    f"{ratios.get('B', 0):.2f}",
                )
            )
        half = eng.get("half")
        if half:
            fc, pc = half.get("fewer_connections"), half.get("paced")
            w(
                f"- Half of the product's peak: {half['target_rps']:,.0f} req/s (peak = median above, "
                f"{half['peak_rps']:,.0f})."
            )
            if fc:
                w(
                    "  - fewer connections: probes "
                    + ", ".join(f"c={p['connections']} → {p['rps']:,.0f}" for p in half["probes"])
                    + f"; measured run at **c={fc['connections']}: {fc['rps']:,.0f} req/s, p50 "
                    f"{fmt_ms(fc['p50_ms'])} ms, p99 {fmt_ms(fc['p99_ms'])} ms**, p99.9 {fmt_ms(fc['p999_ms'])} ms, "
                    f"max {fmt_ms(fc['max_ms'])} ms, non-2xx {fc['non2xx']}, socket errors "
                    f"{sum(v for k, v in fc['errors'].items() if k != 'status')}, rows = 201s: "
                    f"{'yes' if fc['rows_ok'] else 'NO'}."
                )
            if pc:
                w(
                    f"  - {pc['connections']} connections with a random think time (mean {pc['think_ms']:.1f} ms "
                    f"before each request): **{pc['rps']:,.0f} req/s, p50 {fmt_ms(pc['p50_ms'])} ms, "
                    f"p99 {fmt_ms(pc['p99_ms'])} ms**, p99.9 {fmt_ms(pc['p999_ms'])} ms, max "
                    f"{fmt_ms(pc['max_ms'])} ms, non-2xx {pc['non2xx']}, rows = 201s: "
                    f"{'yes' if pc['rows_ok'] else 'NO'}."
                )
            worst = max([r["p99_ms"] for r in (fc, pc) if r] or [0])
            targets.append(
                (
                    eng["engine"],
                    "p99 < 100 ms at half peak",
                    worst < 100,
                    f"{worst:.1f} ms (worse of the two methods)",
                )
            )
        w("")
    w(
        'How the half-rate runs work: wrk is closed-loop and wrk2 is not installed. (1) "fewer '
        'connections": short probes at 1, 2, 4, … connections (no pause) find the count whose '
        'throughput is closest to half the peak, then a full-length run at that count. (2) "paced": '
        "all 64 connections stay open and wrk's `delay()` hook waits an exponentially distributed "
        "think time before each request, its mean tuned by a short probe so that the offered rate is "
        "about half the peak, which is closer to many phones submitting at random. Both measure latency "
        "from the moment a request is written, so a server stall delays later requests instead of "
        "counting against them (coordinated omission): treat the p99 as a lower bound."
    )
    w("")
    w("## Respondent page: first load")
    w("")
    for eng in report["engines"]:
        page = eng.get("page")
        if not page:
            continue
        w(f"### served by `survey-server serve` on {eng['engine']}")
        w("")
        w(
            "| request | status | Content-Encoding | bytes on the wire (headers + body) | body as sent | body decoded |"
        )
        w("|---|---:|---|---:|---:|---:|")
        for item in page["items"]:
            w(
                f"| GET {item['url']} | {item['status']} | {item['content_encoding'] or 'none'} | "
                f"{item['wire_bytes']:,} | {item['body_bytes']:,} | {item['decoded_bytes']:,} |"
            )
        total = page["total_wire_bytes"]
        w(
            f"| **total** | | | **{total:,} ({total / 1024:.1f} KiB)** | {page['total_body_bytes']:,} | "
            f"{sum(item['decoded_bytes'] for item in page['items']):,} |"
        )
        w("")
        ok = total <= 30_000
        w(
            f"- Target ≤ 30 KB: {'met' if ok else 'NOT met'} ({total:,} bytes on the wire, all requests "
            "sent with `Accept-Encoding: gzip`)."
        )
        w(
            f"- Bodies: {page['total_body_bytes']:,} bytes as sent (compressed where the server "
            f"compressed them), {sum(item['decoded_bytes'] for item in page['items']):,} bytes once "
            "decoded (raw)."
        )
        w(
            f"- Third-party URLs in src/href/action: {', '.join(page['third_party_refs']) or 'none'}; "
            f"absolute URLs anywhere in the page, CSS or JS text: "
            f"{json.dumps(page['absolute_urls_in_text'], ensure_ascii=False) if page['absolute_urls_in_text'] else 'none'}."
        )
        w(
            f"- `<script>` tags: {page['script_tags']}. "
            + (
                "The page declares an icon."
                if page["favicon_link"]
                else f"No `<link rel=icon>`: browsers also ask for /favicon.ico, which answers "
                f"{page['favicon_status']} with {page['favicon_wire_bytes']:,} bytes (not counted above)."
            )
        )
        targets.append(
            (
                eng["engine"],
                "first load ≤ 30 KB, no third party",
                ok and not page["third_party_refs"],
                f"{total:,} B",
            )
        )
        w("")
        break  # the page is the same on both engines
    w("## Targets")
    w("")
    w("| engine | target | met? | measured |")
    w("|---|---|---|---|")
    for engine, name, ok, value in targets:
        w(f"| {engine} | {name} | {'yes' if ok else '**no**'} | {value} |")
    w("")
    w("## Every run")
    w("")
    w(
        "| engine | case | c | think ms | req/s | p50 ms | p99 ms | max ms | non-2xx | socket err | rows added | 201s | sent−answered | server µs/req | PG µs/req | other % | busy before % | kept | started (UTC) |"
    )
    w(
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
    )
    for eng in report["engines"]:
        all_runs = list(eng["runs"])
        if eng.get("half"):
            all_runs += [
                eng["half"][k] for k in ("fewer_connections", "paced") if eng["half"].get(k)
            ]
        for r in all_runs:
            rows_added = "–" if r["rows_added"] is None else f"{r['rows_added']:,}"
            w(
                f"| {r['engine']} | {r['label']} | {r['connections']} | {r['think_ms']:.1f} | {r['rps']:,.0f} "
                f"| {fmt_ms(r['p50_ms'])} | {fmt_ms(r['p99_ms'])} | {fmt_ms(r['max_ms'])} | {r['non2xx']} "
                f"| {sum(v for k, v in r['errors'].items() if k != 'status')} "
                f"| {rows_added} | {r['n201']:,} "
                f"| {max(0, r['sent'] - 1 - r['requests'])} | {fmt_int(r['server_cpu_us'])} | {fmt_int(r['pg_cpu_us'])} "
                f"| {r['other_busy_pct']} | {r['busy_before_pct']} | {'yes' if r['kept'] else 'no (disturbed)'} | {r['started'][11:19]} |"
            )
    w("")
    w("## Reading")
    w("")
    w("<!-- notes -->")
    lines.append(notes_text.rstrip("\n"))
    w("<!-- /notes -->")
    w("")
    for section in kept_sections:
        w(section)
        w("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument(
        "--duration", type=float, default=12, help="seconds per measured run (≤ 12)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="rounds of A, B, P per engine")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--probe", type=float, default=3, help="seconds per half-rate probe")
    parser.add_argument("--cases", default="ABP", help="subset of A, B, P")
    parser.add_argument("--no-half-rate", dest="half_rate", action="store_false")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=6,
        help="wait up to this long for the machine to be idle before each run",
    )
    parser.add_argument(
        "--max-other",
        type=float,
        default=15,
        help="a run where other processes used more than this %% of the machine "
        "is run again (once per run, --retries in all per engine); the less "
        "disturbed attempt is kept",
    )
    parser.add_argument("--retries", type=int, default=4, help="re-runs per engine, at most")
    parser.add_argument("--pg-dsn", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--no-doc", dest="write_doc", action="store_false")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()
    args.duration = min(args.duration, 12)
    args.cases = [c for c in args.cases.upper() if c in "ABP"]
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")

    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="bench-lang-nghe-"))
    log_dir = BENCH / "results" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    for old in log_dir.glob("*.log"):
        old.unlink()
    engines = []
    try:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            if engine not in ("sqlite", "postgres"):
                sys.exit(f"unknown engine {engine}")
            engines.append(bench_engine(engine, args, work, log_dir))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    finished = time.time()
    report = {
        "command": " ".join([".venv/bin/python", "bench/run.py", *sys.argv[1:]]),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "started": datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "finished": datetime.fromtimestamp(finished, UTC).strftime("%H:%M:%S"),
        "elapsed_s": finished - started,
        "machine": machine_info(engines),
        "engines": engines,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.write_doc:
        write_doc(report, args.doc)
    log(
        f"done in {report['elapsed_s'] / 60:.1f} min; results in {RESULTS.relative_to(ROOT)}"
        + (f", doc {args.doc}" if args.write_doc else "")
    )
    for eng in engines:
        s = {c: summarize(eng["runs"], c) for c in ("A", "B", "P")}
        line = ", ".join(
            f"{c} {fmt_int(x['rps'])} req/s p99 {fmt_ms(x['p99'])} ms" for c, x in s.items() if x
        )
        log(f"{eng['engine']}: {line}")


if __name__ == "__main__":
    main()
