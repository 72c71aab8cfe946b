"""Bursts of arrivals through one link, detected in memory without identifying anyone.

A principal who wants better numbers can submit the school's form hundreds of times through its
public QR link. No identifier may be kept to catch that (docs/PRIVACY.md), but the *rate* of arrivals
betrays it: one person scripting 200 submissions in five minutes is far above what the link's
parents produce, even at a parents' meeting. :class:`ArrivalWatch` counts arrivals per link in
memory and reports a :class:`Burst`, an aggregate fact about a link-day, the first time the
link's recent count is implausible; the caller records that fact, nothing else.

The test
    ``n`` is the number of arrivals through the link in the current window: the current minute
    and the ``window_minutes − 1`` minutes before it. Under legitimate use ``n`` is taken as
    Poisson with mean

        λ = max(history_factor · window_minutes · m / ACTIVE_MINUTES,
                meeting_share · expected_respondents,
                floor)

    where ``m`` is the mean count of the link's earlier days with arrivals (at most
    ``history_days`` of them; flagged days left out, so stuffing does not raise its own bar),
    spread over the ``ACTIVE_MINUTES`` of a day in which people answer; ``meeting_share`` of the
    unit's expected respondents is what a meeting of many classes at once may send in one
    window; ``floor`` covers one class meeting on links with neither (new links, links without
    an expected size). The link-day is flagged when ``n ≥ min_count`` and
    ``P(X ≥ n; λ) < alpha``, at most once per link-day. ``alpha`` is tiny because the test runs
    at every arrival and a false alarm accuses a school.

    The defaults (5 minutes, ``alpha`` 10⁻⁶, ``meeting_share`` 0.075, ``floor`` 15,
    ``min_count`` 30, ``history_factor`` 4 over 14 days) are set on the campaigns simulated by
    ``bench/stuffing.py``, which reports their false-alarm and detection rates: 200 forms in
    3–5 minutes are flagged at every demo school (160 to 1,400 parents) while no realistic
    meeting is. A 10-minute window cannot do both: a 1,400-parent school's start-of-year
    meeting sends as many forms in 10 minutes as the stuffer, though not in 5. Slow stuffing
    (200 forms over an hour) is beyond any rate test that lets such meetings through. A watch
    that sees only a share of a link's arrivals (one of several server processes) needs
    ``meeting_share`` and ``floor`` scaled by that share.

What is kept, for how long, and where
    Per link, in this process's memory only:

    * the arrival count of each minute of the current window (at most ``window_minutes``
      integers with their minute number), dropped as soon as they fall out of the window,
      whichever link's arrival comes next;
    * the link's latest local date, its arrival count that day and whether it was flagged;
    * the arrival counts of at most ``history_days`` earlier unflagged days (no dates).

    No time of an individual arrival, no address, token, device or answer is ever seen. None of
    this state is written to the database, a file or a log; it is lost on restart (the history
    then rebuilds). Only a returned :class:`Burst` leaves the watch. Not thread-safe: one event
    loop uses it.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import date

#: Minutes of a day in which parents answer (about 07:00–22:00): a day's count is spread over
#: these, not over 24 hours, so the history rate is that of the waking day.
ACTIVE_MINUTES = 15 * 60


@dataclass(frozen=True)
class Burst:
    """A link-day whose arrivals failed the burst test: the only fact the watch gives out."""

    link: int
    day: date  # local date; the finest time ever recorded
    count: int  # arrivals within the window when the test failed
    window_minutes: int
    expected: float  # the expected count λ for such a window
    p_value: float

    @property
    def ratio(self) -> float:
        return self.count / self.expected


@dataclass
class _Link:
    day: date
    past: deque[int]  # counts of earlier unflagged days, at most history_days
    today: int = 0
    flagged: bool = False
    minutes: deque[list[int]] = field(default_factory=deque)  # [minute, count], oldest first
    in_window: int = 0


class ArrivalWatch:
    """Per-link arrival counts and the burst test (see the module docstring).

    Args:
        window_minutes: length of the counting window.
        alpha: the Poisson tail probability below which a window is a burst.
        meeting_share: share of a unit's expected respondents that may legitimately arrive
            within one window (many classes answering at one meeting).
        history_factor: how far above its own past mean rate a link may legitimately go.
        floor: the smallest λ, one class meeting's worth for links known nothing about.
        min_count: fewer arrivals in a window are never a burst.
        history_days: how many earlier days' counts make the history rate.
    """

    def __init__(
        self,
        *,
        window_minutes: int = 5,
        alpha: float = 1e-6,
        meeting_share: float = 0.075,
        history_factor: float = 4.0,
        floor: float = 15.0,
        min_count: int = 30,
        history_days: int = 14,
    ) -> None:
        if window_minutes < 1 or history_days < 1:
            raise ValueError("window_minutes and history_days must be at least 1")
        self.window_minutes = window_minutes
        self.alpha = alpha
        self.meeting_share = meeting_share
        self.history_factor = history_factor
        self.floor = floor
        self.min_count = min_count
        self.history_days = history_days
        self._links: dict[int, _Link] = {}
        #: Links holding minute buckets, least recently arrived first, with their last minute.
        self._recent: OrderedDict[int, int] = OrderedDict()

    def arrive(
        self, link: int, expected_respondents: int | None, now: float, day: date
    ) -> Burst | None:
        """Count one arrival through `link` at monotonic time `now` (seconds) on local date `day`.

        Returns a Burst the first time the (link, day) fails the burst test, None otherwise
        (including later arrivals of a link-day already flagged)."""
        minute = math.floor(now / 60)
        self._forget_idle(minute)
        state = self._links.get(link)
        if state is None:
            state = self._links[link] = _Link(day, deque(maxlen=self.history_days))
        elif day != state.day:
            if state.today and not state.flagged:
                state.past.append(state.today)
            state.day, state.today, state.flagged = day, 0, False
        self._drop_old(state, minute)
        if state.minutes and state.minutes[-1][0] == minute:
            state.minutes[-1][1] += 1
        else:
            state.minutes.append([minute, 1])
        state.in_window += 1
        state.today += 1
        self._recent[link] = minute
        self._recent.move_to_end(link)
        if state.flagged or state.in_window < self.min_count:
            return None
        expected = self._expected(state, expected_respondents)
        if state.in_window <= expected:
            return None
        p_value = poisson_upper_tail(state.in_window, expected)
        if p_value >= self.alpha:
            return None
        state.flagged = True
        return Burst(link, day, state.in_window, self.window_minutes, expected, p_value)

    def flagged(self, link: int, day: date) -> bool:
        """Whether ``day`` is the link's latest day and was flagged (earlier days are forgotten)."""
        state = self._links.get(link)
        return state is not None and state.day == day and state.flagged

    def buckets(self, link: int) -> tuple[int, ...]:
        """The per-minute counts held for ``link``, oldest first: never more than
        ``window_minutes`` of them, and none once the window has passed since its last arrival
        (as of the latest arrival through any link)."""
        state = self._links.get(link)
        return () if state is None else tuple(count for _, count in state.minutes)

    def _expected(self, state: _Link, expected_respondents: int | None) -> float:
        """λ for a window of the link: the largest of the history, meeting and floor terms."""
        history = 0.0
        if state.past:
            mean = sum(state.past) / len(state.past)
            history = self.history_factor * self.window_minutes * mean / ACTIVE_MINUTES
        meeting = self.meeting_share * expected_respondents if expected_respondents else 0.0
        return max(history, meeting, self.floor)

    def _drop_old(self, state: _Link, minute: int) -> None:
        while state.minutes and state.minutes[0][0] <= minute - self.window_minutes:
            state.in_window -= state.minutes.popleft()[1]

    def _forget_idle(self, minute: int) -> None:
        while self._recent:
            link, last = next(iter(self._recent.items()))
            if last > minute - self.window_minutes:
                return
            del self._recent[link]
            state = self._links[link]
            state.minutes.clear()
            state.in_window = 0


def poisson_upper_tail(n: int, mean: float) -> float:
    """``P(X ≥ n)`` for ``X ~ Poisson(mean)``, summed in log space (no scipy on the hot path).

    >>> round(poisson_upper_tail(3, 1.0), 6)
    0.080301
    >>> poisson_upper_tail(0, 5.0)
    1.0
    """
    if n <= 0:
        return 1.0
    log_mean = math.log(mean)

    def term(k: int) -> float:
        return math.exp(k * log_mean - mean - math.lgamma(k + 1))

    if n <= mean:  # the tail is large: one minus the (short) head
        return max(0.0, 1.0 - math.fsum(term(k) for k in range(n)))
    total, k, current = 0.0, n, term(n)
    while current > total * 1e-17 and current > 0.0:
        total += current
        k += 1
        current *= mean / k
    return min(1.0, total)
