"""Reading the unit tree for the workspace: a unit with its chain of parents and its children,
and search by name (without diacritics: "le chan" finds "Lê Chân") or by code.

Everything is read inside a subtree (the account's scope); a unit outside it is not found,
exactly like one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from survey_server.errors import NotFound
from survey_server.staff.comments import fold, matches
from survey_server.units.services import get_unit
from survey_server.units.tables import Unit
from survey_server.units.usage import campaigns_by_path

#: How many units a search lists (a longer list is refined by typing more).
SEARCH_LIMIT = 50
QUERY_LENGTH = 80


@dataclass(frozen=True)
class UnitView:
    """A unit as its page shows it: the chain of parents inside the scope, the unit, the code
    of its successor and what its children are."""

    unit: dict[str, Any]
    parents: list[dict[str, Any]]
    successor: str | None
    children: list[dict[str, Any]]
    campaigns: int


async def unit_in(scope_path: str, code: str) -> dict[str, Any]:
    """The unit ``code`` inside the subtree, or ``NotFound``."""
    try:
        unit = await get_unit(code)
    except NotFound:
        raise NotFound() from None
    if not str(unit["path"]).startswith(scope_path):
        raise NotFound()
    return unit


async def view_unit(scope_path: str, unit: dict[str, Any]) -> UnitView:
    """``unit`` (inside the scope) with its parents inside the scope, its children (with the
    number of campaigns that concern each) and its own number of campaigns."""
    ids = [int(part) for part in str(unit["path"]).strip("/").split("/")[:-1]]
    parents = [
        row
        for row in await Unit.select(Unit.code, Unit.name, Unit.path)
        .where(Unit.id.is_in(ids or [0]))
        .order_by(Unit.depth)
        if str(row["path"]).startswith(scope_path)
    ]
    children = await (
        Unit.select(
            Unit.code,
            Unit.name,
            Unit.kind,
            Unit.level,
            Unit.path,
            Unit.expected_respondents,
            Unit.valid_from,
            Unit.valid_to,
            Unit.successor.code.as_alias("successor_code"),
        )
        .where(Unit.parent == unit["id"])
        .order_by(Unit.kind)
        .order_by(Unit.name)
    )
    paths = [str(unit["path"])] + [str(child["path"]) for child in children]
    counts = await campaigns_by_path(str(unit["path"]), paths)
    for child in children:
        child["campaigns"] = len(counts[str(child["path"])])
    successor = None
    if unit["successor"] is not None:
        row = await Unit.select(Unit.code).where(Unit.id == unit["successor"]).first()
        successor = row["code"] if row else None
    return UnitView(unit, parents, successor, children, len(counts[str(unit["path"])]))


async def search_units(scope_path: str, query: str) -> list[dict[str, Any]]:
    """Units of the subtree whose code contains the query, or whose name contains every word
    of it, diacritics and case aside; codes first, then names, at most ``SEARCH_LIMIT``."""
    wanted = fold(query[:QUERY_LENGTH])
    if not wanted:
        return []
    code = query.strip().upper()
    rows = await Unit.select(
        Unit.code,
        Unit.name,
        Unit.kind,
        Unit.level,
        Unit.valid_to,
        Unit.parent.name.as_alias("parent_name"),
    ).where(Unit.path.like(f"{scope_path}%"))
    by_code = [row for row in rows if code and code in row["code"]]
    coded = {row["code"] for row in by_code}
    by_name = [
        row for row in rows if row["code"] not in coded and matches(fold(row["name"]), wanted)
    ]
    found = sorted(by_code, key=lambda row: (row["code"] != code, row["code"]))
    found += sorted(by_name, key=lambda row: (row["valid_to"] is not None, row["name"]))
    return found[:SEARCH_LIMIT]
