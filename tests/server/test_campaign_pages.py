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
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("admin.lechan", "admin", "XA-LECHAN", PASSWORD)


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
    unconfirmed = await post_form(client, "/staff/campaigns/LC-2027/status", {"status": "closed"})
    assert unconfirmed.headers["location"] == "/staff/campaigns/LC-2027/close"
    assert (await get_campaign("LC-2027"))["status"] == "open"
    explained = await client.get("/staff/campaigns/LC-2027/close")
    assert "không kênh nào nhận thêm phiếu" in explained.text
    assert "cơ quan cấp trên" in explained.text
    closed = await post_form(
        client, "/staff/campaigns/LC-2027/status", {"status": "closed", "confirm": "1"}
    )
    assert closed.status_code == 303
    assert (await get_campaign("LC-2027"))["status"] == "closed"


async def test_only_an_admin_above_the_root_reopens_with_a_reason(
    client: httpx.AsyncClient, province: None, settings: Settings
) -> None:
    """Closed means closed for the office that runs the campaign, and for an administrator
    of the campaign's own root; the office above re-opens it, and says why, where readers of the
    results see it."""
    await sign_in(client, "pgd.lechan")
    await post_form(client, "/staff/campaigns/new", form(settings))
    for status in ("open", "closed"):
        await post_form(
            client, "/staff/campaigns/LC-2027/status", {"status": status, "confirm": "1"}
        )
    back = await post_form(client, "/staff/campaigns/LC-2027/status", {"status": "open"})
    assert back.status_code == 409 and "không chuyển được" in back.text
    assert (await client.get("/staff/campaigns/LC-2027/reopen")).status_code == 403
    reason = {"reason": "Phiếu giấy của xã đảo đến muộn do bão", "closes": ""}
    day = today(settings.timezone)
    reason["closes"] = (day + timedelta(days=5)).isoformat()
    assert (await post_form(client, "/staff/campaigns/LC-2027/reopen", reason)).status_code == 403
    await client.post("/staff/logout", data={"csrf": csrf_of((await client.get("/staff/")).text)})
    await sign_in(client, "admin.lechan")  # an administrator of the root itself
    assert (await post_form(client, "/staff/campaigns/LC-2027/reopen", reason)).status_code == 403
    await client.post("/staff/logout", data={"csrf": csrf_of((await client.get("/staff/")).text)})
    await sign_in(client, "so.admin")
    short = await post_form(client, "/staff/campaigns/LC-2027/reopen", {**reason, "reason": "x"})
    assert short.status_code == 422 and "lý do" in short.text
    past = (day - timedelta(days=1)).isoformat()
    late = await post_form(client, "/staff/campaigns/LC-2027/reopen", {**reason, "closes": past})
    assert late.status_code == 422
    assert (await get_campaign("LC-2027"))["status"] == "closed"
    done = await post_form(client, "/staff/campaigns/LC-2027/reopen", reason)
    assert done.status_code == 303
    campaign = await get_campaign("LC-2027")
    assert campaign["status"] == "open" and campaign["closes_on"] == day + timedelta(days=5)
    page = await client.get("/staff/campaigns/LC-2027/distribution")
    assert "Phiếu giấy của xã đảo đến muộn do bão" in page.text and "so.admin" in page.text


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
