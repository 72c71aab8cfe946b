"""A new installation on a 360 px phone: the first administrator is made from the code in the
server's log, the setup page passes axe, and then the workspace opens."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from tests.browser.conftest import PhoneFactory
from tests.browser.test_accessibility import WCAG_AA
from tests.live import BIN, _env, start
from tests.staff import PASSWORD


@pytest.mark.browser
async def test_a_new_installation_gets_its_administrator_in_the_browser(
    tmp_path: Path, phone: PhoneFactory
) -> None:
    url = f"sqlite:///{tmp_path / 'moi.db'}"
    subprocess.run(
        [str(BIN), "migrate"], env=_env(url, tmp_path, 8000), check=True, capture_output=True
    )
    server = start(url, tmp_path, link="")
    try:
        code = re.search(r"mã thiết lập (\S+)", server.log.read_text()).group(1)
        page = (await phone()).page
        await page.goto(f"{server.base_url}/staff/setup")
        results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        assert results.response["violations"] == []
        await page.get_by_label("Mã thiết lập").fill(code)
        await page.get_by_label("Mã đơn vị gốc").fill("SO-CT")
        await page.get_by_label("Tên đơn vị gốc").fill("Sở Giáo dục và Đào tạo thành phố Cần Thơ")
        await page.get_by_label("Tên đăng nhập của quản trị viên").fill("so.admin")
        await page.get_by_label("Mật khẩu (ít nhất 10 ký tự)").fill(PASSWORD)
        await page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
        await page.get_by_role("button", name="Tạo tài khoản quản trị").click()
        await page.wait_for_url("**/staff/login?setup=1")
        await page.get_by_label("Tên đăng nhập").fill("so.admin")
        await page.get_by_label("Mật khẩu").fill(PASSWORD)
        await page.get_by_role("button", name="Đăng nhập").click()
        await expect(
            page.get_by_text("Sở Giáo dục và Đào tạo thành phố Cần Thơ").first
        ).to_be_visible()
        gone = await page.goto(f"{server.base_url}/staff/setup")
        assert gone is not None and gone.status == 404
    finally:
        server.stop()
