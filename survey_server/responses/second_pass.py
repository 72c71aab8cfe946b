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

    A row is marked only if its answers are still those read (a paper form corrected meanwhile
    has its new text scrubbed next time), so marking never covers a text the pass did not see.
    """
    deadline = time.monotonic() + budget
    while True:
        rows = await Submission.raw(
            "SELECT id, answers FROM submission WHERE campaign = {} AND released_in IS NULL "
            "AND scrubbed = 0 ORDER BY id LIMIT {}",
            campaign_id,
            BATCH,
        )
        if not rows:
            return False
        async with Submission._meta.db.transaction():
            for row in rows:
                await Submission.raw(
                    "UPDATE submission SET answers = {}, scrubbed = 1 "
                    "WHERE id = {} AND scrubbed = 0 AND answers = {}",
                    rescrub(row["answers"]),
                    row["id"],
                    row["answers"],
                )
        if time.monotonic() > deadline:
            return await pending(campaign_id)
