"""The release rule (``analysis.release``): batches of at least k, and the property it exists
for — no two results ever visible differ by 1..k−1 respondents, in any group, at any time."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.release import Cut, plan_releases, withheld_band


def test_a_unit_is_released_alone_while_the_campaign_runs() -> None:
    # root 0, school 1 (12 own), class 2 under the school (9 own): the class waits
    cuts = plan_releases([-1, 0, 1], [0, 12, 9], 10, ended=False)
    assert cuts == [Cut(node=1, members=(1,), size=12)]


def test_leftovers_pool_upwards_once_ended() -> None:
    # two classes of 6 under one school: pooled at the school, never shown as classes
    cuts = plan_releases([-1, 0, 1, 1], [0, 0, 6, 6], 10, ended=True)
    assert cuts == [Cut(node=1, members=(2, 3), size=12)]


def test_what_never_reaches_k_stays_unpublished() -> None:
    assert plan_releases([-1, 0, 0], [1, 2, 3], 10, ended=True) == []


def test_a_class_that_reached_k_keeps_its_own_release_when_ended() -> None:
    cuts = plan_releases([-1, 0, 1, 1], [0, 3, 10, 4], 10, ended=True)
    assert Cut(node=2, members=(2,), size=10) in cuts
    assert Cut(node=1, members=(3, 1), size=7) not in cuts  # 7 < k: carried to the root
    assert cuts == [Cut(node=2, members=(2,), size=10)]


def test_deep_trees_do_not_recurse() -> None:
    depth = 5000
    parents = [-1, *range(depth - 1)]
    pending = [0] * (depth - 1) + [3]
    assert plan_releases(parents, pending, 5, ended=True) == []


@pytest.mark.parametrize(("count", "low", "below"), [(0, 0, 10), (9, 0, 10), (10, 10, 20)])
def test_withheld_band(count: int, low: int, below: int) -> None:
    band = withheld_band(count, 10)
    assert (band.low, band.below) == (low, below)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="k must be"):
        plan_releases([-1], [1], 0, ended=False)
    with pytest.raises(ValueError, match="same length"):
        plan_releases([-1, 0], [1], 5, ended=False)


# --- the property, on random trees, arrivals and views -------------------------------------


@dataclass
class Campaign:
    """The server's use of the rule, simulated: responses arrive at units, releases are made
    whenever someone looks, the campaign ends, is re-opened, and late responses arrive."""

    parents: list[int]
    k: int
    unit_of: list[int] = field(default_factory=list)  # response → unit of its link
    released: dict[int, tuple[int, int]] = field(default_factory=dict)  # response → (release, node)
    releases: int = 0
    ended: bool = False

    def arrive(self, unit: int) -> None:
        self.unit_of.append(unit)

    def refresh(self) -> None:
        pending = [0] * len(self.parents)
        for response, unit in enumerate(self.unit_of):
            if response not in self.released:
                pending[unit] += 1
        for cut in plan_releases(self.parents, pending, self.k, ended=self.ended):
            self.releases += 1
            members = set(cut.members)
            for response, unit in enumerate(self.unit_of):
                if response not in self.released and unit in members:
                    self.released[response] = (self.releases, cut.node)

    def subtree(self, group: int) -> set[int]:
        nodes = {group}
        changed = True
        while changed:
            changed = False
            for node, parent in enumerate(self.parents):
                if parent in nodes and node not in nodes:
                    nodes.add(node)
                    changed = True
        return nodes

    def view(self, group: int) -> frozenset[int]:
        """The respondents a result of ``group`` is computed from now."""
        self.refresh()  # every read makes the due releases first, as the server does
        nodes = self.subtree(group)
        return frozenset(r for r, (_, node) in self.released.items() if node in nodes)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[int], int, list[tuple[str, int]]]:
    size = draw(st.integers(1, 9))
    parents = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    k = draw(st.integers(5, 12))
    events = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("arrive"), st.integers(0, size - 1)),
                st.tuples(st.just("view"), st.integers(0, size - 1)),
                st.tuples(st.sampled_from(["end", "reopen"]), st.just(0)),
            ),
            max_size=160,
        )
    )
    return parents, k, events


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_no_two_visible_results_differ_by_fewer_than_k(
    scenario: tuple[list[int], int, list[tuple[str, int]]],
) -> None:
    parents, k, events = scenario
    campaign = Campaign(parents, k)
    seen: list[frozenset[int]] = []  # every result shown, of any group, at any time
    for action, unit in [*events, ("end", 0), *[("view", u) for u in range(len(parents))]]:
        if action == "arrive":
            campaign.arrive(unit)
        elif action == "view":
            seen.append(campaign.view(unit))
        else:
            campaign.ended = action == "end"
    # every release holds at least k, and every result is a union of whole releases: then
    # any two results — one group at two times, a school now against its commune before —
    # differ by whole releases
    sizes: dict[int, int] = {}
    for release, _ in campaign.released.values():
        sizes[release] = sizes.get(release, 0) + 1
    assert all(size >= k for size in sizes.values())
    for result in seen:
        releases = {campaign.released[r][0] for r in result}
        assert sum(sizes[release] for release in releases) == len(result)
    for first in seen:
        for second in seen:
            assert len(first ^ second) == 0 or len(first - second) + len(second - first) >= k
            for part in (first - second, second - first):
                assert len(part) == 0 or len(part) >= k
