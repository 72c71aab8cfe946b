"""The job queue (PostgreSQL only): one waiting scoring job per campaign, a worker process that
scores, a job taken over from a worker killed with ``kill -9``, a failing job retried and then
left failed for ``jobs status``.

Real ``survey-server worker`` processes on a scratch database of this module; every wait on them
is bounded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from procrastinate import RetryStrategy

from survey_server.campaigns.services import get_campaign
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.jobs import queue
from survey_server.scoring import snapshots
from survey_server.scoring.services import forget_results
from tests.conftest import ROOT, create_pg_database, drop_pg_database
from tests.live import BIN
from tests.releases import close_and_publish

CAMPAIGN = "HL-PT-2026"
#: Seconds of silence after which a worker of these tests counts as dead.
STALLED_AFTER = "2"
#: Starts a worker that also knows ``always_fails`` (defined below, for test 4).
WORKER_WITH_TEST_TASKS = "import tests.server.test_jobs; from survey_server.cli import main; main(prog_name='survey-server')"


@queue.app.task(name="always_fails", retry=RetryStrategy(max_attempts=2))
async def always_fails() -> None:
    raise RuntimeError("this job always fails")


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    name = f"lang_nghe_jobs_{os.getpid()}"
    url = create_pg_database(name)
    try:
        out = subprocess.run(
            [str(BIN), "migrate"],
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr.decode()
        yield url
    finally:
        drop_pg_database(name)


@pytest.fixture
async def demo(database_url: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """The demo data on the module's database, bound to the tables, with an empty queue."""
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="test-secret",
        questionnaires_dir=ROOT / "questionnaires",
        static_dir=ROOT / "frontend_static",
    )
    forget_results()
    await prepare_demo(settings, responses=700)
    await _sql(database_url, "DELETE FROM procrastinate_jobs")
    await _sql(database_url, "DELETE FROM score_snapshot")
    yield await get_campaign(CAMPAIGN)
    forget_results()


async def _sql(database_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    async with queue.connection(database_url) as conn:
        cursor = await conn.execute(query, params)
        return await cursor.fetchall() if cursor.description else []


async def _jobs(database_url: str, task: str) -> list[tuple[Any, ...]]:
    """(status, attempts) of the task's jobs."""
    return await _sql(
        database_url,
        "SELECT status::text, attempts FROM procrastinate_jobs WHERE task_name = %s ORDER BY id",
        task,
    )


async def _until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    for _ in range(int(seconds * 5)):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def _worker(
    database_url: str, log: Path, *, with_test_tasks: bool = False
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", WORKER_WITH_TEST_TASKS] if with_test_tasks else [str(BIN)]
    return subprocess.Popen(
        [*command, "worker", "--poll", "0.2"],
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "JOBS_STALLED_AFTER": STALLED_AFTER,
            "PYTHONUNBUFFERED": "1",
        },
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(timeout=10)


async def _scored(campaign_id: int) -> bool:
    return await snapshots.stored_state(campaign_id) is not None


async def test_a_flood_of_deferrals_keeps_one_job_per_campaign(
    database_url: str, demo: dict[str, Any]
) -> None:
    for _ in range(25):
        assert await queue.defer_scoring(CAMPAIGN)
    assert await queue.defer_scoring("HL-THCS-2026")
    jobs = await _sql(
        database_url,
        "SELECT queueing_lock FROM procrastinate_jobs WHERE status = 'todo' ORDER BY 1",
    )
    assert jobs == [("score_campaign:HL-PT-2026",), ("score_campaign:HL-THCS-2026",)]


async def test_a_worker_scores_the_campaign_after_releases(
    database_url: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    assert demo["status"] == "open"
    await close_and_publish(CAMPAIGN)  # releases made: the scoring is deferred
    assert await _jobs(database_url, "score_campaign") == [("todo", 0)]
    assert not await _scored(demo["id"])
    worker = _worker(database_url, tmp_path / "worker.log")
    try:
        await _until(lambda: _scored(demo["id"]), 180, "the scores stored by the worker")
        await _until(
            lambda: _empty(_jobs(database_url, "score_campaign")), 30, "the job done and removed"
        )
    finally:
        assert _stop(worker) == 0, (tmp_path / "worker.log").read_text()


async def _empty(rows: Awaitable[list[Any]]) -> bool:
    return not await rows


async def test_the_job_of_a_killed_worker_is_taken_over(
    database_url: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    """The job is held up on the scoring lease (as by another process scoring), its worker is
    killed with SIGKILL mid-job, and a second worker takes the job over and completes it."""
    if demo["status"] == "open":
        await close_and_publish(CAMPAIGN)
    assert await queue.defer_scoring(CAMPAIGN)
    assert await snapshots.claim(demo["id"])
    first = _worker(database_url, tmp_path / "first.log")
    try:
        await _until(
            lambda: _is(_jobs(database_url, "score_campaign"), [("doing", 0)]),
            60,
            "the job running",
        )
        first.kill()
        first.wait(timeout=10)
    finally:
        _stop(first)
    await snapshots.release(demo["id"])
    assert await _jobs(database_url, "score_campaign") == [("doing", 0)]  # left behind
    second = _worker(database_url, tmp_path / "second.log")
    try:
        await _until(lambda: _scored(demo["id"]), 180, "the scores stored by the second worker")
        await _until(
            lambda: _empty(_jobs(database_url, "score_campaign")), 30, "the job done and removed"
        )
    finally:
        _stop(second)
    assert "of a dead worker queued again" in (tmp_path / "second.log").read_text()


async def _is(rows: Awaitable[list[Any]], expected: list[Any]) -> bool:
    return await rows == expected


async def test_a_failing_job_is_retried_then_failed_and_counted(
    database_url: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    async with queue.connection(database_url) as conn:
        await always_fails.configure(connection=conn).defer_async()
    worker = _worker(database_url, tmp_path / "worker.log", with_test_tasks=True)
    try:
        await _until(
            lambda: _is(_jobs(database_url, "always_fails"), [("failed", 3)]),
            60,
            "the job failed after its retries",
        )
    finally:
        _stop(worker)
    events = await _sql(
        database_url,
        "SELECT type::text, count(*) FROM procrastinate_events JOIN procrastinate_jobs job "
        "ON job.id = job_id WHERE task_name = 'always_fails' GROUP BY type ORDER BY type",
    )
    # run once, then retried twice (``max_attempts=2``), then failed
    assert dict(events) == {
        "deferred": 1,
        "deferred_for_retry": 2,
        "failed": 1,
        "scheduled": 2,
        "started": 3,
    }
    out = subprocess.run(
        [str(BIN), "jobs", "status"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr.decode()
    counts = {line.split()[0]: line.split()[1:] for line in out.stdout.decode().splitlines()[1:]}
    assert counts["always_fails"] == ["0", "0", "1"]
