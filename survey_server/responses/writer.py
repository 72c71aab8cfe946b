"""Durable storage of submissions with group commit.

Every request waits until its row is committed durably before it is answered (README.md: an
acknowledged response survives a crash). Committing each row on its own makes the disk flush the
limit (about 1.5–1.9k req/s on SQLite FULL on 2 cores, p99 up to 0.7 s). Instead, requests
put their row on a queue and a writer commits whatever has queued in one transaction: under load
a flush covers dozens of rows, when idle a batch is a single row and latency is one flush.

* SQLite: one writer thread owns one connection (WAL, ``synchronous=FULL``); SQLite allows one
  writer at a time anyway, and a thread keeps the flush off the event loop.
* PostgreSQL: writer tasks on an asyncpg pool insert a batch with one ``INSERT … SELECT unnest``.

A row whose ``submission_id`` is already stored is not inserted again; its stored receipt is
returned (idempotent retries). If a batch fails as a whole, its rows are retried one by one so
that one bad row cannot take its neighbours down with it.

A single-use token is spent by deleting its row in the transaction that stores its response
(docs/PRIVACY.md), so no version of the token row is left to pair with the response. What the
engines keep of a deleted row for a while is cleared right after: on SQLite the deleted bytes
are zeroed (``secure_delete``) and the write-ahead log, where the page holding the token was
written next to the response, is copied into the database and emptied; on PostgreSQL the
token table is vacuumed, which removes the dead row version and its transaction id.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import asyncpg

from survey_server.db.engine import SQLITE_PRAGMAS

MAX_BATCH = 256
COLUMNS = (
    "submission_id",
    "receipt",
    "campaign",
    "link",
    "unit",
    "channel",
    "partner",
    "questionnaire",
    "lang",
    "submitted_on",
    "duration_bucket",
    "closed",
    "answers",
    "held",
    "paper_batch",
)


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    """One row of the ``submission`` table as the writer stores it."""

    submission_id: str
    receipt: str
    campaign: int
    link: int
    unit: int
    channel: str
    partner: str | None
    questionnaire: int
    lang: str
    submitted_on: date
    duration_bucket: int
    closed: bytes
    answers: str
    held: int = 0
    """1 while a paper form typed by its own school waits for approval (``paper.approval``)."""
    paper_batch: int | None = None
    token: str | None = None
    """The single-use token this submission spends (not stored with it: docs/PRIVACY.md)."""

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, column) for column in COLUMNS)


class WriterUnavailable(Exception):
    """The database could not store the row; nothing was acknowledged."""


class TokenSpent(Exception):
    """The row's single-use token was already used or revoked; nothing was stored."""


class SubmissionWriter(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def write(self, row: SubmissionRow) -> str:
        """Store ``row`` durably and return its receipt (the first one for a repeated id)."""
        ...


_Pending = tuple[SubmissionRow, "asyncio.Future[str]", asyncio.AbstractEventLoop]
_STOP = object()

_SQLITE_INSERT = (
    f"INSERT INTO submission ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    "ON CONFLICT (submission_id) DO NOTHING RETURNING receipt"
)
_SQLITE_RECEIPT = "SELECT receipt FROM submission WHERE submission_id = ?"
#: Spending a token and storing its response happen in one transaction: never one without the
#: other. The token row is deleted, so nothing of it remains to pair with the response (docs/PRIVACY.md).
_SPEND_TOKEN_SQLITE = "DELETE FROM token WHERE code = ? AND status = 'issued'"
#: While the write-ahead log still holds pages of spent tokens, the writer tries again to empty
#: it whenever it has been idle this long (readers may keep it from doing so for a moment).
WAL_RETRY_SECONDS = 1.0


class SQLiteWriter:
    """Group commit through one thread and one connection."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        # the log may hold spent tokens of an earlier run: empty it once idle
        self._log_holds_tokens = True

    async def start(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        self._thread = threading.Thread(
            target=self._run, args=(connection,), name="submission-writer", daemon=True
        )
        self._thread.start()

    async def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    async def write(self, row: SubmissionRow) -> str:
        if self._thread is None:
            raise WriterUnavailable("writer not started")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        self._queue.put((row, future, loop))
        return await future

    def _run(self, connection: sqlite3.Connection) -> None:
        try:
            while True:
                try:
                    item = self._queue.get(
                        timeout=WAL_RETRY_SECONDS if self._log_holds_tokens else None
                    )
                except queue.Empty:
                    self._log_holds_tokens = not _empty_log(connection)
                    continue
                if item is _STOP:
                    return
                batch: list[_Pending] = [item]
                stop = False
                while len(batch) < MAX_BATCH:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is _STOP:
                        stop = True
                        break
                    batch.append(more)
                try:
                    self._commit(connection, batch)
                except Exception as error:
                    for pending in batch:
                        _settle(pending, WriterUnavailable(type(error).__name__))
                if any(row.token is not None for row, _, _ in batch):
                    self._log_holds_tokens = not _empty_log(connection)
                if stop:
                    return
        finally:
            connection.close()

    def _commit(self, connection: sqlite3.Connection, batch: list[_Pending]) -> None:
        try:
            outcomes = _sqlite_transaction(connection, [row for row, _, _ in batch])
        except sqlite3.Error:
            for pending in batch:
                try:
                    _settle(pending, _sqlite_transaction(connection, [pending[0]])[0])
                except sqlite3.Error as error:
                    _settle(pending, WriterUnavailable(str(error)))
            return
        for pending, outcome in zip(batch, outcomes, strict=True):
            _settle(pending, outcome)


def _sqlite_transaction(
    connection: sqlite3.Connection, rows: Sequence[SubmissionRow]
) -> list[str | Exception]:
    """Store ``rows`` in one transaction; each outcome is a receipt or ``TokenSpent``."""
    outcomes: list[str | Exception] = []
    connection.execute("BEGIN IMMEDIATE")
    try:
        for row in rows:
            if row.token is not None:
                stored = connection.execute(_SQLITE_RECEIPT, (row.submission_id,)).fetchone()
                if stored is not None:
                    outcomes.append(stored[0])
                    continue
                if connection.execute(_SPEND_TOKEN_SQLITE, (row.token,)).rowcount != 1:
                    outcomes.append(TokenSpent())
                    continue
            inserted = connection.execute(_SQLITE_INSERT, row.values()).fetchall()
            if inserted:
                outcomes.append(inserted[0][0])
            else:
                first = connection.execute(_SQLITE_RECEIPT, (row.submission_id,)).fetchone()
                outcomes.append(first[0])
        connection.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise
    return outcomes


def _empty_log(connection: sqlite3.Connection) -> bool:
    """Copy the write-ahead log into the database file and truncate it; False if readers kept
    it from being emptied (the writer then tries again when idle, never waiting for them).

    The log keeps every version of a page written since the last reset: the page that held a
    token before it was spent, next to the one of its response in the same commit. Once copied
    and truncated, only the database file is left, where the deleted token is zeroed.
    """
    (timeout,) = connection.execute("PRAGMA busy_timeout").fetchone()
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        (busy, _, _) = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error:
        return False
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    return busy == 0


def _settle(pending: _Pending, outcome: str | Exception) -> None:
    """Resolve a waiting request from the writer thread (on its own event loop)."""
    pending[2].call_soon_threadsafe(_resolve, pending, outcome)


_PG_TYPES = (
    "uuid",
    "text",
    "int",
    "int",
    "int",
    "text",
    "text",
    "int",
    "text",
    "date",
    "smallint",
    "bytea",
    "text",
    "smallint",
    "int",
)
_PG_INSERT = (
    f"INSERT INTO submission ({', '.join(COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(f"${i + 1}::{kind}[]" for i, kind in enumerate(_PG_TYPES))
    + ") ON CONFLICT (submission_id) DO NOTHING RETURNING submission_id::text, receipt"
)
_PG_RECEIPTS = (
    "SELECT submission_id::text, receipt FROM submission WHERE submission_id = ANY($1::uuid[])"
)
_PG_RECEIPT = "SELECT receipt FROM submission WHERE submission_id = $1::uuid"
_PG_SPEND_TOKEN = "DELETE FROM token WHERE code = $1 AND status = 'issued' RETURNING 1"
#: Until it is vacuumed, the deleted version of a token row stays in its page with the id of
#: the transaction that deleted it, which is the transaction id (``xmin``) of its response; a
#: superuser can read it (``pageinspect``). VACUUM removes it, and the code from the indexes.
_PG_VACUUM_TOKENS = "VACUUM (INDEX_CLEANUP ON) token"
#: How long after a token is spent its table is vacuumed; tokens spent meanwhile share the run.
VACUUM_DELAY_SECONDS = 5.0


async def _no_reset(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's per-release reset: writer connections never change session state."""


class PostgresWriter:
    """Group commit through writer tasks sharing a small asyncpg pool."""

    def __init__(self, dsn: str, tasks: int = 2) -> None:
        self._dsn = dsn
        self._tasks_wanted = tasks
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._pool: asyncpg.Pool | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._vacuum: asyncio.Task[None] | None = None
        self._vacuum_wanted = False

    async def start(self) -> None:
        self._pool = await asyncpg.create_pool(
            self._dsn, min_size=1, max_size=self._tasks_wanted + 1, reset=_no_reset
        )
        self._tasks = [asyncio.create_task(self._run()) for _ in range(self._tasks_wanted)]
        self._vacuum_soon()  # dead token rows an earlier run may have left

    def _vacuum_soon(self) -> None:
        self._vacuum_wanted = True
        if self._vacuum is None or self._vacuum.done():
            self._vacuum = asyncio.create_task(self._vacuum_tokens())

    async def _vacuum_tokens(self) -> None:
        while self._vacuum_wanted and self._pool is not None:
            await asyncio.sleep(VACUUM_DELAY_SECONDS)
            self._vacuum_wanted = False
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                async with self._pool.acquire() as connection:
                    await connection.execute(_PG_VACUUM_TOKENS)

    async def stop(self) -> None:
        if self._vacuum is not None:
            self._vacuum.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._vacuum
            self._vacuum = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def write(self, row: SubmissionRow) -> str:
        if self._pool is None:
            raise WriterUnavailable("writer not started")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        self._queue.put_nowait((row, future, loop))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcomes = await self._insert([row for row, _, _ in batch])
            except (asyncpg.PostgresError, OSError) as batch_error:
                for pending in batch:
                    try:
                        _resolve(pending, (await self._insert([pending[0]]))[0])
                    except (asyncpg.PostgresError, OSError) as error:
                        _resolve(
                            pending,
                            WriterUnavailable(str(error if len(batch) > 1 else batch_error)),
                        )
                continue
            except asyncio.CancelledError:
                for pending in batch:
                    _resolve(pending, WriterUnavailable("stopped"))
                raise
            except Exception as error:
                for pending in batch:
                    _resolve(pending, WriterUnavailable(type(error).__name__))
                continue
            for pending, outcome in zip(batch, outcomes, strict=True):
                _resolve(pending, outcome)

    async def _insert(self, rows: list[SubmissionRow]) -> list[str | Exception]:
        """Store a batch in one transaction: plain rows in one statement, token rows one by one."""
        if self._pool is None:
            raise WriterUnavailable("writer not started")
        plain = [row for row in rows if row.token is None]
        spent: set[str] = set()
        async with self._pool.acquire() as connection, connection.transaction():
            stored: dict[str, str] = {}
            if plain:
                columns = list(zip(*(row.values() for row in plain), strict=True))
                stored.update(dict(await connection.fetch(_PG_INSERT, *columns)))
            for row in rows:
                if row.token is None or row.submission_id in stored:
                    continue
                first = await connection.fetchval(_PG_RECEIPT, row.submission_id)
                if first is not None:
                    stored[row.submission_id] = first
                elif await connection.fetchval(_PG_SPEND_TOKEN, row.token) is None:
                    spent.add(row.submission_id)
                else:
                    columns = [[value] for value in row.values()]
                    stored.update(dict(await connection.fetch(_PG_INSERT, *columns)))
            missing = [
                row.submission_id
                for row in rows
                if row.submission_id not in stored and row.submission_id not in spent
            ]
            if missing:
                stored.update(dict(await connection.fetch(_PG_RECEIPTS, missing)))
        if any(row.token is not None for row in rows):
            self._vacuum_soon()
        return [
            TokenSpent() if row.submission_id in spent else stored[row.submission_id]
            for row in rows
        ]


def _resolve(pending: _Pending, outcome: str | Exception) -> None:
    """Answer a waiting request (on its event loop) unless it has gone away."""
    future = pending[1]
    if future.done():
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


_SQLITE_INSERT_QUIETLY = _SQLITE_INSERT.removesuffix(" RETURNING receipt")
_PG_IMPORT_TABLE = (
    "CREATE TEMPORARY TABLE import_rows ON COMMIT DROP AS "
    f"SELECT {', '.join(COLUMNS)} FROM submission WITH NO DATA"
)
_PG_IMPORT_INSERT = (
    f"INSERT INTO submission ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM import_rows "
    "ON CONFLICT (submission_id) DO NOTHING"
)


async def store_all(database_url: str, rows: Sequence[SubmissionRow]) -> int:
    """Store ``rows`` (which spend no token) in one transaction: all of them or none.

    Imports of paper forms and spreadsheets come here rather than through the group-commit
    writer, which settles each row on its own: a file is one decision. A row whose
    ``submission_id`` is already stored is skipped; returns how many rows were new.
    """
    from survey_server.db.engine import sqlite_path

    if database_url.startswith("sqlite:"):
        return await asyncio.to_thread(_sqlite_store_all, sqlite_path(database_url), rows)
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            # COPY into a scratch table, then one INSERT that skips rows already stored.
            await connection.execute(_PG_IMPORT_TABLE)
            await connection.copy_records_to_table(
                "import_rows",
                records=(_pg_record(row) for row in rows),
                columns=COLUMNS,
            )
            status = await connection.execute(_PG_IMPORT_INSERT)
    finally:
        await connection.close()
    return int(status.rsplit(" ", 1)[-1])


def _pg_record(row: SubmissionRow) -> tuple[Any, ...]:
    values = list(row.values())
    values[0] = uuid.UUID(values[0])  # COPY's binary format wants the uuid as such
    return tuple(values)


def _sqlite_store_all(path: Path, rows: Sequence[SubmissionRow]) -> int:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        connection.execute("BEGIN IMMEDIATE")
        try:
            before = connection.total_changes
            connection.executemany(_SQLITE_INSERT_QUIETLY, (row.values() for row in rows))
            added = connection.total_changes - before
            connection.execute("COMMIT")
            return added
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise
    finally:
        connection.close()


def writer_for(database_url: str) -> SubmissionWriter:
    """The writer suited to the configured database."""
    from survey_server.db.engine import sqlite_path

    if database_url.startswith("sqlite:"):
        return SQLiteWriter(sqlite_path(database_url))
    return PostgresWriter(database_url)
