"""Answers the link gives: a primary school's link never asks the school level, stores it, and
refuses a different level sent by hand; a link that cannot know the level still asks it."""

from __future__ import annotations

import json

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.services import add_link, forget_links, list_links
from survey_server.responses.tables import Submission
from survey_server.units.tables import Unit
from tests.conftest import Database, new_id

URL = "/api/v1/responses"


@pytest.fixture
async def links(settings: Settings, db: Database) -> dict[str, str]:
    """Unit code → its first link of the satisfaction campaign; ``DT`` → the consultation's."""
    await prepare_demo(settings, responses=0)
    found: dict[str, str] = {}
    for row in await list_links("HL-PT-2026"):
        found.setdefault(row["unit"], row["code"])
    found["DT"] = await add_link("DT-2026", "XA-LECHAN", "web")  # a commune-wide link
    return found


async def stored() -> list[dict[str, object]]:
    return [json.loads(row["answers"]) for row in await Submission.select(Submission.answers)]


async def post(client: httpx.AsyncClient, link: str, answers: dict[str, object]) -> httpx.Response:
    return await client.post(
        URL, json={"link": link, "submission_id": new_id(), "answers": answers}
    )


async def test_the_level_of_a_primary_school_comes_from_its_link(
    client: httpx.AsyncClient, links: dict[str, str]
) -> None:
    page = await client.get(f"/s/{links['TH-LC1']}")
    assert page.status_code == 200 and 'id="q-cap_hoc"' not in page.text
    assert (await post(client, links["TH-LC1"], {"tc1": 4})).status_code == 201
    assert (
        await post(client, links["TH-LC1"], {"tc1": 3, "cap_hoc": "tieu_hoc"})
    ).status_code == 201
    assert (await post(client, links["THCS-LC1"], {"tc1": 5})).status_code == 201
    assert await stored() == [
        {"tc1": 4, "cap_hoc": "tieu_hoc"},
        {"tc1": 3, "cap_hoc": "tieu_hoc"},
        {"tc1": 5, "cap_hoc": "thcs"},
    ]


async def test_another_level_sent_by_hand_is_refused(
    client: httpx.AsyncClient, links: dict[str, str]
) -> None:
    """Counting a primary school's parent as a lower-secondary one would move both levels'
    figures: the answer is refused with a message, and nothing is stored."""
    refused = await post(client, links["TH-LC1"], {"tc1": 4, "cap_hoc": "thcs"})
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("cap_hoc", "given_by_link")
    ]
    assert "chỉ có một cấp học" in refused.json()["errors"][0]["message"]
    # plain HTML form posted by hand: the same refusal, on the page
    page = await client.get(f"/s/{links['TH-LC1']}")
    token = page.text.split('name="form_token" value="')[1].split('"')[0]
    posted = await client.post(
        f"/s/{links['TH-LC1']}",
        data={"submission_id": new_id(), "form_token": token, "tc1": "4", "cap_hoc": "thpt"},
    )
    assert posted.status_code == 422 and "chỉ có một cấp học" in posted.text
    assert await stored() == []


async def test_the_level_alone_is_not_a_response(
    client: httpx.AsyncClient, links: dict[str, str]
) -> None:
    for answers in ({}, {"cap_hoc": "tieu_hoc"}):
        refused = await post(client, links["TH-LC1"], answers)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "empty"
    assert await stored() == []


async def test_a_link_that_cannot_know_the_level_asks_it(
    client: httpx.AsyncClient, links: dict[str, str]
) -> None:
    """The consultation's commune-wide link and a school with several levels (liên cấp)."""
    page = await client.get(f"/s/{links['DT']}")
    assert 'id="q-cap_hoc"' in page.text
    assert (await post(client, links["DT"], {"cap_hoc": "thpt", "dy1": 4})).status_code == 201
    await Unit.update({Unit.level: "lien_cap"}).where(Unit.code == "THCS-LC2")
    forget_links()
    page = await client.get(f"/s/{links['THCS-LC2']}")
    assert 'id="q-cap_hoc"' in page.text
    assert (
        await post(client, links["THCS-LC2"], {"tc1": 2, "cap_hoc": "tieu_hoc"})
    ).status_code == 201
    assert await stored() == [{"cap_hoc": "thpt", "dy1": 4}, {"tc1": 2, "cap_hoc": "tieu_hoc"}]
