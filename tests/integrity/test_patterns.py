"""A school whose published answers repeat one vector far beyond the other schools' is pointed
out on the dashboard and in the report; the demo's honest schools are not (both engines)."""

from __future__ import annotations

import random
import uuid

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.integrity.services import pattern_findings
from survey_server.scoring.services import EVERY_RESPONSE, campaign_scores
from survey_server.staff.services import create_user
from tests.conftest import Database
from tests.integrity.test_burst_flags import SCALES, link_of
from tests.staff import PASSWORD, sign_in

CAMPAIGN = "HL-PT-2026"


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings)
    await add_synthetic_responses(settings, 1200, random.Random(5), campaign=CAMPAIGN)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    return settings


async def test_identical_answers_at_one_school_are_pointed_out(
    client: httpx.AsyncClient, province: Settings
) -> None:
    honest = await campaign_scores(CAMPAIGN, "SO-HP", wait=EVERY_RESPONSE)
    assert await pattern_findings(honest) == []  # the demo's schools differ, none is flagged

    links = [await link_of("TH-LC1", channel) for channel in ("qr_meeting", "zalo")]
    for number in range(80):  # spread so the arrival watcher lets it by: the answers betray it
        response = await client.post(
            "/api/v1/responses",
            json={
                "link": links[number % 2]["code"],
                "submission_id": str(uuid.uuid4()),
                "answers": dict.fromkeys(SCALES, 5),
            },
        )
        assert response.status_code == 201
    view = await campaign_scores(CAMPAIGN, "SO-HP", wait=EVERY_RESPONSE)
    found = await pattern_findings(view)
    assert {(item["code"], item["kind"]) for item in found} >= {("TH-LC1", "identical")}
    flag = next(item for item in found if item["kind"] == "identical")
    assert flag["observed"] >= 80 and flag["expected"] < flag["observed"] / 4

    await sign_in(client, "so.admin")
    page = await client.get(f"/staff/campaigns/{CAMPAIGN}", params={"unit": "XA-LECHAN"})
    assert "Trường Tiểu học Trần Quốc Toản:" in page.text and "giống hệt nhau" in page.text
    report = await client.get(
        "/api/v1/reports", params={"campaign": CAMPAIGN, "format": "md", "unit": "XA-LECHAN"}
    )
    assert report.status_code == 200
    assert "Trần Quốc Toản có tỷ lệ phiếu giống hệt nhau" in report.text
