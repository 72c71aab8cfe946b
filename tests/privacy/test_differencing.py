"""An insider subtracts results read at two times, as two roles or through two views, to get
one parent's answers back (both engines).

The people who read the results are the people being evaluated: a principal who saw a parent
fill the form at the gate reads every view it can, waits for that one response, reads again and
subtracts. Responses reach results only in releases of at least k respondents of one unit
(docs/PRIVACY.md, "Releases"), so every visible result is a union of whole releases and any two
of them differ by nothing or by at least k people. These tests act as that insider against the
running application: as the school's principal, the commune's staff, the province's
administrator, a partner organisation and the public, through the scores API, the dashboard,
the progress API and monitoring page, the comments page, the aggregate and individual exports,
the public results page and the report, while the campaign runs, once it is closed, re-opened
and closed again, and after a late import.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from openpyxl import load_workbook

from survey_server.app import create_app
from survey_server.campaigns.services import CampaignSpec, get_campaign, set_status
from survey_server.config import Settings
from survey_server.demo.setup import DEMO_CAMPAIGNS, DEMO_UNITS
from survey_server.distribution.services import add_link, list_links, open_campaign
from survey_server.paper.imports import import_file
from survey_server.paper.template import template_csv
from survey_server.privacy.retention import purge_expired_text
from survey_server.questionnaires.services import load_questionnaires
from survey_server.responses.tables import Release, Submission
from survey_server.scoring import worker
from survey_server.scoring.services import campaign_form, publish
from survey_server.staff import passwords
from survey_server.staff.services import create_user
from survey_server.timekeeping import today
from survey_server.units.services import import_units
from survey_server.units.tables import Unit
from tests.conftest import Database
from tests.staff import PASSWORD, reopen_campaign, sign_in

K = 10  # the campaign's threshold, the default
CAMPAIGN = "HL-PT-2026"
SCHOOL, CLASS, OTHER, COMMUNE, PROVINCE = "TH-LC1", "TH-LC1-1A", "TH-LC2", "XA-LECHAN", "SO-HP"
CLASS_NAME = "Lớp 1A"
PARTNER = "Ủy ban MTTQ phường Lê Chân"
PRINCIPAL, STAFF, ADMIN, PARTNER_USER = "ht.th-lc1", "pgd.lechan", "so.admin", "mttq.lechan"
SCALES = (
    *(f"tc{i}" for i in range(1, 6)),
    *(f"vc{i}" for i in range(1, 7)),
    *(f"mt{i}" for i in range(1, 6)),
    *(f"hd{i}" for i in range(1, 7)),
    *(f"kq{i}" for i in range(1, 6)),
    "hai_long_chung",
)
#: What the parent seen at the gate wrote: every scale at 1 (the school level comes from the
#: link: a primary school's link never asks it, so it cannot single anyone out).
TARGET_ANSWERS = {
    **dict.fromkeys(SCALES, 1),
    "gop_y": "Nhà trường thu quỹ lớp quá nhiều và không công khai sổ sách",
}
#: What a parent of the one-respondent class wrote through the class's Zalo link.
CLASS_ANSWERS = {
    **dict.fromkeys(SCALES, 2),
    "gop_y": "Bàn ghế trong phòng học đã gãy từ đầu năm học",
}
TARGET_SECRET, CLASS_SECRET = "quỹ lớp quá nhiều", "Bàn ghế trong phòng học"
#: The page's per-session and per-request parts, which say nothing about responses.
VOLATILE = (
    re.compile(r'(name="csrf" value=")[^"]*(")'),
    re.compile(r'(nonce=")[^"]*(")'),
)


def ordinary(rng: random.Random, comment: bool = False) -> dict[str, Any]:
    """An unremarkable parent: 3 to 5 everywhere, sometimes a comment."""
    answers: dict[str, Any] = {q: rng.randint(3, 5) for q in SCALES}
    if comment:
        answers["gop_y"] = rng.choice(
            ("Mong nhà trường có thêm cây xanh.", "Cô giáo chủ nhiệm rất tận tâm.")
        )
    return answers


# --- the insider's world: accounts, links and every view they can read -----------------------


@dataclass
class World:
    """The demo province with accounts of every role, a class link and a partner link."""

    settings: Settings
    db: Database
    clients: dict[str, httpx.AsyncClient]  # account (or "public") → its signed-in client
    links: dict[str, str]  # "school" (its poster), "class", "partner", "other" → link code
    rng: random.Random = field(default_factory=lambda: random.Random(2026))

    @property
    def public(self) -> httpx.AsyncClient:
        return self.clients["public"]

    async def submit(self, link: str, answers: dict[str, Any]) -> None:
        response = await self.public.post(
            "/api/v1/responses",
            json={"link": link, "submission_id": str(uuid.uuid4()), "answers": answers},
        )
        assert response.status_code == 201, response.text

    async def fill(self, link: str, count: int, comments: int = 0) -> None:
        """``count`` ordinary responses through ``link``, the first ``comments`` with a comment."""
        for i in range(count):
            await self.submit(link, ordinary(self.rng, comment=i < comments))


@pytest.fixture(scope="module", autouse=True)
def scoring_child() -> Iterator[None]:
    """The scoring child process is kept from one test of this module to the next (see
    ``world``) and ended after the last."""
    yield
    worker.stop()


@pytest.fixture
async def world(
    settings: Settings,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> AsyncIterator[World]:
    """The demo province with the demo's satisfaction campaign (k = 10) over its schools, an
    account of every role signed in, and released responses at two schools of one commune:
    the school holds 2k (two releases), the other school k + 3 (one)."""
    # these tests attack results, not passwords: hashing them at full cost only takes time
    monkeypatch.setattr(
        passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )
    await import_units(DEMO_UNITS)
    loaded = await load_questionnaires(
        [settings.questionnaires_dir / "hai-long-pho-thong.yaml"], settings.timezone
    )
    code, slug, title_vi, title_en, levels = DEMO_CAMPAIGNS[0]
    assert (code, slug) == (CAMPAIGN, loaded[0].slug)
    start = today(settings.timezone) - timedelta(days=7)
    spec = CampaignSpec(
        code=code,
        title={"vi": title_vi, "en": title_en},
        questionnaire_slug=slug,
        root_unit_code=PROVINCE,
        opens_on=start,
        closes_on=start + timedelta(days=90),
        k=K,
        **getattr(request, "param", {}),  # a campaign setting a test asks for
    )
    await open_campaign(spec, settings.timezone, ("qr_meeting", "zalo"), levels)
    await create_user(ADMIN, "admin", PROVINCE, PASSWORD)
    await create_user(STAFF, "staff", COMMUNE, PASSWORD)
    await create_user(PRINCIPAL, "principal", SCHOOL, PASSWORD)
    await create_user(PARTNER_USER, "partner", COMMUNE, PASSWORD, PARTNER)
    links = {
        "class": await add_link(CAMPAIGN, CLASS, "zalo", label=CLASS_NAME),
        "partner": await add_link(CAMPAIGN, SCHOOL, "partner", PARTNER),
    }
    for row in await list_links(CAMPAIGN):
        if row["unit"] == SCHOOL and row["channel"] == "qr_meeting":
            links["school"] = row["code"]
        if row["unit"] == OTHER and row["channel"] == "qr_meeting":
            links["other"] = row["code"]
    app = create_app(settings, engine=db.engine)
    transport = httpx.ASGITransport(app=app)
    for hook in app.on_startup:
        await hook(app)
    clients: dict[str, httpx.AsyncClient] = {}
    try:
        for name in (PRINCIPAL, STAFF, ADMIN, PARTNER_USER, "public"):
            clients[name] = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            if name != "public":
                signed = await sign_in(clients[name], name)
                assert signed.status_code == 303, signed.text
        found = World(settings, db, clients, links)
        await found.fill(links["school"], K, comments=3)
        await released()  # the first K of the school form a release of their own
        await found.fill(links["school"], K, comments=2)
        await found.fill(links["other"], K + 3, comments=2)
        await released()
        yield found
    finally:
        for client in clients.values():
            await client.aclose()
        with pytest.MonkeyPatch.context() as patch:
            # the scoring child process outlives the app, for the next test: starting one
            # takes seconds and it keeps nothing of a database between scorings
            patch.setattr(worker, "stop", lambda: None)
            for hook in app.on_shutdown:
                await hook(app)


async def released() -> None:
    """Make the releases that are due now, as the first view read does."""
    await publish(await get_campaign(CAMPAIGN))


def _tidy(html: str) -> str:
    for pattern in VOLATILE:
        html = pattern.sub(r"\1…\2", html)
    return html


def _csv(response: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _xlsx(response: httpx.Response) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


#: (account, view name, path, query, how to read it). Every view each role may read, for the
#: units an insider at the school would compare: its school, its class, its commune, the
#: province, and a neighbouring school.
BASE = f"/staff/campaigns/{CAMPAIGN}"
VIEWS: list[tuple[str, str, str, dict[str, str], str]] = [
    *(
        (
            PRINCIPAL,
            f"scores:{unit}",
            f"/api/v1/campaigns/{CAMPAIGN}/scores",
            {"unit": unit},
            "json",
        )
        for unit in (SCHOOL, CLASS)
    ),
    (PRINCIPAL, f"dashboard:{SCHOOL}", BASE, {"unit": SCHOOL}, "html"),
    (PRINCIPAL, f"dashboard:{CLASS}", BASE, {"unit": CLASS}, "html"),
    (PRINCIPAL, f"progress:{SCHOOL}", f"/api/v1/campaigns/{CAMPAIGN}/progress", {}, "json"),
    (
        PRINCIPAL,
        f"progress:{CLASS}",
        f"/api/v1/campaigns/{CAMPAIGN}/progress",
        {"unit": CLASS},
        "json",
    ),
    (PRINCIPAL, f"monitor:{SCHOOL}", f"{BASE}/monitor", {}, "html"),
    (PRINCIPAL, f"comments:{SCHOOL}", f"{BASE}/comments", {}, "html"),
    (PRINCIPAL, f"comments:{CLASS}", f"{BASE}/comments", {"unit": CLASS}, "html"),
    (PRINCIPAL, f"export.csv:{SCHOOL}", f"{BASE}/export.csv", {}, "csv"),
    (PRINCIPAL, f"export.xlsx:{SCHOOL}", f"{BASE}/export.xlsx", {}, "xlsx"),
    (
        PRINCIPAL,
        f"report:{SCHOOL}",
        "/api/v1/reports",
        {"campaign": CAMPAIGN, "format": "md", "unit": SCHOOL},
        "text",
    ),
    *(
        (STAFF, f"scores:{unit}", f"/api/v1/campaigns/{CAMPAIGN}/scores", {"unit": unit}, "json")
        for unit in (COMMUNE, SCHOOL, OTHER)
    ),
    (STAFF, f"dashboard:{COMMUNE}", BASE, {}, "html"),
    (STAFF, f"progress:{COMMUNE}", f"/api/v1/campaigns/{CAMPAIGN}/progress", {}, "json"),
    (STAFF, f"monitor:{COMMUNE}", f"{BASE}/monitor", {}, "html"),
    (STAFF, f"comments:{COMMUNE}", f"{BASE}/comments", {}, "html"),
    (STAFF, f"export.csv:{COMMUNE}", f"{BASE}/export.csv", {}, "csv"),
    (ADMIN, f"scores:{PROVINCE}", f"/api/v1/campaigns/{CAMPAIGN}/scores", {}, "json"),
    (ADMIN, f"dashboard:{PROVINCE}", BASE, {}, "html"),
    (ADMIN, f"progress:{PROVINCE}", f"/api/v1/campaigns/{CAMPAIGN}/progress", {}, "json"),
    (ADMIN, f"comments:{PROVINCE}", f"{BASE}/comments", {}, "html"),
    (ADMIN, f"export.csv:{PROVINCE}", f"{BASE}/export.csv", {}, "csv"),
    *(
        (
            ADMIN,
            f"responses.csv:{unit}",
            f"{BASE}/export.csv",
            {"kind": "responses", "unit": unit},
            "csv",
        )
        for unit in (PROVINCE, CLASS)
    ),
    (
        ADMIN,
        f"responses.xlsx:{SCHOOL}",
        f"{BASE}/export.xlsx",
        {"kind": "responses", "unit": SCHOOL},
        "xlsx",
    ),
    (
        ADMIN,
        f"report:{COMMUNE}",
        "/api/v1/reports",
        {"campaign": CAMPAIGN, "format": "html", "unit": COMMUNE},
        "text",
    ),
    (
        PARTNER_USER,
        f"partner-progress:{COMMUNE}",
        f"/api/v1/campaigns/{CAMPAIGN}/progress",
        {},
        "json",
    ),
    (
        PARTNER_USER,
        f"partner-progress:{SCHOOL}",
        f"/api/v1/campaigns/{CAMPAIGN}/progress",
        {"unit": SCHOOL},
        "json",
    ),
    (PARTNER_USER, f"partner-monitor:{COMMUNE}", f"{BASE}/monitor", {}, "html"),
]
PUBLIC = ("school", "class", "other")  # /r/{code} of these links


Observation = dict[str, Any]
#: How pages print a band of unpublished responses: "dưới 10", "20–29".
BAND = r"dưới [\d.]+|[\d.]+–[\d.]+"
DASHBOARD_BAND = re.compile(rf"(Chưa công bố: )({BAND})( phiếu)")
MONITOR_BAND = re.compile(rf'(data-field="unpublished" data-code="([^"]+)">)({BAND})(<)')
REPORT_BAND = re.compile(r" \(chưa tính ít nhất ([\d.]+) phiếu mới nhận[^)]*\)")
#: The comments part says at least how many responses wait for their release (the band of k
#: again), and its "there were none" sentences give way to that: they move with the band only.
REPORT_WAITING = re.compile(
    r"Ý kiến trong ít nhất ([\d.]+) phiếu mới nhận chưa được tổng hợp[^.]*\.|"
    r"Trong [^,]* không có ý kiến góp ý bằng văn bản\.|"
    r"Trong [^,]* không có phản ánh, kiến nghị, khiếu nại, tố cáo nào[^.]*\."
)
#: The report names the campaign's state and each re-opening with its reason, on purpose: a
#: reader must know the numbers may still move. That sentence carries no count.
REPORT_LIFE = re.compile(
    r", (đã kết thúc|đang nhận phiếu)(, được mở lại ngày [^;]*? với lý do: [^;.]*)*|"
    r"(Các đợt khảo sát|Đợt khảo sát|“[^.]*”) còn đang nhận phiếu \(đến ngày [\d/]+\); số liệu "
    r"trong báo cáo tính đến ngày [\d/]+ là số liệu tạm thời\.|"
    r"Theo số liệu tạm thời đến ngày [\d/]+, (?=chỉ số hài lòng chưa đạt)"
)

#: The response rate is a shortcoming once a campaign has ended and where it stands today while
#: forms still arrive: the wording follows the state, the rate itself is checked like any number.
REPORT_RATE = re.compile(
    r"Đến ngày [\d/]+, số phiếu thu về mới bằng (?P<open>[\d,]+%) số người dự kiến lấy ý kiến|"
    r"Tỷ lệ phiếu thu về so với số người dự kiến lấy ý kiến còn thấp \((?P<closed>[\d,]+%)\), "
    r"chưa phản ánh đầy đủ ý kiến của Nhân dân"
)


@dataclass
class Seen:
    """What every view showed at one moment: ``views`` with the bands of unpublished
    responses taken out, and those bands, (view, unit) → (at least, below)."""

    views: Observation
    bands: dict[tuple[str, str], tuple[int, int]]

    def __getitem__(self, name: str) -> Any:
        return self.views[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.views)

    def items(self) -> Iterable[tuple[str, Any]]:
        return self.views.items()


def _printed_band(text: str) -> tuple[int, int]:
    if text.startswith("dưới"):
        return 0, int(text.split()[1].replace(".", ""))
    low, high = (int(part.replace(".", "")) for part in text.split("–"))
    return low, high + 1


def _take_bands(name: str, value: Any, bands: dict[tuple[str, str], tuple[int, int]]) -> Any:
    """The view without its bands of unpublished responses, which go to ``bands``: a band
    moves when the k-th response waiting in a subtree arrives, by design, and is checked on
    its own (``assert_bands``)."""
    if isinstance(value, dict) and "unpublished" in value:  # the scores of a unit
        band = value["unpublished"]
        bands[(name, value["unit"])] = (band["at_least"], band["below"])
        return {key: part for key, part in value.items() if key != "unpublished"}
    if isinstance(value, dict) and "children" in value:  # the progress API
        value = json.loads(json.dumps(value))
        for unit in [value["unit"], *value["children"]]:
            band = unit.pop("unpublished")
            bands[(name, unit["code"])] = (band["at_least"], band["below"])
        return value
    if isinstance(value, str) and name.startswith(("dashboard:", "monitor:", "partner-monitor:")):

        def dashboard(match: re.Match[str]) -> str:
            bands[(name, name.split(":", 1)[1])] = _printed_band(match[2])
            return match[1] + "…" + match[3]

        def monitor(match: re.Match[str]) -> str:
            bands[(name, match[2])] = _printed_band(match[3])
            return match[1] + "…" + match[4]

        return MONITOR_BAND.sub(monitor, DASHBOARD_BAND.sub(dashboard, value))
    if isinstance(value, str) and name.startswith("report:"):

        def report(match: re.Match[str]) -> str:  # said only from k on: "at least 10"
            low = int(match[1].replace(".", ""))
            bands[(name, name.split(":", 1)[1])] = (low, low + K)
            return ""

        def waiting(match: re.Match[str]) -> str:
            if match[1]:
                low = int(match[1].replace(".", ""))
                bands[(name, name.split(":", 1)[1])] = (low, low + K)
            return ""

        text = REPORT_LIFE.sub("", REPORT_WAITING.sub(waiting, REPORT_BAND.sub(report, value)))
        text = REPORT_RATE.sub(lambda m: f"Tỷ lệ phiếu thu về: {m['open'] or m['closed']}", text)
        text = re.sub(r"(^|\n|<p>)chỉ số hài lòng chưa đạt", r"\1Chỉ số hài lòng chưa đạt", text)
        return re.sub(r"\n{3,}", "\n\n", re.sub(r"<p>\s*</p>\s*", "", text))
    return value


#: The views that carry counts of respondents, for the attacks that subtract numbers only.
NUMBERS = ("scores:", "progress:", "partner-progress:", "export.csv:", "responses.csv:")


async def observe(world: World, only: tuple[str, ...] | None = None) -> Seen:
    """Every view every account (and the public) can read, as it reads it now (or those whose
    names start with one of ``only``)."""
    seen: Observation = {}
    bands: dict[tuple[str, str], tuple[int, int]] = {}
    for account, name, path, params, kind in VIEWS:
        if only is not None and not name.startswith(only):
            continue
        response = await world.clients[account].get(path, params=params)
        assert response.status_code == 200, (account, name, response.text[:500])
        if kind == "json":
            value: Any = response.json()
        elif kind == "html":
            value = _tidy(response.text)
        elif kind == "csv":
            value = _csv(response)
        elif kind == "xlsx":
            value = _xlsx(response)
        else:
            value = response.text
        seen[name] = _take_bands(name, value, bands)
    for link in PUBLIC if only is None or "public:" in only else ():
        response = await world.public.get(f"/r/{world.links[link]}")
        assert response.status_code == 200, response.text[:500]
        seen[f"public:{link}"] = _tidy(response.text)
    await assert_bands(bands)
    return Seen(seen, bands)


async def assert_bands(bands: dict[tuple[str, str], tuple[int, int]]) -> None:
    """Each band is one of k that holds the true number of unpublished responses of the
    unit's subtree (of the partner's own links, for a partner), so it only ever moves by k."""
    paths = {row["code"]: str(row["path"]) for row in await Unit.select(Unit.code, Unit.path)}
    unpublished = await Submission.select(
        Submission.unit.path.as_alias("path"), Submission.partner
    ).where(Submission.released_in.is_null())
    for (name, code), (low, below) in bands.items():
        assert low % K == 0 and below == low + K, (name, code, low, below)
        waiting = sum(
            1
            for row in unpublished
            if str(row["path"]).startswith(paths[code])
            and (row["partner"] == PARTNER or not name.startswith("partner-"))
        )
        assert low <= waiting < below, (name, code, low, below, waiting)


def assert_identical(before: Seen, after: Seen, what: str) -> None:
    """No view changed at all: nothing to subtract (bands apart, see ``assert_bands``)."""
    changed = sorted(name for name in before.views if before[name] != after[name])
    assert not changed, f"{what}: these views changed, so subtracting them gives it back: {changed}"


# --- what the insider subtracts -----------------------------------------------------------


def group_numbers(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The unit's own numbers and each of its groups', as the scores JSON gives them."""
    out = {}
    if not view.get("suppressed"):
        out[view["unit"]] = view
    for code, group in (view.get("groups") or {}).items():
        if not group.get("suppressed"):
            out[code] = group
    return out


def count_cells(body: dict[str, Any]) -> dict[str, int]:
    """Every respondent count of one group of the scores: n, per question and value, per
    choice and option, per dimension, the quality flags."""
    cells = {"n": body["n"], "overall.n": body["overall"]["n"]}
    for question in body.get("questions", []):
        cells[f"{question['id']}.n"] = question["n"]
        for value, n in question["counts"].items():
            cells[f"{question['id']}={value}"] = n
    for choice in body.get("choices", []):
        for option, n in choice["counts"].items():
            cells[f"{choice['id']}={option}"] = n
    for dimension in body.get("dimensions", []):
        cells[f"{dimension['id']}.n"] = dimension["n"]
    return cells


def assert_scores_moved_by_whole_releases(
    before: dict[str, Any], after: dict[str, Any], what: str, *, grew: set[str]
) -> None:
    """Each group's n is unchanged or grew by at least k (exactly ``k`` for ``grew``); per
    question answered by every respondent, the counts moved by k in all, never fewer."""
    was, now = group_numbers(before), group_numbers(after)
    for code in set(was) | set(now):
        n_before = was.get(code, {}).get("n", 0)
        n_after = now.get(code, {}).get("n", 0)
        delta = n_after - n_before
        assert delta == 0 or delta >= K, (what, code, n_before, n_after)
        if code in grew:
            assert delta == K, (what, code, n_before, n_after)
        if code not in was or code not in now or not delta:
            if code in was and code in now:
                assert count_cells(was[code]) == count_cells(now[code]), (what, code)
            continue
        cells_before, cells_after = count_cells(was[code]), count_cells(now[code])
        for question in now[code]["questions"]:
            moved = sum(
                abs(cells_after[f"{question['id']}={v}"] - cells_before[f"{question['id']}={v}"])
                for v in question["counts"]
            )
            assert moved == delta, (what, code, question["id"], moved)
        for choice in now[code]["choices"]:
            moved = sum(
                cells_after[f"{choice['id']}={o}"] - cells_before[f"{choice['id']}={o}"]
                for o in choice["counts"]
            )
            assert moved >= K, (what, code, choice["id"], moved)


Interval = tuple[int, int]
UNBOUNDED = 10**9


def _interval(value: Any, total: int | None) -> Interval:
    """What a reader knows of one count: exact, a band of k, or withheld (``None``)."""
    if value is None:
        return (1, UNBOUNDED if total is None else total)
    if isinstance(value, dict):
        return (value["at_least"], value["below"] - 1)
    return (int(value), int(value))


def _tighten(cells: dict[str, Interval], total: int | None) -> dict[str, Interval]:
    """What a reader infers of cells that split an exact ``total`` (every published response
    has one channel and one day of release): each cell is the total minus all the others."""
    if total is None or not cells:
        return cells
    cells = dict(cells)
    changed = True
    while changed:
        changed = False
        for name, (low, high) in cells.items():
            others_low = sum(cell[0] for other, cell in cells.items() if other != name)
            others_high = sum(cell[1] for other, cell in cells.items() if other != name)
            narrowed = (max(low, total - others_high), min(high, total - others_low))
            if narrowed != (low, high):
                cells[name] = narrowed
                changed = True
    return cells


def progress_cells(view: dict[str, Any]) -> dict[str, Interval]:
    """Every count of the progress API, by where it is shown, as the interval a reader can
    narrow it to: a band, or a withheld cell, is bounded by the total minus the other cells."""

    def unit_count(unit: dict[str, Any]) -> Interval:
        shown = unit["responses"]
        return _interval(shown if shown is not None else unit.get("published"), None)

    total = view["unit"]["responses"]
    cells = {f"unit:{view['unit']['code']}": unit_count(view["unit"])}
    for child in view["children"]:
        cells[f"unit:{child['code']}"] = unit_count(child)
    for part in ("channels", "partners", "days"):
        known = {name: _interval(n, total) for name, n in view[part].items()}
        if part != "partners":  # channels and days split the total; partners do not
            known = _tighten(known, total)
        cells.update({f"{part}:{name}": interval for name, interval in known.items()})
    return cells


def count_moves_under_k(
    before: dict[str, Any], after: dict[str, Any], what: str
) -> list[tuple[str, str, Interval, Interval]]:
    """The counts of the progress API that two reads let one subtract to fewer than k people:
    the reader knows a count moved by 1 to k − 1 (its change, as far as the two reads bound
    it, lies there). An absent cell is 0."""
    moves = []
    was, now = progress_cells(before), progress_cells(after)
    for cell in sorted(set(was) | set(now)):
        a, b = was.get(cell, (0, 0)), now.get(cell, (0, 0))
        low, high = b[0] - a[1], b[1] - a[0]
        if (low >= 1 and high < K) or (low > -K and high <= -1):
            moves.append((what, cell, a, b))
    return moves


def assert_counts_moved_by_whole_releases(
    before: dict[str, Any], after: dict[str, Any], what: str
) -> None:
    moves = count_moves_under_k(before, after, what)
    assert not moves, f"counts that moved by fewer than {K} respondents: {moves}"


def comment_refs(html: str) -> list[str]:
    return re.findall(r'id="c([^"]+)"', html)


# --- releases: what every visible number must be made of -----------------------------------


async def release_sums() -> dict[str, int]:
    """Unit code → respondents of the releases attributed to its subtree, as stored now."""
    units = await Unit.select(Unit.id, Unit.code, Unit.path)
    paths = {row["id"]: str(row["path"]) for row in units}
    releases = await Release.select(Release.unit, Release.size)
    sums: Counter[str] = Counter()
    for row in units:
        path = str(row["path"])
        sums[row["code"]] = sum(r["size"] for r in releases if paths[r["unit"]].startswith(path))
    return dict(sums)


async def assert_releases_hold_k() -> None:
    """Every release holds at least k responses, and says so truly."""
    for row in await Release.select(Release.id, Release.size):
        members = await Submission.count().where(Submission.released_in == row["id"])
        assert members == row["size"] >= K, row


def visible_ns(seen: Seen) -> dict[str, set[int]]:
    """Every respondent count of a unit that some view shows, by unit code."""
    shown: dict[str, set[int]] = {}

    def add(code: str, n: int | None) -> None:
        if n is not None:
            shown.setdefault(code, set()).add(int(n))

    for name, value in seen.items():
        if name.startswith("scores:"):
            for code, body in group_numbers(value).items():
                add(code, body["n"])
        elif name.startswith("progress:"):
            add(value["unit"]["code"], value["unit"]["responses"])
            for child in value["children"]:
                add(child["code"], child["responses"])
        elif name.startswith("export.csv:"):
            for row in value[1:]:
                add(row[0], int(row[2]) if row[2] else None)
        elif name.startswith("responses.csv:"):
            add(name.split(":", 1)[1], len(value) - 1)
    return shown


async def assert_every_number_is_whole_releases(seen: Seen) -> dict[str, int]:
    """Each count a view shows for a unit is the sum of the releases of its subtree: a union
    of whole releases, the same in every view (so no two views can be subtracted either)."""
    sums = await release_sums()
    for code, values in visible_ns(seen).items():
        assert values == {sums[code]}, (code, values, sums[code])
    return sums


def assert_nested_differences(history: list[dict[str, int]], tree: dict[str, str | None]) -> None:
    """For a unit A over a unit B at or below it, A read at a time t_A and B at t_B ≤ t_A: B's
    respondents then are among A's at t_A, so A − B is who A has that B had not: 0 or ≥ k."""

    def below(b: str, a: str) -> bool:
        while b is not None:
            if b == a:
                return True
            b = tree.get(b)
        return False

    for t_a, later in enumerate(history):
        for earlier in history[: t_a + 1]:
            for a, n_a in later.items():
                for b, n_b in earlier.items():
                    if below(b, a) and (n_a or n_b):
                        assert n_a - n_b == 0 or n_a - n_b >= K, (a, b, n_a, n_b)


async def unit_tree() -> dict[str, str | None]:
    rows = await Unit.select(Unit.id, Unit.code, Unit.parent)
    codes = {row["id"]: row["code"] for row in rows}
    return {row["code"]: codes.get(row["parent"]) for row in rows}


# --- the attacks --------------------------------------------------------------------------


def answering_days(day: date) -> tuple[str, ...]:
    """How pages could print the day someone answered."""
    return (
        day.isoformat(),
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day}/{day.month}/{day.year}",
        f"ngày {day.day:02d} tháng {day.month}",
        f"ngày {day.day} tháng {day.month}",
    )


async def date_the_unpublished(day: date) -> None:
    """As if every response not yet published had been given on ``day`` (a day no release
    was made), so that a page printing a day of answering shows it."""
    await Submission.update({Submission.submitted_on: day}).where(Submission.released_in.is_null())


async def test_one_response_moves_nothing_until_k_are_released(world: World) -> None:
    """The gate attack, through every view and every role: one response at the school and
    one through a one-respondent class leave every view exactly as it was, so do k − 2 more;
    the k-th response releases the school's k, and every view moves by k at once."""
    tree = await unit_tree()
    history = []
    before = await observe(world)
    history.append(await assert_every_number_is_whole_releases(before))

    await world.submit(world.links["school"], TARGET_ANSWERS)
    await world.submit(world.links["class"], CLASS_ANSWERS)
    answered = today(world.settings.timezone) - timedelta(days=3)
    await date_the_unpublished(answered)
    one = await observe(world)
    assert_identical(before, one, "one response at the school and one through its class")
    history.append(await assert_every_number_is_whole_releases(one))

    await world.fill(world.links["school"], K - 2)
    await date_the_unpublished(answered)
    almost = await observe(world)
    assert_identical(before, almost, f"{K - 1} responses at the school, 1 in its class")
    history.append(await assert_every_number_is_whole_releases(almost))

    await world.fill(world.links["school"], 1)
    after = await observe(world)
    history.append(await assert_every_number_is_whole_releases(after))
    await assert_releases_hold_k()
    assert_nested_differences(history, tree)

    # the scores of every group: n by k exactly where the school is counted, counts by k
    for name in before:
        if name.startswith("scores:"):
            grew = {SCHOOL, COMMUNE, PROVINCE} & set(group_numbers(after[name]))
            assert_scores_moved_by_whole_releases(before[name], after[name], name, grew=grew)
    assert before[f"scores:{SCHOOL}"]["n"] + K == after[f"scores:{SCHOOL}"]["n"]
    assert (
        after[f"scores:{CLASS}"]["suppressed"]
        and before[f"scores:{CLASS}"] == after[f"scores:{CLASS}"]
    )
    for name in before:
        if "progress:" in name:
            assert_counts_moved_by_whole_releases(before[name], after[name], name)
    assert (
        after[f"progress:{COMMUNE}"]["unit"]["responses"]
        == before[f"progress:{COMMUNE}"]["unit"]["responses"] + K
    )
    # the school's release is visible everywhere: the target's answers are among k new ones
    assert any(q["counts"]["1"] == 1 for q in after[f"scores:{SCHOOL}"]["questions"]), (
        "the release is published"
    )
    # exports: the unit's row by k; individual rows: exactly the k released, in whole
    for name in before:
        if name.startswith(("export.csv:", "export.xlsx:")):
            rows_before, rows_after = before[name], after[name]
            assert [r[0] for r in rows_before] == [r[0] for r in rows_after], name
            assert int(rows_after[1][2]) - int(rows_before[1][2]) == K, name
        if name.startswith(("responses.csv:", "responses.xlsx:")):
            gained = Counter(map(tuple, after[name][1:])) - Counter(map(tuple, before[name][1:]))
            lost = Counter(map(tuple, before[name][1:])) - Counter(map(tuple, after[name][1:]))
            assert not lost, name
            size = sum(gained.values())
            assert size == 0 or size == K, (name, size)
    assert len(after[f"responses.csv:{CLASS}"]) == len(before[f"responses.csv:{CLASS}"]) == 1
    # the report: its count of responses moves by k
    for name in (f"report:{SCHOOL}", f"report:{COMMUNE}"):
        total_before = re.search(r"Tổng số phiếu thu về: ([\d.]+) phiếu", before[name])
        total_after = re.search(r"Tổng số phiếu thu về: ([\d.]+) phiếu", after[name])
        assert total_before and total_after, name
        gained = int(total_after[1].replace(".", "")) - int(total_before[1].replace(".", ""))
        assert gained == K, (name, gained)

    # comments: the class's comment, its class and the day of answering are shown nowhere
    for moment in (before, one, almost, after):
        for name, value in moment.items():
            text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            assert CLASS_SECRET not in text, name
            for printed in answering_days(answered):
                assert printed not in text, (name, printed)
            if name.startswith("comments:"):  # no comment is placed in the class
                for card in re.findall(r"<article.*?</article>", text, flags=re.S):
                    assert CLASS_NAME not in card, (name, card)
    school_comments = after[f"comments:{SCHOOL}"]
    assert TARGET_SECRET in school_comments  # released with k others: its text may be read
    ids = {str(row["id"]) for row in await Submission.select(Submission.id)}
    for name, value in after.items():
        if name.startswith("comments:"):
            refs = comment_refs(value)
            assert all(re.fullmatch(r"[0-9a-f]{20}", ref) for ref in refs), refs
            actions = re.findall(r'action="([^"]*)"', value)
            for action in actions:
                for part in re.split(r"[/?&=#]", action):
                    assert part not in ids or part == "", (name, action)


async def test_the_school_now_against_its_commune_before(world: World) -> None:
    """Two roles, two units, two times: the commune's staff read the commune, the principal
    later reads the school; every such pair differs by whole releases, including when the
    other school's release lands between the two reads."""
    tree = await unit_tree()
    history = [await assert_every_number_is_whole_releases(await observe(world, NUMBERS))]
    await world.submit(world.links["school"], TARGET_ANSWERS)
    await world.fill(world.links["other"], K - 1)
    history.append(await assert_every_number_is_whole_releases(await observe(world, NUMBERS)))
    await world.fill(world.links["other"], K + 1)  # the other school releases 2k... then
    await world.fill(world.links["school"], K - 1)  # ...the school its k
    final = await observe(world, NUMBERS)
    history.append(await assert_every_number_is_whole_releases(final))
    await assert_releases_hold_k()
    assert_nested_differences(history, tree)
    commune, school = final[f"scores:{COMMUNE}"], final[f"scores:{SCHOOL}"]
    assert commune["groups"][SCHOOL]["n"] == school["n"]  # one scoring, sliced per unit
    assert final[f"scores:{OTHER}"]["n"] == commune["groups"][OTHER]["n"]


# --- closing, re-opening and importing late -----------------------------------------------

#: What changes when a campaign ends: every count, the public pages, the comments, the report.
CLOSING = (*NUMBERS, "public:", "comments:", "report:")


async def import_rows(world: World, count: int, unit: str = SCHOOL) -> int:
    """``count`` paper forms of ``unit`` imported as a file (ordinary answers, no comment)."""
    spec = await campaign_form(await get_campaign(CAMPAIGN))
    header, labels = list(csv.reader(io.StringIO(template_csv(spec).decode("utf-8-sig"))))
    rows = [header, labels]
    for _ in range(count):
        answers = ordinary(world.rng)
        rows.append(
            [unit if column == "unit" else str(answers.get(column, "")) for column in header]
        )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    outcome = await import_file(
        CAMPAIGN,
        buffer.getvalue().encode(),
        "phieu-giay.csv",
        channel="paper",
        database_url=world.settings.resolved_database_url,
        timezone=world.settings.timezone,
    )
    return outcome.added


async def test_closing_reopening_and_importing_late_move_nothing_until_k(world: World) -> None:
    """Close with a few responses waiting (the class's one among them): nothing appears. Re-open,
    answer once, close again: the same. Re-open, import one late paper form, close: the same.
    Import k more the same way: the school moves by all of them at once, the class's answer
    pooled into it."""
    await world.submit(world.links["class"], CLASS_ANSWERS)
    await world.fill(world.links["school"], 3)
    running = await observe(world, CLOSING)

    await set_status(CAMPAIGN, "closed")
    closed = await observe(world, CLOSING)
    for name in running:  # the close pools 4 < k: only the public pages open their results
        if not name.startswith("public:"):
            assert running[name] == closed[name], name
    school_page = closed["public:school"]
    assert "Chỉ số hài lòng tổng hợp" in school_page
    assert f"<strong>{closed[f'scores:{SCHOOL}']['n']}</strong>" in school_page
    assert "không được công bố riêng" in closed["public:class"]

    await reopen_campaign(CAMPAIGN)
    await world.submit(world.links["school"], TARGET_ANSWERS)
    await set_status(CAMPAIGN, "closed")
    assert_identical(
        closed, await observe(world, CLOSING), "re-opened, answered once, closed again"
    )

    await reopen_campaign(CAMPAIGN)  # a closed campaign takes no form: re-open for late paper
    assert await import_rows(world, 1) == 1
    await set_status(CAMPAIGN, "closed")
    assert_identical(
        closed, await observe(world, CLOSING), "one paper form imported after re-opening"
    )

    await reopen_campaign(CAMPAIGN)
    assert await import_rows(world, K) == K
    await set_status(CAMPAIGN, "closed")
    late = await observe(world, CLOSING)
    await assert_releases_hold_k()
    await assert_every_number_is_whole_releases(late)
    waiting = 1 + 3 + 1 + 1 + K  # class, school, after re-opening, first import, last import
    for name in (f"scores:{SCHOOL}", f"scores:{COMMUNE}", f"scores:{PROVINCE}"):
        assert late[name]["n"] == closed[name]["n"] + waiting, name
        assert_scores_moved_by_whole_releases(closed[name], late[name], name, grew=set())
    assert late[f"scores:{CLASS}"] == closed[f"scores:{CLASS}"]  # never a view of the class
    assert late["public:class"] == closed["public:class"]
    assert late["public:other"] == closed["public:other"]
    assert f"<strong>{late[f'scores:{SCHOOL}']['n']}</strong>" in late["public:school"]
    assert len(late["responses.csv:SO-HP"]) == len(closed["responses.csv:SO-HP"]) + waiting
    # the class's comment now counts in its school, under the school and the day of release
    cards = re.findall(r"<article.*?</article>", late[f"comments:{SCHOOL}"], flags=re.S)
    pooled = [card for card in cards if CLASS_SECRET in card]
    assert len(pooled) == 1 and CLASS_NAME not in pooled[0]
    assert "Trường Tiểu học Trần Quốc Toản" in pooled[0]


# --- counts by channel, partner and band --------------------------------------------------


async def partner_forms_released_among_others(world: World, views: tuple[str, ...]) -> list[Seen]:
    """k of the partner's forms released together, then one more released among k − 1 answers
    through the school's poster: the reads before and after that second release."""
    await world.fill(world.links["partner"], K)
    first = await observe(world, views)
    await world.fill(world.links["school"], K - 1)
    await world.submit(world.links["partner"], TARGET_ANSWERS)
    return [first, await observe(world, views)]


async def test_a_partner_own_counts_never_move_by_fewer_than_k(world: World) -> None:
    """A partner organisation follows the counts of its own links only. One more of its forms,
    released with k − 1 others of the school, must not show as its count moving by one."""
    first, second = await partner_forms_released_among_others(world, ("partner-progress:",))
    own = progress_cells(first[f"partner-progress:{SCHOOL}"])[f"unit:{SCHOOL}"]
    assert own[0] <= K <= own[1]  # its k forms are published
    moved = [
        move for name in first for move in count_moves_under_k(first[name], second[name], name)
    ]
    assert not moved, f"the partner's counts moved by fewer than {K} respondents: {moved}"


async def test_channel_and_partner_cells_never_move_by_fewer_than_k(world: World) -> None:
    """The commune's staff read the responses per channel and per partner, and the unit's
    published total, before and after that release: no cell may be narrowed, by the total
    minus the others, to a move of 1 to k − 1."""
    first, second = await partner_forms_released_among_others(world, ("progress:",))
    moved = [
        move for name in first for move in count_moves_under_k(first[name], second[name], name)
    ]
    assert not moved, f"counts that moved by fewer than {K} respondents: {moved}"


async def test_the_unpublished_band_moves_only_in_steps_of_k(world: World) -> None:
    """Responses waiting at two schools of a commune: its band of unpublished responses crosses
    from "under k" to "k to 2k − 1" without any release, and back once the school releases;
    every other number stays, and every band holds the true count (``assert_bands``)."""
    await world.fill(world.links["school"], 5)
    await world.fill(world.links["other"], 4)
    first = await observe(world, (*NUMBERS, f"dashboard:{COMMUNE}", f"monitor:{COMMUNE}"))
    await world.fill(world.links["other"], 1)
    second = await observe(world, (*NUMBERS, f"dashboard:{COMMUNE}", f"monitor:{COMMUNE}"))
    assert_identical(first, second, "a tenth response waiting in the commune")
    commune = (f"progress:{COMMUNE}", COMMUNE)
    assert first.bands[commune] == (0, K) and second.bands[commune] == (K, 2 * K)
    assert second.bands[(f"scores:{COMMUNE}", COMMUNE)] == (K, 2 * K)
    assert second.bands[(f"dashboard:{COMMUNE}", COMMUNE)] == (K, 2 * K)
    changed = {key for key in first.bands if first.bands[key] != second.bands[key]}
    assert {key[1] for key in changed} <= {COMMUNE, PROVINCE}, changed
    await world.fill(world.links["school"], K - 5)
    third = await observe(world, ("progress:", "scores:"))
    assert third.bands[commune] == (0, K)
    assert third[f"scores:{SCHOOL}"]["n"] == second[f"scores:{SCHOOL}"]["n"] + K


# --- what else could date or isolate one response -----------------------------------------


@pytest.mark.parametrize(
    "world", [{"exclude_flagged": ("straight_lining",)}], indirect=True, ids=["flagged-left-out"]
)
async def test_a_release_with_flagged_responses_still_moves_by_k(world: World) -> None:
    """An office may open a campaign that leaves straight-lined responses out of its numbers.
    Each release must still count as at least k respondents. Parents who tick "rất hài lòng"
    everywhere are common: a release of k − 1 of them and one parent who answered with care
    must not give that one parent's answers back as the difference of two reads: flagged forms
    are set aside before any release, so the release waits for k forms that count."""
    before = await observe(world, ("scores:",))
    for _ in range(K - 1):
        await world.submit(
            world.links["school"],
            {
                **dict.fromkeys(SCALES, 5),
            },
        )
    careful = {**ordinary(world.rng), "tc1": 1, "vc1": 2}
    await world.submit(world.links["school"], careful)
    after = await observe(world, ("scores:",))
    was, now = before[f"scores:{SCHOOL}"], after[f"scores:{SCHOOL}"]
    old = {q["id"]: q["counts"] for q in was["questions"]}
    recovered = {
        q["id"]: int(value)
        for q in now["questions"]
        for value, n in q["counts"].items()
        if n > old[q["id"]][value]
    }
    gained = now["n"] - was["n"]
    assert gained == 0 or gained >= K, (
        f"the school's n moved by {gained}; subtracting the counts gives back "
        f"{'exactly' if recovered == {q: careful[q] for q in SCALES} else 'not'} the careful "
        f"parent's answers: {recovered}"
    )
    for name in before:
        assert_scores_moved_by_whole_releases(before[name], after[name], name, grew=set())
    # the straight-lined forms are set aside for good; k - 1 careful parents more make a release
    for _ in range(K - 1):
        await world.submit(world.links["school"], ordinary(world.rng))
    released = await observe(world, ("scores:",))
    for name in before:
        grew = {SCHOOL, COMMUNE, PROVINCE} & set(group_numbers(released[name]))
        assert_scores_moved_by_whole_releases(after[name], released[name], name, grew=grew)


async def test_retention_does_not_date_the_comments_of_a_release(world: World) -> None:
    """Free text is removed when its retention period has passed since the day it was given.
    Within one release, a comment given a day earlier than the others must not vanish on its
    own: that would date it, which no page may do."""
    earlier = await observe(world, ("comments:",))
    await world.submit(world.links["school"], TARGET_ANSWERS)
    yesterday = today(world.settings.timezone) - timedelta(days=1)
    await date_the_unpublished(yesterday)  # the parent at the gate answered yesterday...
    await world.fill(world.links["school"], K - 1, comments=3)  # ...the rest of its release today
    before = await observe(world, ("comments:", "responses.csv:"))
    assert TARGET_SECRET in before[f"comments:{SCHOOL}"]
    campaign = await get_campaign(CAMPAIGN)
    # the retention period has passed since yesterday, not yet since today
    later = today(world.settings.timezone) + timedelta(days=campaign["comment_retention_days"])
    await purge_expired_text(later)
    after = await observe(world, ("comments:", "responses.csv:"))
    for name in before:
        if name.startswith("comments:"):
            cards = re.findall(r'<article[^>]*id="c([^"]+)".*?</article>', before[name], re.S)
            gone = set(cards) - set(comment_refs(after[name]))
            texts = [
                re.search(r'<p class="comment-text">(.*?)</p>', card, re.S)[1]
                for card in re.findall(r"<article.*?</article>", before[name], re.S)
                if re.search(r'id="c([^"]+)"', card)[1] in gone
            ]
            # the comments of the new release go all together, or not at all
            release = set(cards) - set(comment_refs(earlier[name]))
            assert not gone or gone == release, (
                f"{name}: {len(gone)} of the {len(release)} comments of a release of {K} "
                f"vanished, dated as given before the others: {texts}"
            )
        else:  # the individual export blanks the same comments in their rows
            lost = Counter(map(tuple, before[name][1:])) - Counter(map(tuple, after[name][1:]))
            assert sum(lost.values()) in (0, 4), name  # the target's comment and 3 others
