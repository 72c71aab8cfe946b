"""The scrubber's second pass (the CRF) runs before a response is published, never after: a
name only the model finds is stored after the fast pass, and gone before anyone can read it
(both engines)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from survey_server.campaigns.services import get_campaign
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.services import list_links
from survey_server.responses import second_pass
from survey_server.responses.tables import Submission
from survey_server.scoring import worker
from survey_server.scoring.services import publish
from survey_server.staff.services import create_user
from tests.conftest import Database
from tests.releases import submit_many
from tests.staff import PASSWORD, sign_in

CAMPAIGN = "HL-PT-2026"
PAGE = f"/staff/campaigns/{CAMPAIGN}/comments"
#: The fast pass keeps "Putin" (no Vietnamese list has it); the CRF reads it as a person.
ONLY_THE_MODEL = "Chiều nay Putin đến thăm lớp, các con rất vui."


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_demo(settings, responses=60)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)


async def _link(unit: str) -> str:
    return next(row["code"] for row in await list_links(CAMPAIGN) if row["unit"] == unit)


async def _post(client: httpx.AsyncClient, link: str, comment: str) -> str:
    response = await client.post(
        "/api/v1/responses",
        json={
            "link": link,
            "submission_id": str(uuid.uuid4()),
            "answers": {"tc1": 4, "gop_y": comment},
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["receipt"]


async def _stored(receipt: str) -> dict:
    return (
        await Submission.select(Submission.answers, Submission.scrubbed, Submission.released_in)
        .where(Submission.receipt == receipt)
        .first()
    )


async def test_a_name_only_the_model_finds_is_gone_before_anyone_reads_it(
    client: httpx.AsyncClient, province: None
) -> None:
    link = await _link("TH-LC1")
    receipt = await _post(client, link, ONLY_THE_MODEL)
    stored = await _stored(receipt)
    assert stored["scrubbed"] == 0 and stored["released_in"] is None
    await submit_many(client, link, 9)
    await sign_in(client, "ht.th-lc1")
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "Putin" not in page.text
    assert "Chiều nay [tên] đến thăm lớp" in page.text
    stored = await _stored(receipt)
    assert stored["scrubbed"] == 1 and stored["released_in"] is not None
    assert "Putin" not in stored["answers"]


async def test_nothing_is_published_before_its_second_pass(
    client: httpx.AsyncClient, province: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def stalled(database_url: str, campaign_id: int, budget: float) -> bool:
        return True  # the child did not get to it (killed, or out of time)

    link = await _link("TH-LC1")
    receipts = [await _post(client, link, f"Góp ý số {n}: {ONLY_THE_MODEL}") for n in range(12)]
    campaign = await get_campaign(CAMPAIGN)
    monkeypatch.setattr(worker, "second_pass_in_child", stalled)
    await publish(campaign)
    assert [(await _stored(r))["released_in"] for r in receipts] == [None] * len(receipts)
    monkeypatch.undo()
    await publish(campaign)
    rows = [await _stored(r) for r in receipts]
    assert all(row["released_in"] is not None and row["scrubbed"] == 1 for row in rows)
    assert not any("Putin" in row["answers"] for row in rows)


async def test_a_text_changed_during_the_pass_is_not_marked(
    client: httpx.AsyncClient, province: None
) -> None:
    """A paper form corrected between the pass's read and its mark keeps waiting: its new text
    has not been read by the model."""
    link = await _link("TH-LC1")
    receipts = [await _post(client, link, f"Góp ý số {n}: lớp học sạch sẽ.") for n in range(3)]
    receipts.append(await _post(client, link, ONLY_THE_MODEL))
    rows = await Submission.raw(
        "SELECT id, answers FROM submission WHERE scrubbed = 0 AND receipt IN ({}, {}, {}, {})",
        *receipts,
    )
    corrected = (await _stored(receipts[0]))["answers"].replace("sạch sẽ", "Putin dạy")
    await Submission.update({Submission.answers: corrected}).where(
        Submission.receipt == receipts[0]
    )
    await second_pass.mark(rows)
    stored = [await _stored(r) for r in receipts]
    assert [row["scrubbed"] for row in stored] == [0, 1, 1, 1]
    assert "Putin dạy" in stored[0]["answers"]  # waits, unread, for the next pass
    assert "Putin" not in stored[3]["answers"]


async def test_a_pass_takes_what_waits_when_it_starts(
    client: httpx.AsyncClient, province: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Responses arriving during a pass wait for the next one, so a steady stream never keeps a
    pass (and the release after it) going until its budget runs out."""
    monkeypatch.setattr(second_pass, "BATCH", 2)
    link = await _link("TH-LC1")
    first = [await _post(client, link, f"Góp ý số {n}: {ONLY_THE_MODEL}") for n in range(4)]
    arrived: list[str] = []
    original = second_pass.mark

    async def marking_while_more_arrive(rows: list[dict]) -> None:
        arrived.append(await _post(client, link, ONLY_THE_MODEL))
        await original(rows)

    monkeypatch.setattr(second_pass, "mark", marking_while_more_arrive)
    campaign = await get_campaign(CAMPAIGN)
    waiting = await Submission.count().where(
        (Submission.campaign == campaign["id"])
        & (Submission.scrubbed == 0)
        & Submission.released_in.is_null()
    )
    assert await second_pass.run(campaign["id"], budget=60.0) is True  # the newcomers wait
    assert [(await _stored(r))["scrubbed"] for r in first] == [1] * 4
    assert len(arrived) == -(-waiting // 2)  # one a batch
    assert [(await _stored(r))["scrubbed"] for r in arrived] == [0] * len(arrived)
    monkeypatch.undo()
    assert await second_pass.run(campaign["id"], budget=60.0) is False
    assert [(await _stored(r))["scrubbed"] for r in arrived] == [1] * len(arrived)
