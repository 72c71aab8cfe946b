"""Reading the tables offices send us: CSV as Excel and LibreOffice write it, and XLSX.

One place decides the encoding (UTF-8, with or without the BOM Excel adds, or Windows-1258 as
older Vietnamese Excel saves CSV), the Unicode form (NFC, whatever the keyboard produced) and
the delimiter (a semicolon where the locale uses a decimal comma), so every import reads files
the same way. Text typed with the legacy Vietnamese font encodings (TCVN3/ABC, VNI) looks like
"Tr­êng häc" or "Tröôøng hoïc" once read as Unicode: it is recognised and refused with the way
to convert it, never imported as garbage.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree.ElementTree import ParseError
from zipfile import BadZipFile

from defusedxml import DefusedXmlException
from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

#: What one file may hold (a province's paper forms are a few hundred thousand rows at most; a
#: form has a few dozen questions): beyond, the file is refused with the limit it passed.
MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_CELL = 10_000
#: What an XLSX may unpack to: its XML is read in full by the parser, whatever the zip's size.
MAX_UNPACKED = 200 * 1024 * 1024


class TableUnreadable(Exception):
    """The file is not a table we can read; ``code`` is ``encoding``, ``empty``, ``tcvn3``,
    ``vni``, ``xlsx``, or a limit passed: ``rows``, ``columns``, ``cell``, ``unpacked``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Table:
    """A header and the non-blank rows, each with its line number in the file (header = 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_csv(data: bytes, *, legacy_encodings: bool = False) -> Table:
    """Decode, normalise to NFC and split a CSV file; blank rows are left out.

    With ``legacy_encodings``, a file that is not UTF-8 is read as Windows-1258.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if not legacy_encodings:
            raise TableUnreadable("encoding") from None
        text = _windows_1258(data)
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise TableUnreadable("empty")
    refuse_font_encodings(text)
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    csv.field_size_limit(MAX_CELL + 1)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader)]
        rows = _bounded_rows(header, enumerate(reader, start=2))
    except csv.Error:
        raise TableUnreadable("cell") from None
    return Table(header, rows)


def _bounded_rows(
    header: list[str], numbered: Iterable[tuple[int, list[str]]]
) -> list[tuple[int, list[str]]]:
    """The non-blank rows, or ``TableUnreadable`` at the first limit passed: rows (blank ones
    count too, so a sheet of a million empty rows is not walked to its end), columns, cell."""
    if len(header) > MAX_COLUMNS:
        raise TableUnreadable("columns")
    if any(len(cell) > MAX_CELL for cell in header):
        raise TableUnreadable("cell")
    rows = []
    for number, cells in numbered:
        if number > MAX_ROWS + 2:
            raise TableUnreadable("rows")
        if len(cells) > MAX_COLUMNS:
            raise TableUnreadable("columns")
        if any(len(cell) > MAX_CELL for cell in cells):
            raise TableUnreadable("cell")
        if any(cell.strip() for cell in cells):
            rows.append((number, cells))
    return rows


#: What a damaged or hostile workbook raises in the zip, XML and openpyxl layers (entities and
#: DTDs are refused by defusedxml, which openpyxl uses when it is installed).
UNREADABLE_XLSX = (
    BadZipFile,
    InvalidFileException,
    KeyError,
    OSError,
    ValueError,
    TypeError,
    IndexError,
    EOFError,
    ParseError,
    etree.LxmlError,
    zlib.error,
    UnicodeDecodeError,
    DefusedXmlException,
    zipfile.LargeZipFile,
)


def read_xlsx(data: bytes) -> Table:
    """The first sheet of a workbook, cells as text (whole numbers without ".0"). openpyxl's
    warnings about a file's oddities (unsupported extensions, broken relationships) are not
    ours to act on: they are silenced, and a file it cannot read is refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read_xlsx(data)


def _read_xlsx(data: bytes) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise TableUnreadable("unpacked")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE_XLSX:
        raise TableUnreadable("xlsx") from None
    try:
        sheet = book.worksheets[0]
        if (sheet.max_column or 0) > MAX_COLUMNS:  # as the sheet's dimension declares it
            raise TableUnreadable("columns")
        rows_iter = sheet.iter_rows(values_only=True)
        first = next(rows_iter, None)
        if first is None:
            raise TableUnreadable("empty")
        header = [_cell_text(cell).strip() for cell in first]
        rows = _bounded_rows(
            header,
            (
                (number, [_cell_text(cell) for cell in values])
                for number, values in enumerate(rows_iter, start=2)
            ),
        )
    except UNREADABLE_XLSX:  # a broken or hostile part met while reading the rows
        raise TableUnreadable("xlsx") from None
    finally:
        book.close()
    if not any(header):
        raise TableUnreadable("empty")
    refuse_font_encodings(" ".join(header + [c for _, cells in rows[:200] for c in cells]))
    return Table(header, rows)


def read_table(data: bytes, filename: str) -> Table:
    """A CSV or XLSX file, told apart by its content (an XLSX is a zip) and its name."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return read_xlsx(data)
    return read_csv(data, legacy_encodings=True)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return unicodedata.normalize("NFC", str(value))


def _windows_1258(data: bytes) -> str:
    """Windows-1258 (Vietnamese Windows, tone marks as combining characters)."""
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError:
        raise TableUnreadable("encoding") from None


#: Words as they look when typed in TCVN3 (ABC) or VNI fonts and read as Unicode: trường, học,
#: không, được, giáo dục, đào tạo, Việt, phụ huynh, nhà, các, của, là, có, đề nghị.
_TCVN3 = re.compile(
    r"tr\u00adêng|häc|kh«ng|®­îc|gi¸o|dôc|§µo|®µo|t¹o|ViÖt|phô|nhµ|c¸c|cña|lµ|cã|®Ò|nghÞ|"
    r"[a-zA-Z][µ¸¶·¹¨©ª«¬®][a-zA-Z]"
)
_VNI = re.compile(
    r"tröôøng|hoïc|khoâng|ñöôïc|giaùo|duïc|ñaøo|taïo|Vieät|phuï|nhaø|caùc|cuûa|laø|coù|ñeà|"
    r"[a-zA-Z](?:oâ|eâ|aê|öô|aø|aù|aï|eå|oï)[a-zA-Z]?"
)


def refuse_font_encodings(text: str) -> None:
    """Refuse text typed with a legacy Vietnamese font encoding (a few telltale words are
    enough; real Vietnamese never contains them)."""
    sample = text[:200_000]
    words = max(1, len(sample.split()))
    if len(_TCVN3.findall(sample)) >= max(2, words // 50):
        raise TableUnreadable("tcvn3")
    if len(_VNI.findall(sample)) >= max(2, words // 50):
        raise TableUnreadable("vni")
