"""Who reaches what: every workspace route for each role, inside and outside its scope.

Like pretix's permission tests, a table of (route, expected status per role). Outside its
scope a user gets 404 (or 403 for what its role never does) and learns nothing more: the body
of a refused request is the same whatever lies behind it. Both engines.
"""

from __future__ import annotations

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.staff.services import create_user
from tests.conftest import Database
from tests.staff import PASSWORD, sign_in

C = "/staff/campaigns/HL-PT-2026"
API = "/api/v1/campaigns/HL-PT-2026"
REPORT = "/api/v1/reports?campaign=HL-PT-2026&format=md"
ROLES = ("admin", "staff", "principal", "partner", "anonymous")
USERS = {
    "admin": ("so.admin", "admin", "SO-HP", None),
    "staff": ("pgd.lechan", "staff", "XA-LECHAN", None),
    "principal": ("ht.th-lc1", "principal", "TH-LC1", None),
    "partner": ("mttq.lechan", "partner", "XA-LECHAN", "Ủy ban MTTQ phường Lê Chân"),
}
#: route → statuses for admin, staff (XA-LECHAN), principal (TH-LC1), partner (XA-LECHAN), anonymous
MATRIX: list[tuple[str, tuple[int, int, int, int, int]]] = [
    ("/staff/", (200, 200, 200, 200, 303)),
    ("/staff/password", (200, 200, 200, 200, 303)),
    ("/staff/setup", (404, 404, 404, 404, 404)),  # gone once there is an administrator
    (f"{C}", (200, 200, 200, 403, 303)),
    (f"{C}?unit=TH-LC1", (200, 200, 200, 403, 303)),
    (f"{C}?unit=TH-LC2", (200, 200, 404, 403, 303)),
    (f"{C}?unit=TH-AL1", (200, 404, 404, 403, 303)),
    (f"{C}?unit=SO-HP", (200, 404, 404, 403, 303)),
    (f"{C}/monitor?unit=TH-LC1", (200, 200, 200, 200, 303)),
    (f"{C}/monitor?unit=TH-AL1", (200, 404, 404, 404, 303)),
    (f"{C}/comments?unit=TH-LC1", (200, 200, 200, 404, 303)),
    (f"{C}/comments?unit=TH-AL1", (200, 404, 404, 404, 303)),
    (f"{C}/export.csv?unit=TH-LC1", (200, 200, 200, 403, 303)),
    (f"{C}/export.xlsx?unit=TH-AL1", (200, 404, 404, 403, 303)),
    (f"{C}/export.csv?unit=TH-LC1&kind=responses", (200, 403, 403, 403, 303)),
    (f"{C}/export.xlsx?unit=TH-LC1&kind=responses", (200, 403, 403, 403, 303)),
    (f"{C}/distribution", (200, 200, 200, 200, 303)),
    (f"{C}/edit", (200, 404, 403, 403, 303)),
    ("/staff/campaigns/new", (200, 200, 403, 403, 303)),
    (f"{API}/scores?unit=TH-LC1", (200, 200, 200, 403, 401)),
    (f"{API}/scores?unit=TH-AL1", (200, 404, 404, 403, 401)),
    (f"{API}/progress?unit=TH-LC1", (200, 200, 200, 200, 401)),
    (f"{API}/progress?unit=TH-AL1", (200, 404, 404, 404, 401)),
    ("/api/v1/campaigns/KHONG-CO/scores", (404, 404, 404, 403, 401)),
    ("/staff/reports", (200, 200, 200, 403, 303)),
    ("/staff/results", (200, 403, 403, 403, 303)),  # the top office's, packages or not
    ("/staff/letterhead", (200, 200, 200, 403, 303)),
    ("/staff/letterhead?unit=SO-HP", (200, 404, 404, 403, 303)),
    ("/staff/letterhead?unit=XA-LECHAN", (200, 200, 404, 403, 303)),
    ("/staff/letterhead?unit=TH-LC1", (200, 403, 200, 403, 303)),
    ("/staff/letterhead?unit=TH-AL1", (200, 404, 404, 403, 303)),
    ("/staff/letterhead?unit=TH-LC1-1A", (403, 403, 403, 403, 303)),
    ("/staff/units", (200, 200, 200, 403, 303)),
    ("/staff/units?unit=TH-LC1", (200, 200, 200, 403, 303)),
    ("/staff/units?unit=XA-LECHAN", (200, 200, 404, 403, 303)),
    ("/staff/units?unit=TH-AL1", (200, 404, 404, 403, 303)),
    ("/staff/units?unit=SO-HP", (200, 404, 404, 403, 303)),
    ("/staff/units/edit?unit=TH-LC1", (200, 200, 403, 403, 303)),
    ("/staff/units/edit?unit=XA-LECHAN", (200, 403, 403, 403, 303)),
    ("/staff/units/edit?unit=TH-AL1", (200, 404, 403, 403, 303)),
    ("/staff/units/import", (200, 403, 403, 403, 303)),
    ("/staff/units/merge", (200, 403, 403, 403, 303)),
    ("/staff/units/rename?unit=TH-AL1", (200, 403, 403, 403, 303)),
    (f"{C}/paper", (200, 200, 200, 200, 303)),
    (f"{C}/paper?unit=TH-AL1", (200, 404, 404, 404, 303)),
    (f"{C}/entry?unit=TH-LC1&batch=B1&entry_pass=0", (200, 200, 200, 200, 303)),
    (f"{C}/entry?unit=TH-AL1&batch=B1&entry_pass=0", (200, 404, 404, 404, 303)),
    (f"{C}/batches/B1?unit=TH-AL1", (404, 404, 404, 404, 303)),  # a batch nobody typed
    (f"{C}/batches/B1?unit=TH-LC1", (404, 404, 404, 404, 303)),
    (f"{C}/paper.pdf?unit=TH-AL1&copies=1", (200, 404, 404, 404, 303)),
    (f"{C}/paper-template.csv", (200, 200, 200, 200, 303)),
    (f"{REPORT}&unit=TH-LC1", (200, 200, 200, 403, 401)),
    (f"{REPORT}&unit=XA-LECHAN", (200, 200, 404, 403, 401)),
    (f"{REPORT}&unit=TH-AL1", (200, 404, 404, 403, 401)),
    ("/staff/questionnaires", (200, 200, 403, 403, 303)),
    ("/staff/questionnaires/new", (200, 200, 403, 403, 303)),
    ("/staff/questionnaires/import", (200, 200, 403, 403, 303)),
    ("/staff/questionnaires/mot-cua/compare", (200, 200, 403, 403, 303)),
    ("/staff/questionnaires/mot-cua/1/export.yaml", (200, 200, 403, 403, 303)),
    ("/staff/questionnaires/mot-cua/1/export.xlsx", (200, 200, 403, 403, 303)),
    ("/staff/questionnaires/drafts/1", (404, 404, 403, 403, 303)),  # nobody's draft
    ("/staff/questionnaires/drafts/1/preview", (404, 404, 403, 403, 303)),
    ("/staff/accounts", (200, 200, 403, 403, 303)),
    ("/staff/accounts/setup", (200, 200, 403, 403, 303)),
    ("/staff/account/ht.th-lc1", (200, 200, 403, 403, 303)),
    ("/staff/account/so.admin", (200, 404, 403, 403, 303)),
    ("/staff/account/mttq.lechan", (200, 404, 403, 403, 303)),
    ("/staff/account/khong.co.ai", (404, 404, 403, 403, 303)),
    ("/staff/audit", (200, 403, 403, 403, 303)),
]


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_demo(settings, responses=300)
    for username, role, unit, partner in USERS.values():
        await create_user(username, role, unit, PASSWORD, partner)


async def test_every_role_reaches_exactly_its_routes(
    client: httpx.AsyncClient, province: None
) -> None:
    failures = []
    not_found_bodies: dict[str, set[bytes]] = {}
    for column, role in enumerate(ROLES):
        client.cookies.clear()
        if role != "anonymous":
            assert (await sign_in(client, USERS[role][0])).status_code == 303
        for route, statuses in MATRIX:
            response = await client.get(route)
            if response.status_code != statuses[column]:
                failures.append((role, route, response.status_code, statuses[column]))
            if response.status_code == 404:
                kind = "api" if route.startswith("/api/") else "page"
                not_found_bodies.setdefault(f"{role}-{kind}", set()).add(response.content)
    assert not failures, failures
    for key, bodies in not_found_bodies.items():
        assert len(bodies) == 1, key  # outside the scope looks the same as nothing at all
