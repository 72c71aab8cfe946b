"""Sign-in throttling: after a few failures an account waits, longer each time.

Kept in memory per process and keyed by the username only: staff routes may see addresses,
but nothing here needs one, and a locked name cannot be unlocked by changing networks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

FREE_ATTEMPTS = 5
FIRST_WAIT = 30.0
LONGEST_WAIT = 15 * 60.0


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0


class SignInThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._records: dict[str, _Record] = {}
        self._clock = clock

    def wait_seconds(self, username: str) -> int:
        """Seconds before ``username`` may try again (0: now)."""
        record = self._records.get(username)
        if record is None:
            return 0
        return max(0, round(record.locked_until - self._clock()))

    def failed(self, username: str) -> None:
        record = self._records.setdefault(username, _Record())
        record.failures += 1
        if record.failures >= FREE_ATTEMPTS:
            wait = min(LONGEST_WAIT, FIRST_WAIT * 2 ** (record.failures - FREE_ATTEMPTS))
            record.locked_until = self._clock() + wait

    def succeeded(self, username: str) -> None:
        self._records.pop(username, None)
