"""Small-cell suppression over a tree of groups (DESIGN §4), the one function every output uses.

A group with fewer than ``k`` respondents is withheld (*primary* suppression). That is not enough
when totals are published: a parent's count minus its shown children's counts gives back the
union of its hidden parts — its withheld children and its own respondents that belong to no
child — and every count and distribution here is additive. So for every parent of at least ``k``
respondents, the hidden parts together must be empty or hold at least ``k`` respondents; while
they do not, its smallest shown child is withheld too (*complementary* suppression), until
nothing changes. A parent under ``k`` is withheld itself and protected one level up.

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
            if counts[parent] < k:
                continue
            shown = [kid for kid in kids if kid not in withheld and counts[kid] > 0]
            hidden_total = counts[parent] - sum(counts[kid] for kid in shown)
            if hidden_total == 0 or hidden_total >= k:
                continue
            withheld[min(shown, key=lambda kid: (counts[kid], str(kid)))] = COMPLEMENTARY
            changed = True
    return withheld
