"""Importing spreadsheets of answers: template round trip, all or nothing, idempotence,
encodings, scope and the command line (both engines)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from survey_server.campaigns.services import get_campaign, set_status
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.paper.imports import ImportInvalid, import_file
from survey_server.paper.template import template_csv, template_xlsx
from survey_server.reports.gather import operator_scope
from survey_server.responses.tables import Submission
from survey_server.scoring.services import campaign_form, campaign_scores
from survey_server.staff.monitoring import progress
from survey_server.units.services import get_unit
from tests.conftest import Database
from tests.staff import reopen_campaign

CAMPAIGN = "HL-PT-2026"
PARTNER = "Hội LHPN phường Lê Chân"
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings)
    return settings


async def filled_rows(count: int, unit: str = "TH-LC1", comment: str = "") -> list[list[str]]:
    """The template's two header rows and ``count`` answered forms."""
    spec = await campaign_form(await get_campaign(CAMPAIGN))
    header, labels = list(csv.reader(io.StringIO(template_csv(spec).decode("utf-8-sig"))))
    rows = [header, labels]
    for number in range(count):
        row = []
        for column in header:
            if column == "unit":
                row.append(unit)
            elif column == "cap_hoc":
                # by its label, or left blank: a primary school's forms are primary parents'
                row.append("Tiểu học" if number % 2 else "")
            elif column == "gop_y":
                row.append(comment)
            else:
                row.append(str(1 + (number + len(row)) % 5))
        rows.append(row)
    return rows


def as_csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def as_xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append([int(c) if c.isdigit() else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: tone marks as combining characters."""
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        tone = "".join(c for c in parts if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base.encode("cp1258") + tone.encode("cp1258"))
    return b"".join(out)


async def run_import(settings: Settings, data: bytes, name: str = "phieu.csv", **options: object):
    return await import_file(
        CAMPAIGN,
        data,
        name,
        database_url=settings.resolved_database_url,
        **options,  # type: ignore[arg-type]
    )


async def stored(channel: str = "paper") -> list[dict[str, object]]:
    return await Submission.select().where(Submission.channel == channel)


async def test_template_round_trip_counts_in_the_scores(province: Settings) -> None:
    rows = await filled_rows(30)
    outcome = await run_import(province, as_csv(rows), partner=PARTNER)
    assert (outcome.added, outcome.already, outcome.blank) == (30, 0, 0)
    forms = await stored()
    assert len(forms) == 30 and {f["partner"] for f in forms} == {PARTNER}
    scores = await campaign_scores(CAMPAIGN, "TH-LC1")
    assert scores["n"] == 30
    unit = await get_unit("SO-HP")
    counts = await progress(operator_scope(unit), CAMPAIGN, "XA-LECHAN")
    assert dict(counts["channels"]) == {"paper": 30}
    assert dict(counts["partners"]) == {PARTNER: 30}


async def test_xlsx_template_opens_and_imports(province: Settings) -> None:
    spec = await campaign_form(await get_campaign(CAMPAIGN))
    book = load_workbook(io.BytesIO(template_xlsx(spec)))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "unit" and "tc1" in header and len(book.worksheets) == 2
    rows = await filled_rows(12)
    outcome = await run_import(province, as_xlsx(rows), "phieu.xlsx")
    assert outcome.added == 12


async def test_one_bad_row_stores_nothing_and_every_problem_is_listed(province: Settings) -> None:
    rows = await filled_rows(10)
    header = rows[0]
    rows[4][header.index("tc1")] = "7"
    rows[6][header.index("cap_hoc")] = "đại học"
    rows[3][header.index("cap_hoc")] = "thcs"  # a primary school's form saying lower secondary
    rows[8][0] = "TH-AL1"  # a school of another commune is fine for the campaign…
    rows[9][0] = "KHONG-CO"
    with pytest.raises(ImportInvalid) as caught:
        await run_import(province, as_csv(rows))
    problems = caught.value.problems
    assert any(p.startswith("Dòng 5, cột tc1:") for p in problems)
    assert any(p.startswith("Dòng 7, cột cap_hoc:") for p in problems)
    assert any(p.startswith("Dòng 4, cột cap_hoc:") and "một cấp học" in p for p in problems)
    assert any(p.startswith("Dòng 10:") and "KHONG-CO" in p for p in problems)
    assert not any(p.startswith("Dòng 9") for p in problems)
    assert await stored() == []


async def test_a_user_imports_only_into_its_own_scope(province: Settings) -> None:
    rows = await filled_rows(3, unit="TH-AL1")
    lechan = await get_unit("XA-LECHAN")
    with pytest.raises(ImportInvalid) as caught:
        await run_import(province, as_csv(rows), scope_path=lechan["path"])
    assert "TH-AL1" in caught.value.problems[0]
    assert await stored() == []


async def test_the_same_file_twice_adds_nothing(province: Settings) -> None:
    data = as_csv(await filled_rows(8))
    assert (await run_import(province, data)).added == 8
    again = await run_import(province, data)
    assert (again.added, again.already) == (0, 8)
    assert len(await stored()) == 8


async def test_the_same_file_from_two_schools_or_two_partners_stores_every_form(
    province: Settings,
) -> None:
    rows = await filled_rows(6)
    header = rows[0]
    data = as_csv([row[1:] for row in rows] if header[0] == "unit" else rows)  # no unit column
    assert (await run_import(province, data, unit_code="TH-LC1")).added == 6
    assert (await run_import(province, data, unit_code="TH-LC2")).added == 6
    assert (await run_import(province, data, unit_code="TH-LC2", partner=PARTNER)).added == 6
    again = await run_import(province, data, unit_code="TH-LC2")
    assert (again.added, again.already) == (0, 6)
    forms = await stored()
    kinds = Counter((form["unit"], form["partner"]) for form in forms)
    assert len(forms) == 18 and sorted(kinds.values()) == [6, 6, 6]


async def test_a_closed_campaign_imports_nothing(province: Settings) -> None:
    data = as_csv(await filled_rows(4))
    await set_status(CAMPAIGN, "closed")
    with pytest.raises(ImportInvalid) as caught:
        await run_import(province, data)
    assert "đã kết thúc" in caught.value.problems[0] and await stored() == []
    await reopen_campaign(CAMPAIGN)
    assert (await run_import(province, data)).added == 4


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258", "nfd"])
async def test_encodings_are_read_and_text_is_nfc_and_scrubbed(
    province: Settings, encoding: str
) -> None:
    comment = "Đề nghị cô Nguyễn Thị Lan giảm bài tập, gọi 0912 345 678 nhé"
    rows = await filled_rows(2, comment=comment)
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    if encoding == "cp1258":
        data = cp1258(text.getvalue())
    elif encoding == "nfd":
        data = unicodedata.normalize("NFD", text.getvalue()).encode("utf-8")
    else:
        data = text.getvalue().encode(encoding)
    assert (await run_import(province, data)).added == 2
    for form in await stored():
        answer = json.loads(form["answers"])["gop_y"]  # type: ignore[arg-type]
        assert unicodedata.is_normalized("NFC", answer)
        assert answer.startswith("Đề nghị cô") and "giảm bài tập" in answer
        assert "0912" not in answer and "Lan" not in answer


@pytest.mark.parametrize(
    ("garbled", "name"),
    [
        ("Tr\xadêng häc kh«ng ®\xadîc tèt, gi¸o viªn qu¸t häc sinh", "TCVN3"),
        ("Tröôøng hoïc khoâng ñöôïc toát, giaùo vieân", "VNI"),
    ],
)
async def test_legacy_font_encodings_are_refused_with_the_way_out(
    province: Settings, garbled: str, name: str
) -> None:
    rows = await filled_rows(3, comment=garbled)
    # the whole file typed in the legacy encoding: no label row, option ids
    rows = [[("tieu_hoc" if c == "Tiểu học" else c) for c in r] for r in [rows[0], *rows[2:]]]
    for data in (as_csv(rows, "cp1252"), as_csv(rows, "utf-8")):
        with pytest.raises(ImportInvalid) as caught:
            await run_import(province, data)
        assert name in caught.value.problems[0] and "Unicode" in caught.value.problems[0]
    assert await stored() == []


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "phieu.csv", "tệp trống"),
        (b"PK\x03\x04 broken", "phieu.xlsx", "tệp Excel bị hỏng"),
        (b"unit,tc1\n", "phieu.csv", None),
    ],
)
async def test_unreadable_files_are_explained(
    province: Settings, data: bytes, name: str, message: str | None
) -> None:
    if message is None:
        outcome = await run_import(province, data, name)
        assert outcome.added == 0
        return
    with pytest.raises(ImportInvalid) as caught:
        await run_import(province, data, name)
    assert message in caught.value.problems[0]


async def test_settings_are_checked_before_reading(province: Settings) -> None:
    data = as_csv(await filled_rows(2))
    with pytest.raises(ImportInvalid) as caught:
        await run_import(province, data, channel="fax")
    assert "fax" in caught.value.problems[0]
    with pytest.raises(ImportInvalid):
        await run_import(province, data, channel="zalo", partner=PARTNER)


async def test_command_line_import(province: Settings, db: Database, tmp_path: Path) -> None:
    good = tmp_path / "phieu.csv"
    good.write_bytes(as_csv(await filled_rows(5, unit="")))
    environment = {**os.environ, "DATABASE_URL": db.url, "DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "survey_server", "import", CAMPAIGN, str(good)]
    missing_unit = subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False
    )
    assert missing_unit.returncode == 1 and "Dòng 3: thiếu mã đơn vị" in missing_unit.stderr
    done = subprocess.run(
        [*command, "--unit", "TH-LC1", "--partner", PARTNER],
        capture_output=True, text=True, env=environment, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Đã nhập 5 phiếu" in done.stdout
    assert len(await stored()) == 5
