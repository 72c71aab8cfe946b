"""Engines built from ``DATABASE_URL`` and bound to every table of the product.

Piccolo resolves a table's engine lazily through ``PICCOLO_CONF``; binding the engine built from
``Settings`` to each table instead lets tests and commands choose the database explicitly.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

#: Applied to every SQLite connection: an acknowledged write must survive a crash and a power
#: cut (WAL with ``synchronous=FULL``), and concurrent writers wait instead of failing at once.
SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 30000",
)


class DurableSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with the product's pragmas on every connection it opens."""

    async def get_connection(self) -> Any:
        connection = await super().get_connection()
        for pragma in SQLITE_PRAGMAS:
            await connection.execute(pragma)
        return connection


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///path`` URL (three slashes then a relative or absolute path)."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url}")
    return Path(url.removeprefix("sqlite:///"))


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql")


def prepare_sqlite_file(path: Path) -> None:
    """Create the folder and switch the file to WAL (a persistent property of the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
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
        return PostgresEngine(config={"dsn": url})
    raise ValueError(
        f"DATABASE_URL không hợp lệ: {url!r} (cần sqlite:///đường/dẫn.db hoặc postgres://…)"
    )


def bind_engine(engine: Engine) -> None:
    """Point every table of the product, and Piccolo's migration table, at ``engine``."""
    from survey_server.db.piccolo_app import APP_CONFIG

    for table in (*APP_CONFIG.table_classes, Migration):
        table._meta.db = engine
