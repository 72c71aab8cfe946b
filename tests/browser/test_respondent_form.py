"""The respondent form in a real browser: a 360 px phone, with and without JavaScript.

Each test drives Debian's Chromium against a real ``survey-server serve`` (``live_server``, on
SQLite and on PostgreSQL) and checks what was stored by reading the server's database.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, expect

from survey_server.distribution.codes import ALPHABET, RECEIPT_LENGTH
from tests.browser.conftest import Phone, PhoneFactory
from tests.live import BIN, LiveServer

pytestmark = pytest.mark.server

RECEIPT = re.compile(f"^[{ALPHABET}]{{{RECEIPT_LENGTH}}}$")
COMMENT = "Nhà trường nên trồng thêm cây xanh và sửa lại mái che ở sân trường, cảm ơn thầy cô."
#: Scale answers given by clicking their labels (question id -> value), one per section.
SCALES: dict[str, int | str] = {"tc1": 4, "vc2": 5, "mt3": 3, "hd1": 2, "kq5": "na"}
SCREENSHOT = "/tmp/form-360.png"


# --- helpers ------------------------------------------------------------------------------------


async def stored_submissions(server: LiveServer) -> list[dict[str, Any]]:
    """Every row of ``submission`` in the live server's database."""
    query = "SELECT submission_id, receipt, answers FROM submission"
    if server.database_url.startswith("sqlite:"):
        path = server.database_url.removeprefix("sqlite:///")
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [tuple(row) for row in connection.execute(query)]
        finally:
            connection.close()
    else:
        pg = await asyncpg.connect(server.database_url)
        try:
            rows = [tuple(row) for row in await pg.fetch(query)]
        finally:
            await pg.close()
    result = []
    for submission_id, receipt, answers in rows:
        if isinstance(answers, str | bytes):
            answers = json.loads(answers)
        result.append({"submission_id": str(submission_id), "receipt": receipt, "answers": answers})
    return result


async def rows_for(server: LiveServer, submission_id: str) -> list[dict[str, Any]]:
    return [
        row for row in await stored_submissions(server) if row["submission_id"] == submission_id
    ]


def campaign_link(server: LiveServer, campaign: str) -> str:
    """A respondent link code of ``campaign``, read with the server's own CLI."""
    out = subprocess.run(
        [
            str(BIN),
            "links",
            "list",
            "--campaign",
            campaign,
            "--json",
            "--database-url",
            server.database_url,
            "--data-dir",
            str(server.data_dir),
        ],
        env={**os.environ, "DATABASE_URL": server.database_url, "DATA_DIR": str(server.data_dir)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    links = json.loads(out)
    assert links, f"no link for campaign {campaign}"
    return str(links[0]["code"])


async def choose(page: Page, qid: str, value: int | str) -> None:
    """Answer a choice question by tapping the label of the wanted option."""
    label = page.locator(f"#q-{qid} label").filter(has=page.locator(f"input[value='{value}']"))
    await label.click()
    await expect(page.locator(f"#q-{qid} input[value='{value}']")).to_be_checked()


async def fill_demo_answers(page: Page) -> None:
    for qid, value in SCALES.items():
        await choose(page, qid, value)
    await page.locator("#f-gop_y").press_sequentially(COMMENT)
    await expect(page.locator("#f-gop_y")).to_have_value(COMMENT)


def expected_answers() -> dict[str, Any]:
    return {**SCALES, "cap_hoc": "tieu_hoc", "gop_y": COMMENT}  # the level from the link


async def submission_id_of(page: Page) -> str:
    return await page.locator("#survey input[name=submission_id]").input_value()


async def expect_thanks(page: Page, link: str) -> str:
    """Wait for the thank-you page of ``link``; return the receipt it shows (checked against the URL)."""
    await page.wait_for_url(re.compile(rf"/s/{link}/cam-on\?ma=[{ALPHABET}]+"))
    await expect(page.locator("h1")).to_have_text("Cảm ơn ông/bà đã trả lời!")
    receipt = (await page.locator("#receipt").inner_text()).strip()
    assert RECEIPT.match(receipt), receipt
    assert parse_qs(urlsplit(page.url).query)["ma"] == [receipt]
    return receipt


async def assert_stored_once(
    server: LiveServer, submission_id: str, receipt: str
) -> dict[str, Any]:
    rows = await rows_for(server, submission_id)
    assert len(rows) == 1, rows
    assert rows[0]["receipt"] == receipt
    return rows[0]["answers"]


def assert_only_local(phone: Phone) -> None:
    assert phone.requests, "no request was seen"
    assert phone.foreign_requests() == []
    assert phone.page_errors == []


async def no_horizontal_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width} px wide at a 360 px viewport"


# --- the journeys -------------------------------------------------------------------------------


@pytest.mark.browser
async def test_answer_with_javascript(live_server: LiveServer, phone: PhoneFactory) -> None:
    device = await phone()
    page = device.page
    form_url = f"{live_server.base_url}/s/{live_server.link}"
    await page.goto(form_url)

    intro = page.locator("section.intro")
    await expect(intro).to_be_visible()
    await expect(intro).to_contain_text("không hỏi họ tên")
    first_question = page.locator("#survey .question").first
    intro_box, question_box = await intro.bounding_box(), await first_question.bounding_box()
    assert intro_box and question_box
    assert intro_box["y"] + intro_box["height"] <= question_box["y"]
    # the first question and its first answer are on the first screen of a 360 × 740 phone
    first_answer = await first_question.locator("label").first.bounding_box()
    assert first_answer and first_answer["y"] + first_answer["height"] <= 740, first_answer
    # the full notice is one tap away, closed by default
    full = intro.locator("details")
    await expect(full.locator("p").first).to_be_hidden()
    await full.locator("summary").click()
    await expect(full).to_contain_text("không thu thập họ tên")
    await expect(page.locator("h2").filter(has_text="Phần 1/")).to_be_visible()
    # the school level is known from the primary school's link: not asked
    await expect(page.locator("#q-cap_hoc")).to_have_count(0)

    total = await page.locator("#survey .question").count()
    await expect(page.locator("#progress-text")).to_have_text(f"Đã trả lời 0/{total} câu")
    submission_id = await submission_id_of(page)
    before = len(await stored_submissions(live_server))

    await fill_demo_answers(page)
    await expect(page.locator("#progress-text")).to_have_text(f"Đã trả lời 6/{total} câu")
    await page.locator(".submit button").click()
    receipt = await expect_thanks(page, live_server.link)

    assert f"{live_server.base_url}/api/v1/responses" in device.requests  # sent by form.js
    assert await assert_stored_once(live_server, submission_id, receipt) == expected_answers()
    assert len(await stored_submissions(live_server)) == before + 1
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=5) as http:
        assert (await http.get("/healthz")).status_code == 200
    assert_only_local(device)


@pytest.mark.browser
async def test_answer_without_javascript(live_server: LiveServer, phone: PhoneFactory) -> None:
    device = await phone(javascript=False)
    page = device.page
    responses: list[tuple[str, str, int]] = []
    page.on("response", lambda r: responses.append((r.request.method, r.url, r.status)))
    form_url = f"{live_server.base_url}/s/{live_server.link}"
    await page.goto(form_url)

    await expect(page.locator("section.intro")).to_be_visible()
    await expect(page.locator(".progress")).to_be_hidden()  # form.js did not run
    submission_id = await submission_id_of(page)
    before = len(await stored_submissions(live_server))

    await fill_demo_answers(page)
    await page.locator(".submit button").click()
    receipt = await expect_thanks(page, live_server.link)

    assert ("POST", form_url, 303) in responses
    assert not any("/api/v1/responses" in url for url in device.requests)
    assert not any(url.endswith(".js") or ".js?" in url for url in device.requests)
    assert await assert_stored_once(live_server, submission_id, receipt) == expected_answers()
    assert len(await stored_submissions(live_server)) == before + 1
    assert_only_local(device)


@pytest.mark.browser
async def test_too_long_comment_is_reported_next_to_the_question(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    """The server's 422 reaches the page: the message sits under the comment, nothing is stored."""
    device = await phone()
    page = device.page
    form_url = f"{live_server.base_url}/s/{live_server.link}"
    await page.goto(form_url)
    submission_id = await submission_id_of(page)
    await choose(page, "tc1", 4)
    comment = page.locator("#f-gop_y")
    await comment.evaluate("el => el.removeAttribute('maxlength')")
    await comment.fill("Ý kiến " + "x" * 2001)
    api_statuses: list[int] = []
    page.on(
        "response",
        lambda r: api_statuses.append(r.status) if "/api/v1/responses" in r.url else None,
    )
    await page.locator(".submit button").click()

    error = page.locator("#e-gop_y")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("2000")
    await expect(page.locator("#q-gop_y")).to_have_class(re.compile(r"\binvalid\b"))
    await expect(comment).to_have_attribute("aria-invalid", "true")
    await expect(comment).to_be_focused()
    await expect(page.locator("#send-status")).not_to_be_empty()
    assert api_statuses == [422]
    assert page.url == form_url
    assert await rows_for(live_server, submission_id) == []

    await comment.fill(COMMENT)
    await page.locator(".submit button").click()
    receipt = await expect_thanks(page, live_server.link)
    assert (await assert_stored_once(live_server, submission_id, receipt))["gop_y"] == COMMENT
    assert_only_local(device)


@pytest.mark.browser
async def test_too_long_comment_without_javascript(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    """Plain POST: the 422 page lists the error, keeps the answers and the same submission id."""
    device = await phone(javascript=False)
    page = device.page
    form_url = f"{live_server.base_url}/s/{live_server.link}"
    await page.goto(form_url)
    submission_id = await submission_id_of(page)
    await choose(page, "tc1", 4)
    await choose(page, "mt3", 2)
    comment = page.locator("#f-gop_y")
    await comment.evaluate("el => el.removeAttribute('maxlength')")  # the utility world still runs
    await comment.fill("y" * 2001)
    async with page.expect_navigation() as navigation:
        await page.locator(".submit button").click()
    response = await navigation.value
    assert response is not None and response.status == 422

    summary = page.locator("#error-summary")
    await expect(summary).to_be_visible()
    await expect(summary.locator("a[href='#q-gop_y']")).to_contain_text("2000")
    await expect(page.locator("#e-gop_y")).to_be_visible()
    await expect(page.locator("#q-tc1 input[value='4']")).to_be_checked()
    await expect(page.locator("#q-mt3 input[value='2']")).to_be_checked()
    assert await submission_id_of(page) == submission_id
    assert await rows_for(live_server, submission_id) == []

    await page.locator("#f-gop_y").fill(COMMENT)
    await page.locator(".submit button").click()
    receipt = await expect_thanks(page, live_server.link)
    answers = await assert_stored_once(live_server, submission_id, receipt)
    assert answers == {"tc1": 4, "mt3": 2, "cap_hoc": "tieu_hoc", "gop_y": COMMENT}
    assert_only_local(device)


@pytest.mark.browser
async def test_offline_answer_is_queued_and_sent_once(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    device = await phone()
    page, context = device.page, device.context
    await page.goto(f"{live_server.base_url}/s/{live_server.link}")
    submission_id = await submission_id_of(page)
    before = len(await stored_submissions(live_server))
    await fill_demo_answers(page)

    await context.set_offline(True)
    await page.locator(".submit button").click()
    await expect(page.locator("#send-status")).to_contain_text("Chưa có kết nối")
    await in_view(page, "#send-status")
    queue = json.loads(await page.evaluate("localStorage.getItem('langnghe-queue')"))
    assert len(queue) == 1
    assert queue[0]["submission_id"] == submission_id
    # the page keeps what the parent answered; the server adds the level the link gives
    assert queue[0]["answers"] == {**SCALES, "gop_y": COMMENT}
    assert await rows_for(live_server, submission_id) == []

    await context.set_offline(False)
    await announce_online(page)
    receipt = await expect_thanks(page, live_server.link)
    assert json.loads(await page.evaluate("localStorage.getItem('langnghe-queue') || '[]'")) == []
    assert await assert_stored_once(live_server, submission_id, receipt) == expected_answers()
    assert len(await stored_submissions(live_server)) == before + 1
    assert_only_local(device)


async def in_view(page: Page, selector: str) -> None:
    """The element lies wholly inside the phone's screen (740 px high), not below the fold."""
    box = await page.locator(selector).bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 740, f"{selector} at {box}"


@pytest.mark.browser
async def test_an_answer_sent_on_reopening_is_confirmed_in_view(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    """Offline, the parent closes the page; reopened at the top of a new form, the page sends
    the kept answer and says so where the parent is looking, with its receipt code."""
    device = await phone()
    page, context = device.page, device.context
    form_url = f"{live_server.base_url}/s/{live_server.link}"
    await page.goto(form_url)
    await choose(page, "tc1", 5)
    await context.set_offline(True)
    await page.locator(".submit button").click()
    await expect(page.locator("#send-status")).to_contain_text("Chưa có kết nối")
    await page.close()
    await context.set_offline(False)
    page = await context.new_page()
    await page.goto(form_url)
    status = page.locator("#send-status")
    await expect(status).to_contain_text("đã được ghi nhận. Mã biên nhận:")
    await in_view(page, "#send-status")
    assert RECEIPT.match((await status.text_content() or "").rsplit(" ", 1)[1])


@pytest.mark.browser
async def test_tap_targets_are_44_px(live_server: LiveServer, phone: PhoneFactory) -> None:
    """Every control a thumb uses on the form is at least 44 × 44 px."""
    device = await phone()
    page = device.page
    await page.goto(f"{live_server.base_url}/s/{live_server.link}")
    await choose(page, "tc1", 4)  # shows "Bỏ chọn"
    for selector in ("#q-tc1 button.clear", ".top .lang", ".intro summary", "#q-tc1 label"):
        box = await page.locator(selector).first.bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, f"{selector}: {box}"


async def announce_online(page: Page) -> None:
    """Fire ``online`` as a phone does; Chromium may already have fired it and the queued
    answer may already be on its way to the thank-you page, which destroys the old context."""
    try:
        await page.evaluate("window.dispatchEvent(new Event('online'))")
    except PlaywrightError as error:
        if "Execution context was destroyed" not in str(error):
            raise


@pytest.mark.browser
async def test_conditional_questions_follow_their_condition(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    """DT-2026 (tham-van-day-them): follow-up questions appear only when they apply."""
    link = campaign_link(live_server, "DT-2026")
    device = await phone()
    page = device.page
    await page.goto(f"{live_server.base_url}/s/{link}")
    follow_ups = [page.locator(f"#q-{qid}") for qid in ("ly_do", "chi_phi")]
    pressure_form = page.locator("#q-hinh_thuc_ap_luc")

    for question in [*follow_ups, pressure_form]:
        await expect(question).to_be_hidden()
    await choose(page, "so_buoi", "khong_hoc")
    for question in follow_ups:
        await expect(question).to_be_hidden()
    await choose(page, "so_buoi", "b3_4")
    for question in follow_ups:
        await expect(question).to_be_visible()
    await expect(page.locator("#h-chi_phi")).to_be_visible()

    await choose(page, "bi_ap_luc", "false")
    await expect(pressure_form).to_be_hidden()
    await choose(page, "bi_ap_luc", "true")
    await expect(pressure_form).to_be_visible()
    await page.locator("#q-bi_ap_luc button.clear").click()  # "Bỏ chọn"
    await expect(pressure_form).to_be_hidden()

    # The number question checks itself when the respondent leaves it.
    cost = page.locator("#f-chi_phi")
    await cost.fill("khoảng một triệu")
    await cost.blur()
    await expect(page.locator("#e-chi_phi")).to_have_text("Hãy nhập một số.")
    await cost.fill("60000")
    await cost.blur()
    await expect(page.locator("#e-chi_phi")).to_have_text("Số phải nhỏ hơn hoặc bằng 50000.")
    await cost.fill("1.500")  # Vietnamese thousands separator: 1500
    await cost.blur()
    await expect(page.locator("#e-chi_phi")).to_be_hidden()
    await no_horizontal_scroll(page)

    submission_id = await submission_id_of(page)
    await page.locator(".submit button").click()
    receipt = await expect_thanks(page, link)
    answers = await assert_stored_once(live_server, submission_id, receipt)
    assert answers == {"cap_hoc": "tieu_hoc", "so_buoi": "b3_4", "chi_phi": 1500}
    assert_only_local(device)


@pytest.mark.browser
async def test_conditional_questions_without_javascript(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    """Without JS every question shows, with its condition spelled out; answers that do not apply
    are dropped by the server instead of being stored."""
    link = campaign_link(live_server, "DT-2026")
    device = await phone(javascript=False)
    page = device.page
    await page.goto(f"{live_server.base_url}/s/{link}")
    await expect(page.locator("#q-chi_phi")).to_be_visible()
    await expect(page.locator("#h-chi_phi .cond")).to_contain_text("Chỉ trả lời nếu ở câu")
    await expect(page.locator("#h-chi_phi .cond")).to_contain_text("1–2 buổi")
    await expect(page.locator("#q-hinh_thuc_ap_luc")).to_be_visible()

    submission_id = await submission_id_of(page)
    await choose(page, "so_buoi", "khong_hoc")
    await page.locator("#f-chi_phi").fill("1.500")  # does not apply: no extra classes
    await choose(page, "bi_ap_luc", "true")
    await choose(page, "hinh_thuc_ap_luc", "thong_bao_nhom_lop")
    await choose(page, "dy1", 4)
    await page.locator(".submit button").click()
    receipt = await expect_thanks(page, link)
    answers = await assert_stored_once(live_server, submission_id, receipt)
    assert answers == {
        "cap_hoc": "tieu_hoc",  # from the primary school's link
        "so_buoi": "khong_hoc",
        "dy1": 4,
        "bi_ap_luc": True,
        "hinh_thuc_ap_luc": "thong_bao_nhom_lop",
    }
    assert_only_local(device)


@pytest.mark.browser
async def test_form_fits_a_360px_phone(live_server: LiveServer, phone: PhoneFactory) -> None:
    device = await phone()
    page = device.page
    await page.goto(f"{live_server.base_url}/s/{live_server.link}")
    assert await page.evaluate("window.innerWidth") == 360
    await no_horizontal_scroll(page)
    await choose(page, "tc1", 5)
    # The first section, just below the sticky progress bar.
    await page.locator("#s-tiep_can").evaluate(
        "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 64)"
    )
    await page.screenshot(path=SCREENSHOT)
    await no_horizontal_scroll(page)
    await page.locator(".submit button").click()
    await expect_thanks(page, live_server.link)
    await no_horizontal_scroll(page)
    assert_only_local(device)


# --- regressions: a refused queued answer, and an error hidden under the progress bar ----------


@pytest.mark.browser
async def test_refused_queued_answer_is_not_reported_as_pending(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    device = await phone()
    page, context = device.page, device.context
    await page.goto(f"{live_server.base_url}/s/{live_server.link}")
    comment = page.locator("#f-gop_y")
    await comment.evaluate("el => el.removeAttribute('maxlength')")
    await comment.fill("z" * 2001)
    await context.set_offline(True)
    await page.locator(".submit button").click()
    await expect(page.locator("#send-status")).to_contain_text("Chưa có kết nối")

    await context.set_offline(False)
    async with page.expect_response(lambda r: "/api/v1/responses" in r.url) as refused:
        await page.evaluate("window.dispatchEvent(new Event('online'))")
    assert (await refused.value).status == 422
    # the page handles the answer after the response event: wait for it to empty the queue
    await page.wait_for_function(
        "JSON.parse(localStorage.getItem('langnghe-queue') || '[]').length === 0"
    )
    # The answer is gone from the device, so the page must stop promising to send it.
    await expect(page.locator("#send-status")).not_to_contain_text("Chưa có kết nối", timeout=3000)
    await expect(page.locator("#e-gop_y")).to_be_visible(timeout=1000)


@pytest.mark.browser
async def test_question_with_error_is_not_hidden_under_the_progress_bar(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    device = await phone()
    page = device.page
    await page.goto(f"{live_server.base_url}/s/{live_server.link}")
    # A value the server refuses for a question in the middle of the form (stands for any
    # server-side check the page does not make itself, e.g. a required question).
    await page.locator("#q-mt3 input[value='5']").evaluate("el => el.value = '7'")
    await page.locator("#q-mt3 label").nth(4).click()
    await page.locator(".submit button").click()
    await expect(page.locator("#e-mt3")).to_be_visible()
    legend = await page.locator("#q-mt3 legend").bounding_box()
    bar = await page.locator(".progress").bounding_box()
    assert legend and bar
    assert legend["y"] >= bar["y"] + bar["height"], (
        f"question text at y={legend['y']:.0f} is under the progress bar "
        f"(y={bar['y']:.0f}..{bar['y'] + bar['height']:.0f})"
    )
