"""Exports: aggregates for every role that reads scores, individual responses for
administrators only (audited), formula cells neutralised, CSV and XLSX (both engines); CSV for
Excel under Vietnamese regional settings by default (";" and a decimal comma), RFC 4180 on
request."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from survey_server.campaigns.tables import Campaign
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.services import list_links
from survey_server.scoring.services import campaign_scores
from survey_server.staff import exports
from survey_server.staff.exports import CSV_DIALECTS, csv_stream, neutralise
from survey_server.staff.services import create_user
from survey_server.staff.tables import AuditEvent
from survey_server.units.tables import Unit
from tests.conftest import Database
from tests.releases import close_and_publish, submit_many
from tests.staff import PASSWORD, sign_in

CAMPAIGN = "HL-PT-2026"
BASE = f"/staff/campaigns/{CAMPAIGN}"


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_demo(settings, responses=600)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)


def read_csv(response: httpx.Response, delimiter: str = ";") -> list[list[str]]:
    """The rows of a CSV export; by default the dialect of Excel in Vietnamese (";")."""
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def number(text: str, decimal: str = ",") -> float:
    """A number of a CSV export written with the dialect's decimal mark."""
    assert "." not in text if decimal == "," else "," not in text, text
    return float(text.replace(decimal, "."))


def typed(text: str, decimal: str = ",") -> Any:
    """A CSV cell as the value it stands for: empty is none, digits an integer, digits with the
    decimal mark a float, anything else text."""
    if text == "":
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(rf"-?\d+{re.escape(decimal)}\d+", text):
        return float(text.replace(decimal, "."))
    return text


def trimmed(row: list[Any]) -> list[Any]:
    """A row without its empty cells at the end (a workbook read back leaves them out)."""
    while row and row[-1] is None:
        row.pop()
    return row


async def stored_comment(client: httpx.AsyncClient, unit: str, text: str) -> None:
    """A released response of ``unit`` whose comment is ``text``."""
    link = next(row["code"] for row in await list_links(CAMPAIGN) if row["unit"] == unit)
    stored = await client.post(
        "/api/v1/responses",
        json={
            "link": link,
            "submission_id": str(uuid.uuid4()),
            "answers": {"tc1": 4, "gop_y": text},
        },
    )
    assert stored.status_code == 201, stored.text
    await submit_many(client, link, 9)  # its release


async def test_aggregate_csv_matches_the_scores(client: httpx.AsyncClient, province: None) -> None:
    await close_and_publish(CAMPAIGN)
    await sign_in(client, "pgd.lechan")
    response = await client.get(f"{BASE}/export.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # one charset
    rows = read_csv(response)
    view = await campaign_scores(CAMPAIGN, "XA-LECHAN")
    assert rows[1][0] == "XA-LECHAN" and int(rows[1][2]) == view["n"]
    assert number(rows[1][3]) == view["overall"]["index"]
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"XA-LECHAN", *view["groups"]}
    for code, group in view["groups"].items():
        if group["suppressed"]:
            assert by_code[code][2:-1] == [""] * (len(rows[0]) - 3)
            assert "Ẩn" in by_code[code][-1]


async def test_every_unit_is_named_however_many_there_are(
    client: httpx.AsyncClient, province: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ministry's export names tens of thousands of units, past what one statement may carry:
    the names are read in batches (here of two), and every row still has its unit's name."""
    await close_and_publish(CAMPAIGN)
    monkeypatch.setattr(exports, "NAMES_BATCH", 2)
    await sign_in(client, "so.admin")
    rows = read_csv(await client.get(f"{BASE}/export.csv"))[1:]
    names = {row["code"]: row["name"] for row in await Unit.select(Unit.code, Unit.name)}
    assert len(rows) > 2 * exports.NAMES_BATCH
    assert [row[1] for row in rows] == [names[row[0]] for row in rows]


async def test_aggregate_xlsx_opens(client: httpx.AsyncClient, province: None) -> None:
    await close_and_publish(CAMPAIGN)
    title = json.dumps({"vi": "Khảo sát năm học 2026/2027: [đợt 1]"}, ensure_ascii=False)
    await Campaign.update({Campaign.title: title}).where(Campaign.code == CAMPAIGN)
    await sign_in(client, "so.admin")
    response = await client.get(f"{BASE}/export.xlsx", params={"unit": "XA-LECHAN"})
    assert response.status_code == 200  # "/" and "[]" cannot be in a sheet's name: replaced
    assert "-ket-thuc.xlsx" in response.headers["content-disposition"]  # the numbers are final
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "Mã đơn vị"
    assert rows[1][0] == "XA-LECHAN"
    assert isinstance(rows[1][2], int)


async def test_individual_responses_are_for_administrators_and_audited(
    client: httpx.AsyncClient, province: None
) -> None:
    for user in ("pgd.lechan", "ht.th-lc1"):
        client.cookies.clear()
        await sign_in(client, user)
        for fmt in ("csv", "xlsx"):
            refused = await client.get(f"{BASE}/export.{fmt}", params={"kind": "responses"})
            assert refused.status_code == 403
    assert await AuditEvent.count().where(AuditEvent.action == "responses_exported") == 0
    await close_and_publish(CAMPAIGN)
    client.cookies.clear()
    await sign_in(client, "so.admin")
    response = await client.get(
        f"{BASE}/export.csv", params={"kind": "responses", "unit": "XA-LECHAN"}
    )
    rows = read_csv(response)
    view = await campaign_scores(CAMPAIGN, "XA-LECHAN")
    assert len(rows) - 1 == view["n"]
    assert "receipt" not in rows[0] and "Mã biên nhận" not in rows[0]
    events = await AuditEvent.select().where(AuditEvent.action == "responses_exported")
    assert len(events) == 1 and events[0]["username"] == "so.admin"
    assert '"unit": "XA-LECHAN"' in events[0]["detail"]


async def test_formula_cells_are_neutralised(client: httpx.AsyncClient, province: None) -> None:
    await stored_comment(client, "TH-LC1", '=HYPERLINK("http://x") cần sửa cổng')
    await sign_in(client, "so.admin")
    for dialect, delimiter in ((None, ";"), ("rfc4180", ",")):
        params = {"kind": "responses", "unit": "TH-LC1"}
        if dialect:
            params["dialect"] = dialect
        rows = read_csv(await client.get(f"{BASE}/export.csv", params=params), delimiter)
        comments = [row[-1] for row in rows[1:] if "HYPERLINK" in row[-1]]
        assert comments and all(comment.startswith("'=") for comment in comments)
    assert neutralise("+84 912") == "'+84 912" and neutralise(12) == 12


async def test_default_csv_reads_back_as_the_xlsx(
    client: httpx.AsyncClient, province: None
) -> None:
    await close_and_publish(CAMPAIGN)
    await sign_in(client, "so.admin")
    for kind in ("aggregate", "responses"):
        params = {"kind": kind, "unit": "XA-LECHAN"}
        response = await client.get(f"{BASE}/export.csv", params=params)
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        body = response.content.decode("utf-8-sig")
        assert body.startswith("Mã đơn vị;")
        rows = read_csv(response)
        workbook = await client.get(f"{BASE}/export.xlsx", params=params)
        sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
        expected = [
            trimmed([None if c == "" else c for c in row])
            for row in sheet.iter_rows(values_only=True)
        ]
        assert [trimmed([typed(cell) for cell in row]) for row in rows] == expected
    aggregate = read_csv(await client.get(f"{BASE}/export.csv", params={"unit": "XA-LECHAN"}))
    cells = [cell for row in aggregate[1:] for cell in row]
    assert any(re.fullmatch(r"\d+,\d+", cell) for cell in cells)  # a decimal comma
    assert not any(re.fullmatch(r"-?\d+\.\d+", cell) for cell in cells)  # never a point
    assert re.fullmatch(r"\d+", aggregate[1][2])  # the count of responses has no decimal mark


async def test_rfc4180_csv_has_commas_and_decimal_points(
    client: httpx.AsyncClient, province: None
) -> None:
    await close_and_publish(CAMPAIGN)
    await sign_in(client, "pgd.lechan")
    default = read_csv(await client.get(f"{BASE}/export.csv"))
    response = await client.get(f"{BASE}/export.csv", params={"dialect": "rfc4180"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response, delimiter=",")
    assert rows[0] == default[0] and len(rows[0]) > 3
    view = await campaign_scores(CAMPAIGN, "XA-LECHAN")
    assert number(rows[1][3], ".") == view["overall"]["index"]
    assert re.fullmatch(r"\d+\.\d+", rows[1][3]) and re.fullmatch(r"\d+", rows[1][2])
    assert [[typed(cell, ".") for cell in row] for row in rows] == [
        [typed(cell) for cell in row] for row in default
    ]
    upper = await client.get(f"{BASE}/export.csv", params={"dialect": "RFC4180"})
    assert upper.status_code == 200 and upper.content == response.content


async def test_an_unknown_dialect_is_refused_in_vietnamese(
    client: httpx.AsyncClient, province: None
) -> None:
    await close_and_publish(CAMPAIGN)
    await sign_in(client, "so.admin")
    for dialect in ("excel", "", "tsv", "rfc4180;x"):
        response = await client.get(
            f"{BASE}/export.csv", params={"kind": "responses", "dialect": dialect}
        )
        assert response.status_code == 400, dialect
        assert "Không có kiểu tệp CSV này" in response.text
        assert "dialect=rfc4180" in response.text
    twice = await client.get(f"{BASE}/export.csv?dialect=rfc4180&dialect=excel-vi")
    assert twice.status_code in (200, 400)  # one of them, or refused; never a crash
    # refused before anything is exported
    assert await AuditEvent.count().where(AuditEvent.action == "responses_exported") == 0


async def test_separators_quotes_and_line_breaks_round_trip(
    client: httpx.AsyncClient, province: None
) -> None:
    text = 'Cổng hẹp; xe đông, "giờ tan học"\nđề nghị phân luồng'
    await stored_comment(client, "TH-LC1", text)
    await sign_in(client, "so.admin")
    for dialect, delimiter in (("excel-vi", ";"), ("rfc4180", ",")):
        params = {"kind": "responses", "unit": "TH-LC1", "dialect": dialect}
        response = await client.get(f"{BASE}/export.csv", params=params)
        rows = read_csv(response, delimiter)
        assert len({len(row) for row in rows}) == 1  # no cell spilled into another
        assert [row[-1] for row in rows[1:] if "phân luồng" in row[-1]] == [text]
        assert '"Cổng hẹp; xe đông, ""giờ tan học""\nđề nghị phân luồng"' in response.text


async def test_csv_cells_in_both_dialects() -> None:
    header = ["Mã", "=tổng"]
    row = ["a;b", 'nói "rõ"', "dòng 1\r\ndòng 2", 62.8, 3, -1.5, 1e-05, True, "-x", None, "62.8"]

    async def written(dialect: str) -> str:
        chunks = [chunk async for chunk in csv_stream(header, [row], CSV_DIALECTS[dialect])]
        data = b"".join(chunks)
        assert data.startswith("\ufeff".encode())
        return data.decode("utf-8-sig")

    excel = await written("excel-vi")
    assert excel == (
        "Mã;'=tổng\r\n"
        '"a;b";"nói ""rõ""";"dòng 1\r\ndòng 2";62,8;3;-1,5;0,00001;True;\'-x;;62.8\r\n'
    )
    rfc = await written("rfc4180")
    assert rfc == (
        'Mã,\'=tổng\r\na;b,"nói ""rõ""","dòng 1\r\ndòng 2",62.8,3,-1.5,1e-05,True,\'-x,,62.8\r\n'
    )
    for text, delimiter in ((excel, ";"), (rfc, ",")):
        parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        assert parsed[1][:3] == row[:3] and parsed[1][8] == "'-x"


async def test_outside_the_scope_nothing_is_exported(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "ht.th-lc1")
    for unit in ("SO-HP", "TH-LC2"):
        response = await client.get(f"{BASE}/export.csv", params={"unit": unit})
        assert response.status_code == 404
