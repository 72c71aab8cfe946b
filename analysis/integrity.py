"""Answer patterns that betray stuffing in a group (a unit), tested against the rest of the campaign.

Stuffing a school's results leaves traces in the answers even when nothing identifies the
respondents: the same whole answer vector over and over, many straight-lined forms, many forms
filled in under a minute. Each is counted per group and compared with the other groups of the
campaign.

Honest schools differ (a very satisfied school has more all-5 forms than a middling one), so a
group is not compared with one campaign-wide rate, which would flag honest high-scoring schools,
but with an overdispersed reference: the group's count ``X`` of ``n`` responses is
beta-binomial, binomial with a share drawn from a beta distribution fitted to the *other*
tested groups (the tested group is left out so that it cannot hide in its own reference):

* mean ``π = (x + ½) / (N + 1)`` over the other groups' counts ``x`` and sizes ``N``: a pattern
  absent elsewhere keeps a small, non-zero rate;
* spread, the intra-class correlation ``ρ``, by moments: the other groups' scatter
  ``Σ nᵢ(pᵢ − p)² / p(1 − p)`` is about ``φ · χ²(k − 1)`` over ``k`` groups, with dispersion
  ``φ = 1 + (n₀ − 1)ρ`` at the typical group size ``n₀``. The reference takes the upper end of
  the one-sided 95 % interval of ``φ`` (:data:`SPREAD_CONFIDENCE_TAIL`), so that a campaign of
  a few schools, whose spread is poorly known, does not understate it, and never less than
  :data:`MIN_RHO`.

The p-value ``P(X ≥ observed)`` is multiplied by the number of groups tested (Bonferroni) and
a group is flagged when that corrected p-value is below ``alpha``, which is then about the
chance that a campaign flags an honest group for that kind. The price of robustness is power
where honest schools differ a lot: stuffing is flagged when it takes the group's share beyond
the spread of the honest ones (``bench/stuffing.py`` measures both).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

IDENTICAL = "identical"
STRAIGHT_LINING = "straight_lining"
SPEEDING = "speeding"
#: The least intra-class correlation assumed between groups: schools, their parents and the way
#: a survey is introduced always differ somewhat, even where a pattern is too rare elsewhere, or
#: the other schools too few, for the spread to be measured. A pattern seen nowhere else is then
#: flagged from about 7–9 % of a school's forms (30 schools), not from three or four forms.
MIN_RHO = 0.02
#: The groups' dispersion is taken at the upper end of its one-sided 95 % confidence interval.
SPREAD_CONFIDENCE_TAIL = 0.05


@dataclass(frozen=True)
class PatternFlag:
    """A group whose count of a pattern is implausible against the other groups."""

    group: int  # the group's index
    kind: str  # "identical" | "straight_lining" | "speeding"
    observed: int  # responses of the group with the pattern
    size: int  # responses in the group
    expected: float  # expected count under the reference
    p_value: float  # the tail probability, corrected for the number of groups tested


def pattern_flags(
    answers: np.ndarray,
    groups: np.ndarray,
    *,
    straight: np.ndarray,
    speeding: np.ndarray | None,
    alpha: float = 0.001,
    min_size: int = 10,
) -> list[PatternFlag]:
    """The groups of at least ``min_size`` responses whose patterns fail the test, by group
    (none when fewer than three groups are that large: there is no reference to speak of).

    * ``identical``: the group's most common whole answer vector (rows of ``answers``, the
      closed answers as uint8 codes); its count is tested against how common that exact vector
      is in the other groups (ties: the most significant vector);
    * ``straight_lining`` / ``speeding``: the count of flagged responses (``analysis.quality``).

    >>> rng = np.random.default_rng(0)
    >>> answers = rng.integers(1, 6, size=(300, 12), dtype=np.uint8)
    >>> answers[:15] = 5  # 15 identical all-5 forms in group 0
    >>> groups = np.repeat(np.arange(10), 30)
    >>> straight = (answers == answers[:, :1]).all(axis=1)
    >>> flags = pattern_flags(answers, groups, straight=straight, speeding=None)
    >>> [(flag.group, flag.kind, flag.observed, flag.size) for flag in flags]
    [(0, 'identical', 15, 30), (0, 'straight_lining', 15, 30)]
    >>> pattern_flags(answers, groups, straight=straight, speeding=None, min_size=31)
    []
    """
    labels, index = np.unique(np.asarray(groups), return_inverse=True)
    index = index.ravel()
    sizes = np.bincount(index, minlength=len(labels))
    answers = np.asarray(answers)
    vectors = None
    if answers.ndim == 2 and answers.shape[1]:  # a form without scale questions has no vector
        rows = np.ascontiguousarray(answers, dtype=np.uint8)
        # one opaque value per row: an order of magnitude faster than np.unique(axis=0)
        _, vector = np.unique(
            rows.view(np.dtype((np.void, rows.shape[1]))).ravel(), return_inverse=True
        )
        width = int(vector.max()) + 1
        pairs, pair_counts = np.unique(index * width + vector.ravel(), return_counts=True)
        vectors = (*np.divmod(pairs, width), pair_counts)
    flags = pattern_tests(
        sizes,
        vectors,
        straight=np.bincount(index[np.asarray(straight, dtype=bool)], minlength=len(labels)),
        speeding=None
        if speeding is None
        else np.bincount(index[np.asarray(speeding, dtype=bool)], minlength=len(labels)),
        alpha=alpha,
        min_size=min_size,
    )
    return [replace(flag, group=int(labels[flag.group])) for flag in flags]


def pattern_tests(
    sizes: np.ndarray,
    vectors: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    *,
    straight: np.ndarray,
    speeding: np.ndarray | None,
    alpha: float = 0.001,
    min_size: int = 10,
) -> list[PatternFlag]:
    """:func:`pattern_flags` from what each group holds rather than from its responses, so
    that groups counted separately (``analysis.tally``) are tested alike: ``sizes`` and the
    ``straight`` and ``speeding`` counts per group (group = position), and ``vectors`` the
    count of every whole answer vector in every group as three aligned arrays (group, vector
    id, count), ``None`` for a form without scale questions."""
    tested = np.flatnonzero(sizes >= min_size)
    if tested.size < 3:  # the others' spread needs at least two other groups
        return []
    tests = [_share(STRAIGHT_LINING, straight, sizes, tested)]
    if vectors is not None:
        tests.insert(0, _identical(*vectors, sizes, tested))
    if speeding is not None:
        tests.append(_share(SPEEDING, speeding, sizes, tested))
    flags = [
        PatternFlag(int(g), kind, int(observed), int(sizes[g]), float(expected), float(corrected))
        for kind, rows, counts, expectations, p in tests
        for g, observed, expected, corrected in zip(
            rows, counts, expectations, np.minimum(p * tested.size, 1.0), strict=True
        )
        if corrected < alpha
    ]
    order = {IDENTICAL: 0, STRAIGHT_LINING: 1, SPEEDING: 2}
    return sorted(flags, key=lambda flag: (flag.group, order[flag.kind]))


#: One kind's tests: the kind, then per tested group its index, observed and expected counts
#: and its uncorrected p-value.
_Tests = tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _share(kind: str, counts: np.ndarray, sizes: np.ndarray, tested: np.ndarray) -> _Tests:
    observed = np.asarray(counts)[tested]
    x, n = observed.astype(float), sizes[tested].astype(float)
    # the same pattern in every test: its sums over the tested groups are one number each
    row_hits, row_squares = np.full(x.size, x.sum()), np.full(x.size, (x**2 / n).sum())
    expected, p = _tails(row_hits, row_squares, x, n, n)
    return kind, tested, observed, expected, p


def _identical(
    pair_group: np.ndarray,
    pair_vector: np.ndarray,
    pair_counts: np.ndarray,
    sizes: np.ndarray,
    tested: np.ndarray,
) -> _Tests:
    most = np.zeros(len(sizes), dtype=np.int64)
    np.maximum.at(most, pair_group, pair_counts)
    # candidates: each tested group's most common vectors, when one occurs at least twice
    candidate = np.isin(pair_group, tested) & (pair_counts == most[pair_group]) & (pair_counts >= 2)
    groups, vectors = pair_group[candidate], pair_vector[candidate]
    distinct, which = np.unique(vectors, return_inverse=True)
    # each candidate vector's count summed over the tested groups, from the (group, vector)
    # pairs themselves: a dense vector × group table is 18 GB at 50,000 schools
    known = np.isin(pair_vector, distinct) & np.isin(pair_group, tested)
    slot = np.searchsorted(distinct, pair_vector[known])
    x = pair_counts[known].astype(float)
    hits = np.bincount(slot, weights=x, minlength=distinct.size)
    squares = np.bincount(slot, weights=x**2 / sizes[pair_group[known]], minlength=distinct.size)
    which = which.ravel()
    expected, p = _tails(
        hits[which],
        squares[which],
        pair_counts[candidate].astype(float),
        sizes[groups].astype(float),
        sizes[tested].astype(float),
    )
    best = np.lexsort((p, groups))  # per group, its most significant candidate first
    first = best[np.r_[True, groups[best][1:] != groups[best][:-1]]] if best.size else best
    return IDENTICAL, groups[first], most[groups[first]], expected[first], p[first]


def _tails(
    row_hits: np.ndarray,
    row_squares: np.ndarray,
    own_x: np.ndarray,
    own_n: np.ndarray,
    n: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected counts and ``P(X ≥ observed)`` of each test: a pattern seen ``own_x`` times in
    the ``own_n`` responses of the group tested, against the beta-binomial fitted to the other
    tested groups (sizes ``n``, the group tested among them). Each test's pattern is given by
    its sums over every tested group, the one tested included: ``row_hits`` = Σ count and
    ``row_squares`` = Σ count² / size, so that no group × group table is ever made."""
    total = n.sum() - own_n
    hits = row_hits - own_x
    share = (hits + 0.5) / (total + 1.0)
    references = n.size - 1
    rho = np.full(own_x.size, MIN_RHO)
    if references >= 2:
        raw = hits / total
        size0 = (total - ((n**2).sum() - own_n**2) / total) / (references - 1)  # typical size
        squares = row_squares - own_x**2 / own_n
        with np.errstate(divide="ignore", invalid="ignore"):
            # the reference groups' scatter is about dispersion · χ²(references − 1); the
            # upper end of its confidence interval is assumed, so few groups do not
            # understate the spread between schools
            scatter = np.maximum(squares - hits**2 / total, 0.0) / (raw * (1.0 - raw))
            dispersion = scatter / stats.chi2.ppf(SPREAD_CONFIDENCE_TAIL, references - 1)
            fitted = (dispersion - 1.0) / (size0 - 1.0)
        usable = (raw > 0.0) & (raw < 1.0) & (size0 > 1.0)
        rho = np.where(usable, np.clip(np.nan_to_num(fitted), MIN_RHO, 0.99), MIN_RHO)
    scale = 1.0 / rho - 1.0
    p = stats.betabinom.sf(own_x - 1, own_n, share * scale, (1.0 - share) * scale)
    return own_n * share, np.asarray(p, dtype=float)
