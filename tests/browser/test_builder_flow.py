"""The questionnaire builder in Chromium on a 360 px phone: build a consultation form from a
template, preview it, publish it, open a campaign on it, answer it through its link and find
the answer counted; and axe-core's WCAG 2.2 AA rules on every builder page, at 360 px and on a
desktop screen (the draft pages exist only once a draft does, so they are checked here)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from survey_server.timekeeping import today
from tests.browser.conftest import PhoneFactory
from tests.browser.test_accessibility import WCAG_AA
from tests.browser.test_respondent_form import assert_only_local, no_horizontal_scroll
from tests.live import LiveServer

SLUG = "y-kien-ban-tru"
CAMPAIGN = "BT-2026"


async def choose_template(page: Page, version: str) -> None:
    option = page.locator("#template option", has_text=f"({version})")
    await page.locator("#template").select_option(await option.get_attribute("value"))


async def _axe(page: Page, url: str) -> list[str]:
    """axe-core's WCAG A/AA violations of ``url``, and sideways scrolling at 360 px."""
    await page.goto(url)
    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    problems = [
        f"{url}: {violation['id']} {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
    ]
    width = await page.evaluate("window.innerWidth")
    if await page.evaluate("document.documentElement.scrollWidth") > width:
        problems.append(f"{url}: wider than {width} px")
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)
async def test_build_preview_publish_and_answer(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    base = live_server.base_url
    password = (live_server.data_dir / "demo-admin-password").read_text().strip()
    office = await phone()
    page = office.page
    await page.goto(f"{base}/staff/login?next=/staff/questionnaires")
    await page.locator("#username").fill("admin")
    await page.locator("#password").fill(password)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{base}/staff/questionnaires")
    await no_horizontal_scroll(page)

    # a draft from the shipped consultation form, under a slug of its own
    await page.get_by_role("link", name="Soạn bảng hỏi mới").click()
    await choose_template(page, "tham-van-day-them@1")
    await page.locator("#template-slug").fill(SLUG)
    await page.get_by_role("button", name="Tạo bản nháp từ bảng hỏi này").click()
    await expect(page.locator("h1")).to_contain_text(SLUG)
    draft = page.url
    await no_horizontal_scroll(page)

    # rename it, keyboard only: the field, then Enter submits its form
    await page.locator("#f-title-vi").fill("Lấy ý kiến phụ huynh về bán trú")
    await page.locator("#f-title-vi").press("Enter")
    await expect(page.locator("#f-title-vi")).to_have_value("Lấy ý kiến phụ huynh về bán trú")
    # a question moved down by keyboard keeps the focus on the moved question
    await page.get_by_role("button", name=re.compile(r"^Xuống [a-z0-9_]+$")).first.focus()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"#f-s0-1$"))
    await expect(page.locator("#f-s0-1")).to_be_focused()

    # the preview: the respondent form in a phone frame, marked, in each language
    frame = page.frame_locator("iframe[title='Xem trước phiếu khảo sát']")
    await expect(frame.locator(".preview-banner")).to_have_text(
        "Xem trước — không ghi nhận câu trả lời"
    )
    await expect(frame.locator("h1")).to_have_text("Lấy ý kiến phụ huynh về bán trú")
    await frame.get_by_role("link", name="English").click()
    await expect(frame.locator("h1")).to_have_text("Parent consultation on extra classes")
    # its form cannot send: the page's policy forbids it, and nothing reaches the server
    preview = await office.context.new_page()
    await preview.goto(f"{draft}/preview")
    await preview.locator("form#survey input[type=radio]").first.check(force=True)
    await preview.get_by_role("button", name="Gửi câu trả lời").click()
    await expect(preview).to_have_url(f"{draft}/preview")
    await preview.close()

    # publish
    await page.get_by_role("button", name="Xuất bản phiên bản mới").click()
    await expect(page).to_have_url(re.compile(r"/staff/questionnaires\?published="))
    await expect(page.get_by_role("status")).to_contain_text(f"{SLUG}@1")

    # a campaign on it, from the campaign form
    day = today("Asia/Ho_Chi_Minh")
    await page.goto(f"{base}/staff/campaigns/new")
    await page.locator("#code").fill(CAMPAIGN)
    await page.locator("#title").fill("Lấy ý kiến về bán trú")
    await page.locator("#questionnaire").select_option(f"{SLUG}@1")
    await page.locator("#unit").fill("TH-LC1")
    await page.locator("#opens").fill(day.isoformat())
    await page.locator("#closes").fill((day + timedelta(days=14)).isoformat())
    await page.locator("#k").fill("5")
    await page.get_by_label("Nhóm Zalo").check()
    await page.get_by_role("button", name="Tạo đợt (bản nháp)").click()
    await expect(page).to_have_url(f"{base}/staff/campaigns/{CAMPAIGN}/distribution")
    await page.get_by_role("button", name="Mở đợt khảo sát").click()
    code = (await page.locator("tbody tr td").nth(1).inner_text()).strip()
    assert re.fullmatch(r"[A-Z0-9]{7}", code), code

    # a parent answers through the link, on another phone
    parent = await phone()
    await parent.page.goto(f"{base}/s/{code}")
    await expect(parent.page.locator("h1")).to_have_text("Lấy ý kiến phụ huynh về bán trú")
    await expect(parent.page.locator(".preview-banner")).to_have_count(0)
    await parent.page.locator("form#survey fieldset.question:visible label").first.click()
    await parent.page.get_by_role("button", name="Gửi câu trả lời").click()
    await expect(parent.page).to_have_url(re.compile(r"/cam-on\?ma="))
    assert_only_local(parent)

    # four more parents through the API: with k = 5 the five answers are published together,
    # and the office's monitoring page counts them
    with httpx.Client(base_url=base) as client:
        for point in (1, 2, 4, 5):
            response = client.post(
                "/api/v1/responses",
                json={"link": code, "submission_id": str(uuid.uuid4()), "answers": {"dy1": point}},
            )
            assert response.status_code == 201, response.text
    await page.goto(f"{base}/staff/campaigns/{CAMPAIGN}/monitor?unit=TH-LC1")
    await expect(page.locator("[data-field=responses]").first).to_have_text("5")
    assert_only_local(office)


@pytest.mark.browser
@pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [360, 1366])
async def test_builder_pages_pass_axe(
    live_server: LiveServer, phone: PhoneFactory, width: int
) -> None:
    base = live_server.base_url
    password = (live_server.data_dir / "demo-admin-password").read_text().strip()
    device = await phone()
    page = device.page
    await page.set_viewport_size({"width": width, "height": 740 if width == 360 else 900})
    await page.goto(f"{base}/staff/login?next=/staff/questionnaires/new")
    await page.locator("#username").fill("admin")
    await page.locator("#password").fill(password)
    await page.keyboard.press("Enter")
    await choose_template(page, "hai-long-pho-thong@1")
    await page.get_by_role("button", name="Tạo bản nháp từ bảng hỏi này").click()
    draft = page.url
    # a draft with problems, so the error summary and the messages next to fields are checked
    await page.locator("#f-title-vi").fill("")
    await page.locator("#f-title-vi").press("Enter")
    await expect(page.locator("#error-summary")).to_be_visible()
    problems: list[str] = []
    for url in (
        "/staff/questionnaires",
        "/staff/questionnaires/new",
        "/staff/questionnaires/import",
        "/staff/questionnaires/hai-long-pho-thong/compare",
        draft,
        f"{draft}/preview",
        f"{draft}/questions/0/0",
        f"{draft}/sections/0/delete",
        f"{draft}/questions/0/0/delete",
        f"{draft}/delete",
    ):
        problems += await _axe(page, url if url.startswith("http") else f"{base}{url}")
    # the preview of a valid draft (the title put back)
    await page.goto(draft)
    await page.locator("#f-title-vi").fill("Khảo sát sự hài lòng")
    await page.locator("#f-title-vi").press("Enter")
    problems += await _axe(page, f"{draft}/preview")
    problems += await _axe(page, f"{draft}/preview?lang=en")
    assert problems == [], "\n".join(problems)
