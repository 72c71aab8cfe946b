"""The workspace in Chromium on a 360 px phone, with the keyboard only: sign in, open a
campaign's dashboard, follow the links to monitoring and comments, sign out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import PhoneFactory
from tests.browser.test_respondent_form import assert_only_local, no_horizontal_scroll
from tests.live import BIN, LiveServer


def answer_a_few(live_server: LiveServer, count: int) -> None:
    """Responses through the real API, so the dashboard has numbers to show."""
    with httpx.Client(base_url=live_server.base_url) as client:
        for i in range(count):
            response = client.post(
                "/api/v1/responses",
                json={
                    "link": live_server.link,
                    "submission_id": str(uuid.uuid4()),
                    "answers": {
                        "tc1": 4 + i % 2,
                        "tc2": 3 + i % 3,
                        "gop_y": "Cô giáo rất tận tâm.",
                    },
                },
            )
            assert response.status_code == 201, response.text


@pytest.mark.browser
async def test_sign_in_to_dashboard_with_the_keyboard(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    answer_a_few(live_server, 12)
    password = (live_server.data_dir / "demo-admin-password").read_text().strip()
    device = await phone()
    page = device.page
    await page.goto(f"{live_server.base_url}/staff/login")
    await no_horizontal_scroll(page)
    await page.keyboard.press("Tab")  # skip link
    await page.keyboard.press("Tab")  # brand link
    await page.keyboard.press("Tab")
    await expect(page.locator("#username")).to_be_focused()
    await page.keyboard.type("admin")
    await page.keyboard.press("Tab")
    await page.keyboard.type(password)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_server.base_url}/staff/")
    await expect(page.locator("h1")).to_have_text("Các đợt khảo sát")
    await no_horizontal_scroll(page)

    await page.get_by_role("link", name="HL-PT-2026").focus()
    await page.keyboard.press("Enter")
    # the first view of a campaign waits for its first scoring: slow on a loaded machine
    await expect(page.locator("h1")).to_contain_text("Khảo sát sự hài lòng", timeout=60_000)
    await expect(page.get_by_role("img").first).to_be_visible()
    await no_horizontal_scroll(page)
    await page.get_by_role("link", name="Theo dõi tiến độ").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_have_text("Theo dõi tiến độ")
    await no_horizontal_scroll(page)
    await page.go_back()
    await page.get_by_role("link", name="Ý kiến", exact=True).focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_have_text("Ý kiến của phụ huynh và người dân")
    await expect(page.locator("article").first).to_contain_text("Cô giáo rất tận tâm.")
    await no_horizontal_scroll(page)

    await page.get_by_role("button", name="Đăng xuất").focus()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_server.base_url}/staff/login")
    await page.goto(f"{live_server.base_url}/staff/")
    await expect(page.locator("h1")).to_have_text("Đăng nhập dành cho cán bộ")
    assert_only_local(device)


@pytest.mark.browser
async def test_a_class_with_one_respondent_shows_nothing_on_the_comments_page(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    """One parent of class 2A answers through the class's Zalo link, with a comment: no view
    of the comments — the class's, its school's or the province's — shows it, its class, or
    anything that points at it (docs/PRIVACY.md: a group under k shows no comment)."""
    env = {
        **os.environ,
        "DATABASE_URL": live_server.database_url,
        "DATA_DIR": str(live_server.data_dir),
    }
    subprocess.run(
        [str(BIN), "links", "create", "HL-PT-2026", "--unit", "TH-LC1-2A", "--channel", "zalo"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    listed = subprocess.run(
        [str(BIN), "links", "list", "--campaign", "HL-PT-2026", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    link = next(row["code"] for row in json.loads(listed) if row["unit"] == "TH-LC1-2A")
    secret = "Con tôi ở lớp 2A bị bạn trêu chọc suốt học kỳ"
    with httpx.Client(base_url=live_server.base_url) as client:
        response = client.post(
            "/api/v1/responses",
            json={
                "link": link,
                "submission_id": str(uuid.uuid4()),
                "answers": {"tc1": 1, "gop_y": secret},
            },
        )
        assert response.status_code == 201, response.text
    password = (live_server.data_dir / "demo-admin-password").read_text().strip()
    device = await phone()
    page = device.page
    await page.goto(f"{live_server.base_url}/staff/login")
    await page.fill("#username", "admin")
    await page.fill("#password", password)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_server.base_url}/staff/")
    for unit in ("TH-LC1-2A", "TH-LC1", "SO-HP"):
        await page.goto(f"{live_server.base_url}/staff/campaigns/HL-PT-2026/comments?unit={unit}")
        await expect(page.locator("h1")).to_have_text("Ý kiến của phụ huynh và người dân")
        text = await page.locator("main").inner_text()
        assert "trêu chọc" not in text
        assert "Lớp 2A ·" not in text  # no comment is shown under the class
        html = await page.content()
        assert not re.search(r'action="/staff/[^"]*/\d+"', html)  # no sequential id
        await no_horizontal_scroll(page)
    assert_only_local(device)
