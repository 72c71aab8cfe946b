"""Typing a stack of paper forms with the keyboard alone, on a 360 px phone in Chromium:
each one-digit answer moves on to the next box, a bad digit is marked before sending, and
the saved forms are stored (both engines); no page counts them until they are published."""

from __future__ import annotations

import contextlib
import sqlite3

import asyncpg
import pytest
from playwright.async_api import expect

from survey_server.db.engine import sqlite_path
from tests.browser.conftest import PhoneFactory
from tests.browser.test_respondent_form import assert_only_local, no_horizontal_scroll
from tests.live import LiveServer

SCALE_QUESTIONS = 28  # the phổ thông questionnaire: 27 items and the overall question


@pytest.mark.browser
async def test_a_stack_is_typed_with_the_keyboard(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    password = (live_server.data_dir / "demo-admin-password").read_text().strip()
    device = await phone()
    page = device.page
    await page.goto(f"{live_server.base_url}/staff/login")
    await page.locator("#username").fill("admin")
    await page.locator("#password").fill(password)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_server.base_url}/staff/")
    paper_before = await stored_paper_forms(live_server.database_url)
    await page.goto(
        f"{live_server.base_url}/staff/campaigns/HL-PT-2026/entry"
        "?unit=TH-LC1&batch=LO-TRINH-DUYET&entry_pass=0&form=0001"
    )
    await no_horizontal_scroll(page)
    for number in (1, 2, 3):
        await expect(page.locator("#f-form")).to_be_focused()
        await expect(page.locator("#f-form")).to_have_value(f"{number:04d}")
        await page.keyboard.press("Tab")
        await expect(page.locator("#f-tc1")).to_be_focused()
        await page.keyboard.type("7")  # not on the scale: marked, focus stays
        await expect(page.locator("#f-tc1")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#f-tc1")).to_be_focused()
        await page.keyboard.press("Backspace")
        for _ in range(SCALE_QUESTIONS):
            await page.keyboard.type(str(3 + number % 3))  # moves on by itself
        await page.keyboard.type("1")  # cap_hoc: the first option
        await expect(page.locator("#f-gop_y")).to_be_focused()
        await page.keyboard.type("Đề nghị thêm giờ thể dục.")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await expect(page.locator("#saved")).to_have_text(f"Đã lưu phiếu số {number:04d}.")
    # stored, though no page counts them yet: three are fewer than a release (k = 10)
    assert await stored_paper_forms(live_server.database_url) == paper_before + 3
    assert_only_local(device)


async def stored_paper_forms(database_url: str) -> int:
    """Paper responses stored, read from the database as its administrator would."""
    query = "SELECT COUNT(*) FROM submission WHERE channel = 'paper'"
    if database_url.startswith("sqlite:"):
        with contextlib.closing(sqlite3.connect(sqlite_path(database_url))) as connection:
            return int(connection.execute(query).fetchone()[0])
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval(query))
    finally:
        await connection.close()
