"""Fuzzing the readers of uploaded files: whatever bytes arrive — random, or a real file with
bytes flipped, cut or repeated — the reader returns a table (or a document) or refuses with
its own error, never anything else (which would be a 500). The hostile files of
``tests/hostile.py`` are the hand-made half of this; these are the made-up half."""

from __future__ import annotations

import contextlib
import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from survey_server.errors import AppError
from survey_server.reports.insert import insert_into
from survey_server.spreadsheet import Table, TableUnreadable, read_table
from tests.reports.draft import build_draft
from tests.reports.test_insert import section


def _workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["unit", "tc1", "gop_y"])
    for n in range(20):
        sheet.append(["TH-LC1", n % 5 + 1, f"Ý kiến số {n}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WORKBOOK = _workbook()
DRAFT = build_draft(placeholder=True)
CSV = 'unit,tc1,gop_y\nTH-LC1,5,Tốt\nTH-LC2,na,"Có dấu phẩy, và xuống\ndòng"\n'.encode()


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few bytes flipped, a slice cut out or repeated."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(("flip", "cut", "repeat")))
        if action == "flip":
            data[position] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            data[position:position] = data[position : position + draw(st.integers(1, 64))]
        if not data:
            data = bytearray(b"x")
    return bytes(data)


@st.composite
def rezipped(draw: st.DrawFn, original: bytes) -> bytes:
    """``original``'s parts with one part's XML damaged, zipped again (so the zip layer is
    sound and the XML and openpyxl layers get the damage)."""
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    name = draw(st.sampled_from(sorted(parts)))
    parts[name] = draw(damaged(parts[name] or b"<x/>"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    return out.getvalue()


def _reads_or_refuses(data: bytes, name: str) -> None:
    with contextlib.suppress(TableUnreadable):
        assert isinstance(read_table(data, name), Table)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(("phieu.csv", "phieu.xlsx", "phieu")))
def test_random_bytes_are_read_or_refused(data: bytes, name: str) -> None:
    _reads_or_refuses(data, name)


@FUZZ
@given(st.one_of(damaged(WORKBOOK), rezipped(WORKBOOK)))
def test_a_damaged_workbook_is_read_or_refused(data: bytes) -> None:
    _reads_or_refuses(data, "phieu.xlsx")


@FUZZ
@given(damaged(CSV))
def test_a_damaged_csv_is_read_or_refused(data: bytes) -> None:
    _reads_or_refuses(data, "phieu.csv")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(damaged(DRAFT), rezipped(DRAFT)))
def test_a_damaged_draft_gets_the_section_or_a_message(data: bytes) -> None:
    try:
        assert isinstance(insert_into(data, section(), "du-thao.docx"), bytes)
    except AppError as error:
        assert error.text("vi")
