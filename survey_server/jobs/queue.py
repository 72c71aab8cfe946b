"""The job queue: procrastinate's tables in the product's own PostgreSQL database.

A job is a row in the database the product already uses, so there is no broker to run, back up
or secure. A worker takes a job with ``SELECT … FOR UPDATE SKIP LOCKED``: any number of workers,
on any machines, share the queue without ever taking the same job twice. SQLite has no queue
(one server process, no second machine): there the work stays where it always was, in the
requests and commands (``Settings.has_queue``).

A worker sends a heartbeat every few seconds; the running jobs of a worker silent for
``Settings.jobs_stalled_after`` seconds (killed with ``kill -9``, frozen, cut off from the
database) are queued again by the other workers (``retry_stalled``), so no job is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from typing import Any

import procrastinate
import psycopg
from piccolo.engine.postgres import PostgresEngine
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.jobs import Status
from procrastinate.schema import SchemaManager
from procrastinate.tasks import configure_task
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from survey_server.campaigns.tables import Campaign
from survey_server.config import Settings
from survey_server.db.engine import bind_engine, engine_from_url, is_postgres_url
from survey_server.db.migrate import pending_migrations
from survey_server.errors import AppError
from survey_server.i18n import N_
from survey_server.scoring import worker as scoring_worker

logger = logging.getLogger(__name__)

#: Every process registers the tasks on this app; its connector is chosen when a worker or a
#: command opens it (``opened``), from the ``DATABASE_URL`` of its settings.
app = procrastinate.App(
    connector=procrastinate.PsycopgConnector(), import_paths=["survey_server.jobs.tasks"]
)

SCORE_CAMPAIGN = "score_campaign"
#: Connections never use server-side prepared statements, so that the queue also works through
#: PgBouncer in transaction pooling mode (docs/JOBS.md); a connection that cannot be made within
#: a few seconds fails instead of holding up the request that defers a job.
CONNECTION_OPTIONS: dict[str, Any] = {"prepare_threshold": None, "connect_timeout": 5}
#: Serialises two ``migrate`` runs creating the queue's tables at the same time.
SCHEMA_LOCK = 0x6C616E67  # "lang"
#: A job whose worker dies on this attempt is failed instead of queued again: it may be what
#: kills its workers (out of memory), and retrying it forever would take every worker down.
MAX_STALLS = 3
#: Seconds between two looks for new jobs when notifications are off (``--poll``) and between
#: two fallback looks when they are on.
DEFAULT_POLL_SECONDS = 5.0


class NoQueue(AppError):
    code = "no_job_queue"
    message = N_(
        "Hàng đợi công việc chỉ có trên PostgreSQL (DATABASE_URL=postgres://…) khi JOBS bật."
    )


class DatabaseNotMigrated(AppError):
    code = "database_not_migrated"
    message = N_("Cơ sở dữ liệu chưa được cập nhật: hãy chạy lệnh survey-server migrate trước.")


def conninfo(database_url: str) -> str:
    """The psycopg connection string of a ``postgres://`` URL (its host, port, user, options)."""
    if not is_postgres_url(database_url):
        raise NoQueue()
    return make_conninfo("", **conninfo_to_dict(database_url))


@contextlib.asynccontextmanager
async def connection(database_url: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """One connection of its own, for a deferral or for creating the tables.

    A server process defers a job only when a campaign's releases were made, a few times an
    hour: a pool kept for that would hold connections idle all day, and be tied to one event
    loop."""
    async with await psycopg.AsyncConnection.connect(
        conninfo(database_url), autocommit=True, **CONNECTION_OPTIONS
    ) as opened_connection:
        yield opened_connection


@contextlib.asynccontextmanager
async def opened(database_url: str, *, size: int = 2) -> AsyncIterator[procrastinate.App]:
    """The app connected to ``database_url`` for the block (a worker, ``jobs status``)."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url), min_size=1, max_size=size, kwargs=CONNECTION_OPTIONS
    )
    with app.replace_connector(connector):
        async with app.open_async():
            yield app


async def apply_schema(database_url: str) -> bool:
    """Create the queue's tables and functions unless they exist; whether they were created.

    Called by ``survey-server migrate`` on PostgreSQL; safe to run any number of times, from
    several machines at once (an advisory lock makes the second wait, then find them)."""
    async with connection(database_url) as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        found = await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
        if found is not None and found[0] is not None:
            return False
        await conn.execute(SchemaManager.get_schema())
    return True


def bound_database() -> str | None:
    """The PostgreSQL URL the product's tables are bound to (``db.engine.bind_engine``), if any."""
    engine = Campaign._meta.db
    return str(engine.config["dsn"]) if isinstance(engine, PostgresEngine) else None


@functools.cache
def jobs_enabled() -> bool:
    """``JOBS`` of this process's environment (a server process has no settings at hand where
    releases are made)."""
    return Settings().jobs


async def defer_scoring(code: str) -> bool:
    """Queue the scoring of campaign ``code``; whether it is in the queue.

    However many releases are made while one scoring job waits, it stays the only one (its
    queueing lock): the job scores whatever is released when it runs. Never raises: without a
    queue, or when the queue cannot be reached (logged), the campaign is scored as before, by
    the next view that reads it."""
    database_url = bound_database()
    if database_url is None or not jobs_enabled():
        return False
    lock = f"{SCORE_CAMPAIGN}:{code}"
    try:
        async with connection(database_url) as conn:
            deferrer = configure_task(
                name=SCORE_CAMPAIGN,
                job_manager=app.job_manager,
                lock=lock,
                queueing_lock=lock,
                connection=conn,
            )
            await deferrer.defer_async(code=code)
    except AlreadyEnqueued:
        return True
    except Exception as error:  # a deferral must never fail the request that made releases
        logger.warning("could not queue the scoring of %s: %s", code, error)
        return False
    return True


async def retry_stalled(queue_app: procrastinate.App, stalled_after: float) -> list[int]:
    """Queue again the running jobs of workers silent for ``stalled_after`` seconds; their ids.

    A job whose worker died on its ``MAX_STALLS``-th attempt is failed instead. Two workers may
    find the same job: the second one's retry finds it no longer running and leaves it."""
    manager = queue_app.job_manager
    retried = []
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        try:
            if job.attempts + 1 >= MAX_STALLS:
                await manager.finish_job(job, status=Status.FAILED, delete_job=False)
                logger.error("job %s (%s) failed: its workers died", job.id, job.task_name)
                continue
            await manager.retry_job(job)
        except ConnectorException:
            continue
        logger.warning("job %s (%s) of a dead worker queued again", job.id, job.task_name)
        retried.append(job.id)
    return retried


async def run_worker(settings: Settings, *, concurrency: int, poll: float | None) -> None:
    """Run jobs until stopped (SIGINT, SIGTERM), and take over those of dead workers.

    Without ``poll`` the worker is woken by PostgreSQL notifications (``LISTEN``, which needs
    a session of its own: not through PgBouncer in transaction mode) and also looks every
    ``DEFAULT_POLL_SECONDS``; with ``poll`` it only looks every ``poll`` seconds."""
    if not settings.has_queue:
        raise NoQueue()
    database_url = settings.resolved_database_url
    if await pending_migrations(database_url):
        raise DatabaseNotMigrated()
    engine = engine_from_url(database_url)
    bind_engine(engine)
    await engine.start_connection_pool(min_size=1, max_size=concurrency + 1)
    stalled_after = settings.jobs_stalled_after
    try:
        async with opened(database_url, size=concurrency + 2) as queue_app:
            recovery = asyncio.create_task(_recover(queue_app, stalled_after))
            try:
                await queue_app.run_worker_async(
                    concurrency=concurrency,
                    listen_notify=poll is None,
                    fetch_job_polling_interval=poll or DEFAULT_POLL_SECONDS,
                    update_heartbeat_interval=stalled_after / 6,
                    stalled_worker_timeout=stalled_after,
                    delete_jobs="successful",
                    additional_context={"settings": settings},
                )
            finally:
                recovery.cancel()
    finally:
        scoring_worker.stop()
        await engine.close_connection_pool()


async def _recover(queue_app: procrastinate.App, stalled_after: float) -> None:
    """Look for the jobs of dead workers now and then (every worker does; the first one to find
    a job queues it again)."""
    while True:
        try:
            await retry_stalled(queue_app, stalled_after)
        except ConnectorException as error:  # the database is away: the next look will do
            logger.warning("could not look for stalled jobs: %s", error)
        await asyncio.sleep(stalled_after / 2)


async def job_counts(database_url: str) -> list[dict[str, Any]]:
    """How many jobs of each task wait, run and failed (``survey-server jobs status``)."""
    async with opened(database_url, size=1) as queue_app:
        return list(await queue_app.job_manager.list_tasks_async())
