"""The burst test of ArrivalWatch: stuffing through a link is flagged, meetings are not."""

from __future__ import annotations

from datetime import date

import pytest
from scipy import stats

from survey_server.integrity.arrivals import (
    ACTIVE_MINUTES,
    ArrivalWatch,
    Burst,
    poisson_upper_tail,
)

DAY = date(2026, 9, 14)
NEXT_DAY = date(2026, 9, 15)
NINE = 9 * 3600.0  # seconds: 09:00 of DAY on the watch's monotonic clock


def feed(
    watch: ArrivalWatch, link: int, expected: int | None, times: list[float], day: date = DAY
) -> list[Burst]:
    """The bursts reported while ``times`` arrive through ``link``."""
    return [burst for now in times if (burst := watch.arrive(link, expected, now, day)) is not None]


def test_200_in_four_minutes_is_flagged_once_with_its_facts() -> None:
    watch = ArrivalWatch()
    # background of the morning, then one person submitting every 1.2 s
    background = [NINE - 3600 + 97.0 * i for i in range(30)]
    stuffing = [NINE + 1.2 * i for i in range(200)]
    bursts = feed(watch, 7, 1350, background + stuffing)
    assert len(bursts) == 1
    (burst,) = bursts
    assert burst.link == 7
    assert burst.day == DAY
    assert burst.window_minutes == watch.window_minutes
    assert burst.expected == pytest.approx(watch.meeting_share * 1350)
    assert watch.min_count <= burst.count <= 200
    assert burst.p_value < watch.alpha
    assert burst.p_value == pytest.approx(stats.poisson.sf(burst.count - 1, burst.expected))
    assert burst.ratio == pytest.approx(burst.count / burst.expected)
    assert watch.flagged(7, DAY)


def test_a_burst_is_reported_once_per_link_day() -> None:
    watch = ArrivalWatch()
    first = feed(watch, 1, 300, [NINE + 1.0 * i for i in range(200)])
    again = feed(watch, 1, 300, [NINE + 3600 + 1.0 * i for i in range(200)])
    assert len(first) == 1
    assert again == []
    other_link = feed(watch, 2, 300, [NINE + 1.0 * i for i in range(200)])
    next_day = feed(watch, 1, 300, [NINE + 86400 + 1.0 * i for i in range(200)], NEXT_DAY)
    assert len(other_link) == 1
    assert [burst.day for burst in next_day] == [NEXT_DAY]
    assert watch.flagged(1, NEXT_DAY)
    assert not watch.flagged(1, DAY)  # an earlier day is forgotten


@pytest.mark.parametrize("expected", [None, 160, 1350])
def test_thirty_arrivals_over_a_day_are_not_flagged(expected: int | None) -> None:
    watch = ArrivalWatch()
    assert feed(watch, 3, expected, [7 * 3600 + 1200.0 * i for i in range(30)]) == []
    assert not watch.flagged(3, DAY)


def test_a_class_meeting_at_a_300_parent_school_is_not_flagged() -> None:
    watch = ArrivalWatch()
    meeting = [NINE + 72.0 * i for i in range(25)]  # 25 parents within 30 minutes
    assert feed(watch, 4, 300, meeting) == []


def test_a_whole_school_meeting_is_not_flagged() -> None:
    """500 of a 980-parent school's parents answering over an hour (every class meeting)."""
    watch = ArrivalWatch()
    assert feed(watch, 5, 980, [NINE + 7.2 * i for i in range(500)]) == []


def test_the_same_meeting_without_an_expected_size_is_flagged() -> None:
    """The meeting term is what lets a big school's meeting through: the test can fail."""
    watch = ArrivalWatch()
    assert len(feed(watch, 5, None, [NINE + 7.2 * i for i in range(500)])) == 1


def test_buckets_hold_only_the_window() -> None:
    watch = ArrivalWatch(window_minutes=5)
    feed(watch, 1, 300, [NINE + 20.0 * i for i in range(60)])  # 20 minutes, 3 a minute
    assert watch.buckets(1) == (3,) * 5
    assert len(watch.buckets(1)) <= watch.window_minutes
    # the window passes; the next arrival anywhere drops link 1's buckets
    watch.arrive(2, 300, NINE + 20 * 60 + 5 * 60, DAY)
    assert watch.buckets(1) == ()
    assert watch.buckets(2) == (1,)
    assert watch.buckets(99) == ()
    watch.arrive(1, 300, NINE + 3 * 3600, DAY)
    assert watch.buckets(1) == (1,)


def test_history_raises_the_bar_for_a_busy_link_but_not_after_a_flagged_day() -> None:
    burst = [NINE + 86400 + 3.0 * i for i in range(40)]  # 40 arrivals in two minutes
    fresh = ArrivalWatch()
    assert len(feed(fresh, 1, None, burst, NEXT_DAY)) == 1  # λ = floor: flagged

    busy = ArrivalWatch()
    day_long = [6 * 3600 + 60.0 * i for i in range(ACTIVE_MINUTES)]  # one a minute all day
    assert feed(busy, 1, None, day_long) == []
    # λ = 4 · 5 · 900 / 900 = 20: 40 in a window is unusual (p ≈ 3e-5) but not a burst
    assert feed(busy, 1, None, burst, NEXT_DAY) == []

    stuffed = ArrivalWatch()
    assert len(feed(stuffed, 1, None, [NINE + 0.5 * i for i in range(ACTIVE_MINUTES)])) == 1
    assert len(feed(stuffed, 1, None, burst, NEXT_DAY)) == 1  # the flagged day is no history


def test_poisson_upper_tail_matches_scipy() -> None:
    for n, mean in [(1, 0.5), (30, 15.0), (153, 101.25), (90, 120.0), (400, 30.0)]:
        assert poisson_upper_tail(n, mean) == pytest.approx(stats.poisson.sf(n - 1, mean), rel=1e-9)
