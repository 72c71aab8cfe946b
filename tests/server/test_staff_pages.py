"""The workspace pages of a campaign: dashboard and monitoring, per role (both engines)."""

from __future__ import annotations

import re

import asyncpg
import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.services import add_link
from survey_server.i18n import format_share
from survey_server.scoring.services import campaign_scores
from survey_server.staff.services import create_user
from tests.conftest import Database
from tests.releases import meeting_answers
from tests.staff import PASSWORD, sign_in

CAMPAIGN = "HL-PT-2026"
PARTNER = "Ủy ban MTTQ phường Lê Chân"


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_demo(settings, responses=700)
    await meeting_answers(settings, CAMPAIGN, ["TH-LC1", "TH-LC2", "THCS-LC1"], 90)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("mttq.lechan", "partner", "XA-LECHAN", PASSWORD, PARTNER)


async def test_dashboard_shows_the_numbers_of_the_scores(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "so.admin")
    response = await client.get(f"/staff/campaigns/{CAMPAIGN}", params={"unit": "XA-LECHAN"})
    assert response.status_code == 200
    scores = await campaign_scores(CAMPAIGN, "XA-LECHAN")
    html = response.text
    assert format_share(scores["overall"]["index"] / 100, "vi") in html
    for dimension in scores["dimensions"]:
        assert format_share(dimension["index"] / 100, "vi") in html
    assert html.count("<svg") >= 3  # dimensions, child units, a question at least
    assert 'role="img"' in html
    for code, group in scores["groups"].items():
        if code != "XA-LECHAN" and not group["suppressed"]:
            assert f'href="?unit={code}"' in html


async def test_child_units_can_be_sorted_without_javascript(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "so.admin")
    response = await client.get(f"/staff/campaigns/{CAMPAIGN}", params={"sort": "index"})
    rows = re.findall(r'<th scope="row"><a href="\?unit=([A-Z0-9-]+)">', response.text)
    scores = await campaign_scores(CAMPAIGN)
    shown = [code for code in rows if not scores["groups"][code]["suppressed"]]
    indices = [scores["groups"][code]["overall"]["index"] for code in shown]
    assert indices == sorted(indices, reverse=True)


async def test_each_figure_says_whether_it_meets_the_85_percent_target(
    client: httpx.AsyncClient, province: None
) -> None:
    """ "Đạt" only when the whole 95 % interval is at 85 % or above, "chưa đạt" only when it
    is wholly below, "chưa rõ" when the interval holds 85 %: a school is never told it met or
    missed the target on noise. The terms are explained where they appear."""
    await sign_in(client, "so.admin")
    response = await client.get(f"/staff/campaigns/{CAMPAIGN}", params={"unit": "XA-LECHAN"})
    scores = await campaign_scores(CAMPAIGN, "XA-LECHAN")
    cells = re.findall(
        r'<th scope="row">([^<]+)</th><td class="num" data-label="Chỉ số">[^<]*</td>\s*'
        r'<td class="num" data-label="KTC 95%">[^<]*</td>\s*'
        r'<td data-label="Mục tiêu 85%">(?:<span class="tag[^"]*">)?([^<]+)',
        response.text,
    )
    assert len(cells) == len(scores["dimensions"])
    for dimension, (_, verdict) in zip(scores["dimensions"], cells, strict=True):
        low, high = dimension["ci"]
        expected = "đạt" if low >= 85 else "chưa đạt" if high < 85 else "chưa rõ"
        assert verdict == expected, (dimension, verdict)
    for term in ("Khoảng tin cậy 95%:", "Hệ số Cronbach alpha", "“Đạt” khi cả khoảng tin cậy"):
        assert term in response.text


async def test_principal_sees_its_school_and_nothing_else(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "ht.th-lc1")
    own = await client.get(f"/staff/campaigns/{CAMPAIGN}")
    assert own.status_code == 200
    assert "Trường Tiểu học Trần Quốc Toản" in own.text
    for unit in ("SO-HP", "XA-LECHAN", "TH-LC2"):
        assert (
            await client.get(f"/staff/campaigns/{CAMPAIGN}", params={"unit": unit})
        ).status_code == 404
        assert (
            await client.get(f"/staff/campaigns/{CAMPAIGN}/monitor", params={"unit": unit})
        ).status_code == 404


async def test_partner_follows_its_own_channel_only(
    client: httpx.AsyncClient, province: None, settings: Settings
) -> None:
    await add_link(CAMPAIGN, "TH-LC1", "partner", PARTNER)
    await sign_in(client, "mttq.lechan")
    assert (await client.get(f"/staff/campaigns/{CAMPAIGN}")).status_code == 403
    monitor = await client.get(f"/api/v1/campaigns/{CAMPAIGN}/progress")
    assert monitor.status_code == 200
    body = monitor.json()
    assert body["unit"]["responses"] == 0  # nothing yet through the partner's own links
    assert set(body["partners"]) <= {PARTNER}
    page = await client.get(f"/staff/campaigns/{CAMPAIGN}/monitor")
    assert page.status_code == 200
    assert "Tài khoản đối tác chỉ thấy" in page.text


async def test_monitoring_counts_add_up(client: httpx.AsyncClient, province: None) -> None:
    await sign_in(client, "so.admin")
    body = (await client.get(f"/api/v1/campaigns/{CAMPAIGN}/progress")).json()
    scores = await campaign_scores(CAMPAIGN)
    assert body["unit"]["responses"] == scores["n"]
    assert sum(child["responses"] for child in body["children"]) == scores["n"]
    assert sum(body["channels"].values()) == scores["n"]
    assert sum(body["days"].values()) == scores["n"]
    page = await client.get(f"/staff/campaigns/{CAMPAIGN}/monitor")
    assert 'data-refresh="30"' in page.text


async def test_a_terminated_database_backend_costs_no_request(
    client: httpx.AsyncClient, province: None, db: Database
) -> None:
    """An administrator (or a failover) ends the pooled connections' backends: the next staff
    read runs again on a fresh connection instead of failing."""
    if db.kind != "postgres":
        pytest.skip("pooled connections are PostgreSQL's")
    await sign_in(client, "so.admin")
    assert (await client.get("/staff/")).status_code == 200
    killer = await asyncpg.connect(db.url)
    try:
        await killer.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        # at once, before the pool has noticed: a dead connection is handed out and retried
        assert [dict(row) for row in await db.engine.run_ddl("SELECT 1 AS one")] == [{"one": 1}]
    finally:
        await killer.close()
    for _ in range(3):
        assert (await client.get("/staff/")).status_code == 200
