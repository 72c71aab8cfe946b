"""The arrival watcher of this server process, fed by every accepted online response.

Arrivals are counted per link in memory (``integrity.arrivals``: counts per minute of the last
window, never written anywhere, never logged); a burst is recorded as one aggregate flag per link
and day. Paper forms are not watched: staff type them in stacks, and a school's own typing waits
for someone else's approval instead (``paper.approval``). Each server process watches the
arrivals it serves, so with ``processes`` of them (arrivals shared about evenly) each sees its
share of a burst: the parts of the expected count that come from the unit's size and the floor
are divided by the number of processes (``bench/stuffing.py`` measures this case too).
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

    def __init__(self, processes: int = 1) -> None:
        share = max(1, processes)
        defaults = ArrivalWatch()
        self.watch = ArrivalWatch(
            meeting_share=defaults.meeting_share / share, floor=defaults.floor / share
        )
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
