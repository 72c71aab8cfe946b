"""The arrival watcher of this server process, fed by every accepted online response.

Arrivals are counted per link in memory (``integrity.arrivals``: counts per minute of the last
window, never written anywhere, never logged); a burst is recorded as one aggregate flag per link
and day. Paper forms are not watched: staff type them in stacks, and a school's own typing waits
for someone else's approval instead (``paper.approval``). Each server process watches the
arrivals it serves, so with several processes a burst is seen split between them: the test's
parameters are chosen to still flag the bursts the simulation in ``bench/stuffing.py`` injects
when one process sees half of them.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from survey_server.distribution.services import LinkInfo
from survey_server.integrity.arrivals import ArrivalWatch
from survey_server.integrity.services import record_burst
from survey_server.units.tables import Unit

logger = logging.getLogger(__name__)


class Watcher:
    """One server process's watch over its arrivals, and the expected respondents of the units
    it has seen (read once: a burst test needs the size of the school)."""

    def __init__(self, watch: ArrivalWatch | None = None) -> None:
        self.watch = watch or ArrivalWatch()
        self._expected: dict[int, int | None] = {}

    async def observe(self, info: LinkInfo, day: date) -> None:
        """Count one accepted response of ``info``'s link; record a flag when it makes a
        burst. The response is already stored: nothing here may fail its request."""
        if info.channel == "paper":
            return
        try:
            if info.unit_id not in self._expected:
                row = (
                    await Unit.select(Unit.expected_respondents)
                    .where(Unit.id == info.unit_id)
                    .first()
                )
                self._expected[info.unit_id] = row["expected_respondents"] if row else None
            burst = self.watch.arrive(
                info.link_id, self._expected[info.unit_id], time.monotonic(), day
            )
            if burst is not None:
                await record_burst(
                    campaign_id=info.campaign_id,
                    unit_id=info.unit_id,
                    link_id=info.link_id,
                    day=burst.day,
                    observed=burst.count,
                    expected=burst.expected,
                    window_minutes=burst.window_minutes,
                )
        except Exception:
            logger.exception("integrity.watch_failed")
