"""Exports of a campaign for a unit's subtree: aggregates (every role that reads scores) and
individual scrubbed responses (administrators only, audited).

Both stream: CSV row by row, XLSX through openpyxl's write-only mode into a temporary file, and
responses are read from the database in batches — a million responses neither time out nor fill
memory. A cell that a spreadsheet would run as a formula (= + - @, tab, carriage return) is
neutralised with a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import anyio
from openpyxl import Workbook

from survey_server.i18n import gettext, localize
from survey_server.questionnaires.schema import Question
from survey_server.responses.tables import Submission
from survey_server.responses.validation import FormSpec
from survey_server.scoring.services import publish
from survey_server.staff.services import Scope, audit
from survey_server.units.tables import Unit

BATCH = 5000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell as a spreadsheet may safely show it: text that starts like a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def aggregate_header(view: dict[str, Any], titles: dict[str, str], lang: str) -> list[str]:
    dimensions = [titles.get(d["id"], d["id"]) for d in view.get("dimensions", [])]
    return [
        gettext("Mã đơn vị", lang),
        gettext("Tên đơn vị", lang),
        gettext("Số phiếu", lang),
        gettext("Chỉ số tổng hợp (%)", lang),
        gettext("KTC 95% thấp", lang),
        gettext("KTC 95% cao", lang),
        gettext("Chỉ số hài lòng chung (%)", lang),
        gettext("Tỷ lệ phản hồi (%)", lang),
        *dimensions,
        gettext("Ghi chú", lang),
    ]


async def aggregate_rows(view: dict[str, Any], lang: str) -> list[list[Any]]:
    """One row per unit of the view (the unit first), withheld units with empty numbers."""
    groups = view.get("groups") or {}
    codes = [view["unit"], *(code for code in groups if code != view["unit"])]
    names = {
        row["code"]: row["name"]
        for row in await Unit.select(Unit.code, Unit.name).where(Unit.code.is_in(codes))
    }
    dimensions = [d["id"] for d in view.get("dimensions", [])]
    rows = []
    for code in codes:
        body = view if code == view["unit"] else groups[code]
        if body.get("suppressed"):
            note = gettext("Ẩn: dưới {k} phiếu hoặc để bảo vệ nhóm nhỏ khác", lang, k=view["k"])
            rows.append([code, names.get(code, code), *[None] * (6 + len(dimensions)), note])
            continue
        overall = body["overall"]
        ci = overall["ci"] or [None, None]
        general = (overall.get("general") or {}).get("satisfied")
        rate = (body.get("response_rate") or {}).get("rate")
        by_id = {d["id"]: d["index"] for d in body["dimensions"]}
        rows.append(
            [code, names.get(code, code), body["n"], overall["index"], *ci, general, rate]
            + [by_id.get(d) for d in dimensions]
            + [""]
        )
    return rows


def response_header(spec: FormSpec, lang: str) -> list[str]:
    return [
        gettext("Mã đơn vị", lang),
        gettext("Ngày công bố", lang),
        gettext("Thời gian làm (nhóm)", lang),
        *(question.id for question in spec.questions),
    ]


async def response_rows(
    scope: Scope, campaign: dict[str, Any], unit: dict[str, Any], spec: FormSpec
) -> AsyncIterator[list[Any]]:
    """Every published response of the unit's subtree, in batches, answers in questionnaire
    order; free text is what was stored (scrubbed before storage). The export is audited.

    A row places no one: it gives the unit and day of the response's release
    (``scoring.releases``), not its class, day, channel or partner, in an order that follows
    releases and then the random receipts, not arrival. No receipt: a parent who shows a
    receipt to the school must not thereby show their answers."""
    await audit(
        scope.user_id,
        scope.username,
        "responses_exported",
        {"campaign": campaign["code"], "unit": unit["code"]},
    )
    await publish(campaign)
    release, receipt = 0, ""
    while True:
        batch = await Submission.raw(
            "SELECT s.receipt, s.released_in, u.code AS unit, r.released_on, s.duration_bucket, "
            "s.answers FROM submission s JOIN response_release r ON r.id = s.released_in "
            "JOIN unit u ON u.id = r.unit WHERE s.campaign = {} AND u.path LIKE {} "
            "AND (s.released_in > {} OR (s.released_in = {} AND s.receipt > {})) "
            "ORDER BY s.released_in, s.receipt LIMIT {}",
            campaign["id"],
            f"{unit['path']}%",
            release,
            release,
            receipt,
            BATCH,
        )
        if not batch:
            return
        for row in batch:
            answers = json.loads(row["answers"])
            yield [
                row["unit"],
                str(row["released_on"]),
                row["duration_bucket"],
                *(_cell(question, answers.get(question.id)) for question in spec.questions),
            ]
        release, receipt = batch[-1]["released_in"], batch[-1]["receipt"]


def _cell(question: Question, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


async def csv_stream(
    header: Sequence[str], rows: AsyncIterator[list[Any]] | Iterable[list[Any]]
) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM, so that Excel opens Vietnamese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(cell) for cell in header])
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    async for row in _aiter(rows):
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
        if count % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def xlsx_file(
    header: Sequence[str], rows: AsyncIterator[list[Any]] | Iterable[list[Any]], sheet: str
) -> Path:
    """An XLSX file (write-only, constant memory) in a temporary directory; the caller streams
    and deletes it."""
    book = Workbook(write_only=True)
    table = book.create_sheet(title=sheet[:31])
    table.append([neutralise(cell) for cell in header])
    pending: list[list[Any]] = []

    def flush(batch: list[list[Any]]) -> None:
        for row in batch:
            table.append([neutralise(cell) for cell in row])

    async for row in _aiter(rows):
        pending.append(row)
        if len(pending) >= BATCH:
            await anyio.to_thread.run_sync(flush, pending)
            pending = []
    await anyio.to_thread.run_sync(flush, pending)
    descriptor, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    await anyio.to_thread.run_sync(book.save, name)
    return Path(name)


async def _aiter(rows: AsyncIterator[list[Any]] | Iterable[list[Any]]) -> AsyncIterator[list[Any]]:
    if hasattr(rows, "__aiter__"):
        async for row in rows:  # type: ignore[union-attr]
            yield row
    else:
        for row in rows:  # type: ignore[union-attr]
            yield row


def sheet_title(campaign: dict[str, Any], lang: str) -> str:
    """The campaign's title as Excel allows a sheet's name: none of ``/ \\ ? * [ ] :`` (a
    school year is written "2026/2027"), at most 31 characters, never empty."""
    title = re.sub(r"[/\\?*\[\]:]+", "-", localize(json.loads(campaign["title"]), lang))
    return title.strip(" '")[:31].strip() or campaign["code"][:31]
