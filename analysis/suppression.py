"""Small-cell suppression over a tree of groups (DESIGN §4), the one function every output uses.

A group with fewer than ``k`` respondents is withheld (*primary* suppression). That is not enough
when totals are published: a parent's count minus its other children's counts gives the withheld
child back. So, for every parent that is shown, if exactly one of its parts is hidden — a
suppressed child, or the parent's own respondents that belong to no child — the smallest shown
child is withheld too (*complementary* suppression), and this repeats until nothing changes.

>>> tree = {"so": None, "a": "so", "b": "so", "c": "so"}
>>> counts = {"so": 60, "a": 3, "b": 27, "c": 30}
>>> sorted(suppress(counts, tree, k=10).items())
[('a', 'primary'), ('b', 'complementary')]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

Node = TypeVar("Node", bound=Hashable)

K_FLOOR = 5
PRIMARY = "primary"
COMPLEMENTARY = "complementary"


def suppress(
    counts: Mapping[Node, int], parents: Mapping[Node, Node | None], k: int
) -> dict[Node, str]:
    """Which groups must be withheld, and why (``"primary"`` or ``"complementary"``).

    Args:
        counts: respondents per group; a parent counts its whole subtree (its children's
            respondents and its own).
        parents: the parent of each group (``None`` for a root); every key of ``counts``.
        k: the threshold; groups with ``0 < n < k`` are withheld. Never below 5.

    A group with no respondent has nothing to show and is not counted as withheld.
    """
    if k < K_FLOOR:
        raise ValueError(f"k must be at least {K_FLOOR} (DESIGN §4), got {k}")
    for group, count in counts.items():
        if count < 0:
            raise ValueError(f"negative count for {group!r}")
    children: dict[Node, list[Node]] = {}
    for group in counts:
        parent = parents.get(group)
        if parent is not None and parent in counts:
            children.setdefault(parent, []).append(group)
    withheld: dict[Node, str] = {g: PRIMARY for g, n in counts.items() if 0 < n < k}

    changed = True
    while changed:
        changed = False
        for parent, kids in children.items():
            if parent in withheld or counts[parent] == 0:
                continue
            own = counts[parent] - sum(counts[kid] for kid in kids)
            hidden = [kid for kid in kids if kid in withheld and counts[kid] > 0]
            if len(hidden) + (own > 0) != 1:
                continue  # nothing hidden, or at least two hidden parts protecting each other
            if not hidden and own >= k:
                continue  # only the parent's own respondents are hidden, and they are many
            shown = sorted(
                (kid for kid in kids if kid not in withheld and counts[kid] > 0),
                key=lambda kid: (counts[kid], str(kid)),
            )
            if shown:
                withheld[shown[0]] = COMPLEMENTARY
                changed = True
    return withheld
