"""Paper under a second pair of eyes: what a school types or imports itself counts only once an
office above it or a partner approves the batch; every batch is traceable; forms of different
schools never collide (both engines)."""

from __future__ import annotations

import json

import httpx
import pytest

from survey_server.campaigns.services import get_campaign, set_status
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.paper.tables import PaperBatch
from survey_server.responses.tables import Submission
from survey_server.scoring.services import publish
from survey_server.staff.services import create_user
from survey_server.staff.tables import AuditEvent
from tests.conftest import Database
from tests.staff import PASSWORD, csrf_of, sign_in

CAMPAIGN = "HL-PT-2026"
BASE = f"/staff/campaigns/{CAMPAIGN}"
PARTNER = "Ủy ban MTTQ phường Lê Chân"


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("ht2.th-lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("ht.th-lc2", "principal", "TH-LC2", PASSWORD)
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await create_user("mttq.lechan", "partner", "XA-LECHAN", PASSWORD, PARTNER)
    return settings


async def as_user(client: httpx.AsyncClient, user: str) -> str:
    """Sign ``user`` in; the CSRF token of its paper page."""
    client.cookies.clear()
    await sign_in(client, user)
    page = await client.get(f"{BASE}/paper")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def type_forms(
    client: httpx.AsyncClient, user: str, unit: str, batch: str, count: int, tc1: str = "5"
) -> None:
    token = await as_user(client, user)
    for number in range(1, count + 1):
        form = {
            "csrf": token, "unit": unit, "batch": batch, "entry_pass": "0",
            "form": f"{number:04d}", "tc1": tc1, "tc2": "5", "cap_hoc": "1",
        }  # fmt: skip
        saved = await client.post(f"{BASE}/entry", data=form)
        assert saved.status_code == 303, saved.text
        assert "%21" not in saved.headers["location"]  # stored, not "typed before"


async def counted() -> int:
    """Responses that may be published: what the numbers can rest on."""
    await publish(await get_campaign(CAMPAIGN))
    return await Submission.count().where(Submission.released_in.is_not_null())


async def only_batch() -> dict[str, object]:
    rows = await PaperBatch.select()
    assert len(rows) == 1
    return rows[0]


async def approve(client: httpx.AsyncClient, user: str, batch_id: object) -> httpx.Response:
    token = await as_user(client, user)
    return await client.post(
        f"{BASE}/paper-batches/{batch_id}/approve", data={"csrf": token, "unit": "TH-LC1"}
    )


async def test_a_principals_forms_wait_until_the_office_above_approves(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await type_forms(client, "ht.th-lc1", "TH-LC1", "LO-01", 12)
    assert await Submission.count().where(Submission.held == 1) == 12
    assert await counted() == 0  # twelve all-5 forms, more than k: none of them counts yet
    batch = await only_batch()
    assert (batch["typist_kind"], batch["forms"], batch["pending"]) == ("school", 12, 12)
    assert batch["typed_by"] == "ht.th-lc1" and batch["typed_at"] > 0
    page = await client.get(f"{BASE}/paper")
    assert "chỉ được tính vào kết quả sau khi" in page.text and "Duyệt 12 phiếu" not in page.text

    for user in ("ht.th-lc1", "ht2.th-lc1"):  # the typist, and a colleague of the same school
        refused = await approve(client, user, batch["id"])
        assert refused.status_code == 409, refused.text
        assert "tổ chức khác hoặc cơ quan cấp trên" in refused.text
    outsider = await approve(client, "ht.th-lc2", batch["id"])  # another school cannot reach it
    assert outsider.status_code == 404
    assert await Submission.count().where(Submission.held == 1) == 12

    page = await client.get(f"{BASE}/paper")  # still signed in as ht.th-lc2
    client.cookies.clear()
    await sign_in(client, "pgd.lechan")
    page = await client.get(f"{BASE}/paper")
    assert "Duyệt 12 phiếu" in page.text
    done = await approve(client, "pgd.lechan", batch["id"])
    assert done.status_code == 200 and "12 phiếu được tính" in done.text
    assert await counted() == 12
    batch = await only_batch()
    assert (batch["pending"], batch["approved_by"]) == (0, "pgd.lechan")
    audit = await AuditEvent.select().where(AuditEvent.action == "paper.approve")
    assert [json.loads(row["detail"])["counted"] for row in audit] == [12]


async def test_an_import_by_the_school_waits_and_a_partner_may_approve_it(
    client: httpx.AsyncClient, province: Settings
) -> None:
    token = await as_user(client, "ht.th-lc1")
    rows = "unit,tc1,tc2\n" + "TH-LC1,5,5\n" * 11
    imported = await client.post(
        f"{BASE}/import",
        data={"csrf": token, "unit": "TH-LC1", "partner": PARTNER},
        files={"file": ("danh-sach-nguyen-van-an.csv", rows.encode(), "text/csv")},
    )
    assert imported.status_code == 200, imported.text
    batch = await only_batch()
    assert batch["source"] == "import" and batch["pending"] == 11
    assert batch["partner"] is None  # a school cannot file its typing under a partner's name
    assert batch["name"].startswith("TEP-") and "nguyen" not in batch["name"].lower()
    assert await counted() == 0
    done = await approve(client, "mttq.lechan", batch["id"])
    assert done.status_code == 200
    assert await counted() == 11


async def test_an_office_or_a_partner_types_forms_that_count_at_once(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await type_forms(client, "pgd.lechan", "TH-LC1", "LO-01", 10)
    assert await Submission.count().where(Submission.held == 1) == 0
    assert await counted() == 10
    assert (await only_batch())["typist_kind"] == "office"


async def test_approval_after_the_close_is_refused(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await type_forms(client, "ht.th-lc1", "TH-LC1", "LO-01", 3)
    batch = await only_batch()
    await set_status(CAMPAIGN, "closed")
    refused = await approve(client, "pgd.lechan", batch["id"])
    assert refused.status_code == 409 and "đã kết thúc" in refused.text
    assert await Submission.count().where(Submission.held == 1) == 3


async def test_two_schools_typing_the_same_batch_and_form_numbers_keep_both(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await type_forms(client, "ht.th-lc1", "TH-LC1", "LO1", 3, tc1="5")
    await type_forms(client, "ht.th-lc2", "TH-LC2", "LO1", 3, tc1="1")
    rows = await Submission.select(Submission.unit.code.as_alias("unit"), Submission.answers)
    assert sorted(row["unit"] for row in rows) == ["TH-LC1"] * 3 + ["TH-LC2"] * 3
    # the office typing the same numbers for the same school keeps them apart from the school's
    await type_forms(client, "pgd.lechan", "TH-LC1", "LO1", 3)
    assert await Submission.count() == 9
    assert await PaperBatch.count() == 3
