"""What a parent's phone downloads and how long the form takes.

1. First-load weight of every respondent and public page: a cold Chromium context per page on a
   real ``survey-server serve`` (demo data, SQLite), summing the bytes on the wire (headers and
   encoded bodies) of every request the page makes. Target: 30 KB.
2. Time to complete the demo questionnaire (phổ thông, link of a primary school) for a scripted
   respondent who answers every question at machine speed, against a floor measured in the
   same run: the same page loaded and sent with one answer. Machine speed is not a person: the
   honest estimate printed on the form and posters comes from ``questionnaires/duration.py``
   (reading speed and taps) and is shown next to it.

    .venv/bin/python bench/respondent.py            # rewrites its section of docs/PERFORMANCE.md
    .venv/bin/python bench/respondent.py --no-doc   # prints it only
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Page, Request, async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sections import put_section  # noqa: E402

from survey_server.questionnaires.duration import estimated_minutes  # noqa: E402
from survey_server.questionnaires.loader import load_file  # noqa: E402
from tests.live import running  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}
TARGET_BYTES = 30 * 1024
RUNS = 5
COMMENT = "Mong nhà trường tổ chức thêm hoạt động ngoài trời cho các con."


async def weigh(browser: Any, url: str) -> dict[str, Any]:
    """Bytes on the wire of one cold load of ``url`` (every request it makes)."""
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    finished: list[Request] = []
    page.on("requestfinished", lambda request: finished.append(request))
    response = await page.goto(url, wait_until="load")
    await page.wait_for_load_state("networkidle")
    total, requests = 0, []
    for request in finished:
        sizes = await request.sizes()
        wire = sizes["responseHeadersSize"] + sizes["responseBodySize"]
        total += wire
        requests.append(request.url.split("?")[0].rsplit("/", 1)[-1] or request.url)
    await context.close()
    return {"status": response.status if response else 0, "bytes": total, "requests": requests}


async def answer_everything(page: Page) -> int:
    """Answer every visible question as a hurried parent would; return how many."""
    answered = 0
    for question in await page.locator("#survey .question:visible").all():
        kind = await question.get_attribute("data-type")
        if kind in ("scale", "single", "yes_no", "multi"):
            labels = question.locator(".choices label")
            await labels.nth(min(3, await labels.count() - 1)).click()
        elif kind == "text":
            await question.locator("textarea").fill(COMMENT)
        elif kind == "number":
            await question.locator("input").fill("2")
        answered += 1
    return answered


async def complete(browser: Any, url: str, everything: bool) -> tuple[float, int]:
    """Seconds from opening the form to the thank-you page."""
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    started = time.perf_counter()
    await page.goto(url)
    if everything:
        answered = await answer_everything(page)
    else:
        await page.locator("#survey .question .choices label").first.click()
        answered = 1
    await page.locator(".submit button").click()
    await page.wait_for_url("**/cam-on?**")
    seconds = time.perf_counter() - started
    await context.close()
    return seconds, answered


async def measure(base_url: str, link: str) -> dict[str, Any]:
    pages = {
        "form (/s/CODE)": f"/s/{link}",
        "enter a code (/s)": "/s",
        "thank-you (/s/CODE/cam-on)": f"/s/{link}/cam-on?ma=ABCDEFGHJK",
        "follow-up (/theo-doi)": "/theo-doi",
        "results (/r/CODE)": f"/r/{link}",
    }
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        weights = {name: await weigh(browser, base_url + path) for name, path in pages.items()}
        full, floor, answered = [], [], 0
        for _ in range(RUNS):
            seconds, answered = await complete(browser, f"{base_url}/s/{link}", True)
            full.append(seconds)
            floor.append((await complete(browser, f"{base_url}/s/{link}", False))[0])
        await browser.close()
    return {
        "weights": weights,
        "full": statistics.median(full),
        "floor": statistics.median(floor),
        "answered": answered,
    }


def section(result: dict[str, Any], command: str) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    questionnaire = load_file(ROOT / "questionnaires" / "hai-long-pho-thong.yaml").questionnaire
    minutes = estimated_minutes(questionnaire)
    heaviest = max(w["bytes"] for w in result["weights"].values())
    lines = [
        "<!-- section:respondent -->",
        "## Respondent and public pages: first load and time to complete",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"commit {commit}, Python {platform.python_version()}, Debian Chromium at 360 × 740 with a "
        "cold cache per page, against `survey-server serve` with the demo data (SQLite).",
        "",
        "| page | status | requests | bytes on the wire |",
        "|---|---:|---|---:|",
    ]
    for name, weight in result["weights"].items():
        lines.append(
            f"| {name} | {weight['status']} | {', '.join(weight['requests'])} | "
            f"{weight['bytes']:,} |"
        )
    lines += [
        "",
        f"- Target ≤ 30 KB on every page: {'met' if heaviest <= TARGET_BYTES else 'NOT met'} "
        f"(heaviest {heaviest:,} bytes). Static files are sent gzip'd; HTML pages of respondents "
        "are gzip'd by the app, workspace pages never are.",
        f"- Scripted respondent, {result['answered']} questions answered at machine speed "
        f"(median of {RUNS}): {result['full']:.1f} s from opening the link to the thank-you page; "
        f"floor (the same page opened and sent with one answer): {result['floor']:.1f} s; "
        f"ratio {result['full'] / result['floor']:.1f}.",
        f"- What the form, posters and messages promise: about {minutes} minutes "
        "(`questionnaires/duration.py`: every question and the scale labels once read at 180 "
        "words a minute, 3 s a tap, 45 s for the comment). A script does not read; the machine "
        "time only shows the page adds nothing a person would wait for.",
        "<!-- /section -->",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        with running(f"sqlite:///{data / 'bench.db'}", data) as server:
            result = asyncio.run(measure(server.base_url, server.link))
    text = section(result, "bench/respondent.py")
    print(text)
    if not args.no_doc:
        put_section("respondent", text)


if __name__ == "__main__":
    main()
