"""The comments page on a 360 px phone: search, open one comment's form with the keyboard, set
its status, save, and land back on that comment with "Đã lưu." in view — with and without
JavaScript."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PhoneFactory
from tests.browser.test_respondent_form import assert_only_local, no_horizontal_scroll
from tests.live import LiveServer

COMMENTS = "/staff/campaigns/HL-PT-2026/comments"
FEES = [
    "Đề nghị nhà trường giảm học phí cho con hộ nghèo.",
    "Học phí bán trú năm nay tăng quá cao so với năm trước.",
    "Xin công khai học phí và các khoản thu ở bảng tin của trường.",
    "Học phí tiếng Anh tự chọn nên thu theo tháng thay vì theo học kỳ.",
    "Nhà trường cần giải thích rõ vì sao học phí ăn trưa tăng.",
    "Phụ huynh mong được đóng học phí qua ngân hàng cho tiện.",
]
OTHERS = [
    "Cô giáo chủ nhiệm rất tận tâm với các cháu.",
    "Sân trường thiếu bóng mát, các cháu ra chơi rất nắng.",
    "Cổng trường giờ tan học rất đông, đề nghị có người hướng dẫn giao thông.",
    "Nhà vệ sinh của khối lớp một cần sửa vòi nước.",
    "Thư viện nên mở cửa cả giờ ra chơi.",
    "Bữa ăn bán trú cần thêm rau xanh.",
]


def answer_with_comments(live_server: LiveServer) -> None:
    """Twelve responses through the real API, each with a comment: one release of them."""
    with httpx.Client(base_url=live_server.base_url) as client:
        for i, comment in enumerate(FEES + OTHERS):
            response = client.post(
                "/api/v1/responses",
                json={
                    "link": live_server.link,
                    "submission_id": str(uuid.uuid4()),
                    "answers": {"tc1": 2 + i % 3, "gop_y": f"{comment}\nCảm ơn nhà trường."},
                },
            )
            assert response.status_code == 201, response.text


async def sign_in(page: Page, live_server: LiveServer) -> None:
    password = (live_server.data_dir / "demo-admin-password").read_text().strip()
    await page.goto(f"{live_server.base_url}/staff/login")
    await page.fill("#username", "admin")
    await page.fill("#password", password)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_server.base_url}/staff/")


async def search_open_and_save(
    page: Page, live_server: LiveServer, status: str, label: str
) -> None:
    """Search "hoc phi", open the last comment's form with the keyboard, set ``status``, save;
    the page comes back to that comment, saved, with the search kept."""
    # the first view of a campaign waits for its first scoring: slow on a loaded machine
    await page.goto(f"{live_server.base_url}{COMMENTS}", timeout=60_000)
    await expect(page.locator("h1")).to_have_text("Ý kiến của phụ huynh và người dân")
    await no_horizontal_scroll(page)

    await page.get_by_label("Tìm trong nội dung ý kiến").focus()
    await page.keyboard.type("hoc phi")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"[?&]q=hoc\+phi"))
    articles = page.locator("main article")
    await expect(articles).to_have_count(len(FEES))
    for article in await articles.all():
        await expect(article).to_contain_text(re.compile("học phí", re.I))
        await expect(article.get_by_role("heading", level=2)).to_be_visible()
        await expect(article.locator("details")).not_to_have_attribute("open", "")
    await expect(page.get_by_label("Tìm trong nội dung ý kiến")).to_have_value("hoc phi")
    await no_horizontal_scroll(page)

    last = articles.last
    ref = (await last.get_attribute("id") or "")[1:]
    summary = last.locator("summary")
    await expect(summary).to_have_text("Phân loại, trả lời")
    await summary.focus()
    await page.keyboard.press("Enter")
    await expect(last.locator("details")).to_have_attribute("open", "")
    await page.keyboard.press("Tab")
    await expect(last.get_by_label("Loại ý kiến")).to_be_focused()
    await page.keyboard.press("Tab")
    chosen = last.get_by_label("Tình trạng")
    await expect(chosen).to_be_focused()
    await chosen.select_option(status)
    await page.keyboard.press("Tab")
    await expect(last.locator("textarea")).to_be_focused()
    await page.keyboard.type("Nhà trường sẽ trả lời tại buổi họp phụ huynh.")
    await page.keyboard.press("Tab")
    await expect(last.get_by_role("button", name="Lưu")).to_be_focused()
    await no_horizontal_scroll(page)
    await page.keyboard.press("Enter")

    await expect(page).to_have_url(re.compile(rf"saved={ref}#c{ref}$"))
    assert "q=hoc+phi" in page.url
    saved = page.locator(f"#c{ref}")
    message = saved.get_by_role("status")
    await expect(message).to_have_text("Đã lưu.")
    await expect(message).to_be_in_viewport()
    await expect(saved.locator(".case")).to_contain_text(label)
    await expect(saved.locator(".reply")).to_contain_text("trả lời tại buổi họp phụ huynh.")
    await expect(page.get_by_role("status")).to_have_count(1)
    await expect(articles).to_have_count(len(FEES))  # the same search
    await expect(page.get_by_label("Tìm trong nội dung ý kiến")).to_have_value("hoc phi")
    assert await page.evaluate("window.scrollY") > 0  # down the page, at that comment
    await no_horizontal_scroll(page)


@pytest.mark.browser
@pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)
async def test_search_and_answer_a_comment_on_a_phone(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    answer_with_comments(live_server)
    device = await phone()
    await sign_in(device.page, live_server)
    await search_open_and_save(device.page, live_server, "dang", "Đang giải quyết")
    assert device.page_errors == []
    assert_only_local(device)

    plain = await phone(javascript=False)
    await sign_in(plain.page, live_server)
    await search_open_and_save(plain.page, live_server, "da", "Đã giải quyết")
    assert_only_local(plain)
