"""Hostile files uploaded by a signed-in principal or office: each is refused with a message in
Vietnamese (4xx), nothing is stored, and the server keeps answering while it is read — the
reading happens in a bounded child process (``survey_server.bounded``). Both engines. How long
each takes and what memory it costs is measured by ``bench/hostile.py``, not asserted here."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.responses.tables import Submission
from survey_server.staff.services import create_user
from tests.conftest import Database
from tests.hostile import HOSTILE_DOCUMENTS, HOSTILE_TABLES
from tests.staff import PASSWORD, csrf_of, sign_in

CAMPAIGN = "HL-PT-2026"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    return settings


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


async def while_answering(client: httpx.AsyncClient, upload: asyncio.Task) -> int:
    """Ask /healthz again and again while ``upload`` runs; how many times it answered 200."""
    answered = 0
    while not upload.done():
        if (await client.get("/healthz")).status_code == 200:
            answered += 1
        await asyncio.sleep(0.05)
    return answered


@pytest.mark.parametrize("hostile", sorted(HOSTILE_TABLES))
async def test_a_hostile_spreadsheet_is_refused_and_stalls_nothing(
    client: httpx.AsyncClient, province: Settings, hostile: str
) -> None:
    data, name = HOSTILE_TABLES[hostile]()
    await sign_in(client, "ht.th-lc1")
    token = csrf_of((await client.get(f"/staff/campaigns/{CAMPAIGN}/paper")).text)
    before = rss_mb()
    upload = asyncio.create_task(
        client.post(
            f"/staff/campaigns/{CAMPAIGN}/import",
            data={"csrf": token, "unit": "TH-LC1"},
            files={"file": (name, data, "application/octet-stream")},
        )
    )
    answered = await while_answering(client, upload)
    response = upload.result()
    assert response.status_code == 422, response.text[:300]
    assert "chưa nhập phiếu nào" in response.text
    assert await Submission.count() == 0
    assert answered >= 1
    assert rss_mb() - before < 300 + len(data) / 2**20 * 4  # the parse was someone else's


@pytest.mark.parametrize("hostile", sorted(HOSTILE_DOCUMENTS))
async def test_a_hostile_draft_is_refused_with_a_message(
    client: httpx.AsyncClient, province: Settings, hostile: str
) -> None:
    data, name = HOSTILE_DOCUMENTS[hostile]()
    await sign_in(client, "so.admin")
    token = csrf_of((await client.get("/staff/reports")).text)
    response = await client.post(
        "/staff/reports",
        data={"csrf": token, "unit": "SO-HP", "campaign": CAMPAIGN},
        files={"into": (name, data, DOCX)},
    )
    assert response.status_code == 422, response.text[:300]
    assert "không phải là tệp Word" in response.text or "quá nhiều" in response.text
