"""Retention: free-text answers are removed when their campaign's retention period has passed.

Closed answers (scales, choices) stay: they carry no words of the respondent and are what the
scores are made of. Safe to run every day: a response whose text is gone is not touched again.

The comments of a release (``scoring.releases``) are removed together, when the period has passed
for the earliest of them: one comment vanishing before the others of its release would tell that
it was given earlier, a date no page may give. No comment is kept longer than the period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from survey_server.campaigns.tables import Campaign
from survey_server.questionnaires.services import get_form_spec
from survey_server.responses.tables import Submission
from survey_server.scoring import snapshots, tallies

BATCH = 500
#: The releases of a campaign whose earliest answer is older than the cutoff (one pass).
EXPIRED_RELEASES = (
    "SELECT released_in FROM submission WHERE campaign = {} AND released_in IS NOT NULL "
    "GROUP BY released_in HAVING MIN(submitted_on) < {}"
)


@dataclass(frozen=True)
class PurgeOutcome:
    campaign: str
    responses: int


async def purge_expired_text(today: date, dry_run: bool = False) -> list[PurgeOutcome]:
    """Remove free-text answers older than each campaign's ``comment_retention_days``."""
    outcomes = []
    campaigns = await Campaign.select(
        Campaign.id,
        Campaign.code,
        Campaign.comment_retention_days,
        Campaign.questionnaire.content_hash.as_alias("content_hash"),
    )
    for campaign in campaigns:
        spec = await get_form_spec(campaign["content_hash"])
        text_ids = [q.id for q in spec.questions if q.type == "text"]
        if not text_ids:
            continue
        cutoff = today - timedelta(days=campaign["comment_retention_days"])
        expired = await Submission.raw(EXPIRED_RELEASES, campaign["id"], cutoff)
        ids = ", ".join(str(int(row["released_in"])) for row in expired)
        releases = f" OR released_in IN ({ids})" if ids else ""
        purged = 0
        last_id = 0
        while True:
            rows = await Submission.raw(
                "SELECT id, answers FROM submission WHERE campaign = {} AND id > {} "
                f"AND ((released_in IS NULL AND submitted_on < {{}}){releases}) "
                "ORDER BY id LIMIT {}",
                campaign["id"],
                last_id,
                cutoff,
                BATCH,
            )
            if not rows:
                break
            last_id = rows[-1]["id"]
            async with Submission._meta.db.transaction():
                for row in rows:
                    answers = json.loads(row["answers"])
                    if not any(key in answers for key in text_ids):
                        continue
                    purged += 1
                    if dry_run:
                        continue
                    kept = {key: value for key, value in answers.items() if key not in text_ids}
                    await Submission.update(
                        {
                            Submission.answers: json.dumps(
                                kept, ensure_ascii=False, separators=(",", ":")
                            )
                        }
                    ).where(Submission.id == row["id"])
        if purged and not dry_run:
            # its stored scores and tallies quote comments
            await tallies.forget(campaign["id"])
            await snapshots.forget(campaign["id"])
        outcomes.append(PurgeOutcome(campaign["code"], purged))
    return outcomes
