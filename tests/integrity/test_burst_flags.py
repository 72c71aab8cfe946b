"""One person submitting through a school's public QR link hundreds of times is flagged, held
out of the numbers until the campaign's administrator decides, and nothing about anyone is kept
(both engines; the statistics of the test are in test_arrivals.py and bench/stuffing.py)."""

from __future__ import annotations

import logging
import random
import uuid
from typing import Any

import httpx
import pytest

from survey_server.campaigns.services import get_campaign, set_status
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.tables import Link
from survey_server.integrity.tables import IntegrityFlag
from survey_server.responses.tables import Submission
from survey_server.scoring.services import publish
from survey_server.staff.services import create_user
from survey_server.staff.tables import AuditEvent
from survey_server.timekeeping import today
from tests.conftest import Database
from tests.staff import PASSWORD, csrf_of, sign_in

CAMPAIGN = "HL-PT-2026"
SCALES = [f"tc{i}" for i in range(1, 6)] + [f"vc{i}" for i in range(1, 7)] + ["hai_long_chung"]
STUFFED = 200


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    return settings


async def link_of(unit: str, channel: str = "qr_meeting") -> dict[str, Any]:
    campaign = await get_campaign(CAMPAIGN)
    row = (
        await Link.select(Link.id, Link.code)
        .where(
            (Link.campaign == campaign["id"]) & (Link.unit.code == unit) & (Link.channel == channel)
        )
        .first()
    )
    assert row is not None
    return row


async def send(client: httpx.AsyncClient, code: str, answers: dict[str, Any]) -> None:
    response = await client.post(
        "/api/v1/responses",
        json={"link": code, "submission_id": str(uuid.uuid4()), "answers": answers},
    )
    assert response.status_code == 201, response.text


async def published(link_id: int) -> int:
    await publish(await get_campaign(CAMPAIGN))
    return await Submission.count().where(
        (Submission.link == link_id) & Submission.released_in.is_not_null()
    )


async def decide(
    client: httpx.AsyncClient, flag: int, decision: str, reason: str
) -> httpx.Response:
    page = await client.get(f"/staff/campaigns/{CAMPAIGN}/monitor")
    return await client.post(
        f"/staff/campaigns/{CAMPAIGN}/flags/{flag}",
        data={"csrf": csrf_of(page.text), "decision": decision, "reason": reason},
    )


async def test_a_burst_through_one_link_is_flagged_held_and_decided(
    client: httpx.AsyncClient, province: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rng = random.Random(16)
    school, other = await link_of("TH-LC1"), await link_of("TH-LC2")
    for _ in range(15):  # ordinary parents of another school, the same minutes
        await send(client, other["code"], {q: rng.randint(3, 5) for q in SCALES})
    for _ in range(STUFFED):  # the principal, all fives, as fast as the server answers
        await send(client, school["code"], dict.fromkeys(SCALES, 5))

    flags = await IntegrityFlag.select()
    assert len(flags) == 1, flags
    flag = flags[0]
    assert flag["link"] == school["id"] and flag["status"] == "review"
    assert flag["day"] == today(province.timezone)
    assert flag["expected"] < flag["observed"] <= STUFFED
    # only aggregate facts: a day, two counts and a window; no time, address or response
    assert set(flag) == {
        "id", "campaign", "unit", "link", "day", "kind", "observed", "expected",
        "window_minutes", "status", "reason", "decided_by", "decided_at",
    }  # fmt: skip
    logged = "\n".join(  # what the product logs (not the database driver's own debug lines)
        record.getMessage() for record in caplog.records if record.name.startswith("survey_")
    )
    assert school["code"] not in logged and "integrity" not in logged

    assert await published(other["id"]) == 15  # the other school's parents count
    assert await published(school["id"]) == 0  # held while nobody has looked at it

    client.cookies.clear()
    await sign_in(client, "ht.th-lc1")
    monitor = await client.get(f"/staff/campaigns/{CAMPAIGN}/monitor?unit=TH-LC1")
    assert "Dấu hiệu bất thường" in monitor.text and "Loại khỏi kết quả" not in monitor.text
    assert "cả ngày" not in monitor.text  # the day's running count moves with each arrival
    assert (await decide(client, flag["id"], "kept", "Tôi là hiệu trưởng")).status_code == 403

    client.cookies.clear()
    await sign_in(client, "so.admin")
    monitor = await client.get(f"/staff/campaigns/{CAMPAIGN}/monitor?unit=XA-LECHAN")
    assert "Loại khỏi kết quả" in monitor.text and "cả ngày 200 phiếu" in monitor.text
    short = await decide(client, flag["id"], "excluded", "x")
    assert short.status_code == 409 and "lý do" in short.text
    reason = "Hai trăm phiếu giống hệt nhau trong vài phút qua mã QR của trường"
    assert (await decide(client, flag["id"], "excluded", reason)).status_code == 303
    assert await published(school["id"]) == 0
    assert (await IntegrityFlag.select().first())["decided_by"] == "so.admin"

    assert (
        await decide(client, flag["id"], "kept", "Xem lại: đó là buổi họp toàn trường")
    ).status_code == 303
    assert await published(school["id"]) == STUFFED  # reversed: they count again
    audit = await AuditEvent.select().where(AuditEvent.action == "integrity.decision")
    assert len(audit) == 2

    await set_status(CAMPAIGN, "closed")
    late = await decide(client, flag["id"], "excluded", "Sau khi kết thúc đợt khảo sát")
    assert late.status_code == 409 and "không đang mở" in late.text


async def test_ordinary_arrivals_raise_no_flag(
    client: httpx.AsyncClient, province: Settings
) -> None:
    rng = random.Random(7)
    links = [await link_of(unit) for unit in ("TH-LC1", "TH-LC2", "TH-LC3", "THCS-LC1")]
    for _ in range(25):  # a class meeting's worth at each school, all at once
        for link in links:
            await send(client, link["code"], {q: rng.randint(2, 5) for q in SCALES})
    assert await IntegrityFlag.count() == 0
