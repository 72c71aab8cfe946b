"""Publishing a campaign's responses in releases of at least k respondents (DESIGN §4, "across
time too"; the rule is ``analysis.release``).

Every reader of results — scores, the dashboard, counts, comments, exports, public pages and the
report — reads released responses only, grouped by the unit of their release. ``refresh`` makes
the releases that are due; it runs before any of those is read, in whichever server process asks
first, and is safe to run in several at once: a release takes its responses with one guarded
``UPDATE`` and is rolled back when a concurrent one took them first and fewer than k are left.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analysis.release import Band, Cut, plan_releases, withheld_band
from survey_server.responses.tables import Release, Submission
from survey_server.timekeeping import today

OFFICE_TIMEZONE = "Asia/Ho_Chi_Minh"

logger = logging.getLogger(__name__)


class _TakenMeanwhile(Exception):
    """Another process released some of these responses first: undo this release."""


def has_ended(campaign: dict[str, Any], timezone: str = OFFICE_TIMEZONE) -> bool:
    """A campaign has ended when it is closed or its last day is past: its leftovers pool."""
    return campaign["status"] == "closed" or campaign["closes_on"] < today(timezone)


async def refresh(
    campaign: dict[str, Any], units: Sequence[dict[str, Any]], timezone: str = OFFICE_TIMEZONE
) -> int:
    """Make the releases that are due for ``campaign`` over its unit tree ``units`` (rows with
    ``id`` and ``parent``, the campaign's root first); how many responses they published."""
    pending = await _pending(campaign["id"])
    if not pending:
        return 0
    index = {row["id"]: i for i, row in enumerate(units)}
    parents = [index.get(row["parent"], -1) if i else -1 for i, row in enumerate(units)]
    counts = [0] * len(units)
    newest = 0
    for unit_id, (count, last) in pending.items():
        if unit_id in index:  # a response outside the campaign's tree is never published
            counts[index[unit_id]] = count
            newest = max(newest, last)
    cuts = plan_releases(parents, counts, campaign["k"], ended=has_ended(campaign, timezone))
    published = 0
    for cut in cuts:
        published += await _release(campaign, units, cut, newest, today(timezone))
    return published


async def _pending(campaign_id: int) -> dict[int, tuple[int, int]]:
    """Unit id → (unpublished responses, the newest one's id), read along the release index."""
    rows = await Submission.raw(
        "SELECT unit, COUNT(*) AS n, MAX(id) AS last FROM submission "
        "WHERE released_in IS NULL AND campaign = {} GROUP BY unit",
        campaign_id,
    )
    return {row["unit"]: (row["n"], row["last"]) for row in rows}


async def _release(
    campaign: dict[str, Any], units: Sequence[dict[str, Any]], cut: Cut, newest: int, day: Any
) -> int:
    """Publish the cut's responses (up to ``newest``, the ones it was planned on) as one release."""
    members = ", ".join(str(int(units[m]["id"])) for m in cut.members)
    try:
        async with Release._meta.db.transaction():
            row = (
                await Release.insert(
                    Release(
                        campaign=campaign["id"],
                        unit=units[cut.node]["id"],
                        released_on=day,
                        size=0,
                    )
                ).returning(Release.id)
            )[0]
            release_id = row["id"]
            await Submission.raw(
                "UPDATE submission SET released_in = {} WHERE released_in IS NULL "
                f"AND campaign = {{}} AND unit IN ({members}) AND id <= {{}}",
                release_id,
                campaign["id"],
                newest,
            )
            taken = await Submission.count().where(Submission.released_in == release_id)
            if taken < campaign["k"]:
                raise _TakenMeanwhile
            await Release.update({Release.size: taken}).where(Release.id == release_id)
    except _TakenMeanwhile:
        return 0
    logger.info("campaign.released campaign=%s size=%s", campaign["id"], taken)
    return taken


async def newest_release(campaign_id: int) -> int:
    """The id of the campaign's newest release (0 before the first): what its scores rest on."""
    rows = await Release.raw(
        "SELECT MAX(id) AS last FROM response_release WHERE campaign = {}", campaign_id
    )
    return rows[0]["last"] or 0


async def released_after(campaign_id: int, release_id: int) -> int:
    """How many responses the releases after ``release_id`` published."""
    rows = await Release.raw(
        "SELECT COALESCE(SUM(size), 0) AS n FROM response_release WHERE campaign = {} AND id > {}",
        campaign_id,
        release_id,
    )
    return int(rows[0]["n"])


@dataclass(frozen=True)
class Withheld:
    """The unpublished responses of a subtree, as the band of ``k`` they fall in."""

    band: Band
    k: int

    def as_json(self) -> dict[str, int]:
        return {"at_least": self.band.low, "below": self.band.below}


async def withheld(campaign: dict[str, Any], unit_path: str) -> Withheld:
    """How many responses of a unit's subtree are not yet published, in a band of k."""
    rows = await Submission.raw(
        "SELECT COUNT(*) AS n FROM submission WHERE released_in IS NULL AND campaign = {} "
        "AND unit IN (SELECT id FROM unit WHERE path LIKE {})",
        campaign["id"],
        f"{unit_path}%",
    )
    return Withheld(withheld_band(int(rows[0]["n"]), campaign["k"]), campaign["k"])
