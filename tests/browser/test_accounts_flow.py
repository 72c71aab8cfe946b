"""A principal's first sign-in on a 360 px phone, with the keyboard only: the one-time code
from the printed sheet as password, the forced choice of a new password, then the home page."""

from __future__ import annotations

import os
import subprocess

import pytest
from playwright.async_api import expect

from tests.browser.conftest import PhoneFactory
from tests.browser.test_respondent_form import no_horizontal_scroll
from tests.live import BIN, LiveServer
from tests.server.test_accounts import codes_of, pdf_text

NEW_PASSWORD = "hoa-sen-no-trong-dam-2027"


def issue_codes(live_server: LiveServer, unit: str) -> dict[str, str]:
    """The sheet of codes for the schools of ``unit``, made by the command line."""
    sheet = live_server.data_dir / f"ma-{unit}.pdf"
    subprocess.run(
        [str(BIN), "users", "bulk-create", "--unit", unit, "-o", str(sheet)],
        env={
            **os.environ,
            "DATABASE_URL": live_server.database_url,
            "DATA_DIR": str(live_server.data_dir),
        },
        check=True,
        capture_output=True,
        timeout=120,
    )
    return codes_of(pdf_text(sheet.read_bytes()))


@pytest.mark.browser
async def test_first_sign_in_with_a_code_then_a_new_password(
    live_server: LiveServer, phone: PhoneFactory
) -> None:
    code = issue_codes(live_server, "TH-LC2")["ht.th-lc2"]
    device = await phone()
    page = device.page
    await page.goto(f"{live_server.base_url}/staff/login")
    await page.locator("#username").focus()
    await page.keyboard.type("ht.th-lc2")
    await page.keyboard.press("Tab")
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_server.base_url}/staff/password")
    await expect(page.locator("h1")).to_have_text("Đặt mật khẩu mới")
    await no_horizontal_scroll(page)
    await page.goto(f"{live_server.base_url}/staff/")  # any other page leads back here
    await expect(page).to_have_url(f"{live_server.base_url}/staff/password")
    await page.locator("#new").focus()
    await page.keyboard.type(code.replace(" ", ""))
    await page.keyboard.press("Tab")
    await page.keyboard.type(code.replace(" ", ""))
    await page.keyboard.press("Enter")
    await expect(page.locator("p.message.error")).to_contain_text("trùng mã")
    await page.locator("#new").focus()
    await page.keyboard.type(NEW_PASSWORD)
    await page.keyboard.press("Tab")
    await page.keyboard.type(NEW_PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_server.base_url}/staff/")
    await expect(page.locator("h1")).to_have_text("Các đợt khảo sát")
    await no_horizontal_scroll(page)
    assert code not in await page.content()
    assert device.page_errors == []
