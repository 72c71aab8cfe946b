"""The satisfaction indices of docs/scoring.md for a set of responses, per group and up a unit tree.

Everything a group shows is computed from additive pieces — answer counts per question, Cronbach
moments per dimension, bootstrap replicate sums — gathered once per group of respondents and
added up the tree, so a parent's numbers come from its respondents (never from averaging its
children) and a province of a million responses takes one pass over the answers.

Before any number leaves :func:`score`, :func:`analysis.suppression.suppress` withholds every
group under k and the complementary groups that would give it away (docs/PRIVACY.md).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.bootstrap import RESAMPLES, SEED, percentile_interval
from analysis.comparisons import Difference, corrected, index_test, two_proportion_test
from analysis.instrument import ChoiceItem, Instrument, ResponseData, recoded
from analysis.integrity import PatternFlag, pattern_tests
from analysis.intervals import mean_bounds, wilson_bounds
from analysis.quality import FLAGS, SPEEDING, QualityPolicy, quality_flags
from analysis.quality import STRAIGHT_LINING as STRAIGHT
from analysis.reliability import ALPHA_WARNING, alpha_from_moments
from analysis.sampling import response_rate
from analysis.suppression import K_FLOOR, suppress
from analysis.tally import Layout, Quotes, Tally, merged_quotes, tally_groups
from analysis.themes import Taxonomy, load_taxonomy, typical_quotes

TOP = ""  # the key of the whole set of responses in :attr:`Scores.summaries`
METHOD = "t (means), Wilson (shares), Poisson bootstrap percentile (indices)"


@dataclass(frozen=True)
class Groups:
    """Groups of responses, flat or a tree.

    Attributes:
        keys: the name of each group (a unit code, a value of ``--by``).
        parents: the index of each group's parent, ``-1`` for a top-level group.
        of: the group index of each response.
        expected: expected respondents per group (``None`` where unknown); a group without its
            own figure expects the sum of its children's.
    """

    keys: tuple[str, ...]
    parents: tuple[int, ...]
    of: np.ndarray
    expected: tuple[int | None, ...] | None = None

    @classmethod
    def flat(cls, labels: Sequence[str]) -> Groups:
        """One group per distinct label, in sorted order (``--by COLUMN``)."""
        keys, inverse = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
        return cls(tuple(str(key) for key in keys), (-1,) * len(keys), inverse)


@dataclass(frozen=True)
class Summary:
    """What a shown group carries for comparisons with another campaign."""

    n: int
    overall: float
    overall_se: float
    dimensions: dict[str, tuple[float, float]]  # id → (index, standard error)
    satisfied: dict[str, tuple[int, int]]  # question id → (satisfied, valid)


@dataclass
class Scores:
    """The scores JSON of docs/scoring.md and, for each shown group, what comparisons need."""

    json: dict[str, Any]
    summaries: dict[str, Summary] = field(default_factory=dict)


def score(
    instrument: Instrument,
    data: ResponseData,
    *,
    k: int = 10,
    groups: Groups | None = None,
    policy: QualityPolicy | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    taxonomy: Taxonomy | None = None,
    keys: np.ndarray | None = None,
) -> Scores:
    """Score ``data`` (docs/scoring.md) as the scores JSON (docs/scoring.md).

    When ``data`` carries comments, every shown group also gets its comment themes (counts,
    praise and complaint per theme, two representative quotes per theme) from ``taxonomy``
    (the bundled one by default); the comments must already be scrubbed.

    Indices and shares are percentages; intervals are 95 %: Student t for means, Wilson for a
    question's satisfied share, a respondent-level Poisson bootstrap (percentile, ``resamples``
    replicates, fixed ``seed``) for dimension and overall indices. Groups with fewer than ``k``
    responses, and the groups that would reveal them by subtraction, come out as
    ``{"suppressed": true, "n_below": k}`` and nothing else.
    """
    groups = groups or Groups((), (), np.zeros(len(data), dtype=np.intp))
    if len(groups.of) != len(data):
        raise ValueError("every response needs a group")
    if data.scale.ndim != 2 or data.scale.shape[1] != len(instrument.scale_items):
        raise ValueError("the answers do not have one column per scale question")
    size = len(groups.keys) + 1  # the last: responses of no group (all, for a flat table)
    of = np.asarray(groups.of, dtype=np.intp) if groups.keys else np.full(len(data), size - 1)
    if data.comments is not None:
        taxonomy = taxonomy or load_taxonomy()
    policy = policy or QualityPolicy()
    flags = quality_flags(instrument, data, policy)
    excluded = np.zeros(len(data), dtype=bool)
    for name in policy.exclude:
        excluded |= flags[name]
    tallies = tally_groups(
        instrument,
        data,
        of,
        size,
        keys=content_keys(instrument, data, of, excluded) if keys is None else keys,
        policy=policy,
        flags=flags,
        taxonomy=taxonomy if data.comments is not None else None,
        resamples=resamples,
        seed=seed,
    )
    return assemble(
        instrument,
        tallies,
        groups,
        k=k,
        policy=policy,
        taxonomy=taxonomy if data.comments is not None else None,
        resamples=resamples,
    )


def assemble(
    instrument: Instrument,
    tallies: Sequence[Tally],
    groups: Groups,
    *,
    k: int = 10,
    policy: QualityPolicy | None = None,
    taxonomy: Taxonomy | None = None,
    resamples: int = RESAMPLES,
) -> Scores:
    """The scores JSON from the tally of each group's own responses (``analysis.tally``;
    ``tallies[i]`` for ``groups.keys[i]``, then one for the responses of no group), rolled up
    the tree: what :func:`score` returns for the same responses, to the last digit, however
    the tallies were gathered. ``groups.of`` is not read. Comment themes are reported when a
    ``taxonomy`` is given (the one the tallies were made with)."""
    if k < K_FLOOR:
        raise ValueError(f"k must be at least {K_FLOOR} (docs/PRIVACY.md), got {k}")
    if len(tallies) != len(groups.keys) + 1:
        raise ValueError("one tally per group, and one for the responses of no group")
    run = _Run(instrument, tallies, k, groups, policy or QualityPolicy(), resamples)
    if taxonomy is not None:
        run.themes = _Themes(run, taxonomy)
    return run.scores()


def content_keys(
    instrument: Instrument, data: ResponseData, of: np.ndarray, excluded: np.ndarray
) -> np.ndarray:
    """Keys for responses that have none (a table scored offline): their places once ordered
    by group and, within a group, by their answers, so that the scores do not depend on the
    order of the rows; responses the quality policy leaves out come last, so that the others
    get the keys they would get without them."""
    scale = recoded(instrument, data.scale)
    order = np.lexsort((_content_key(scale), of, excluded))
    keys = np.empty(len(data), dtype=np.uint64)
    keys[order] = np.arange(len(data), dtype=np.uint64)
    return keys


def compare_waves(current: Summary, previous: Summary) -> dict[str, Any]:
    """A campaign against the previous one of the same questionnaire (docs/scoring.md).

    Indices are compared with a z-test on the bootstrap standard errors of the two independent
    samples, each question's satisfied share with a two-proportion z-test (questions matched by
    id); Holm's correction runs over every statistic compared.
    """

    def indices(now: float, now_se: float, before: float, before_se: float) -> Difference:
        error = math.hypot(now_se, before_se)
        return index_test(now - before, error, now, current.n, before, previous.n)

    labels: list[tuple[str, str]] = [("overall", TOP)]
    tests = [indices(current.overall, current.overall_se, previous.overall, previous.overall_se)]
    for dimension, (index, error) in current.dimensions.items():
        if dimension in previous.dimensions:
            labels.append(("dimensions", dimension))
            tests.append(indices(index, error, *previous.dimensions[dimension]))
    for question, (x, n) in current.satisfied.items():
        if question in previous.satisfied and n and previous.satisfied[question][1]:
            labels.append(("questions", question))
            tests.append(two_proportion_test(x, n, *previous.satisfied[question]))
    out: dict[str, Any] = {"overall": None, "dimensions": {}, "questions": {}}
    for (kind, key), result in zip(labels, corrected(tests), strict=True):
        if kind == "overall":
            out["overall"] = _difference_json(result)
        else:
            out[kind][key] = _difference_json(result)
    return out


@dataclass(frozen=True)
class _Replicated:
    """A group's bootstrap replicates of its indices and what is drawn from them."""

    dimensions: np.ndarray  # (replicates, D)
    overall: np.ndarray  # (replicates,)
    dimensions_ci: np.ndarray  # (2, D)
    overall_ci: np.ndarray  # (2,)
    dimensions_se: np.ndarray  # (D,)
    overall_se: float


class _Tree:
    """Groups plus one extra root holding every response; sums flow from children to parents."""

    def __init__(self, parents: Sequence[int]) -> None:
        self.root = len(parents)
        self.size = self.root + 1
        self.parent = np.array([p if p >= 0 else self.root for p in parents] + [-1], dtype=np.intp)
        depth = np.zeros(self.size, dtype=int)
        for node in range(self.size):
            step = node
            while self.parent[step] >= 0:
                step = self.parent[step]
                depth[node] += 1
                if depth[node] > self.size:
                    raise ValueError("the groups form a cycle")
        self.deepest_first = [
            int(node) for node in np.argsort(-depth, kind="stable") if node != self.root
        ]

    def rolled(self, direct: np.ndarray) -> np.ndarray:
        """Subtree totals from per-group values (first axis = group)."""
        total = np.array(direct, copy=True)
        for node in self.deepest_first:
            total[self.parent[node]] += total[node]
        return total

    def count(self, of: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Subtree totals of responses (where ``mask``) per group."""
        return self.rolled(np.bincount(of if mask is None else of[mask], minlength=self.size))


class _Indices:
    """Dimension and overall indices from satisfied and valid sums of the dimension items.

    A dimension is the unweighted mean of its items' satisfied shares (items without a valid
    answer left out); the overall index is the weighted mean of the dimensions that have one
    (docs/scoring.md). Works on any leading shape: one group, all groups, or replicates.
    """

    def __init__(self, instrument: Instrument, positions: list[list[int]], width: int) -> None:
        self.membership = np.zeros((width, len(positions)))
        for d, columns in enumerate(positions):
            self.membership[columns, d] = 1.0
        self.weights = np.array([d.weight for d in instrument.dimensions], dtype=float)

    def __call__(self, satisfied: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # float32 replicate sums stay float32 (half the memory traffic); counts become float64
        kind = np.float32 if satisfied.dtype == np.float32 else np.float64
        has = (valid > 0).astype(kind)
        share = np.divide(satisfied, valid, out=np.zeros(valid.shape, kind), where=valid > 0)
        membership = self.membership.astype(kind, copy=False)
        items = has @ membership
        dimensions = np.divide(
            100 * (share @ membership),
            items,
            out=np.full(items.shape, np.nan, kind),
            where=items > 0,
        )
        present = ~np.isnan(dimensions)
        weights = self.weights.astype(kind, copy=False)
        weight = present @ weights
        overall = np.divide(
            np.where(present, dimensions, 0) @ weights,
            weight,
            out=np.full(weight.shape, np.nan, kind),
            where=weight > 0,
        )
        return dimensions, overall


class _Run:
    """One scoring: roll the tallies up the tree, bootstrap and assemble the JSON."""

    def __init__(
        self,
        instrument: Instrument,
        tallies: Sequence[Tally],
        k: int,
        groups: Groups,
        policy: QualityPolicy,
        resamples: int,
    ) -> None:
        self.instrument, self.k, self.groups, self.policy = instrument, k, groups, policy
        self.tallies, self.resamples = tallies, resamples
        self.themes: _Themes | None = None
        self.tree = _Tree(groups.parents)
        self.nested = any(p >= 0 for p in groups.parents)
        layout = Layout.of(instrument)
        self.items = instrument.scale_items
        self.column = {item.id: c for c, item in enumerate(self.items)}
        self.scored, self.positions = layout.scored, layout.positions
        self.choice_widths = layout.choice_widths
        self.indices = _Indices(instrument, self.positions, len(self.scored))

        def rolled(name: str) -> np.ndarray:
            return self.tree.rolled(np.stack([getattr(t, name) for t in tallies]))

        self.n = self.tree.rolled(np.array([t.n for t in tallies], dtype=np.int64))
        self.excluded = self.tree.rolled(np.array([t.excluded for t in tallies], dtype=np.int64))
        flags = rolled("flags")
        self.flags = {name: flags[:, f] for f, name in enumerate(FLAGS)}
        self.counts = rolled("answers")
        self.cases, self.sums, self.cross = rolled("cases"), rolled("sums"), rolled("cross")
        self.respondent_counts = rolled("respondents")
        self.choice_counts = rolled("choices")
        self.comment_counts, self.theme_counts = rolled("comments"), rolled("themes")
        self.patterns = self._patterns()

    def _patterns(self) -> list[PatternFlag]:
        """Answer patterns a stuffed unit betrays, each group's own responses tested against
        the other groups' (k and up)."""
        own = self.tallies
        sizes = np.array([t.responses for t in own], dtype=np.int64)
        vectors = None
        if self.items:
            stacked = np.concatenate([t.vectors for t in own])
            width = stacked.shape[1]
            _, ids = np.unique(
                np.ascontiguousarray(stacked).view(np.dtype((np.void, width))).ravel(),
                return_inverse=True,
            )
            vectors = (
                np.repeat(np.arange(len(own)), [len(t.vectors) for t in own]),
                ids.ravel(),
                np.concatenate([t.vector_counts for t in own]).astype(np.int64),
            )
        return pattern_tests(
            sizes,
            vectors,
            straight=np.array([t.flags[FLAGS.index(STRAIGHT)] for t in own]),
            speeding=np.array([t.flags[FLAGS.index(SPEEDING)] for t in own])
            if any(t.durations for t in own)
            else None,
            min_size=self.k,
        )

    def _moments(self) -> list[list[tuple[int, np.ndarray, np.ndarray]]]:
        """Cronbach moments (m, Σx, ΣxxT of complete cases) of each dimension, per group."""
        blocks = np.cumsum([0] + [len(p) for p in self.positions])
        return [
            [
                (
                    int(self.cases[g, d]),
                    self.sums[g, blocks[d] : blocks[d + 1]].astype(float),
                    self.cross[g, blocks[d] : blocks[d + 1], blocks[d] : blocks[d + 1]].astype(
                        float
                    ),
                )
                for d in range(len(self.positions))
            ]
            for g in range(self.tree.size)
        ]

    def _bootstrap(
        self, shown: list[bool], questions: _QuestionTable, points: tuple[np.ndarray, np.ndarray]
    ) -> tuple[dict[int, _Replicated], dict[int, dict[str, Any]]]:
        """Replicates of every shown group's indices, and each shown group against the rest of
        its shown parent.

        Groups are visited children first; a group's replicate sums (satisfied | valid of each
        dimension item) are its own respondents' plus its children's, and the rest of a parent
        is the parent's minus the child's, replicate by replicate. When a parent is complete,
        its children are summarised and compared in one batch; their sums are then released to
        a pool of buffers that is reused, so the pass touches a few dozen arrays, not one per
        group.
        """
        width = len(self.scored)
        children: list[list[int]] = [[] for _ in range(self.tree.size)]
        for node in range(self.tree.root):
            children[self.tree.parent[node]].append(node)
        pool: list[np.ndarray] = []
        live: dict[int, np.ndarray] = {}
        replicated: dict[int, _Replicated] = {}
        comparisons: dict[int, dict[str, Any]] = {}
        for node in _post_order(children, self.tree.root):
            sums = pool.pop() if pool else np.empty((self.resamples, 2 * width), np.int64)
            if self.tallies[node].n and width:
                sums[...] = self.tallies[node].replicates()
            else:
                sums.fill(0)
            for child in children[node]:
                sums += live[child]
            kids = [child for child in children[node] if shown[child]]
            if kids:
                batch = np.stack([live[child] for child in kids])
                replicated.update(zip(kids, self._summarise(batch), strict=True))
                members = [i for i, kid in enumerate(kids) if self.n[node] - self.n[kid] >= self.k]
                if shown[node] and members:
                    rest = sums[None] - batch[members]
                    comparisons.update(
                        self._compare_with_rest(
                            node, [kids[i] for i in members], rest, replicated, questions, points
                        )
                    )
            for child in children[node]:
                pool.append(live.pop(child))
            live[node] = sums
        if shown[self.tree.root]:
            replicated[self.tree.root] = self._summarise(live[self.tree.root][None])[0]
        return replicated, comparisons

    def _summarise(self, sums: np.ndarray) -> list[_Replicated]:
        """For a batch of groups' replicate sums ``(groups, replicates, 2W)``: the indices of
        each replicate, their percentile intervals and standard errors."""
        width = len(self.scored)
        sums = sums.astype(np.float32)  # half the memory traffic of the replicates' indices
        dimensions, overall = self.indices(sums[..., :width], sums[..., width:])
        stacked = np.concatenate([dimensions, overall[..., None]], axis=-1)
        bounds = percentile_interval(stacked, axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a statistic with no value
            spread = np.nanstd(stacked, axis=1, ddof=1)
        return [
            _Replicated(
                dimensions[i],
                overall[i],
                bounds[:, i, :-1],
                bounds[:, i, -1],
                spread[i, :-1],
                float(spread[i, -1]),
            )
            for i in range(sums.shape[0])
        ]

    def _respondents(self) -> dict[str, np.ndarray]:
        """Per group: respondents with a valid answer in each dimension and in any, and the
        hài lòng toàn diện base (a valid rated answer) and count (every rated answer satisfied)."""
        counts, d = self.respondent_counts, len(self.positions)
        return {
            "dimensions": counts[:, :d],
            "overall": counts[:, d],
            "rated": counts[:, d + 1],
            "fully": counts[:, d + 2],
        }

    def _choices(self) -> dict[str, np.ndarray]:
        """Per choice question and group: [answered, count of each option (, blanks)]."""
        bounds = np.cumsum([0, *self.choice_widths])
        return {
            item.id: self.choice_counts[:, bounds[i] : bounds[i + 1]]
            for i, item in enumerate(self.instrument.choice_items)
        }

    def _expected(self) -> list[int | None]:
        """Expected respondents per group: its own figure, else the sum of its children's when
        every child has one (a partly known population gives no rate rather than a wrong one)."""
        total: list[int | None] = [*(self.groups.expected or (None,) * self.tree.root), None]
        sums: list[int | None] = [None] * self.tree.size  # None: no child yet, or one unknown
        seen = [False] * self.tree.size
        for node in [*self.tree.deepest_first, self.tree.root]:
            if total[node] is None and seen[node]:
                total[node] = sums[node]
            if node == self.tree.root:
                break
            parent = self.tree.parent[node]
            value = total[node]
            sums[parent] = (
                None
                if value is None or (seen[parent] and sums[parent] is None)
                else (sums[parent] or 0) + value
            )
            seen[parent] = True
        return total

    # -- assembling ---------------------------------------------------------------------------

    def scores(self) -> Scores:
        questions = _QuestionTable(self.counts, self.items)
        point_dims, point_overall = self.indices(
            questions.satisfied[:, self.scored], questions.valid[:, self.scored]
        )
        parents: dict[int, int | None] = {
            g: int(p) if p >= 0 else None for g, p in enumerate(self.tree.parent)
        }
        withheld = suppress({g: int(self.n[g]) for g in range(self.tree.size)}, parents, self.k)
        shown = [g not in withheld and self.n[g] >= self.k for g in range(self.tree.size)]
        top = {
            "questionnaire": self.instrument.slug,
            "version": self.instrument.version,
            "k": self.k,
        }
        if not shown[self.tree.root]:
            return Scores({**top, "suppressed": True, "n_below": self.k})

        moments = self._moments()
        respondents = self._respondents()
        choices = self._choices()
        expected = self._expected()
        width = len(self.scored)
        bodies: dict[int, dict[str, Any]] = {}
        summaries: dict[str, Summary] = {}
        boot, comparisons = self._bootstrap(shown, questions, (point_dims, point_overall))
        asked = self.instrument.overall_item
        for g in boot:
            general = questions.share(g, self.column[asked.id]) if asked else None
            body: dict[str, Any] = {
                "suppressed": False,
                "n": int(self.n[g]),
                "overall": {
                    "n": int(respondents["overall"][g]),
                    "index": _percent(point_overall[g]),
                    "ci": _interval(boot[g].overall_ci) if width else None,
                    # null with general_question null: the form asks no general question
                    "general_question": asked.id if asked else None,
                    "general": general and {"question": asked.id, **general},
                    "fully_satisfied": _share(
                        int(respondents["fully"][g]), int(respondents["rated"][g])
                    ),
                },
                "dimensions": self._dimensions(g, point_dims[g], boot[g], moments[g], respondents),
                "questions": [questions.question(g, c) for c in range(len(self.items))],
                "choices": [
                    _choice_json(item, choices[item.id][g]) for item in self.instrument.choice_items
                ],
                "quality": {
                    **{name: int(self.flags[name][g]) for name in FLAGS},
                    "excluded": int(self.excluded[g]),
                    "policy": sorted(self.policy.exclude),
                    "patterns": [
                        {
                            "kind": flag.kind,
                            "observed": flag.observed,
                            "expected": round(flag.expected, 1),
                        }
                        for flag in self.patterns
                        if flag.group == g
                    ],
                },
                "response_rate": self._response_rate(g, expected[g], general),
            }
            if self.themes is not None:
                body["themes"] = self.themes.group(g)
            if g != self.tree.root and self.nested:
                parent = self.tree.parent[g]
                body["parent"] = None if parent == self.tree.root else self.groups.keys[parent]
            bodies[g] = body
            summaries[TOP if g == self.tree.root else self.groups.keys[g]] = Summary(
                n=int(self.n[g]),
                overall=float(point_overall[g]),
                overall_se=float(boot[g].overall_se),
                dimensions={
                    dimension.id: (float(point_dims[g, d]), float(boot[g].dimensions_se[d]))
                    for d, dimension in enumerate(self.instrument.dimensions)
                    if not math.isnan(point_dims[g, d])
                },
                satisfied={
                    item.id: (int(questions.satisfied[g, c]), int(questions.valid[g, c]))
                    for c, item in enumerate(self.items)
                    if item.satisfied_from
                },
            )
        for g, comparison in comparisons.items():
            bodies[g]["comparison"] = comparison

        root = bodies[self.tree.root]
        root.pop("suppressed")
        root.pop("parent", None)
        groups = {
            key: bodies.get(g, {"suppressed": True, "n_below": self.k})
            for g, key in enumerate(self.groups.keys)
        }
        method = {"intervals": METHOD, "resamples": self.resamples}
        return Scores({**top, **root, "method": method, "groups": groups}, summaries)

    def _dimensions(
        self,
        g: int,
        points: np.ndarray,
        replicated: _Replicated,
        moments: list[tuple[int, np.ndarray, np.ndarray]],
        respondents: dict[str, np.ndarray],
    ) -> list[dict[str, Any]]:
        out = []
        for d, dimension in enumerate(self.instrument.dimensions):
            alpha = alpha_from_moments(*moments[d])
            out.append(
                {
                    "id": dimension.id,
                    "n": int(respondents["dimensions"][g, d]),
                    "index": _percent(points[d]),
                    "ci": _interval(replicated.dimensions_ci[:, d]),
                    "alpha": None if alpha is None else round(alpha, 3),
                    "alpha_warning": alpha is not None and alpha < ALPHA_WARNING,
                }
            )
        return out

    def _response_rate(
        self, g: int, expected: int | None, general: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        if not expected:
            return None
        share = (general or {}).get("satisfied")
        rate = response_rate(int(self.n[g]), expected, 0.5 if share is None else share / 100)
        return {
            "expected": rate.expected,
            "rate": _percent(rate.rate),
            "margin_of_error": _percent(rate.margin_of_error),
        }

    def _compare_with_rest(
        self,
        parent: int,
        members: list[int],
        rest: np.ndarray,
        replicated: dict[int, _Replicated],
        questions: _QuestionTable,
        points: tuple[np.ndarray, np.ndarray],
    ) -> dict[int, dict[str, Any]]:
        """Each member against the rest of its parent (``rest``: the parent's replicate sums
        minus each member's; the point estimates likewise from counts), with Holm's correction
        over the siblings compared, statistic by statistic."""
        width = len(self.scored)
        point_dims, point_overall = points
        rest = rest.astype(np.float32)
        rest_dims, rest_overall = self.indices(rest[..., :width], rest[..., width:])
        point_rest_dims, point_rest_overall = self.indices(
            (questions.satisfied[parent] - questions.satisfied[members])[:, self.scored],
            (questions.valid[parent] - questions.valid[members])[:, self.scored],
        )
        ours = np.stack(
            [np.column_stack([replicated[g].dimensions, replicated[g].overall]) for g in members]
        )
        theirs = np.concatenate([rest_dims, rest_overall[..., None]], axis=-1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a statistic with no value
            errors = np.nanstd(ours - theirs, axis=1, ddof=1)
        differences = np.column_stack(
            [point_dims[members] - point_rest_dims, point_overall[members] - point_rest_overall]
        )
        own = np.column_stack([point_dims[members], point_overall[members]])
        rest_points = np.column_stack([point_rest_dims, point_rest_overall])
        columns = [
            corrected(
                [
                    index_test(
                        float(differences[i, s]),
                        float(errors[i, s]),
                        float(own[i, s]),
                        int(self.n[g]),
                        float(rest_points[i, s]),
                        int(self.n[parent] - self.n[g]),
                    )
                    for i, g in enumerate(members)
                ]
            )
            for s in range(len(self.positions) + 1)
        ]
        return {
            g: {
                "against": "rest_of_parent",
                "overall": _difference_json(columns[-1][i]),
                "dimensions": {
                    dimension.id: _difference_json(columns[d][i])
                    for d, dimension in enumerate(self.instrument.dimensions)
                },
            }
            for i, g in enumerate(members)
        }


class _Themes:
    """What a group's comments are about: counts per theme rolled up the tree from the
    tallies, and quotes chosen from the sample of the group's subtree (``analysis.tally``)."""

    def __init__(self, run: _Run, taxonomy: Taxonomy) -> None:
        self.ids = [theme.id for theme in taxonomy.themes]
        self.labels = {theme.id: theme.label for theme in taxonomy.themes}
        self.run = run
        self.samples: list[Quotes] = [t.quotes for t in run.tallies]
        for node in run.tree.deepest_first:  # children before parents: subtree samples
            parent = run.tree.parent[node]
            self.samples[parent] = merged_quotes([self.samples[parent], self.samples[node]])

    def group(self, g: int) -> dict[str, Any]:
        comments, themes = self.run.comment_counts[g], self.run.theme_counts[g]
        items = []
        for t, theme_id in enumerate(self.ids):
            if not themes[t, 0]:
                continue
            texts = [text for _, text in self.samples[g].get(theme_id, [])]
            items.append(
                {
                    "id": theme_id,
                    "label": self.labels[theme_id],
                    "count": int(themes[t, 0]),
                    "praise": int(themes[t, 1]),
                    "complaint": int(themes[t, 2]),
                    "quotes": [texts[i] for i in typical_quotes(texts)],
                }
            )
        return {
            "comments": int(comments[0]),
            "praise": int(comments[1]),
            "complaint": int(comments[2]),
            "items": items,
        }


class _QuestionTable:
    """Per-question numbers of docs/scoring.md for every group at once, from the answer counts,
    rounded once into plain lists so that writing thousands of groups stays cheap."""

    def __init__(self, counts: np.ndarray, items: Sequence[Any]) -> None:
        self.items = items
        self.counts = counts.tolist()
        groups = counts.shape[0]
        self.valid = counts[:, :, 1:-1].sum(axis=2)
        self.satisfied = np.zeros((groups, len(items)), dtype=np.int64)
        means, lows, highs = [], [], []
        for c, item in enumerate(items):
            if item.satisfied_from:
                self.satisfied[:, c] = counts[:, c, item.satisfied_from : item.points + 1].sum(
                    axis=1
                )
            values = np.arange(1, item.points + 1)
            per_value = counts[:, c, 1 : item.points + 1]
            mean, low, high = mean_bounds(
                self.valid[:, c], per_value @ values, per_value @ (values * values)
            )
            means.append(mean)
            lows.append(low)
            highs.append(high)
        shape = (groups, len(items))
        self.mean = _rounded(
            np.reshape(np.stack(means, axis=1) if items else np.zeros(shape), shape), 2
        )
        self.mean_ci = _rounded(
            np.stack(
                [
                    np.reshape(np.stack(b, axis=1) if items else np.zeros(shape), shape)
                    for b in (lows, highs)
                ],
                axis=-1,
            ),
            2,
        )
        share = np.divide(
            100 * self.satisfied, self.valid, out=np.full(shape, np.nan), where=self.valid > 0
        )
        low, high = wilson_bounds(self.satisfied, self.valid)
        self.share_ = _rounded(share, 1)
        self.share_ci = _rounded(
            np.where((self.valid > 0)[..., None], 100 * np.stack([low, high], axis=-1), np.nan), 1
        )
        self.valid_list = self.valid.tolist()

    def share(self, g: int, c: int) -> dict[str, Any] | None:
        """The satisfied share of a rated question, with the two ends of its scale: the top
        box (the highest level: "Rất hài lòng") and the bottom box (the levels as far below
        the middle as the satisfied ones are above it: "Không hài lòng", "Rất không hài
        lòng"). Near the ceiling the satisfied share no longer tells units apart; the ends do."""
        item = self.items[c]
        if not item.satisfied_from:
            return None
        row, valid = self.counts[g][c], self.valid_list[g][c]
        bottom = item.points - item.satisfied_from + 1
        return {
            "n": valid,
            "satisfied": self.share_[g][c],
            "satisfied_ci": _pair(self.share_ci[g][c]),
            "very_satisfied": _share(row[item.points], valid),
            "dissatisfied": _share(sum(row[1 : bottom + 1]), valid),
        }

    def question(self, g: int, c: int) -> dict[str, Any]:
        item = self.items[c]
        row = self.counts[g][c]
        rated = item.satisfied_from is not None
        return {
            "id": item.id,
            "n": self.valid_list[g][c],
            "na": row[-1],
            "missing": row[0],
            "mean": self.mean[g][c],
            "mean_ci": _pair(self.mean_ci[g][c]),
            "satisfied": self.share_[g][c] if rated else None,
            "satisfied_ci": _pair(self.share_ci[g][c]) if rated else None,
            "counts": {str(v): row[v] for v in range(1, item.points + 1)},
        }


def _post_order(children: list[list[int]], root: int) -> list[int]:
    """Every group below ``root`` and ``root`` itself, each after all of its children."""
    order: list[int] = []
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children[node]))
    return order


def _content_key(scale: np.ndarray) -> np.ndarray:
    """A key per row of answers, equal for equal rows: a projection on fixed random weights,
    where two different rows tie with probability nil."""
    weights = np.random.default_rng(0).random(scale.shape[1]) + 1.0
    return scale.astype(np.float64) @ weights


def _choice_json(item: ChoiceItem, counts: np.ndarray) -> dict[str, Any]:
    """A choice question's distribution; for multi every option chosen counts (never the
    combinations), shares are of the respondents who answered."""
    answered = int(counts[0])
    options = counts[1 : 1 + len(item.options)]
    return {
        "id": item.id,
        "type": item.kind,
        "n": answered,
        "missing": None if item.kind == "multi" else int(counts[-1]),
        "counts": {option: int(c) for option, c in zip(item.options, options, strict=True)},
        "percent": {
            option: _percent(100 * c / answered) if answered else None
            for option, c in zip(item.options, options, strict=True)
        },
    }


def _share(x: int, n: int) -> dict[str, Any]:
    if not n:
        return {"n": 0, "share": None, "ci": None}
    low, high = wilson_bounds(np.array(x), np.array(n))
    return {"n": n, "share": _percent(100 * x / n), "ci": _interval(100 * np.array([low, high]))}


def _rounded(values: np.ndarray, digits: int) -> list[Any]:
    """Rounded nested lists with ``None`` for NaN."""
    rounded = np.round(values.astype(float), digits).astype(object)
    rounded[np.isnan(values.astype(float))] = None
    return rounded.tolist()


def _pair(bounds: list[Any]) -> list[float] | None:
    return None if bounds[0] is None or bounds[1] is None else list(bounds)


def _percent(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 1)


def _interval(bounds: np.ndarray | None) -> list[float] | None:
    if bounds is None:
        return None
    low, high = (float(b) for b in bounds)
    return None if math.isnan(low) or math.isnan(high) else [round(low, 1), round(high, 1)]


def _difference_json(result: Difference) -> dict[str, Any]:
    return {
        "difference": _percent(result.difference),
        "p": None if math.isnan(result.p) else round(result.p, 4),
        "p_adjusted": None if math.isnan(result.p_adjusted) else round(result.p_adjusted, 4),
        "significant": result.significant,
    }
