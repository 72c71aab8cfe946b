"""Small-cell suppression: no withheld count can be recovered by subtraction."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import COMPLEMENTARY, PRIMARY, suppress


def test_primary_and_complementary() -> None:
    parents = {"so": None, "xa1": "so", "xa2": "so", "t1": "xa1", "t2": "xa1", "t3": "xa2"}
    counts = {"so": 100, "xa1": 40, "xa2": 60, "t1": 4, "t2": 36, "t3": 60}
    assert suppress(counts, parents, 10) == {"t1": PRIMARY, "t2": COMPLEMENTARY}


def test_own_respondents_of_a_parent_count_as_a_hidden_part() -> None:
    # the commune office itself has 3 respondents: parent − children would reveal them
    parents = {"xa": None, "a": "xa", "b": "xa"}
    assert suppress({"xa": 43, "a": 20, "b": 20}, parents, 10) == {"a": COMPLEMENTARY}
    assert suppress({"xa": 60, "a": 20, "b": 20}, parents, 10) == {}


def test_small_children_protect_each_other_only_when_together_they_reach_k() -> None:
    parents = {"p": None, "a": "p", "b": "p", "c": "p", "d": "p"}
    counts = {"p": 80, "a": 3, "b": 8, "c": 43, "d": 26}
    assert suppress(counts, parents, 10) == {"a": PRIMARY, "b": PRIMARY}
    # 3 + 4 respondents would still be a group of 7 recovered by subtraction
    counts = {"p": 76, "a": 3, "b": 4, "c": 43, "d": 26}
    assert suppress(counts, parents, 10) == {"a": PRIMARY, "b": PRIMARY, "d": COMPLEMENTARY}


def test_k_floor() -> None:
    with pytest.raises(ValueError, match="at least 5"):
        suppress({"a": 1}, {"a": None}, 4)


@st.composite
def trees(draw):
    size = draw(st.integers(1, 25))
    parents = {0: None}
    for node in range(1, size):
        parents[node] = draw(st.integers(0, node - 1))
    own = {node: draw(st.integers(0, 30)) for node in parents}
    counts = {}
    for node in sorted(parents, reverse=True):
        counts[node] = own[node] + sum(counts[c] for c, p in parents.items() if p == node)
    return parents, counts


@settings(max_examples=300, deadline=None)
@given(tree=trees(), k=st.integers(5, 15))
def test_subtraction_never_recovers_fewer_than_k(tree, k) -> None:
    """For any group of k or more, what its highest shown parts (shown children, and the shown
    parts of withheld children) leave unaccounted is 0 or at least k."""
    parents, counts = tree
    withheld = suppress(counts, parents, k)
    assert all(node in withheld for node, n in counts.items() if 0 < n < k)

    def shown_parts(group):
        for kid in (node for node, p in parents.items() if p == group and counts[node]):
            if kid in withheld:
                yield from shown_parts(kid)
            else:
                yield kid

    for group in counts:
        if counts[group] >= k:
            unaccounted = counts[group] - sum(counts[part] for part in shown_parts(group))
            assert unaccounted == 0 or unaccounted >= k, (group, counts, withheld)


def test_a_withheld_parent_whose_parts_are_shown_protects_nothing() -> None:
    parents = {"all": None, "p": "all", "q": "all", "r": "all", "c1": "p", "c2": "p"}
    counts = {"all": 100, "p": 40, "q": 3, "r": 57, "c1": 20, "c2": 20}
    withheld = suppress(counts, parents, 10)
    assert withheld["q"] == PRIMARY
    shown = [g for g in ("r", "c1", "c2") if g not in withheld]
    assert 100 - sum(counts[g] for g in shown) - (0 if "p" in withheld else counts["p"]) >= 10
