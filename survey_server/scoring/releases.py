"""Publishing a campaign's responses in releases of at least k respondents (docs/PRIVACY.md, "across
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

import anyio
import numpy as np

from analysis.quality import QualityPolicy, quality_flags
from analysis.release import Band, plan_releases, withheld_band
from survey_server.questionnaires.schema import Questionnaire
from survey_server.responses import second_pass
from survey_server.responses.tables import Release, Submission
from survey_server.scoring import worker
from survey_server.scoring.adapter import instrument_of, response_data
from survey_server.timekeeping import today

OFFICE_TIMEZONE = "Asia/Ho_Chi_Minh"

logger = logging.getLogger(__name__)


class _TakenMeanwhile(Exception):
    """Another process released some of these responses first: undo this release."""


def has_ended(campaign: dict[str, Any], timezone: str = OFFICE_TIMEZONE) -> bool:
    """A campaign has ended when it is closed or its last day is past: its leftovers pool."""
    return campaign["status"] == "closed" or campaign["closes_on"] < today(timezone)


SCREEN_BATCH = 5000
#: How long one refresh gives the scrubber's second pass before releasing what is ready.
SECOND_PASS_BUDGET = 10.0
#: The channel under which counts show releases pooled at a campaign's close, of several channels.
POOLED = "pooled"

#: What keeps an unpublished response out of every release: a paper form of a school's own
#: typing not yet approved (``held``), or its link's arrivals of that day under an integrity flag
#: that nobody has yet decided to keep (``integrity.services``).
COUNTABLE = (
    "submission.held = 0 AND NOT EXISTS (SELECT 1 FROM integrity_flag f WHERE f.link = submission.link "
    "AND f.day = submission.submitted_on AND f.status <> 'kept')"
)

#: Who brought a response in, for paper (``paper.approval``): the typist's kind — ``school``,
#: ``office``, ``partner`` — or ``import:`` and the importer's kind; empty for a response given
#: online. A release made while a campaign runs holds one origin, so that the channel mix is a
#: sum of whole releases too.
_ORIGIN = "CASE WHEN b.source = 'import' THEN 'import:' || b.typist_kind ELSE b.typist_kind END"
ORIGIN = f"COALESCE({_ORIGIN}, '')"
ORIGIN_OF_SUBMISSION = (
    f"COALESCE((SELECT {_ORIGIN} FROM paper_batch b WHERE b.id = submission.paper_batch), '')"
)

# ``submission.screened``: not yet looked at, kept, or set aside by the data-quality setting
UNSCREENED, KEPT, SET_ASIDE = 0, 1, 2


@dataclass(frozen=True)
class _Leaf:
    """The unpublished responses of one unit through one channel (and one partner's links);
    for a release, its unit and its one channel, or ``None`` when it pools several."""

    unit: int
    channel: str | None
    partner: str | None
    origin: str | None = None


async def refresh(
    campaign: dict[str, Any],
    units: Sequence[dict[str, Any]],
    questionnaire: Questionnaire | None = None,
    timezone: str = OFFICE_TIMEZONE,
) -> int:
    """Make the releases that are due for ``campaign`` over its unit tree ``units`` (rows with
    ``id`` and ``parent``, the campaign's root first); how many responses they published.

    While the campaign runs, the rule runs on the unit tree with one extra leaf under each unit
    per channel and partner its unpublished responses came through, so that each release holds
    one channel of one unit. Only responses whose free text has had the scrubber's second pass
    are published; the pass runs first, for up to ``SECOND_PASS_BUDGET`` seconds (what is left
    waits for the next refresh). Once it has ended, it runs on the unit tree itself, pooling every
    leftover of a unit and of the units below it whatever its channel (a release of several
    channels counts under ``POOLED``). A campaign that leaves flagged responses out
    (``exclude_flagged``, its ``questionnaire`` given) has them set aside first: they never
    count towards k and are never published.
    """
    if await second_pass.pending(campaign["id"]):
        database = worker.engine_url(Submission._meta.db)
        await worker.second_pass_in_child(database, campaign["id"], SECOND_PASS_BUDGET)
    if campaign["exclude_flagged"] and questionnaire is not None:
        await _screen(campaign, questionnaire)
    pending = await _pending(campaign["id"])
    index = {row["id"]: i for i, row in enumerate(units)}
    leaves = [leaf for leaf in pending if leaf.unit in index]  # others are never published
    if not leaves:
        return 0
    newest = max(pending[leaf][1] for leaf in leaves)
    parents = [index.get(row["parent"], -1) if i else -1 for i, row in enumerate(units)]
    counts = [0] * len(units)
    ended = has_ended(campaign, timezone)
    for leaf in leaves:
        if ended:
            counts[index[leaf.unit]] += pending[leaf][0]
        else:
            parents.append(index[leaf.unit])
            counts.append(pending[leaf][0])
    published = 0
    day = today(timezone)
    for cut in plan_releases(parents, counts, campaign["k"], ended=ended):
        if cut.node >= len(units):  # while running: one channel of one unit
            leaf = leaves[cut.node - len(units)]
            published += await _release(campaign, leaf, [leaf.unit], newest, day)
        else:  # pooled: every leftover of the units below
            members = {units[m]["id"] for m in cut.members}
            kinds = {
                (leaf.channel, leaf.partner, leaf.origin) for leaf in leaves if leaf.unit in members
            }
            channel, partner, origin = kinds.pop() if len(kinds) == 1 else (None, None, None)
            release = _Leaf(units[cut.node]["id"], channel, partner, origin)
            published += await _release(campaign, release, sorted(members), newest, day)
    return published


async def _pending(campaign_id: int) -> dict[_Leaf, tuple[int, int]]:
    """Each leaf's unpublished responses not set aside: (how many, the newest one's id), read
    along the (campaign, released_in, unit) index."""
    rows = await Submission.raw(
        "SELECT submission.unit AS unit, submission.channel AS channel, "
        f"submission.partner AS partner, {ORIGIN} AS origin, COUNT(*) AS n, "
        "MAX(submission.id) AS last FROM submission "
        "LEFT JOIN paper_batch b ON b.id = submission.paper_batch "
        "WHERE submission.campaign = {} AND submission.released_in IS NULL "
        "AND submission.screened <> {} AND submission.scrubbed = 1 "
        f"AND {COUNTABLE} GROUP BY submission.unit, submission.channel, submission.partner, "
        f"{ORIGIN} ORDER BY 1, 2, 3, 4",
        campaign_id,
        SET_ASIDE,
    )
    return {
        _Leaf(row["unit"], row["channel"], row["partner"], row["origin"]): (row["n"], row["last"])
        for row in rows
    }


async def _screen(campaign: dict[str, Any], questionnaire: Questionnaire) -> None:
    """Look once at each unpublished response not yet looked at, and set aside those the
    campaign leaves out (``analysis.quality``: every flag there is a property of the response
    alone, so the decision does not depend on what else has arrived)."""
    excluded = {flag for flag in campaign["exclude_flagged"].split(",") if flag}
    while True:
        rows = await Submission.raw(
            "SELECT id, closed, duration_bucket FROM submission WHERE campaign = {} "
            "AND released_in IS NULL AND screened = {} ORDER BY id LIMIT {}",
            campaign["id"],
            UNSCREENED,
            SCREEN_BATCH,
        )
        if not rows:
            return
        aside = await anyio.to_thread.run_sync(_flagged, questionnaire, rows, excluded)
        for state, chosen in ((SET_ASIDE, aside), (KEPT, [not a for a in aside])):
            ids = ", ".join(
                str(int(row["id"])) for row, take in zip(rows, chosen, strict=True) if take
            )
            if ids:
                await Submission.raw(
                    f"UPDATE submission SET screened = {{}} WHERE id IN ({ids})", state
                )


def _flagged(
    questionnaire: Questionnaire, rows: Sequence[dict[str, Any]], excluded: set[str]
) -> list[bool]:
    data = response_data(
        questionnaire,
        [bytes(row["closed"]) for row in rows],
        np.array([row["duration_bucket"] for row in rows], dtype=np.int16),
    )
    flags = quality_flags(instrument_of(questionnaire), data, QualityPolicy())
    aside = np.zeros(len(rows), dtype=bool)
    for name in excluded:
        aside |= flags[name]
    return aside.tolist()


async def _release(
    campaign: dict[str, Any], release: _Leaf, members: Sequence[int], newest: int, day: Any
) -> int:
    """Publish the unpublished responses of the units ``members`` (up to ``newest``, the ones
    the release was planned on; of ``release``'s channel and partner only, unless it pools
    several) as one release attributed to ``release.unit``."""
    taking = f"unit IN ({', '.join(str(int(unit)) for unit in members)})"
    values: tuple[Any, ...] = ()
    if release.channel is not None:
        taking += " AND channel = {} AND COALESCE(partner, '') = {} "
        taking += f"AND {ORIGIN_OF_SUBMISSION} = {{}}"
        values = (release.channel, release.partner or "", release.origin or "")
    try:
        async with Release._meta.db.transaction():
            row = (
                await Release.insert(
                    Release(
                        campaign=campaign["id"],
                        unit=release.unit,
                        channel=release.channel,
                        partner=release.partner,
                        origin=release.origin if release.channel is not None else None,
                        released_on=day,
                        size=0,
                    )
                ).returning(Release.id)
            )[0]
            release_id = row["id"]
            await Submission.raw(
                "UPDATE submission SET released_in = {} WHERE campaign = {} "
                "AND released_in IS NULL AND screened <> {} AND scrubbed = 1 AND id <= {} "
                f"AND {COUNTABLE} AND {taking}",
                release_id,
                campaign["id"],
                SET_ASIDE,
                newest,
                *values,
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
