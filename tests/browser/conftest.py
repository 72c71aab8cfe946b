"""Browser fixtures: Debian's Chromium driven by Playwright (async API, the session's event loop).

No browser is ever downloaded: Playwright launches ``/usr/bin/chromium``. Without it the browser
tests are skipped, or fail when ``CI=true``. Every page is a 360×740 phone in Vietnamese.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@dataclass
class Phone:
    """One browser context (a phone) and one page, with what the page asked for and broke."""

    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Requests to any host other than the local test server."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and urlsplit(url).hostname != "127.0.0.1"
        ]


PhoneFactory = Callable[..., Awaitable[Phone]]


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[PhoneFactory]:
    """Open a fresh phone-sized context: ``await phone()`` or ``await phone(javascript=False)``."""
    contexts: list[BrowserContext] = []

    async def open_phone(*, javascript: bool = True) -> Phone:
        context = await browser.new_context(**PHONE, java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = await context.new_page()
        opened = Phone(context, page)

        def on_request(request: Request) -> None:
            opened.requests.append(request.url)

        page.on("request", on_request)
        page.on("pageerror", lambda error: opened.page_errors.append(str(error)))
        return opened

    yield open_phone
    for context in contexts:
        await context.close()
