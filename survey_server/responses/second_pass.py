"""The scrubber's second pass over stored free text, before a response is published.

Every text is scrubbed before it is stored, by the fast pass (rules, word lists, gazetteers:
about 0.2 ms a comment), so no raw text is ever written. The CRF reading of names finds more but
costs milliseconds a comment, which the submission path cannot pay (docs/PERFORMANCE.md). It
runs here instead, on the unpublished responses of a campaign, before ``scoring.releases`` makes
a release, which takes only responses that have had it (``submission.scrubbed`` = 1). Nobody
reads a response before its release, so nobody reads a text that had the fast pass only.

It runs in the scoring child process (``scoring.worker``): the CRF is Python-heavy and would
hold the interpreter lock against the requests of the server process.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from survey_server.privacy.scrubber import scrub_text
from survey_server.responses.tables import Submission

BATCH = 200
#: An answer that is an option id (``[a-z0-9_]``, schema-checked) has nothing to scrub.
_OPTION = re.compile(r"[a-z0-9_]*")


def rescrub(answers: str) -> str:
    """The stored answers (JSON) with every free text scrubbed again, with the CRF."""
    data: dict[str, Any] = json.loads(answers)
    changed = False
    for key, value in data.items():
        if isinstance(value, str) and not _OPTION.fullmatch(value):
            again = scrub_text(value, deep=True)
            if again != value:
                data[key] = again
                changed = True
    if not changed:
        return answers
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def pending(campaign_id: int) -> bool:
    """Whether an unpublished response of the campaign still waits for the second pass."""
    rows = await Submission.raw(
        "SELECT id FROM submission WHERE campaign = {} AND released_in IS NULL AND scrubbed = 0 "
        "LIMIT 1",
        campaign_id,
    )
    return bool(rows)


async def run(campaign_id: int, budget: float) -> bool:
    """Give the campaign's unpublished responses the second pass, batch by batch, for up to
    ``budget`` seconds; whether some are left for next time.

    A pass takes the responses waiting when it starts; those that arrive meanwhile wait for
    the next one, so that under a steady stream a pass ends and its responses are released
    instead of the pass chasing the stream until its budget runs out.
    """
    deadline = time.monotonic() + budget
    waiting = await Submission.raw(
        "SELECT max(id) AS newest FROM submission WHERE campaign = {} AND released_in IS NULL "
        "AND scrubbed = 0",
        campaign_id,
    )
    newest, last = waiting[0]["newest"], 0
    while newest is not None:
        rows = await Submission.raw(
            "SELECT id, answers FROM submission WHERE campaign = {} AND released_in IS NULL "
            "AND scrubbed = 0 AND id > {} AND id <= {} ORDER BY id LIMIT {}",
            campaign_id,
            last,
            newest,
            BATCH,
        )
        if not rows:
            break
        await mark(rows)
        last = rows[-1]["id"]
        if time.monotonic() > deadline:
            break
    return await pending(campaign_id)


async def mark(rows: list[dict[str, Any]]) -> None:
    """Store the rows' answers scrubbed again and mark them, each only if its answers are still
    those read (a paper form corrected meanwhile has its new text scrubbed next time), so that
    marking never covers a text the pass did not see. Most texts come out unchanged: those rows
    are marked in one statement."""
    again = [(row["id"], row["answers"], rescrub(row["answers"])) for row in rows]
    same = [(key, answers) for key, answers, scrubbed in again if scrubbed == answers]
    async with Submission._meta.db.transaction():
        if same:
            pairs = ", ".join(["(CAST({} AS BIGINT), {})"] * len(same))
            await Submission.raw(
                "UPDATE submission SET scrubbed = 1 WHERE scrubbed = 0 "
                f"AND (id, answers) IN (VALUES {pairs})",
                *(value for pair in same for value in pair),
            )
        for key, answers, scrubbed in again:
            if scrubbed != answers:
                await Submission.raw(
                    "UPDATE submission SET answers = {}, scrubbed = 1 "
                    "WHERE id = {} AND scrubbed = 0 AND answers = {}",
                    scrubbed,
                    key,
                    answers,
                )
