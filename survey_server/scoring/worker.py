"""Scoring a campaign in a child process of the server.

Reading and scoring a province's campaign keeps a CPU busy for seconds, much of it in Python.
In a thread of the server process it would hold the interpreter lock against every request
that process serves — submissions included — and stretch them by hundreds of milliseconds. A
child process (one per server process, started on first use and kept) reads the answers from
the database itself, scores them, stores the result and hands back the stored bytes; the
server process only waits on a pipe.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from survey_server.scoring.snapshots import State

_POOL: ProcessPoolExecutor | None = None


def engine_url(engine: Engine) -> str:
    """The URL the child process opens: the database the server process is bound to."""
    if isinstance(engine, SQLiteEngine):
        return f"sqlite:///{engine.path}"
    if isinstance(engine, PostgresEngine):
        return str(engine.config["dsn"])
    raise TypeError(f"unsupported engine: {type(engine).__name__}")


async def score_in_child(
    database_url: str, campaign_code: str, state: State
) -> tuple[bytes, float]:
    """Score the campaign's responses up to ``state`` in the child process and store the
    result there; its body and how long it took. A child that died (killed, out of memory) is
    replaced next time."""
    global _POOL
    if _POOL is None:
        # spawn: a fork of a process running an event loop and threads is not safe
        _POOL = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_POOL, _score, database_url, campaign_code, state)
    except BrokenProcessPool:
        stop()
        raise


def stop() -> None:
    """End the child process (the server is stopping, or the child died)."""
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=False, cancel_futures=True)
        _POOL = None


def _score(database_url: str, campaign_code: str, state: State) -> tuple[bytes, float]:
    """In the child: its own event loop and database engine for one scoring."""
    try:
        return asyncio.run(_score_and_save(database_url, campaign_code, state))
    finally:
        _give_memory_back()


def _give_memory_back() -> None:
    """Return what the scoring freed to the system: the child stays alive between scorings,
    and the C allocator would otherwise keep the peak of a province's scoring."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


async def _score_and_save(
    database_url: str, campaign_code: str, state: State
) -> tuple[bytes, float]:
    from survey_server.campaigns.services import get_campaign
    from survey_server.db.engine import bind_engine, engine_from_url
    from survey_server.scoring import services, snapshots
    from survey_server.units.services import get_unit

    engine = engine_from_url(database_url)
    bind_engine(engine)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=2)
    try:
        started = time.monotonic()
        campaign = await get_campaign(campaign_code)
        root = await get_unit(campaign["root_unit_code"])
        answers = await services.load_answers(campaign, root, newest=state.newest)
        paths = {row["code"]: row["path"] for row in answers.units}
        body = snapshots.encode(services.score_loaded(answers), paths)
        seconds = time.monotonic() - started
        await snapshots.save(campaign["id"], state, body, seconds)
        return body, seconds
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()
