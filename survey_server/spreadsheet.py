"""Reading the tables offices send us: CSV as Excel and LibreOffice write it.

One place decides the encoding (UTF-8, with or without the BOM Excel adds), the Unicode form
(NFC, whatever the keyboard produced) and the delimiter (a semicolon where the locale uses a
decimal comma), so every import reads files the same way.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass


class TableUnreadable(Exception):
    """The file is not a table we can read; ``code`` is ``encoding`` or ``empty``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Table:
    """A header and the non-blank rows, each with its line number in the file (header = 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_csv(data: bytes) -> Table:
    """Decode, normalise to NFC and split a CSV file; blank rows are left out."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableUnreadable("encoding") from None
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise TableUnreadable("empty")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [cell.strip() for cell in next(reader)]
    rows = [
        (number, cells)
        for number, cells in enumerate(reader, start=2)
        if any(cell.strip() for cell in cells)
    ]
    return Table(header, rows)
