"""Imported results in the workspace: the top office reads the roll-up of the packages, unit by
unit, from the stored roll-up; an office below it, a principal or a partner reads nothing; a
group the page is asked for that no package holds is not found (both engines)."""

from __future__ import annotations

import httpx
import pytest

from survey_server.results.merge import current_rollup
from survey_server.results.tables import StoredRollup
from survey_server.staff.services import create_user
from tests.staff import PASSWORD, sign_in


async def test_the_top_office_reads_the_rollup_unit_by_unit(
    imported: dict[str, object], client: httpx.AsyncClient
) -> None:
    assert await StoredRollup.count() == 1  # made by the import, read by the page
    rollup = await current_rollup()
    await create_user("bo.canbo", "staff", "SO-HP", PASSWORD)
    await sign_in(client, "bo.canbo")

    home = await client.get("/staff")
    assert 'href="/staff/results"' in home.text
    page = await client.get("/staff/results")
    assert page.status_code == 200
    overall = rollup.scores["overall"]["index"]
    assert f"{overall:.1f}".replace(".", ",") in page.text
    # each package's root is a unit under the whole, and links on by its key
    root = imported["payload"]["root"]  # type: ignore[index]
    assert f'href="?unit={root}"' in page.text
    assert rollup.units[root]["name"] in page.text

    child = next(
        key for key, group in rollup.scores["groups"].items() if group.get("parent") == root
    )
    unit_page = await client.get("/staff/results", params={"unit": child})
    assert unit_page.status_code == 200
    assert rollup.units[child]["name"] in unit_page.text
    assert f"{child.split('/')[0]}%2F" not in unit_page.text or "?unit=" in unit_page.text
    assert (
        await client.get("/staff/results", params={"unit": "SO-HP/KHONG-CO"})
    ).status_code == 404


@pytest.mark.parametrize(
    ("role", "unit"), [("admin", "XA-LECHAN"), ("principal", "TH-LC1"), ("partner", "SO-HP")]
)
async def test_no_one_below_the_top_office_reads_it(
    imported: dict[str, object], client: httpx.AsyncClient, role: str, unit: str
) -> None:
    await create_user(
        "nguoi.khac", role, unit, PASSWORD, "Hội Phụ nữ thành phố" if role == "partner" else None
    )
    await sign_in(client, "nguoi.khac")
    assert 'href="/staff/results"' not in (await client.get("/staff")).text
    assert (await client.get("/staff/results")).status_code == 403


async def test_a_new_package_set_is_rolled_up_again(imported: dict[str, object]) -> None:
    """The stored roll-up names the packages it was made from: when they change, it is made
    again rather than served stale."""
    first = await current_rollup()
    await StoredRollup.update({StoredRollup.digest: "0" * 64}, force=True)
    again = await current_rollup()
    assert again.scores == first.scores
    assert [row["digest"] for row in await StoredRollup.select(StoredRollup.digest)] != ["0" * 64]


async def test_a_page_never_assembles_the_rollup_itself(
    imported: dict[str, object], client: httpx.AsyncClient
) -> None:
    """A stale stored roll-up is not rebuilt by a request (a nation's tallies would hold the
    event loop): the page says how to roll up again, and the command does it."""
    await StoredRollup.update({StoredRollup.digest: "0" * 64}, force=True)
    await create_user("bo.canbo2", "staff", "SO-HP", PASSWORD)
    await sign_in(client, "bo.canbo2")
    page = await client.get("/staff/results")
    assert page.status_code == 200 and "results scores" in page.text
    assert [row["digest"] for row in await StoredRollup.select(StoredRollup.digest)] == ["0" * 64]
