"""Campaigns from the workspace: create as a draft, edit while a draft, open, close; the
distribution page lists the links of the user's scope (both engines)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from survey_server.campaigns.services import get_campaign
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.staff.services import create_user
from survey_server.timekeeping import today
from tests.conftest import Database
from tests.staff import PASSWORD, csrf_of, sign_in


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_demo(settings)
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)


def form(settings: Settings, **changes: str) -> dict[str, object]:
    day = today(settings.timezone)
    values: dict[str, object] = {
        "code": "LC-2027",
        "title": "Khảo sát phụ huynh phường Lê Chân 2027",
        "questionnaire": "hai-long-pho-thong@1",
        "unit": "XA-LECHAN",
        "opens": (day + timedelta(days=1)).isoformat(),
        "closes": (day + timedelta(days=20)).isoformat(),
        "k": "10",
        "retention": "365",
        "channels": ["qr_meeting", "zalo"],
        "flags": ["speeding"],
    }
    values.update(changes)
    return values


async def post_form(client: httpx.AsyncClient, url: str, data: dict[str, object]) -> httpx.Response:
    page = await client.get("/staff/")
    return await client.post(url, data={**data, "csrf": csrf_of(page.text)})


async def test_staff_create_edit_open_and_close(
    client: httpx.AsyncClient, province: None, settings: Settings
) -> None:
    await sign_in(client, "pgd.lechan")
    created = await post_form(client, "/staff/campaigns/new", form(settings))
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/staff/campaigns/LC-2027/distribution"
    campaign = await get_campaign("LC-2027")
    assert campaign["status"] == "draft" and campaign["exclude_flagged"] == "speeding"
    kit = await client.get("/staff/campaigns/LC-2027/distribution")
    assert kit.text.count("/api/v1/links/") >= 2 * 2  # schools of Lê Chân × two channels

    edited = await post_form(
        client, "/staff/campaigns/LC-2027/edit", form(settings, title="Tên mới", k="12")
    )
    assert edited.status_code == 303
    campaign = await get_campaign("LC-2027")
    assert campaign["k"] == 12 and "Tên mới" in campaign["title"]

    opened = await post_form(client, "/staff/campaigns/LC-2027/status", {"status": "open"})
    assert opened.status_code == 303
    assert (await get_campaign("LC-2027"))["status"] == "open"
    refused = await post_form(client, "/staff/campaigns/LC-2027/edit", form(settings, k="20"))
    assert refused.status_code == 422
    assert "bản nháp" in refused.text
    closed = await post_form(client, "/staff/campaigns/LC-2027/status", {"status": "closed"})
    assert closed.status_code == 303
    assert (await get_campaign("LC-2027"))["status"] == "closed"


async def test_bad_campaigns_are_explained(
    client: httpx.AsyncClient, province: None, settings: Settings
) -> None:
    await sign_in(client, "pgd.lechan")
    low_k = await post_form(client, "/staff/campaigns/new", form(settings, k="3"))
    assert low_k.status_code == 422 and "ngưỡng k không được nhỏ hơn 5" in low_k.text
    outside = await post_form(client, "/staff/campaigns/new", form(settings, unit="SO-HP"))
    assert outside.status_code == 422 and "phạm vi" in outside.text
    bad_date = await post_form(client, "/staff/campaigns/new", form(settings, opens="31/12"))
    assert bad_date.status_code == 422
    assert "LC-2027" not in (await client.get("/staff/")).text


async def test_principals_do_not_manage_campaigns(
    client: httpx.AsyncClient, province: None, settings: Settings
) -> None:
    await sign_in(client, "ht.th-lc1")
    assert (await client.get("/staff/campaigns/new")).status_code == 403
    assert (await post_form(client, "/staff/campaigns/new", form(settings))).status_code == 403
    kit = await client.get("/staff/campaigns/HL-PT-2026/distribution")
    assert kit.status_code == 200
    assert "Trường Tiểu học Trần Quốc Toản" in kit.text
    assert "Trường Tiểu học Lê Văn Tám" not in kit.text
    status = await post_form(client, "/staff/campaigns/HL-PT-2026/status", {"status": "closed"})
    assert status.status_code == 403
