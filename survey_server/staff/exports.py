"""Exports of a campaign for a unit's subtree: aggregates (every role that reads scores) and
individual scrubbed responses (administrators only, audited).

Both stream: CSV row by row, XLSX through openpyxl's write-only mode into a temporary file, and
responses are read from the database in batches — a million responses neither time out nor fill
memory. A cell that a spreadsheet would run as a formula (= + - @, tab, carriage return) is
neutralised with a leading apostrophe (OWASP "CSV injection").

CSV comes in two dialects (``?dialect=``). The default, ``excel-vi``, is what Excel reads under
Vietnamese regional settings: cells separated by ";" and a decimal comma in every non-integer
number ("62,8"), written out in full (no exponent, no thousands grouping). ``rfc4180`` is comma
separated with a decimal point, for statistics software and Excel in other locales.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import msgspec
from openpyxl import Workbook

from survey_server.errors import AppError
from survey_server.i18n import N_, gettext, localize
from survey_server.responses.tables import Submission
from survey_server.responses.validation import FormSpec
from survey_server.scoring.services import publish
from survey_server.staff.services import Scope, audit
from survey_server.units.tables import Unit

BATCH = 5000
_decode_answers = msgspec.json.Decoder().decode  # stored answers: about twice json.loads' speed
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV export separates cells and writes the decimal mark of non-integer numbers."""

    delimiter: str
    decimal: str


#: The dialects a CSV export may be asked for, by the name of ``?dialect=``.
CSV_DIALECTS = {
    "excel-vi": CsvDialect(delimiter=";", decimal=","),
    "rfc4180": CsvDialect(delimiter=",", decimal="."),
}
DEFAULT_DIALECT = "excel-vi"


class UnknownDialect(AppError):
    status_code = 400
    code = "unknown_csv_dialect"
    message = N_(
        "Không có kiểu tệp CSV này. Hãy bỏ tham số dialect để tải tệp cho Excel cài đặt tiếng "
        "Việt (dấu chấm phẩy, dấu phẩy thập phân), hoặc dùng dialect=rfc4180 cho phần mềm thống "
        "kê và Excel ở nước khác (dấu phẩy, dấu chấm thập phân)."
    )


def csv_dialect(name: str | None) -> CsvDialect:
    """The dialect a request names (none: the default); an unknown name is refused."""
    dialect = CSV_DIALECTS.get(DEFAULT_DIALECT if name is None else name.strip().lower())
    if dialect is None:
        raise UnknownDialect()
    return dialect


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
    names = await unit_names(codes)
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
        if overall.get("general_question", "") is None:  # said, not left blank as if missing
            general = gettext("không có câu hỏi chung", lang)
        rate = (body.get("response_rate") or {}).get("rate")
        by_id = {d["id"]: d["index"] for d in body["dimensions"]}
        rows.append(
            [code, names.get(code, code), body["n"], overall["index"], *ci, general, rate]
            + [by_id.get(d) for d in dimensions]
            + [""]
        )
    return rows


#: Codes asked for in one query: a ministry's export names tens of thousands of units, past
#: what one statement may carry (32,767 parameters on PostgreSQL).
NAMES_BATCH = 1000


async def unit_names(codes: Sequence[str]) -> dict[str, str]:
    """The name of each unit of ``codes``."""
    names: dict[str, str] = {}
    for start in range(0, len(codes), NAMES_BATCH):
        batch = list(codes[start : start + NAMES_BATCH])
        rows = await Unit.select(Unit.code, Unit.name).where(Unit.code.is_in(batch))
        names.update((row["code"], row["name"]) for row in rows)
    return names


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
    keys = [question.id for question in spec.questions]
    release, receipt = 0, ""
    while True:
        batch = await Submission.raw(
            "SELECT s.receipt, s.released_in, u.code AS unit, r.released_on, s.duration_bucket, "
            "s.answers FROM submission s JOIN response_release r ON r.id = s.released_in "
            "JOIN unit u ON u.id = r.unit WHERE s.campaign = {} AND u.path LIKE {} "
            "AND (s.released_in, s.receipt) > ({}, {}) "
            "ORDER BY s.released_in, s.receipt LIMIT {}",
            campaign["id"],
            f"{unit['path']}%",
            release,
            receipt,
            BATCH,
        )
        if not batch:
            return
        for row in batch:
            answers = _decode_answers(row["answers"])
            yield [
                row["unit"],
                str(row["released_on"]),
                row["duration_bucket"],
                *[v if v is None or type(v) is int else _cell(v) for v in map(answers.get, keys)],
            ]
        release, receipt = batch[-1]["released_in"], batch[-1]["receipt"]


def _cell(value: Any) -> Any:
    """An answer other than an integer (a scale answer, most cells) or none, as a cell."""
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_cell(value: Any, dialect: CsvDialect) -> Any:
    """A cell as written to a CSV file of the dialect: neutralised like every export cell, a
    non-integer number with the dialect's decimal mark. Integers, booleans and text are left as
    they are, and a number never has its thousands grouped, so that reading the file back is
    unambiguous."""
    value = neutralise(value)
    if dialect.decimal != "." and isinstance(value, float | Decimal):
        return _plain_number(value).replace(".", dialect.decimal)
    return value


def _plain_number(value: float | Decimal) -> str:
    """A number in full with a decimal point, never an exponent (``1e-05`` is ``0.00001``); a
    float as its shortest exact text, not-a-number and infinities as Python writes them."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        value = Decimal(repr(value))
    elif not value.is_finite():
        return str(value)
    return format(value, "f")


async def csv_stream(
    header: Sequence[str],
    rows: AsyncIterator[list[Any]] | Iterable[list[Any]],
    dialect: CsvDialect = CSV_DIALECTS[DEFAULT_DIALECT],
) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM, so that Excel opens Vietnamese text correctly; cells quoted only when
    they hold the separator, a quote or a line break."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter)
    writer.writerow([csv_cell(cell, dialect) for cell in header])
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    async for row in _aiter(rows):
        # most cells of a response export are integers or empty: nothing to neutralise
        writer.writerow([c if c is None or type(c) is int else csv_cell(c, dialect) for c in row])
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
