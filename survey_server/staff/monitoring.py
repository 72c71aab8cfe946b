"""Monitoring of a campaign: published responses per unit against expected respondents, per
channel and partner, per release day, and how many are not yet published.

Counts place people too: a count that moves by one tells when someone answered, and a channel
or partner cell of one tells how. So every count here is a sum of whole *releases*
(``scoring.releases``), read from the release table alone: per unit of release, per day of
release, and per channel and partner of release — a release made while a campaign runs holds
one channel (and partner), one pooled at the close is counted as ``POOLED``. Every cell is then
0 or at least k, moves only in steps of at least k, and no cell is a total minus others that
gives back fewer. Unpublished responses are shown in bands of k per unit. A partner account
sees the releases of its own organisation's links only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from survey_server.distribution.services import reached_units
from survey_server.integrity.services import flags
from survey_server.paper.approval import pending_forms
from survey_server.responses.tables import Submission
from survey_server.scoring.releases import POOLED, Withheld, withheld_band
from survey_server.scoring.services import publish
from survey_server.staff.services import Scope, campaign_in_scope
from survey_server.units.tables import Unit

#: Channel-mix keys of paper forms typed or imported by the school itself.
SELF_TYPED = ("paper|school", "paper|import:school")


def mix_key(channel: str | None, origin: str | None) -> str:
    """How a release came in: its channel, and for paper who typed or imported it
    (``scoring.releases.ORIGIN``); a release pooled at the close counts as ``POOLED``."""
    return f"{channel or POOLED}|{origin}" if origin else channel or POOLED


@dataclass(frozen=True)
class UnitProgress:
    code: str
    name: str
    responses: int  # published: a sum of whole releases
    expected: int | None
    withheld: dict[str, int]  # unpublished responses: {"at_least", "below"} (a band of k)
    mix: dict[str, int] = field(default_factory=dict)  # published, by channel mix key

    @property
    def self_typed(self) -> float:
        """The share of its published responses the school typed or imported itself."""
        total = sum(self.mix.values())
        return sum(self.mix.get(key, 0) for key in SELF_TYPED) / total if total else 0.0

    @property
    def mostly_self_typed(self) -> bool:
        """Whether its result rests mostly on paper the school brought in itself: what the
        monitoring page and the report point out."""
        return self.self_typed > 0.5

    @property
    def rate(self) -> float | None:
        if not self.expected:
            return None
        return 100 * self.responses / self.expected


async def progress(scope: Scope, code: str, unit_code: str | None) -> dict[str, Any]:
    """Counts for the unit and each of its child units the campaign reaches."""
    campaign, unit = await campaign_in_scope(scope, code, unit_code)
    await publish(campaign)
    k = campaign["k"]
    own = scope.partner if scope.role == "partner" else None
    published = await _counts(
        "SELECT r.unit, r.channel, r.partner, r.origin, r.released_on AS day, SUM(r.size) AS n "
        "FROM response_release r WHERE r.campaign = {} "
        "AND r.unit IN (SELECT id FROM unit WHERE path LIKE {}) "
        "GROUP BY r.unit, r.channel, r.partner, r.origin, r.released_on",
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
    mixes: dict[int, Counter[str]] = defaultdict(Counter)
    waiting: Counter[int] = Counter()
    channels: Counter[str] = Counter()
    partners: Counter[str] = Counter()
    days: Counter[str] = Counter()
    for row in published:
        child = child_of(row["unit"])
        key = mix_key(row["channel"], row["origin"])
        if child is not None:
            per_child[child] += row["n"]
            mixes[child][key] += row["n"]
        mixes[unit["id"]][key] += row["n"]
        channels[row["channel"] or POOLED] += row["n"]
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
        return UnitProgress(
            code,
            name,
            n,
            expected.get(unit_id),
            Withheld(withheld_band(pending, k), k).as_json(),
            dict(mixes[unit_id]),
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
        "channels": sorted(channels.items()),
        "partners": sorted(partners.items()),
        "days": sorted(days.items()),
        "partner_view": scope.role == "partner",
        "flags": [] if scope.role == "partner" else await flags(campaign["id"], str(unit["path"])),
        "decides": scope.role == "admin"
        and str(campaign["root_unit_path"]).startswith(scope.unit_path),
        "awaiting_approval": await pending_forms(campaign["id"], str(unit["path"])),
    }


async def _counts(sql: str, campaign_id: int, path: str, partner: str | None) -> list[Any]:
    rows = await Submission.raw(sql, campaign_id, f"{path}%")
    return [row for row in rows if partner is None or row["partner"] == partner]


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """The monitoring counts for the page's polling script and the API."""

    def unit(item: UnitProgress) -> dict[str, Any]:
        rate = item.rate
        return {
            "code": item.code,
            "responses": item.responses,
            "expected": item.expected,
            "rate": None if rate is None else round(rate, 1),
            "unpublished": item.withheld,
            "mix": item.mix,
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
