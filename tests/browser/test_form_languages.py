"""A form in Khmer on a 360 px phone: the picker, the conditions evaluated by the script exactly
as the server does, and axe's WCAG 2.2 AA rules (texts in another language marked as such)."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from survey_server.timekeeping import today
from tests.browser.conftest import PhoneFactory
from tests.browser.test_accessibility import WCAG_AA
from tests.browser.test_respondent_form import (
    campaign_link,
    choose,
    no_horizontal_scroll,
    stored_submissions,
)
from tests.conftest import FIXTURES
from tests.live import BIN, LiveServer


def open_multilingual_campaign(server: LiveServer) -> str:
    """Load the four-language questionnaire and open a campaign on it with the server's CLI."""
    env = {**os.environ, "DATABASE_URL": server.database_url, "DATA_DIR": str(server.data_dir)}
    day = today("Asia/Ho_Chi_Minh")
    commands = [
        ["questionnaires", "load", str(FIXTURES / "questionnaires" / "nhieu-ngon-ngu.yaml")],
        [
            "campaigns",
            "create",
            "NN-2026",
            "--questionnaire",
            "nhieu-ngon-ngu",
            "--unit",
            "TH-LC1",
            "--title",
            "Giờ đón học sinh",
            "--opens",
            str(day - timedelta(days=1)),
            "--closes",
            str(day + timedelta(days=20)),
        ],
    ]
    for command in commands:
        subprocess.run([str(BIN), *command], env=env, check=True, capture_output=True, timeout=60)
    return campaign_link(server, "NN-2026")


@pytest.mark.browser
@pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)
async def test_a_khmer_respondent_sees_conditions_follow_the_answers(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    link = open_multilingual_campaign(live_server)
    page = (await phone()).page
    await page.goto(f"{live_server.base_url}/s/{link}")
    await page.get_by_role("navigation", name="Ngôn ngữ").get_by_role("link", name="ខ្មែរ").click()
    await expect(page.locator("h1")).to_have_text("ការពិគ្រោះយោបល់អំពីម៉ោងទទួលសិស្ស")
    comment = page.locator("#q-ly_do")
    await expect(comment).to_be_hidden()
    await choose(page, "gio", "khac")
    await expect(comment).to_be_visible()
    await choose(page, "gio", "som")
    await expect(comment).to_be_hidden()
    await choose(page, "ban_tru", "false")
    await expect(comment).to_be_hidden()  # "not 16:30" fails
    await choose(page, "gio", "muon")
    await expect(comment).to_be_visible()  # no lunch and not 16:30
    await no_horizontal_scroll(page)
    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert results.response["violations"] == []
    await page.locator("#f-ly_do").fill("Bố mẹ đi làm về muộn")
    await page.get_by_role("button", name="Gửi câu trả lời").click()
    await page.wait_for_url(f"**/s/{link}/cam-on?ma=*")
    stored = [row["answers"] for row in await stored_submissions(live_server)]
    assert {"ban_tru": False, "gio": "muon", "ly_do": "Bố mẹ đi làm về muộn"} in stored
