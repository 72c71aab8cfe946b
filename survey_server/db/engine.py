"""Engines built from ``DATABASE_URL`` and bound to every table of the product.

Piccolo resolves a table's engine lazily through ``PICCOLO_CONF``; binding the engine built from
``Settings`` to each table instead lets tests and commands choose the database explicitly.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

#: Applied to every SQLite connection: an acknowledged write must survive a crash and a power
#: cut (WAL with ``synchronous=FULL``), and concurrent writers wait instead of failing at once.
#: Deleted content is overwritten with zeros (``secure_delete``): a spent token, a purged
#: comment or a closed session leaves nothing readable in the file (docs/PRIVACY.md).
SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 30000",
    "PRAGMA secure_delete = ON",
)
#: Database files are readable by their owner only; SQLite gives the ``-wal`` and ``-shm``
#: files it creates the mode of the database file. A data folder the product creates is 0700.
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


class DurableSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with the product's pragmas on every connection it opens."""

    async def get_connection(self) -> Any:
        connection = await super().get_connection()
        for pragma in SQLITE_PRAGMAS:
            await connection.execute(pragma)
        return connection

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        """Transactions take the write lock when they begin (``BEGIN IMMEDIATE``).

        A deferred transaction that reads and then writes cannot wait for another writer: SQLite
        answers "database is locked" at once, whatever ``busy_timeout`` says, because its read
        snapshot may be stale. Every transaction of the product writes, so each waits its turn
        at ``BEGIN`` instead.
        """
        return super().transaction(transaction_type=transaction_type, allow_nested=allow_nested)


#: What a pooled connection whose server backend has gone away raises on its next use.
STALE_CONNECTION = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.AdminShutdownError,
    ConnectionResetError,
)


class RetryingPostgresEngine(PostgresEngine):
    """A pooled query whose connection turns out to be dead (its backend terminated by an
    administrator, a failover, an idle timeout) is run once more on a fresh connection from
    the pool, instead of failing the request; a second failure is a real outage (503).

    When one backend is gone the others usually are too (a failover, a restart), so every idle
    connection of the pool is expired before the retry: the retry cannot be handed another dead
    one."""

    async def _run_in_pool(self, query: str, args: Sequence[Any] | None = None) -> Any:
        try:
            return await super()._run_in_pool(query, args)
        except STALE_CONNECTION:
            if self.pool is not None:
                await self.pool.expire_connections()
            return await super()._run_in_pool(query, args)


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///path`` URL (three slashes then a relative or absolute path)."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url}")
    return Path(url.removeprefix("sqlite:///"))


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql")


def prepare_sqlite_file(path: Path) -> None:
    """Create the folder and the file, readable by their owner only, and switch the file to WAL
    (a persistent property of the file).

    The file is created with mode 0600 before SQLite opens it, so its ``-wal`` and ``-shm`` files
    are created 0600 too; files an older version created world-readable are narrowed to 0600.
    """
    path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    # Never open and close a descriptor of a database file this process may already use:
    # closing any descriptor of a file drops every POSIX lock the process holds on it, and
    # SQLite's own connections would then write unlocked (a corrupt file). Only a file that
    # does not exist yet is created here.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for file in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if file.stat().st_mode & 0o077:
                file.chmod(FILE_MODE)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
    finally:
        connection.close()


def engine_from_url(url: str) -> Engine:
    """A Piccolo engine for ``sqlite:///…`` or ``postgres://…``."""
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        prepare_sqlite_file(path)
        return DurableSQLiteEngine(path=str(path), timeout=30)
    if is_postgres_url(url):
        return RetryingPostgresEngine(config={"dsn": url})
    raise ValueError(
        f"DATABASE_URL không hợp lệ: {url!r} (cần sqlite:///đường/dẫn.db hoặc postgres://…)"
    )


def bind_engine(engine: Engine) -> None:
    """Point every table of the product, and Piccolo's migration table, at ``engine``."""
    from survey_server.db.piccolo_app import APP_CONFIG

    for table in (*APP_CONFIG.table_classes, Migration):
        table._meta.db = engine
