"""Comments: read by theme inside the scope, escaped, classified and answered; the respondent
reads the answer with the receipt code (both engines)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.services import list_links
from survey_server.staff.services import create_user
from survey_server.staff.tables import FeedbackCase
from tests.conftest import Database
from tests.releases import submit_many
from tests.staff import PASSWORD, csrf_of, sign_in

CAMPAIGN = "HL-PT-2026"
PAGE = f"/staff/campaigns/{CAMPAIGN}/comments"
ATTACK = "<script>alert(1)</script> Đề nghị nhà trường sửa nhà vệ sinh, gọi 0912 345 678"


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_demo(settings, responses=300)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("ht.th-lc2", "principal", "TH-LC2", PASSWORD)
    await create_user("mttq.lechan", "partner", "XA-LECHAN", PASSWORD, "Ủy ban MTTQ phường Lê Chân")


async def submit(client: httpx.AsyncClient, unit: str, comment: str) -> str:
    link = next(row["code"] for row in await list_links(CAMPAIGN) if row["unit"] == unit)
    response = await client.post(
        "/api/v1/responses",
        json={
            "link": link,
            "submission_id": str(uuid.uuid4()),
            "answers": {"tc1": 2, "gop_y": comment},
        },
    )
    assert response.status_code == 201, response.text
    await submit_many(client, link, 9)  # a comment is shown once its release holds k = 10
    return response.json()["receipt"]


async def test_comments_are_escaped_scrubbed_and_themed(
    client: httpx.AsyncClient, province: None
) -> None:
    await submit(client, "TH-LC1", ATTACK)
    await sign_in(client, "ht.th-lc1")
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "0912 345 678" not in page.text and "[số điện thoại]" in page.text
    facilities = await client.get(PAGE, params={"theme": "co_so_vat_chat"})
    assert "sửa nhà vệ sinh" in facilities.text
    assert "Trường Tiểu học Lê Văn Tám" not in page.text  # another school's comments


async def test_a_reply_reaches_the_receipt_holder(
    client: httpx.AsyncClient, province: None
) -> None:
    receipt = await submit(client, "TH-LC1", "Đề nghị công khai các khoản thu đầu năm ở bảng tin.")
    before = await client.get("/theo-doi", params={"ma": receipt})
    assert before.status_code == 200 and "chưa có trả lời" in before.text
    await sign_in(client, "ht.th-lc1")
    page = await client.get(PAGE)
    card = next(
        c
        for c in re.findall(r"<article.*?</article>", page.text, re.S)
        if "đầu năm ở bảng tin" in c
    )
    ref = re.search(r'id="c([0-9a-f]+)"', card).group(1)
    refused = await client.post(f"{PAGE}/{ref}", data={"kind": "kien_nghi", "status": "da"})
    assert refused.status_code == 403
    saved = await client.post(
        f"{PAGE}/{ref}",
        data={
            "csrf": csrf_of(page.text),
            "kind": "kien_nghi",
            "status": "da",
            "reply": "Nhà trường đã niêm yết các khoản thu tại bảng tin.",
            "back": PAGE,
        },
    )
    assert saved.status_code == 303
    after = await client.get("/theo-doi", params={"ma": receipt})
    assert "Đã giải quyết" in after.text and "Kiến nghị" in after.text
    assert "đã niêm yết các khoản thu" in after.text
    kinds = await client.get(PAGE, params={"kind": "kien_nghi"})
    assert "công khai các khoản thu" in kinds.text


async def test_outside_the_scope_comments_cannot_be_touched(
    client: httpx.AsyncClient, province: None
) -> None:
    await submit(client, "TH-LC1", "Cô giáo chủ nhiệm rất tận tâm.")
    await sign_in(client, "ht.th-lc1")
    own = await client.get(PAGE)
    ref = re.search(r'id="c([0-9a-f]+)"', own.text).group(1)
    client.cookies.clear()
    await sign_in(client, "ht.th-lc2")
    other = await client.get(PAGE)
    response = await client.post(
        f"{PAGE}/{ref}",
        data={"csrf": csrf_of(other.text), "kind": "phan_anh", "status": "dang", "reply": "x"},
    )
    assert response.status_code == 404
    assert await FeedbackCase.count() == 0
    client.cookies.clear()
    await sign_in(client, "mttq.lechan")
    assert (await client.get(PAGE)).status_code == 404


async def test_unknown_receipt(client: httpx.AsyncClient, province: None) -> None:
    response = await client.get("/theo-doi", params={"ma": "KHONGCO123"})
    assert response.status_code == 404
    assert "Không tìm thấy mã biên nhận" in response.text
    assert (await client.get("/theo-doi")).status_code == 200
