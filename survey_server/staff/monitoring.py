"""Monitoring of a campaign: published responses per unit against expected respondents, per
channel and partner, per release day, and how many are not yet published.

Counts place people too: a count that moves by one tells when someone answered, and a channel
or partner cell of one tells how. So every count here is of *published* responses — grouped by
the unit and day of their release (``scoring.releases``), which move only in steps of at least
k — with channel, partner and day cells under k withheld, and complementary cells withheld so
that no withheld cell is the total minus the others. Unpublished responses are shown in bands of
k per unit. A partner account sees the counts of its own organisation's links only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis.suppression import suppress
from survey_server.distribution.services import reached_units
from survey_server.responses.tables import Submission
from survey_server.scoring.releases import Withheld, withheld_band
from survey_server.scoring.services import publish
from survey_server.staff.services import Scope, campaign_in_scope
from survey_server.units.tables import Unit

TOTAL = "\0total"


@dataclass(frozen=True)
class UnitProgress:
    code: str
    name: str
    responses: int | None  # published; None when withheld (under k)
    expected: int | None
    withheld: dict[str, int]  # unpublished responses: {"at_least", "below"} (a band of k)

    @property
    def rate(self) -> float | None:
        if self.responses is None or not self.expected:
            return None
        return 100 * self.responses / self.expected


async def progress(scope: Scope, code: str, unit_code: str | None) -> dict[str, Any]:
    """Counts for the unit and each of its child units the campaign reaches."""
    campaign, unit = await campaign_in_scope(scope, code, unit_code)
    await publish(campaign)
    k = campaign["k"]
    own = scope.partner if scope.role == "partner" else None
    published = await _counts(
        "SELECT r.unit, s.channel, s.partner, r.released_on AS day, COUNT(*) AS n "
        "FROM submission s JOIN response_release r ON r.id = s.released_in "
        "WHERE s.campaign = {} AND r.unit IN (SELECT id FROM unit WHERE path LIKE {}) "
        "GROUP BY r.unit, s.channel, s.partner, r.released_on",
        campaign["id"],
        unit["path"],
        own,
    )
    unpublished = await _counts(
        "SELECT s.unit, s.channel, s.partner, NULL AS day, COUNT(*) AS n FROM submission s "
        "WHERE s.campaign = {} AND s.released_in IS NULL "
        "AND s.unit IN (SELECT id FROM unit WHERE path LIKE {}) GROUP BY s.unit, s.channel, s.partner",
        campaign["id"],
        unit["path"],
        own,
    )
    units = await Unit.select(
        Unit.id, Unit.code, Unit.name, Unit.path, Unit.parent, Unit.expected_respondents
    ).where(Unit.path.like(f"{unit['path']}%"))
    reached = await reached_units(campaign["id"])
    by_id = {row["id"]: row for row in units}
    children = [row for row in units if row["parent"] == unit["id"] and row["id"] in reached]

    def child_of(unit_id: int) -> int | None:
        path = str(by_id[unit_id]["path"])
        return next((c["id"] for c in children if path.startswith(str(c["path"]))), None)

    per_child: Counter[int] = Counter()
    waiting: Counter[int] = Counter()
    channels: Counter[str] = Counter()
    partners: Counter[str] = Counter()
    days: Counter[str] = Counter()
    for row in published:
        child = child_of(row["unit"])
        if child is not None:
            per_child[child] += row["n"]
        channels[row["channel"]] += row["n"]
        if row["partner"]:
            partners[row["partner"]] += row["n"]
        days[str(row["day"])] += row["n"]
    for row in unpublished:
        child = child_of(row["unit"])
        if child is not None:
            waiting[child] += row["n"]
    total = sum(days.values())
    expected = _expected(units, reached)

    def counted(unit_id: int, code: str, name: str, n: int, pending: int) -> UnitProgress:
        shown = n if n == 0 or n >= k else None  # under k: a partner's cell, never a release
        return UnitProgress(
            code,
            name,
            shown,
            expected.get(unit_id),
            Withheld(withheld_band(pending, k), k).as_json(),
        )

    return {
        "campaign": campaign,
        "unit": unit,
        "k": k,
        "total": counted(
            unit["id"], unit["code"], unit["name"], total, sum(r["n"] for r in unpublished)
        ),
        "children": [
            counted(c["id"], c["code"], c["name"], per_child[c["id"]], waiting[c["id"]])
            for c in sorted(children, key=lambda c: c["name"])
        ],
        "channels": breakdown(channels, total, k),
        "partners": breakdown(partners, total, k),
        "days": breakdown(days, total, k),
        "partner_view": scope.role == "partner",
    }


async def _counts(sql: str, campaign_id: int, path: str, partner: str | None) -> list[Any]:
    rows = await Submission.raw(sql, campaign_id, f"{path}%")
    return [row for row in rows if partner is None or row["partner"] == partner]


def breakdown(cells: Mapping[str, int], total: int, k: int) -> list[tuple[str, int | None]]:
    """The cells of a total, sorted, each ``None`` when withheld: under k, or the one that the
    total minus the shown cells would give back (``analysis.suppression``)."""
    counts = {TOTAL: total, **cells}
    parents: dict[str, str | None] = {name: TOTAL for name in cells}
    parents[TOTAL] = None
    hidden = suppress(counts, parents, k)
    return [(name, None if name in hidden else n) for name, n in sorted(cells.items()) if n]


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """The monitoring counts for the page's polling script and the API; ``null`` is a count
    withheld because it is under k (or would give one back)."""

    def unit(item: UnitProgress) -> dict[str, Any]:
        rate = item.rate
        return {
            "code": item.code,
            "responses": item.responses,
            "expected": item.expected,
            "rate": None if rate is None else round(rate, 1),
            "unpublished": item.withheld,
        }

    return {
        "campaign": data["campaign"]["code"],
        "k": data["k"],
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
