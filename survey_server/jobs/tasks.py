"""What runs as a job, and what stays in the request.

Jobs are work nobody is waiting for, that may take seconds to minutes, that must happen even if
the process that asked for it is killed, and that is safe to run twice (a retry, a job taken
over from a dead worker):

- ``score_campaign``: bringing a campaign's stored scores up to date once new responses were
  released. Deferred where releases are made (``scoring.services.publish``), so the next person
  to open the campaign's results finds them current instead of waiting for the scoring.
- ``purge_expired_comments``: the daily retention purge (docs/PRIVACY.md). As a periodic job it
  runs once a day whichever worker is up, with no cron to install on a machine; a purge that
  failed is retried, and the campaigns it changed are scored again.

Stays in the request, because someone waits for its result or must see its failure at once:

- storing a response: the receipt promises that it is stored;
- making the releases due (``publish``), before anything of a campaign is read: no page may show
  results behind a release that is due; it is a few queries;
- imports (units, paper forms, accounts): all or nothing, their errors shown to the person;
- reports and exports: they wait for every response (``EVERY_RESPONSE``), which is usually
  instant because the job has already stored the scores; a view that finds them not current
  still waits a moment and then shows the previous numbers marked pending, as without a queue.

Both tasks are idempotent: scoring stores a snapshot under a lease (``scoring.snapshots``) and
finds nothing to do when the stored one is current; the purge skips what is already purged.
"""

from __future__ import annotations

from procrastinate import JobContext, RetryStrategy

from survey_server.campaigns.services import get_campaign
from survey_server.config import Settings
from survey_server.jobs.queue import SCORE_CAMPAIGN, app, defer_scoring
from survey_server.privacy.retention import purge_expired_text
from survey_server.scoring.services import EVERY_RESPONSE, campaign_result
from survey_server.timekeeping import today

#: A failure is usually the database going away (a restart, a failover): tried five times over
#: about twenty minutes (4, 16, 64, 256, 1024 seconds apart), then left failed for ``jobs status``.
RETRY = RetryStrategy(max_attempts=5, exponential_wait=4)
#: Every day at 19:30 UTC, 02:30 in Vietnam, when nobody answers surveys.
PURGE_CRON = "30 19 * * *"


@app.task(name=SCORE_CAMPAIGN, retry=RETRY)
async def score_campaign(code: str) -> None:
    """Bring the campaign's stored scores up to date with every released response.

    Deferred with the campaign as its lock and queueing lock (``queue.defer_scoring``): one job
    per campaign waits at a time and two never run at once."""
    await campaign_result(await get_campaign(code), wait=EVERY_RESPONSE)


@app.periodic(cron=PURGE_CRON)
@app.task(
    name="purge_expired_comments",
    queueing_lock="purge_expired_comments",
    retry=RETRY,
    pass_context=True,
)
async def purge_expired_comments(context: JobContext, timestamp: int) -> None:
    """Remove the comments past their campaign's retention period, then score again the
    campaigns whose stored results quoted them (the purge drops those results)."""
    settings: Settings = context.additional_context["settings"]
    for outcome in await purge_expired_text(today(settings.timezone)):
        if outcome.responses:
            await defer_scoring(outcome.campaign)
