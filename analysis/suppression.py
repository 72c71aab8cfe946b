"""Small-cell suppression over a tree of groups (docs/PRIVACY.md), the one function every output uses.

A group with fewer than ``k`` respondents is withheld (*primary* suppression). That is not enough
when totals are published: every count and distribution here is additive, so a group's count
minus the counts of the shown groups that make it up gives back whatever is hidden inside it —
and a withheld group whose own parts are all shown hides nothing. So for every group of at least
``k`` respondents, the part no shown group accounts for (its respondents minus, for each child,
the child's count if shown, else what the child's shown parts account for) must be 0 or at
least ``k``; while it is not, the smallest shown group among those parts is withheld too
(*complementary* suppression), until nothing changes. A group under ``k`` is withheld itself
and protected one level up.

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
        raise ValueError(f"k must be at least {K_FLOOR} (docs/PRIVACY.md), got {k}")
    for group, count in counts.items():
        if count < 0:
            raise ValueError(f"negative count for {group!r}")
    children: dict[Node, list[Node]] = {}
    for group in counts:
        parent = parents.get(group)
        if parent is not None and parent in counts:
            children.setdefault(parent, []).append(group)
    withheld: dict[Node, str] = {g: PRIMARY for g, n in counts.items() if 0 < n < k}

    order = _children_first(children, [g for g in counts if parents.get(g) not in counts])
    changed = True
    while changed:
        changed = False
        for group in order:
            if counts[group] < k or group not in children:
                continue
            parts = _shown_parts(group, children, counts, withheld)
            unaccounted = counts[group] - sum(counts[part] for part in parts)
            if 0 < unaccounted < k and parts:
                withheld[min(parts, key=lambda part: (counts[part], str(part)))] = COMPLEMENTARY
                changed = True
    return withheld


def _shown_parts(
    group: Node,
    children: dict[Node, list[Node]],
    counts: Mapping[Node, int],
    withheld: dict[Node, str],
) -> list[Node]:
    """The highest shown groups below ``group``: its shown children and, under each withheld
    child, that child's own highest shown groups."""
    parts: list[Node] = []
    for kid in children.get(group, []):
        if counts[kid] == 0:
            continue
        if kid in withheld:
            parts += _shown_parts(kid, children, counts, withheld)
        else:
            parts.append(kid)
    return parts


def _children_first(children: dict[Node, list[Node]], roots: list[Node]) -> list[Node]:
    """Every group, each after all of its descendants."""
    order: list[Node] = []
    stack: list[tuple[Node, bool]] = [(root, False) for root in roots]
    while stack:
        group, expanded = stack.pop()
        if expanded:
            order.append(group)
            continue
        stack.append((group, True))
        stack.extend((kid, False) for kid in children.get(group, []))
    return order
