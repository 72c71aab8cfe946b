"""``GET /api/v1/campaigns/{code}/scores``: behind the session, scoped to the user's subtree,
the same numbers as the scoring service (both engines)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.scoring.services import campaign_scores
from survey_server.staff.services import create_user
from survey_server.units.tables import Unit
from tests.conftest import Database
from tests.staff import PASSWORD, sign_in

CAMPAIGN = "HL-PT-2026"
URL = f"/api/v1/campaigns/{CAMPAIGN}/scores"


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_demo(settings, responses=700)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("mttq.lechan", "partner", "XA-LECHAN", PASSWORD, "Ủy ban MTTQ phường Lê Chân")


async def current(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """The view once it is not ``pending``: on a loaded machine the first view may be given an
    earlier scoring (one made at start-up, before the demo's responses were published) while
    the campaign is scored again, as designed."""
    for _ in range(600):
        view = (await client.get(url)).json()
        if not view.get("pending"):
            return view
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} still pending")


async def test_without_a_session_the_api_answers_401(
    client: httpx.AsyncClient, province: None
) -> None:
    response = await client.get(URL)
    assert response.status_code == 401
    assert response.json()["message"] == "Vui lòng đăng nhập để tiếp tục."


async def test_administrator_reads_the_province_and_any_unit(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "so.admin")
    whole = await current(client, URL)
    assert whole == await campaign_scores(CAMPAIGN)
    assert whole["unit"] == "SO-HP" and whole["n"] > 0
    school = (await client.get(URL, params={"unit": "TH-LC1"})).json()
    assert school["unit"] == "TH-LC1"


@pytest.mark.parametrize(
    ("user", "allowed", "refused"),
    [
        ("pgd.lechan", ["XA-LECHAN", "TH-LC1", None], ["SO-HP", "XA-ANLAO", "TH-AL1"]),
        ("ht.th-lc1", ["TH-LC1", None], ["SO-HP", "XA-LECHAN", "TH-LC2"]),
    ],
)
async def test_each_role_reaches_exactly_its_subtree(
    client: httpx.AsyncClient, province: None, user: str, allowed: list, refused: list
) -> None:
    await sign_in(client, user)
    for unit in allowed:
        response = await client.get(URL, params={"unit": unit} if unit else {})
        assert response.status_code == 200, (user, unit)
    unknown = await client.get(URL, params={"unit": "KHONG-CO"})
    for unit in refused:
        response = await client.get(URL, params={"unit": unit})
        assert response.status_code == 404, (user, unit)
        assert response.json() == unknown.json()  # outside the scope looks like nothing at all
    other = await client.get("/api/v1/campaigns/KHONG-CO/scores")
    assert other.status_code == 404 and other.json() == unknown.json()


async def test_a_principal_sees_its_school_by_default(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "ht.th-lc1")
    body = (await client.get(URL)).json()
    assert body["unit"] == "TH-LC1"
    assert set(body.get("groups", {})) <= {"TH-LC1"}


async def test_partners_read_no_scores(client: httpx.AsyncClient, province: None) -> None:
    await sign_in(client, "mttq.lechan")
    response = await client.get(URL, params={"unit": "XA-LECHAN"})
    assert response.status_code == 403


async def test_the_route_is_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/campaigns/{code}/scores" in schema["paths"]


async def test_depth_keeps_the_levels_asked_for_and_nothing_else(
    client: httpx.AsyncClient, province: None
) -> None:
    """A ministry's subtree has tens of thousands of units: ``depth`` gives a dashboard what it
    shows (the unit and its children) without the whole tree. Each depth is a slice of the same
    view, never a group it withholds; a principal's depth stays inside its school."""
    await sign_in(client, "so.admin")
    whole = await current(client, URL)
    paths = {row["code"]: row["path"] for row in await Unit.select(Unit.code, Unit.path)}
    top = paths["SO-HP"].count("/")
    for depth in (0, 1, 2):
        sliced = (await client.get(URL, params={"depth": depth})).json()
        kept = {code for code in whole["groups"] if paths[code].count("/") <= top + depth}
        assert set(sliced["groups"]) == kept
        assert all(sliced["groups"][code] == whole["groups"][code] for code in kept)
        assert {k: v for k, v in sliced.items() if k != "groups"} == {
            k: v for k, v in whole.items() if k != "groups"
        }
    assert set((await client.get(URL, params={"depth": 1})).json()["groups"]) > {"SO-HP"}
    for bad in ("-1", "abc", "21", "1.5"):
        response = await client.get(URL, params={"depth": bad})
        assert response.status_code == 400, bad
        assert [e["field"] for e in response.json()["errors"]] == ["depth"]
    await sign_in(client, "ht.th-lc1")
    assert set((await client.get(URL, params={"depth": 5})).json().get("groups", {})) <= {"TH-LC1"}
