"""When responses are published: batches of at least k respondents, so that no two results ever
shown can be subtracted to give back fewer than k people.

The people who read satisfaction results are the people being evaluated. A principal who saw one
parent answer at the school gate could read the school's scores before and after, subtract, and
have that parent's answers — however well each single result suppresses small groups. The rule
here closes that: responses reach any result only in *releases*, each a set of at least ``k``
respondents attributed to one unit, and every result shown is a union of whole releases. Two
results of the same group then differ by a union of whole releases, which is empty or holds at
least ``k`` people; so does a school now against its commune earlier, a public page against a
staff page, or any other pair of views, since every atom they can be split into is a release.

How responses are batched (``plan_releases``), on a tree of units where each response belongs
to the unit of the link it came through:

* while a campaign runs, a unit's own unpublished responses are released together as soon as
  there are ``k`` of them (a school's QR poster, a class's Zalo link);
* when it has ended, the leftovers (fewer than ``k`` at a unit) are pooled upwards: a unit
  releases its own and its descendants' leftovers together when they reach ``k``, attributed to
  itself, so a small class's answers count in its school but never in a view of the class;
* what is left at the root after that — fewer than ``k`` responses in the whole campaign — is
  never published, and every view says how many responses are not yet published, in bands of
  ``k`` (``withheld_band``), so staff are never misled and the band itself moves only in steps
  of ``k``.

A late response (a campaign re-opened, a form imported after the close) is released by the same
rule: alone it stays unpublished until ``k`` others join it, at its unit or above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Cut", "plan_releases", "withheld_band"]


@dataclass(frozen=True)
class Cut:
    """One release to make: the unpublished responses of ``members`` (unit positions), published
    together and attributed to the unit ``node``."""

    node: int
    members: tuple[int, ...]
    size: int


def plan_releases(
    parents: Sequence[int], pending: Sequence[int], k: int, *, ended: bool
) -> list[Cut]:
    """The releases to make now, children before parents.

    ``parents[i]`` is the position of unit ``i``'s parent (``-1`` for the root, and any parent
    before its children is not required); ``pending[i]`` the number of unpublished responses
    whose own unit is ``i``. While the campaign runs a unit is released on its own when it holds
    at least ``k``; once it has ``ended``, leftovers are pooled upwards as the module says.

    Examples:
        >>> plan_releases([-1, 0, 0], [3, 12, 4], 10, ended=False)
        [Cut(node=1, members=(1,), size=12)]
        >>> plan_releases([-1, 0, 0], [3, 4, 4], 10, ended=True)
        [Cut(node=0, members=(1, 2, 0), size=11)]
        >>> plan_releases([-1, 0, 0], [0, 4, 4], 10, ended=True)
        []
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    if len(parents) != len(pending):
        raise ValueError("parents and pending must have the same length")
    if not ended:
        return [Cut(i, (i,), count) for i, count in enumerate(pending) if count >= k]
    children: list[list[int]] = [[] for _ in parents]
    roots = []
    for i, parent in enumerate(parents):
        if parent < 0:
            roots.append(i)
        else:
            children[parent].append(i)
    cuts: list[Cut] = []
    for root in roots:
        _pool(root, children, pending, k, cuts)
    return cuts


def _pool(
    root: int, children: list[list[int]], pending: Sequence[int], k: int, cuts: list[Cut]
) -> None:
    """Pool leftovers bottom-up under ``root`` (iteratively: unit trees can be deep)."""
    carried: dict[int, list[int]] = {}  # unit → units whose leftovers it carries
    order: list[int] = []
    stack = [root]
    while stack:
        unit = stack.pop()
        order.append(unit)
        stack.extend(children[unit])
    for unit in reversed(order):  # every child before its parent
        members = [m for child in children[unit] for m in carried.pop(child)]
        if pending[unit]:
            members.append(unit)
        size = sum(pending[m] for m in members)
        if size >= k:
            cuts.append(Cut(unit, tuple(members), size))
            members = []
        carried[unit] = members


@dataclass(frozen=True)
class Band:
    """A count shown only as the band of width ``k`` it falls in: ``[low, low + k)``."""

    low: int
    below: int


def withheld_band(count: int, k: int) -> Band:
    """The band of ``k`` in which ``count`` unpublished responses fall.

    A count of unpublished responses shown exactly would date each arrival ("one more since this
    morning"); its band changes only when ``k`` more have arrived.

    Examples:
        >>> withheld_band(0, 10)
        Band(low=0, below=10)
        >>> withheld_band(27, 10)
        Band(low=20, below=30)
    """
    if count < 0 or k < 1:
        raise ValueError("count must be >= 0 and k >= 1")
    low = count // k * k
    return Band(low, low + k)
