"""Baselines for the submission benchmark (bench/run.py): the same request, without the product.

Two endpoints, both taking the body of ``POST /api/v1/responses`` through the same Litestar path
as the product (``data: JSONBody[SubmissionIn]``: Litestar decodes it with msgspec into the
product's own Struct) and answering 201 with a ``{"receipt": …}`` body of the product's shape:

* ``POST /empty``  (baseline A): decode, answer. No database.
* ``POST /insert`` (baseline B): decode, then store one ``submission`` row with the raw driver,
  one durable commit per request, and answer only after the commit:

  - SQLite: one ``sqlite3`` connection in autocommit mode with the product's pragmas (WAL,
    ``synchronous=FULL``), called **inline on the event loop**: the plainest use of the driver,
    with no thread hop; while a commit's fsync runs the loop waits.
  - PostgreSQL: an ``asyncpg`` pool of 16 connections per worker, one autocommit ``INSERT`` per
    request, with a no-op pool ``reset`` like the product's writer pool (the stronger variant
    of the plain raw-driver server).

  The row is the one the product stores for the same body: the link's campaign, link, unit,
  channel and questionnaire version ids (read once at start-up from the demo database), a random
  receipt made like the product's, today's date, the answers as compact JSON. The ``closed``
  column gets a constant 29-byte value (the product packs it from validated answers; the
  baseline does no validation).

Configured by environment variables (set by bench/run.py):
``BENCH_DATABASE_URL`` (``sqlite:///…`` or ``postgres://…``, only needed by /insert),
``BENCH_LINK`` (a link code of the demo database).

Run: ``python bench/baseline_app.py --port 18731 --workers 1`` (granian, same settings as
``survey-server serve``).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
from litestar import Litestar, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from survey_server.db.engine import SQLITE_PRAGMAS, sqlite_path  # noqa: E402
from survey_server.distribution.codes import RECEIPT_LENGTH, new_code  # noqa: E402
from survey_server.responses.schemas import ReceiptOut, SubmissionIn  # noqa: E402
from survey_server.responses.writer import COLUMNS  # noqa: E402

CLOSED = bytes([4] * 28 + [1])
_SQLITE_INSERT = (
    f"INSERT INTO submission ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
)
_PG_INSERT = (
    f"INSERT INTO submission ({', '.join(COLUMNS)}) VALUES "
    f"({', '.join(f'${i + 1}' for i in range(len(COLUMNS)))})"
)
_LINK_QUERY = (
    "SELECT l.campaign, l.id, l.unit, l.channel, c.questionnaire "
    "FROM distribution_link l JOIN campaign c ON c.id = l.campaign WHERE l.code = {}"
)


@get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@post("/empty", status_code=201)
async def empty(data: JSONBody[SubmissionIn]) -> ReceiptOut:
    """Baseline A: the body decoded into the product's Struct, nothing stored."""
    return ReceiptOut(receipt="BASELINE0A")


def _row(data: SubmissionIn, ids: tuple[Any, ...], submission_id: Any) -> tuple[Any, ...]:
    campaign, link, unit, channel, questionnaire = ids
    return (
        submission_id,
        new_code(RECEIPT_LENGTH),
        campaign,
        link,
        unit,
        channel,
        None,  # partner
        questionnaire,
        data.lang,
        date.today(),
        0,
        CLOSED,
        json.dumps(data.answers, ensure_ascii=False, separators=(",", ":")),
        0,  # held
        None,  # paper_batch
    )


@post("/insert", status_code=201)
async def insert(data: JSONBody[SubmissionIn], state: State) -> ReceiptOut:
    """Baseline B: decode, one INSERT committed durably, then 201."""
    if state.pool is not None:
        row = _row(data, state.ids, data.submission_id)
        await state.pool.execute(_PG_INSERT, *row)
    else:
        row = _row(data, state.ids, str(data.submission_id))
        state.sqlite.execute(_SQLITE_INSERT, row)  # autocommit: this call commits (fsync)
    return ReceiptOut(receipt=row[1])


async def _no_reset(connection: asyncpg.Connection) -> None:
    """The handlers never change session state, so releasing needs no RESET ALL round trip."""


def create_app() -> Litestar:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    link_code = os.environ.get("BENCH_LINK", "")
    state = State({"pool": None, "sqlite": None, "ids": None})

    async def open_db(app: Litestar) -> None:
        if not url:
            return
        if url.startswith("sqlite:"):
            connection = sqlite3.connect(
                sqlite_path(url), isolation_level=None, check_same_thread=False
            )
            for pragma in SQLITE_PRAGMAS:
                connection.execute(pragma)
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                raise RuntimeError(f"expected a WAL database, got journal_mode={mode}")
            ids = connection.execute(_LINK_QUERY.format("?"), (link_code,)).fetchone()
            app.state.sqlite = connection
        else:
            pool = await asyncpg.create_pool(url, min_size=16, max_size=16, reset=_no_reset)
            ids = tuple(await pool.fetchrow(_LINK_QUERY.format("$1"), link_code))
            app.state.pool = pool
        if ids is None:
            raise RuntimeError(f"link {link_code!r} not found")
        app.state.ids = tuple(ids)

    async def close_db(app: Litestar) -> None:
        if app.state.pool is not None:
            await app.state.pool.close()
        if app.state.sqlite is not None:
            app.state.sqlite.close()

    return Litestar(
        route_handlers=[ping, empty, insert],
        state=state,
        on_startup=[open_db],
        on_shutdown=[close_db],
        debug=False,
    )


def main() -> None:
    from granian.constants import Interfaces
    from granian.server import Server

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18731)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # The same granian settings as `survey-server serve` (survey_server/cli.py), minus the
    # static mount, which POST requests never reach.
    Server(
        "bench.baseline_app:create_app",
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        factory=True,
        log_access=False,
    ).serve()


if __name__ == "__main__":
    main()
