"""Every page passes axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules, on a 360 px phone and a
1366 px screen, in Debian's Chromium; and at 360 px no page scrolls sideways, no chart text is
under 12 px, and no date reads "ngày ngày".

``PAGES`` lists every HTML page of the app by its route: a new page without an entry makes
``test_every_page_is_listed`` fail, so it cannot be added without being checked. axe-core comes
from the ``axe-playwright-python`` package (it bundles ``axe.min.js``); nothing is downloaded.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from survey_server.app import create_app
from survey_server.config import Settings
from tests.browser.test_respondent_form import campaign_link
from tests.live import LiveServer

#: axe-core tags of the WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
C = "/staff/campaigns/HL-PT-2026"
CLOSED = "/staff/campaigns/MC-2026"
#: route → the URLs that show it (``{link}``: a link of HL-PT-2026, ``{closed_link}``: a link of
#: the campaign the test closes, so its results are public). ``None``: signed out.
PAGES: dict[str, list[str]] = {
    "/s": ["/s", "/s?ma=12"],  # with the message for a code of the wrong length
    "/s/{code:str}": ["/s/{link}", "/s/{link}?lang=en"],
    "/s/{code:str}/cam-on": ["/s/{link}/cam-on?ma=ABCDEFGHJK"],
    "/s/cam-on": ["/s/cam-on?ma=ABCDEFGHJK"],
    "/r/{code:str}": ["/r/{link}", "/r/{closed_link}"],
    "/theo-doi": ["/theo-doi", "/theo-doi?ma=ABCDEFGHJK"],
    "/staff/login": ["/staff/login"],
    "/staff": ["/staff/"],
    "/staff/password": ["/staff/password"],
    "/staff/campaigns/new": ["/staff/campaigns/new"],
    "/staff/campaigns/{code:str}": [C, f"{C}?unit=XA-LECHAN", f"{C}?unit=TH-LC1"],
    "/staff/campaigns/{code:str}/close": [f"{C}/close"],
    "/staff/campaigns/{code:str}/reopen": [f"{CLOSED}/reopen"],
    "/staff/campaigns/{code:str}/comments": [f"{C}/comments"],
    "/staff/campaigns/{code:str}/distribution": [f"{C}/distribution"],
    "/staff/campaigns/{code:str}/edit": [f"{C}/edit"],
    "/staff/campaigns/{code:str}/entry": [f"{C}/entry?unit=TH-LC1&batch=AXE&entry_pass=1"],
    "/staff/campaigns/{code:str}/batches/{batch:str}": [f"{C}/batches/AXE?unit=TH-LC1"],
    "/staff/campaigns/{code:str}/monitor": [f"{C}/monitor", f"{C}/monitor?unit=TH-LC1"],
    "/staff/campaigns/{code:str}/paper": [f"{C}/paper"],
    "/staff/letterhead": ["/staff/letterhead", "/staff/letterhead?unit=TH-LC1"],
    "/staff/reports": ["/staff/reports", "/staff/reports?unit=XA-LECHAN&campaign=HL-PT-2026"],
    "/staff/accounts": ["/staff/accounts", "/staff/accounts?q=khong-co&role=staff&active=0"],
    "/staff/accounts/setup": ["/staff/accounts/setup"],
    "/staff/account/{username:str}": ["/staff/account/admin"],
    "/staff/audit": ["/staff/audit"],
    # its sections are the dashboard's (staff/scores_body.html); here, before any import
    "/staff/results": ["/staff/results"],
    "/staff/units": ["/staff/units", "/staff/units?unit=XA-LECHAN&q=le+chan"],
    "/staff/units/edit": ["/staff/units/edit?unit=TH-LC1"],
    "/staff/units/import": ["/staff/units/import"],
    "/staff/units/merge": ["/staff/units/merge?olds=XA-LECHAN"],
    "/staff/units/rename": ["/staff/units/rename?unit=XA-ANLAO"],
    # the builder: drafts are made in tests/browser/test_builder_flow.py, which runs axe on
    # every draft page; here a draft nobody has is "not found" like any other
    "/staff/questionnaires": ["/staff/questionnaires"],
    "/staff/questionnaires/new": ["/staff/questionnaires/new"],
    "/staff/questionnaires/import": ["/staff/questionnaires/import"],
    "/staff/questionnaires/{slug:str}/compare": ["/staff/questionnaires/mot-cua/compare"],
    **{
        f"/staff/questionnaires/drafts/{{draft_id:int}}{tail}": [
            f"/staff/questionnaires/drafts/9{path}"
        ]
        for tail, path in (
            ("", ""),
            ("/preview", "/preview"),
            ("/delete", "/delete"),
            ("/sections/{s:int}/delete", "/sections/0/delete"),
            ("/questions/{s:int}/{q:int}", "/questions/0/0"),
            ("/questions/{s:int}/{q:int}/delete", "/questions/0/0/delete"),
        )
    },
}
#: Routes that answer with something other than a page a person reads.
NOT_PAGES = {
    "/healthz",
    "/schema",
    "/schema/openapi.json",
    "/schema/{path:str}",
    "/static/{file_path:path}",
    "/staff/campaigns/{code:str}/export.csv",
    "/staff/setup",  # exists only before the first administrator: tests/browser/test_first_run.py
    "/staff/campaigns/{code:str}/export.xlsx",
    "/staff/campaigns/{code:str}/paper-template.csv",
    "/staff/campaigns/{code:str}/paper-template.xlsx",
    "/staff/campaigns/{code:str}/paper.pdf",
    "/staff/questionnaires/{slug:str}/{version:int}/export.yaml",
    "/staff/questionnaires/{slug:str}/{version:int}/export.xlsx",
}
#: Pages that answer with an error status and a message a person reads (checked like the others).
STATUS = {"/theo-doi?ma=ABCDEFGHJK": 404, "/s?ma=12": 422}
STATUS |= {url: 404 for route, urls in PAGES.items() if "/drafts/" in route for url in urls}
#: The pages of respondents and the public, read signed out; every other page is a staff page.
PUBLIC = {"/s", "/s/{code:str}", "/s/{code:str}/cam-on", "/s/cam-on", "/r/{code:str}", "/theo-doi"}
PUBLIC |= {"/staff/login"}


def test_every_page_is_listed(tmp_path: Any) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    pages = {
        route.path
        for route in app.routes
        if "GET" in getattr(route, "methods", ())
        and not route.path.startswith("/api/")
        and route.path not in NOT_PAGES
    }
    assert pages == set(PAGES), (pages - set(PAGES), set(PAGES) - pages)


async def sign_in(page: Page, server: LiveServer) -> None:
    password = (server.data_dir / "demo-admin-password").read_text().strip()
    await page.goto(f"{server.base_url}/staff/login")
    await page.locator("#username").fill("admin")
    await page.locator("#password").fill(password)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{server.base_url}/staff/")


async def prepare(page: Page, server: LiveServer) -> None:
    """What some pages need to exist: a batch typed twice over (its first pass), and a closed
    campaign."""
    await page.goto(f"{server.base_url}{C}/entry?unit=TH-LC1&batch=AXE&entry_pass=1&form=0001")
    await page.locator("#f-form").focus()
    await page.keyboard.press("Tab")
    await page.keyboard.type("4" * 28)
    await page.keyboard.type("1")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.locator("#saved")).to_have_text("Đã lưu phiếu số 0001.")
    await page.goto(f"{server.base_url}{CLOSED}/close")
    await page.get_by_role("button", name="Tôi đã hiểu, kết thúc đợt khảo sát").click()
    await expect(page).to_have_url(f"{server.base_url}{CLOSED}/distribution")


async def smallest_chart_text(page: Page) -> float:
    """The smallest rendered size, in CSS pixels, of any text in a chart of the page."""
    return float(
        await page.evaluate(
            """() => Math.min(99, ...Array.from(document.querySelectorAll('svg.chart text'))
                .map(text => {
                    const svg = text.ownerSVGElement;
                    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                    return parseFloat(getComputedStyle(text).fontSize) * scale;
                }))"""
        )
    )


async def check_every_page(browser: Browser, server: LiveServer, width: int) -> list[str]:
    context = await browser.new_context(
        viewport={"width": width, "height": 740 if width == 360 else 900}, locale="vi-VN"
    )
    context.set_default_timeout(60_000)  # a campaign's first view waits for its first scoring
    page = await context.new_page()
    links = {
        "link": server.link,
        "closed_link": campaign_link(server, "MC-2026"),
    }
    problems: list[str] = []
    checked: list[str] = []
    axe = Axe()
    try:
        for signed_in in (False, True):
            if signed_in:
                await sign_in(page, server)
                if width == 360:
                    await prepare(page, server)
            for route, urls in PAGES.items():
                if (route in PUBLIC) == signed_in:
                    continue
                for template in urls:
                    url = template.format(**links)
                    response = await page.goto(f"{server.base_url}{url}")
                    assert response is not None
                    if page.url != f"{server.base_url}{url}":
                        problems.append(f"{width} {url}: sent on to {page.url}")
                        continue
                    checked.append(url)
                    expected = STATUS.get(url, 200)
                    if response.status != expected:
                        problems.append(f"{width} {url}: HTTP {response.status}")
                        continue
                    results = await axe.run(
                        page, options={"runOnly": {"type": "tag", "values": WCAG_AA}}
                    )
                    for violation in results.response["violations"]:
                        targets = [node["target"] for node in violation["nodes"]][:3]
                        problems.append(f"{width} {url}: {violation['id']} {targets}")
                    if width == 360:
                        wide = await page.evaluate("document.documentElement.scrollWidth")
                        if wide > 360:
                            problems.append(f"{url}: {wide} px wide at 360 px")
                        smallest = await smallest_chart_text(page)
                        if smallest < 12:
                            problems.append(f"{url}: chart text of {smallest:.1f} px")
                    if "ngày ngày" in await page.content():
                        problems.append(f"{width} {url}: 'ngày ngày'")
    finally:
        await context.close()
    assert len(checked) == sum(len(urls) for urls in PAGES.values()), checked
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)  # markup is the same on both
async def test_every_page_passes_axe_on_a_phone_and_a_desktop(
    live_server: LiveServer, browser: Browser
) -> None:
    problems = await check_every_page(browser, live_server, 360)
    problems += await check_every_page(browser, live_server, 1366)
    assert problems == [], "\n".join(problems)
