"""``GET /r/{code}``: a unit's aggregate results once its campaign has ended (both engines)."""

from __future__ import annotations

import httpx
import pytest

from survey_server.campaigns.services import set_status
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.services import list_links
from survey_server.i18n import format_share
from survey_server.scoring.services import campaign_scores
from tests.conftest import Database

CAMPAIGN = "HL-PT-2026"


@pytest.fixture
async def links(settings: Settings, db: Database) -> dict[str, str]:
    """Unit code → one respondent link code of the campaign."""
    await prepare_demo(settings, responses=700)
    return {row["unit"]: row["code"] for row in await list_links(CAMPAIGN)}


async def test_results_wait_for_the_end_of_the_campaign(
    client: httpx.AsyncClient, links: dict[str, str]
) -> None:
    response = await client.get(f"/r/{links['TH-LC1']}")
    assert response.status_code == 200
    assert "Kết quả sẽ được công bố tại trang này sau khi đợt khảo sát kết thúc" in response.text
    assert "Chỉ số hài lòng tổng hợp" not in response.text


async def test_results_after_the_end_are_the_scores_with_suppression(
    client: httpx.AsyncClient, links: dict[str, str]
) -> None:
    await set_status(CAMPAIGN, "closed")
    whole = await campaign_scores(CAMPAIGN)
    shown = [c for c, g in whole["groups"].items() if c in links and not g["suppressed"]]
    hidden = [c for c, g in whole["groups"].items() if c in links and g["suppressed"]]
    assert shown and hidden
    page = await client.get(f"/r/{links[shown[0]]}")
    view = await campaign_scores(CAMPAIGN, shown[0])
    assert format_share(view["overall"]["index"] / 100, "vi") in page.text
    assert page.text.count("<svg") == 1
    withheld = await client.get(f"/r/{links[hidden[0]]}")
    assert "không được công bố riêng để không ai bị nhận ra" in withheld.text
    assert "Chỉ số hài lòng tổng hợp:" not in withheld.text


async def test_unknown_code(client: httpx.AsyncClient, links: dict[str, str]) -> None:
    response = await client.get("/r/KHONGCO")
    assert response.status_code == 404
