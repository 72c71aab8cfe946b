"""Live monitoring of a campaign: responses per unit against expected respondents, per channel
and partner, per day.

Only counts of responses are shown here, never answers, so they are not suppressed; a partner
account sees the counts of its own organisation's links only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from survey_server.distribution.services import reached_units
from survey_server.responses.tables import Submission
from survey_server.staff.services import Scope, campaign_in_scope
from survey_server.units.tables import Unit


@dataclass(frozen=True)
class UnitProgress:
    code: str
    name: str
    responses: int
    expected: int | None

    @property
    def rate(self) -> float | None:
        return 100 * self.responses / self.expected if self.expected else None


async def progress(scope: Scope, code: str, unit_code: str | None) -> dict[str, Any]:
    """Counts for the unit and each of its child units the campaign reaches."""
    campaign, unit = await campaign_in_scope(scope, code, unit_code)
    rows = await Submission.raw(
        "SELECT unit, channel, partner, submitted_on, COUNT(*) AS n FROM submission "
        "WHERE campaign = {} AND unit IN (SELECT id FROM unit WHERE path LIKE {}) "
        "GROUP BY unit, channel, partner, submitted_on",
        campaign["id"],
        f"{unit['path']}%",
    )
    if scope.role == "partner":
        rows = [row for row in rows if row["partner"] == scope.partner]
    units = await Unit.select(
        Unit.id, Unit.code, Unit.name, Unit.path, Unit.parent, Unit.expected_respondents
    ).where(Unit.path.like(f"{unit['path']}%"))
    reached = await reached_units(campaign["id"])
    by_id = {row["id"]: row for row in units}
    children = [row for row in units if row["parent"] == unit["id"] and row["id"] in reached]
    per_child: Counter[int] = Counter()
    channels: Counter[str] = Counter()
    partners: Counter[str] = Counter()
    days: Counter[str] = Counter()
    for row in rows:
        path = str(by_id[row["unit"]]["path"])
        child = next((c["id"] for c in children if path.startswith(str(c["path"]))), None)
        if child is not None:
            per_child[child] += row["n"]
        channels[row["channel"]] += row["n"]
        if row["partner"]:
            partners[row["partner"]] += row["n"]
        days[str(row["submitted_on"])] += row["n"]
    expected = _expected(units, reached)
    return {
        "campaign": campaign,
        "unit": unit,
        "total": UnitProgress(
            unit["code"], unit["name"], sum(days.values()), expected.get(unit["id"])
        ),
        "children": [
            UnitProgress(c["code"], c["name"], per_child[c["id"]], expected.get(c["id"]))
            for c in sorted(children, key=lambda c: c["name"])
        ],
        "channels": sorted(channels.items()),
        "partners": sorted(partners.items()),
        "days": sorted(days.items()),
        "partner_view": scope.role == "partner",
    }


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """The monitoring counts for the page's polling script and the API."""

    def unit(item: UnitProgress) -> dict[str, Any]:
        rate = item.rate
        return {
            "code": item.code,
            "responses": item.responses,
            "expected": item.expected,
            "rate": None if rate is None else round(rate, 1),
        }

    return {
        "campaign": data["campaign"]["code"],
        "unit": unit(data["total"]),
        "children": [unit(child) for child in data["children"]],
        "channels": dict(data["channels"]),
        "partners": dict(data["partners"]),
        "days": dict(data["days"]),
    }


def _expected(units: list[dict[str, Any]], reached: set[int]) -> dict[int, int]:
    """Expected respondents of each reached unit: its own figure, else its children's sum."""
    children: dict[int, list[int]] = defaultdict(list)
    for row in units:
        if row["id"] in reached and row["parent"] is not None:
            children[row["parent"]].append(row["id"])
    by_id = {row["id"]: row for row in units}
    memo: dict[int, int] = {}

    def total(unit_id: int) -> int:
        if unit_id not in memo:
            own = by_id[unit_id]["expected_respondents"]
            memo[unit_id] = own if own else sum(total(c) for c in children.get(unit_id, []))
        return memo[unit_id]

    return {unit_id: total(unit_id) for unit_id in by_id if unit_id in reached}
