"""Process hygiene and protocol hygiene: child processes die with the server process that
started them; every response carries the anti-framing and no-sniff headers; a submission id
cannot be replayed through another campaign's link; /healthz says when writes are refused."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import FIXTURES, Database, Survey, count_rows, new_id, open_survey
from tests.live import BIN, _env, running


def _children(parent: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live processes whose parent is ``parent``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append((int(entry), command))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


@pytest.mark.server
def test_children_die_with_the_worker_that_started_them(tmp_path: Path) -> None:
    """kill -9 of the worker process: its scoring and parsing children do not linger (they
    held 150 MB each for minutes before)."""
    url = f"sqlite:///{tmp_path / 'hygiene.db'}"
    with running(url, tmp_path) as server:
        env = _env(url, tmp_path, 8000)
        subprocess.run(
            [str(BIN), "users", "create", "hy.admin", "--role", "admin", "--unit", "SO-HP",
             "--password-stdin"],
            input="mat-khau-kiem-thu-2026", text=True, env=env, check=True, capture_output=True,
        )  # fmt: skip
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            form = client.get("/staff/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
            client.post(
                "/staff/login",
                data={"username": "hy.admin", "password": "mat-khau-kiem-thu-2026", "csrf": token},
            )
            client.get("/api/v1/campaigns/HL-PT-2026/scores")  # starts the scoring child
            page = client.get("/staff/campaigns/HL-PT-2026/paper").text
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            client.post(  # starts the parsing fork server and one child
                "/staff/campaigns/HL-PT-2026/import",
                data={"csrf": token, "unit": "TH-LC1"},
                files={"file": ("a.csv", b"unit,tc1\nTH-LC1,9\n", "text/csv")},
            )
        workers = [pid for pid, command in _children(server.process.pid)] or [server.process.pid]
        spawned = [
            pid
            for worker in workers
            for pid, command in _children(worker)
            if "multiprocessing" in command
        ]
        assert spawned, "no child process was started"
        for worker in workers:
            os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in spawned):
            time.sleep(0.1)
        assert not [pid for pid in spawned if _alive(pid)]


async def test_every_response_refuses_framing_and_sniffing(
    client: httpx.AsyncClient, survey: Survey
) -> None:
    for path in (f"/s/{survey.link}", "/s/KHONGCO", "/staff/login", "/healthz", "/static/%00"):
        response = await client.get(path)
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path


async def test_a_submission_id_cannot_be_replayed_through_another_link(
    client: httpx.AsyncClient, survey: Survey, settings
) -> None:
    other = await open_survey(
        settings, FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml", code="KHAC-2026"
    )
    submission_id = new_id()
    first = await client.post(
        "/api/v1/responses",
        json={"link": survey.link, "submission_id": submission_id, "answers": {"loai": "khen"}},
    )
    assert first.status_code == 201
    replay = await client.post(
        "/api/v1/responses",
        json={"link": other.link, "submission_id": submission_id, "answers": {"loai": "gop_y"}},
    )
    assert replay.status_code == 409
    assert first.json()["receipt"] not in replay.text
    assert "tải lại trang" in replay.json()["message"]
    assert await count_rows() == 1


async def test_healthz_says_when_the_database_refuses_writes(
    client: httpx.AsyncClient, db: Database
) -> None:
    assert (await client.get("/healthz")).status_code == 200
    if db.kind != "postgres":
        pytest.skip("a read-only PostgreSQL database; SQLite's read-only file needs no root")
    admin = await asyncpg.connect(db.url)
    name = await admin.fetchval("SELECT current_database()")
    try:
        await admin.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        refused = await client.get("/healthz")
        assert refused.status_code == 503
    finally:
        await admin.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = off")
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await admin.close()
    assert (await client.get("/healthz")).status_code == 200
