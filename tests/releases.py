"""Test helpers for the release rule: responses reach results only in releases of at least k
(``scoring.releases``), so a test that reads results first makes the release it needs."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx

from survey_server.campaigns.services import get_campaign, set_status
from survey_server.config import Settings
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.scoring.services import publish


async def close_and_publish(code: str) -> None:
    """End the campaign and make its releases: leftovers pooled upwards, as after a close."""
    await set_status(code, "closed")
    await publish(await get_campaign(code))


async def submit_many(
    client: httpx.AsyncClient, link: str, count: int, answers: dict[str, Any] | None = None
) -> list[str]:
    """``count`` responses through ``link`` (by default one scale answer each); their receipts."""
    receipts = []
    for _ in range(count):
        response = await client.post(
            "/api/v1/responses",
            json={
                "link": link,
                "submission_id": str(uuid.uuid4()),
                "answers": answers if answers is not None else {"tc1": 3},
            },
        )
        assert response.status_code == 201, response.text
        receipts.append(response.json()["receipt"])
    return receipts


async def meeting_answers(settings: Settings, campaign: str, units: list[str], count: int) -> None:
    """``count`` responses through the parents' meeting QR posters of ``units`` (a real school's
    busiest channel): enough of one channel at a school for releases while the campaign runs."""
    await add_synthetic_responses(
        settings, count, random.Random(count), campaign=campaign, units=units, channel="qr_meeting"
    )
