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
from collections.abc import Coroutine
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import Any, TypeVar

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from survey_server.bounded import die_with_parent
from survey_server.scoring.snapshots import State

_POOL: ProcessPoolExecutor | None = None
T = TypeVar("T")


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
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_pool(), _score, database_url, campaign_code, state)
    except BrokenProcessPool:
        stop()
        raise


async def second_pass_in_child(database_url: str, campaign_id: int, budget: float) -> bool:
    """Give the campaign's unpublished responses the scrubber's second pass in the child
    process (``responses.second_pass``), for up to ``budget`` seconds; whether some are left."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_pool(), _second_pass, database_url, campaign_id, budget)
    except BrokenProcessPool:
        stop()
        raise


def _pool() -> ProcessPoolExecutor:
    global _POOL
    if _POOL is None:
        # spawn: a fork of a process running an event loop and threads is not safe; the child
        # dies with the server, so a kill -9 leaves no scoring process behind
        _POOL = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
        )
    return _POOL


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


def _second_pass(database_url: str, campaign_id: int, budget: float) -> bool:
    """In the child: its own event loop and database engine for one second pass."""
    return asyncio.run(_with_engine(database_url, _second_pass_run(campaign_id, budget)))


async def _second_pass_run(campaign_id: int, budget: float) -> bool:
    from survey_server.responses import second_pass

    return await second_pass.run(campaign_id, budget)


async def _with_engine(database_url: str, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` with the tables bound to the database at ``database_url``."""
    from survey_server.db.engine import bind_engine, engine_from_url

    engine = engine_from_url(database_url)
    bind_engine(engine)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=2)
    try:
        return await work
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()


def _give_memory_back() -> None:
    """Return what the scoring freed to the system: the child stays alive between scorings,
    and the C allocator would otherwise keep the peak of a province's scoring."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


async def _score_and_save(
    database_url: str, campaign_code: str, state: State
) -> tuple[bytes, float]:
    return await _with_engine(database_url, _score_and_store(campaign_code, state))


async def _score_and_store(campaign_code: str, state: State) -> tuple[bytes, float]:
    from survey_server.campaigns.services import get_campaign
    from survey_server.scoring import services, snapshots

    started = time.monotonic()
    campaign = await get_campaign(campaign_code)
    scores, units = await services.assemble_campaign(campaign)
    body = snapshots.encode(scores, {row["code"]: row["path"] for row in units})
    seconds = time.monotonic() - started
    await snapshots.save(campaign["id"], state, body, seconds)
    return body, seconds
