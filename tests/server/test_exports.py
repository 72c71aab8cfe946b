"""Exports: aggregates for every role that reads scores, individual responses for
administrators only (audited), formula cells neutralised, CSV and XLSX (both engines)."""

from __future__ import annotations

import csv
import io
import json
import uuid

import httpx
import pytest
from openpyxl import load_workbook

from survey_server.campaigns.tables import Campaign
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.services import list_links
from survey_server.scoring.services import campaign_scores
from survey_server.staff.exports import neutralise
from survey_server.staff.services import create_user
from survey_server.staff.tables import AuditEvent
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


def read_csv(response: httpx.Response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


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
    assert float(rows[1][3]) == view["overall"]["index"]
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"XA-LECHAN", *view["groups"]}
    for code, group in view["groups"].items():
        if group["suppressed"]:
            assert by_code[code][2:-1] == [""] * (len(rows[0]) - 3)
            assert "Ẩn" in by_code[code][-1]


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
    link = next(row["code"] for row in await list_links(CAMPAIGN) if row["unit"] == "TH-LC1")
    stored = await client.post(
        "/api/v1/responses",
        json={
            "link": link,
            "submission_id": str(uuid.uuid4()),
            "answers": {"tc1": 4, "gop_y": '=HYPERLINK("http://x") cần sửa cổng'},
        },
    )
    assert stored.status_code == 201, stored.text
    await submit_many(client, link, 9)  # its release
    await sign_in(client, "so.admin")
    rows = read_csv(
        await client.get(f"{BASE}/export.csv", params={"kind": "responses", "unit": "TH-LC1"})
    )
    comments = [row[-1] for row in rows[1:] if "HYPERLINK" in row[-1]]
    assert comments and all(comment.startswith("'=") for comment in comments)
    assert neutralise("+84 912") == "'+84 912" and neutralise(12) == 12


async def test_outside_the_scope_nothing_is_exported(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "ht.th-lc1")
    for unit in ("SO-HP", "TH-LC2"):
        response = await client.get(f"{BASE}/export.csv", params={"unit": unit})
        assert response.status_code == 404
