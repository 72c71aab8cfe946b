"""Reading the sheets of an XLSForm workbook (``survey``, ``choices``, ``settings``) within limits.

A form comes from outside (an office's Kobo account, a partner's ODK project), so the workbook
is read as untrusted: its size, what it unpacks to, its rows, columns and cells are bounded here,
and the whole reading runs in ``survey_server.bounded``'s child process (``xlsform.import_bounded``)
so that a bomb costs the child, never the server. Cells are read as Excel shows them (``data_only``:
a formula's last computed value, never the formula; a formula never computed reads as empty).
Excel often declares a million formatted rows below a short form: blank rows are skipped, and
only rows holding something count against the limit.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from survey_server.spreadsheet import (
    MAX_CELL,
    MAX_COLUMNS,
    UNREADABLE_XLSX,
    TableUnreadable,
    _cell_text,
    refuse_font_encodings,
)

MB = 1024 * 1024
#: An XLSForm is a few hundred rows; a choices sheet of every commune of the country is a few
#: thousand. Beyond these, a file is a mistake or an attack.
MAX_BYTES = 10 * MB
#: openpyxl reads a sheet's XML once to the end before its first row when the sheet does not
#: declare its size, so what a file unpacks to bounds the time it takes as much as its memory.
MAX_UNPACKED = 20 * MB
MAX_CONTENT_ROWS = 20_000
#: The last row Excel has: a sheet claiming more is forged.
EXCEL_ROWS = 1_048_576
#: The sheets an XLSForm is made of; any other sheet is listed as not read.
SHEETS = ("survey", "choices", "settings")
_OLD_EXCEL = b"\xd0\xcf\x11\xe0"


class FormUnreadable(Exception):
    """The file cannot be read as an XLSForm at all; ``code`` names why (``xlsform.MESSAGES``)."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name as written, its header (row 1) and its non-blank rows numbered as
    Excel shows them."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True)
class Workbook:
    """The XLSForm sheets by lowercase name, and the names of the other sheets."""

    sheets: dict[str, Sheet]
    other_sheets: list[str]


def read_workbook(data: bytes) -> Workbook:
    """The ``survey``, ``choices`` and ``settings`` sheets of an .xlsx file, or
    ``FormUnreadable``."""
    if len(data) > MAX_BYTES:
        raise FormUnreadable("size")
    if data[:4] == _OLD_EXCEL:
        raise FormUnreadable("xls")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                    raise FormUnreadable("unpacked")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except UNREADABLE_XLSX:
            raise FormUnreadable("xlsx") from None
        try:
            sheets: dict[str, Sheet] = {}
            others: list[str] = []
            for sheet in book.worksheets:
                key = sheet.title.strip().lower()
                if key in SHEETS and key not in sheets:
                    sheets[key] = _read_sheet(sheet)
                else:
                    others.append(sheet.title)
        except UNREADABLE_XLSX:
            raise FormUnreadable("xlsx") from None
        finally:
            book.close()
    if "survey" not in sheets:
        raise FormUnreadable("no_survey")
    try:
        refuse_font_encodings(
            " ".join(cell for sheet in sheets.values() for _, row in sheet.rows for cell in row)
        )
    except TableUnreadable as error:
        raise FormUnreadable(error.code) from None
    return Workbook(sheets, others)


def _read_sheet(sheet: ReadOnlyWorksheet) -> Sheet:
    sheet.reset_dimensions()  # trust the rows, not the size the sheet declares
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > EXCEL_ROWS:
            raise FormUnreadable("rows")
        if not any(value is not None for value in values):
            continue
        # Only up to the last cell holding something: sheets often carry empty (or formatted)
        # cells far to the right of the columns a form uses.
        last = len(values)
        while last and (values[last - 1] is None or str(values[last - 1]).strip() == ""):
            last -= 1
        if last > MAX_COLUMNS:
            raise FormUnreadable("columns", sheet=sheet.title)
        cells = [_cell_text(value) for value in values[:last]]
        if any(len(cell) > MAX_CELL for cell in cells):
            raise FormUnreadable("cell")
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip() for cell in cells]
            continue
        if len(rows) >= MAX_CONTENT_ROWS:
            raise FormUnreadable("rows")
        rows.append((number, cells))
    return Sheet(sheet.title, header or [], rows)
