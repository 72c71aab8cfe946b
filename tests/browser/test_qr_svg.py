"""SVG QR codes, rendered by a real browser, decode back to their URL."""

from __future__ import annotations

import base64

import pytest
import zxingcpp
from PIL import Image

from survey_server.distribution.qr import qr_svg

pytestmark = pytest.mark.browser


async def test_svg_renders_and_decodes(browser, tmp_path) -> None:
    url = "https://khaosat.sogd.example.vn/s/K7M2QXA"
    svg = base64.b64encode(qr_svg(url, width_cm=6)).decode()
    page = await browser.new_page()
    try:
        await page.set_content(
            f'<body style="margin:0;background:#fff"><img id="q" src="data:image/svg+xml;base64,{svg}"></body>'
        )
        await page.wait_for_function("document.getElementById('q').complete")
        shot = tmp_path / "svg.png"
        await page.locator("#q").screenshot(path=str(shot))
    finally:
        await page.close()
    image = Image.open(shot)
    assert image.width > 150  # 6 cm at CSS 96 dpi ≈ 227 px
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [url]
