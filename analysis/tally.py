"""What every score is computed from: additive statistics of a group's responses (docs/scoring.md).

A group's :class:`Tally` — answer counts per question and value, Cronbach moments, respondent
counts, choice counts, quality-flag counts, comment themes and the bootstrap's replicate sums —
is a sum over its responses, so the tally of any set of responses is the sum of the tallies of
its parts, however they are split and in whatever order they are added. The server keeps one
tally per (campaign, unit), adds each release to it when it is published, and scores any unit
by adding up the tallies of its subtree (``analysis.scores``); scoring a table of responses at
once goes through the same tallies, so both give the same numbers to the last digit: every
field is a whole number.

Two fields are not sums but merge as exactly: a sample of each theme's comments (the
:data:`QUOTE_SAMPLE` with the smallest response keys), from which the quotes are chosen, and the
count of each whole answer vector, which the stuffing tests read (``analysis.integrity``).

**Bootstrap weights from a key.** A response's Poisson(1) weight in each of the replicates is
read from a fixed table, drawn once from the seed: :data:`WEIGHT_ROWS` rows of ``resamples``
draws, at the row and the rotation given by the response's *key*, a random 64-bit number kept
with it (the server derives it from the response's random receipt). Any process, at any time,
in any batch, gives a response the same weights; two responses share a weight vector with
probability 1 in ``WEIGHT_ROWS × resamples`` (16 million), and a rotated row is uncorrelated
with the row, so the weights a group's respondents get are independent draws for every
practical purpose. A group's replicate sums are then one matrix product of its indicators by
its gathered weights.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from analysis.instrument import BLANK, NA, Instrument, ResponseData, recoded
from analysis.quality import FLAGS, QualityPolicy, quality_flags
from analysis.themes import Taxonomy, classify

WEIGHT_ROWS = 16_384
#: Comments kept per theme and group for choosing quotes (those with the smallest keys).
QUOTE_SAMPLE = 64
#: Responses per matrix product: float32 sums of whole numbers stay exact below 2²⁴.
_CHUNK = 32_768

Quotes = dict[str, list[tuple[int, str]]]  # theme id → (key, comment), smallest keys first


def _poisson_by_uniform() -> np.ndarray:
    """65,536 entries: the Poisson(1) value whose distribution function first exceeds each
    16-bit uniform, so every probability is exact to 1/65,536. Indexing it with random 16-bit
    numbers is nine times as fast as NumPy's Poisson sampler, and every server process and
    scoring child builds the table."""
    probabilities = [math.exp(-1.0) / math.factorial(k) for k in range(16)]
    thresholds = np.cumsum(probabilities) * 65_536
    return np.searchsorted(thresholds, np.arange(65_536) + 0.5, side="right").astype(np.uint8)


@lru_cache(maxsize=2)
def _weight_windows(resamples: int, seed: int) -> np.ndarray:
    """``(WEIGHT_ROWS, resamples, resamples)`` view: ``[row, rotation]`` is the row's draws
    rotated left by ``rotation`` (16 MB behind it, shared by every view)."""
    uniforms = np.random.default_rng(seed).integers(
        0, 65_536, size=(WEIGHT_ROWS, resamples), dtype=np.uint16
    )
    table = _poisson_by_uniform()[uniforms]
    extended = np.concatenate([table, table[:, :-1]], axis=1)
    return sliding_window_view(extended, resamples, axis=1)


def mixed(keys: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: well-spread 64-bit values from any keys (even 0, 1, 2…)."""
    z = np.asarray(keys, dtype=np.uint64).copy()
    with np.errstate(over="ignore"):
        z += np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def replicate_sums(values: np.ndarray, keys: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, d)`` int64: the replicate sums Σ wᵢ·xᵢ of the rows of an ``(n, d)`` matrix
    of small whole numbers (0/1 indicators), each row weighted by its key's weights."""
    windows = _weight_windows(resamples, seed)
    spread = mixed(keys)
    rows = (spread % np.uint64(WEIGHT_ROWS)).astype(np.intp)
    rotations = ((spread >> np.uint64(32)) % np.uint64(resamples)).astype(np.intp)
    out = np.zeros((resamples, values.shape[1]), dtype=np.int64)
    for start in range(0, len(values), _CHUNK):
        part = slice(start, start + _CHUNK)
        weights = windows[rows[part], rotations[part]].astype(np.float32)
        product = values[part].T.astype(np.float32) @ weights
        out += np.rint(product.T).astype(np.int64)
    return out


@dataclass
class Tally:
    """The additive statistics of one group's own responses (see the module).

    ``responses`` counts them all, ``n`` those kept by the quality policy; every other count is
    of kept responses, except ``flags`` (each quality flag) and ``vectors`` / ``vector_counts``
    (each distinct raw answer vector), which count them all, as the stuffing tests do.
    ``replicates`` gives the ``(resamples, 2W)`` replicate sums of the satisfied and valid
    indicators of the W dimension items, computed or decoded each time it is called (callers
    call it once: a province's thousand units would otherwise all hold theirs).
    """

    responses: int
    n: int
    excluded: int
    flags: np.ndarray  # (len(FLAGS),)
    answers: np.ndarray  # (questions, bins): bin 0 blank, 1..p the recoded answer, last = na
    cases: np.ndarray  # (D,) complete cases per dimension
    sums: np.ndarray  # (C,) Σx of the dimension items, complete cases
    cross: np.ndarray  # (C, C) ΣxxT
    respondents: np.ndarray  # (D + 3,) per dimension, any dimension, rated, fully satisfied
    choices: np.ndarray  # (K,) every choice question's counts, side by side
    comments: np.ndarray  # (3,) commented, praise, complaint
    themes: np.ndarray  # (T, 3) per theme: count, praise, complaint
    quotes: Quotes
    vectors: np.ndarray  # (V, S) uint8, distinct, sorted
    vector_counts: np.ndarray  # (V,)
    durations: bool  # whether completion times are known (the speeding test needs them)
    replicates: Callable[[], np.ndarray] = field(repr=False)

    def __add__(self, other: Tally) -> Tally:
        ours, theirs = self.replicates(), other.replicates()
        vectors, vector_counts = _merged_vectors(
            [self.vectors, other.vectors], [self.vector_counts, other.vector_counts]
        )
        total = ours + theirs
        return Tally(
            **{name: getattr(self, name) + getattr(other, name) for name in _SCALARS[:3]},
            **{
                name: getattr(self, name) + getattr(other, name)
                for name in _ARRAYS
                if name not in _MICRODATA
            },
            quotes=merged_quotes([self.quotes, other.quotes]),
            vectors=vectors,
            vector_counts=vector_counts,
            durations=self.durations or other.durations,
            replicates=lambda: total,
        )

    def to_bytes(self) -> bytes:
        """The tally for the database: a JSON header naming each array's type and shape, then
        the arrays' bytes one after the other (no pickled objects); reading it back is a few
        slices, which matters when a campaign of thousands of units is added up."""
        arrays = {name: np.ascontiguousarray(getattr(self, name)) for name in _ARRAYS}
        arrays.update(_packed(self.replicates()))
        quotes = [[theme, key, text] for theme, pairs in self.quotes.items() for key, text in pairs]
        arrays["quotes"] = np.frombuffer(zlib.compress(json.dumps(quotes).encode()), np.uint8)
        header = {
            "scalars": [self.responses, self.n, self.excluded, int(self.durations)],
            "arrays": [
                [name, array.dtype.str, list(array.shape)] for name, array in arrays.items()
            ],
        }
        head = json.dumps(header).encode()
        return b"".join(
            [_MAGIC, len(head).to_bytes(4, "little"), head, *(a.tobytes() for a in arrays.values())]
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Tally:
        """A stored tally; its replicate sums are decompressed only when asked for."""
        if data[: len(_MAGIC)] != _MAGIC:
            raise ValueError("not a stored tally")
        start = len(_MAGIC) + 4
        end = start + int.from_bytes(data[len(_MAGIC) : start], "little")
        header = json.loads(data[start:end])
        stored: dict[str, np.ndarray] = {}
        for name, kind, shape in header["arrays"]:
            dtype = np.dtype(kind)
            size = int(np.prod(shape)) * dtype.itemsize
            stored[name] = np.frombuffer(data, dtype, count=size // dtype.itemsize, offset=end)
            stored[name] = stored[name].reshape(shape)
            end += size
        responses, n, excluded, durations = (int(v) for v in header["scalars"])
        quotes: Quotes = {}
        for theme, key, text in json.loads(zlib.decompress(stored["quotes"].tobytes())):
            quotes.setdefault(theme, []).append((int(key), text))
        return cls(
            responses=responses,
            n=n,
            excluded=excluded,
            durations=bool(durations),
            quotes=quotes,
            replicates=lambda: _unpacked(stored),
            **{name: stored[name] for name in _ARRAYS},
        )

    def counts_only(self) -> Tally:
        """The tally without its comment sample and answer vectors: what may leave the
        installation that collected the responses (``docs/RESULTS-PACKAGE.md``)."""
        return Tally(
            **{name: getattr(self, name) for name in _SCALARS},
            **{name: getattr(self, name) for name in _ARRAYS if name not in _MICRODATA},
            quotes={},
            vectors=self.vectors[:0],
            vector_counts=self.vector_counts[:0],
            replicates=self.replicates,
        )

    def __sub__(self, other: Tally) -> Tally:
        """What ``self`` holds beyond ``other``, a part of it (a parent minus its children);
        counts only: a comment sample or answer vectors cannot be subtracted."""
        ours, theirs = self.counts_only(), other.counts_only()
        difference = ours.replicates() - theirs.replicates()
        return Tally(
            **{name: getattr(ours, name) - getattr(theirs, name) for name in _SCALARS[:3]},
            durations=ours.durations,
            **{
                name: getattr(ours, name) - getattr(theirs, name)
                for name in _ARRAYS
                if name not in _MICRODATA
            },
            quotes={},
            vectors=ours.vectors,
            vector_counts=ours.vector_counts,
            replicates=lambda: difference,
        )

    def to_json(self) -> dict[str, Any]:
        """The counts of the tally as JSON (``docs/RESULTS-PACKAGE.md``): whole numbers, the
        replicate sums as in the database (each column's mean, then the deviations from it as
        little-endian 16- or 32-bit integers, zlib-compressed, base64); never comments or
        answer vectors."""
        out: dict[str, Any] = {name: int(getattr(self, name)) for name in _SCALARS[:3]}
        out["durations"] = self.durations
        for name in _ARRAYS:
            if name not in _MICRODATA:
                out[name] = np.asarray(getattr(self, name)).astype(int).tolist()
        packed = _packed(self.replicates())
        out["replicates"] = {
            "shape": packed["replicates_shape"].tolist(),
            "base": packed["replicates_base"].tolist(),
            "deviation": "int32" if packed["replicates_wide"][0] else "int16",
            "zlib_base64": base64.b64encode(packed["replicates"].tobytes()).decode("ascii"),
        }
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], like: Tally) -> Tally:
        """A tally read from :meth:`to_json`, checked against the shapes of ``like`` (an
        empty tally of the same questionnaire and taxonomy).

        Raises:
            ValueError: a field is missing, negative or of another shape.
        """
        fields: dict[str, Any] = {}
        for name in _SCALARS[:3]:
            value = data.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name}: expected a whole number ≥ 0")
            fields[name] = value
        for name in _ARRAYS:
            if name in _MICRODATA:
                continue
            expected = np.shape(getattr(like, name))
            try:
                array = np.array(data.get(name), dtype=np.int64)
            except (TypeError, ValueError, OverflowError):
                raise ValueError(f"{name}: expected whole numbers") from None
            if array.shape != expected or (array < 0).any():
                raise ValueError(f"{name}: expected shape {list(expected)} of numbers ≥ 0")
            fields[name] = array
        shape = tuple(np.shape(like.replicates()))
        return cls(
            **fields,
            durations=bool(data.get("durations")),
            quotes={},
            vectors=like.vectors[:0],
            vector_counts=like.vector_counts[:0],
            replicates=_replicates_from_json(data.get("replicates"), shape),
        )


_SCALARS = ("responses", "n", "excluded", "durations")
_MAGIC = b"LNTALLY1"
#: What is about single responses rather than counts: kept at home (``counts_only``).
_MICRODATA = ("vectors", "vector_counts")
_ARRAYS = (
    "flags",
    "answers",
    "cases",
    "sums",
    "cross",
    "respondents",
    "choices",
    "comments",
    "themes",
    "vectors",
    "vector_counts",
)


def _packed(replicates: np.ndarray) -> dict[str, np.ndarray]:
    """Replicate sums stored small: each column's replicates scatter around its mean by a few
    square roots of its count, so their deviations from it (whole numbers) fit in 16 bits for
    any group of under ten million responses and compress quickly (``zlib`` level 1); 32 bits
    otherwise."""
    base = np.rint(replicates.mean(axis=0)).astype(np.int64) if len(replicates) else None
    deviation = replicates - (base if base is not None else 0)
    small = deviation.size == 0 or np.abs(deviation).max() < 2**15
    deviation = deviation.astype(np.int16 if small else np.int32)
    return {
        "replicates_base": np.zeros(replicates.shape[1], np.int64) if base is None else base,
        "replicates_shape": np.array(replicates.shape, dtype=np.int64),
        "replicates_wide": np.array([0 if small else 1], dtype=np.int8),
        "replicates": np.frombuffer(zlib.compress(deviation.tobytes(), 1), dtype=np.uint8),
    }


def _replicates_from_json(blob: Any, shape: tuple[int, ...]) -> Callable[[], np.ndarray]:
    """The replicate sums of :meth:`Tally.to_json`, checked now (refused unless they are
    exactly ``shape``; the inflated size is bounded before it is inflated) and inflated again
    each time they are called for, so that a national roll-up of thousands of units holds
    them compressed."""
    problem = f"replicates: expected {list(shape)} values"
    if not isinstance(blob, dict) or list(blob.get("shape") or []) != list(shape):
        raise ValueError(problem)
    kind = {"int16": "<i2", "int32": "<i4"}.get(blob.get("deviation"))
    base = blob.get("base")
    if kind is None or not isinstance(base, list) or len(base) != shape[1]:
        raise ValueError(problem)
    expected = int(np.prod(shape)) * np.dtype(kind).itemsize
    try:
        compressed = base64.b64decode(blob["zlib_base64"], validate=True)
        offsets = np.array(base, dtype=np.int64)
        inflater = zlib.decompressobj()
        size = len(inflater.decompress(compressed, expected + 1))
    except (KeyError, TypeError, ValueError, OverflowError, binascii.Error, zlib.error):
        raise ValueError(problem) from None
    if size != expected or not inflater.eof:
        raise ValueError(problem)

    def inflated() -> np.ndarray:
        deviation = np.frombuffer(zlib.decompress(compressed), dtype=kind)
        return deviation.reshape(shape).astype(np.int64) + offsets

    return inflated


def _unpacked(stored: dict[str, np.ndarray]) -> np.ndarray:
    kind = np.int32 if stored["replicates_wide"][0] else np.int16
    deviation = np.frombuffer(zlib.decompress(stored["replicates"].tobytes()), dtype=kind)
    shape = tuple(int(v) for v in stored["replicates_shape"])
    return deviation.reshape(shape).astype(np.int64) + stored["replicates_base"]


@dataclass(frozen=True)
class Layout:
    """Where an instrument's statistics sit in a tally."""

    bins: int
    scored: list[int]  # scale columns of the dimension items
    positions: list[list[int]]  # per dimension, its items' places in ``scored``
    choice_widths: list[int]

    @classmethod
    def of(cls, instrument: Instrument) -> Layout:
        items = instrument.scale_items
        column = {item.id: c for c, item in enumerate(items)}
        scored = sorted({column[i] for d in instrument.dimensions for i in d.items})
        for c in scored:
            if items[c].satisfied_from is None:
                raise ValueError(f"dimension item {items[c].id} has no satisfied_from")
        place = {c: p for p, c in enumerate(scored)}
        return cls(
            bins=max((item.points for item in items), default=0) + 2,
            scored=scored,
            positions=[[place[column[i]] for i in d.items] for d in instrument.dimensions],
            choice_widths=[
                len(item.options) + (1 if item.kind == "multi" else 2)
                for item in instrument.choice_items
            ],
        )

    @property
    def moment_columns(self) -> list[int]:
        return [self.scored[i] for p in self.positions for i in p]


def empty_tally(instrument: Instrument, taxonomy: Taxonomy | None, resamples: int) -> Tally:
    """The tally of no response."""
    layout = Layout.of(instrument)
    width, columns = len(layout.scored), len(layout.moment_columns)
    replicates = np.zeros((resamples, 2 * width), dtype=np.int64)
    return Tally(
        responses=0,
        n=0,
        excluded=0,
        flags=np.zeros(len(FLAGS), dtype=np.int64),
        answers=np.zeros((len(instrument.scale_items), layout.bins), dtype=np.int64),
        cases=np.zeros(len(layout.positions), dtype=np.int64),
        sums=np.zeros(columns, dtype=np.int64),
        cross=np.zeros((columns, columns), dtype=np.int64),
        respondents=np.zeros(len(layout.positions) + 3, dtype=np.int64),
        choices=np.zeros(sum(layout.choice_widths), dtype=np.int64),
        comments=np.zeros(3, dtype=np.int64),
        themes=np.zeros((len(taxonomy.themes) if taxonomy else 0, 3), dtype=np.int64),
        quotes={},
        vectors=np.zeros((0, len(instrument.scale_items)), dtype=np.uint8),
        vector_counts=np.zeros(0, dtype=np.int64),
        durations=False,
        replicates=lambda: replicates,
    )


def tally_groups(
    instrument: Instrument,
    data: ResponseData,
    of: np.ndarray,
    size: int,
    *,
    keys: np.ndarray,
    policy: QualityPolicy | None = None,
    taxonomy: Taxonomy | None = None,
    flags: dict[str, np.ndarray] | None = None,
    resamples: int,
    seed: int,
) -> list[Tally]:
    """The tally of each of ``size`` groups, ``of`` giving each response's group and ``keys``
    its key (uint64). ``flags`` are the quality flags when the caller computed them over more
    than these responses (the repeated-device flag looks across a whole table); comments are
    tallied when ``data`` has them and a ``taxonomy`` is given."""
    policy = policy or QualityPolicy()
    layout = Layout.of(instrument)
    of = np.asarray(of, dtype=np.intp)
    keys = np.asarray(keys, dtype=np.uint64)
    if len(of) != len(data) or len(keys) != len(data):
        raise ValueError("every response needs a group and a key")
    flags = flags if flags is not None else quality_flags(instrument, data, policy)
    excluded = np.zeros(len(data), dtype=bool)
    for name in policy.exclude:
        excluded |= flags[name]

    def count(mask: np.ndarray | None = None, where: np.ndarray = of) -> np.ndarray:
        return np.bincount(where if mask is None else where[mask], minlength=size)

    flag_counts = np.stack([count(flags[name]) for name in FLAGS], axis=1)
    vectors = _vectors_by_group(data.scale, of, size)

    kept = np.flatnonzero(~excluded)
    kept = kept[np.argsort(of[kept], kind="stable")]
    group = of[kept]
    bounds = np.searchsorted(group, np.arange(size + 1))
    scale = recoded(instrument, data.scale[kept])
    valid = (scale != BLANK) & (scale != NA)
    thresholds = np.array([item.satisfied_from or 256 for item in instrument.scale_items])
    satisfied = valid & (scale >= thresholds)

    answers = np.zeros((size, len(instrument.scale_items), layout.bins), dtype=np.int64)
    for c in range(len(instrument.scale_items)):
        codes = scale[:, c].astype(np.intp)
        codes[codes == NA] = layout.bins - 1
        answers[:, c, :] = np.bincount(
            group * layout.bins + codes, minlength=size * layout.bins
        ).reshape(size, layout.bins)

    cases, sums, cross = _moments(layout, scale, valid, group, bounds, size)
    respondents = _respondents(instrument, layout, valid, satisfied, group, size)
    choices = _choices(instrument, data, kept, group, size)
    comments, themes, quotes = _comments(data, kept, group, keys[kept], size, taxonomy)

    width = len(layout.scored)
    indicators = np.concatenate(
        [satisfied[:, layout.scored], valid[:, layout.scored]], axis=1
    ).astype(np.uint8)
    group_keys = keys[kept]

    def replicates_of(g: int) -> Callable[[], np.ndarray]:
        start, end = bounds[g], bounds[g + 1]
        if start == end or not width:
            empty = np.zeros((resamples, 2 * width), dtype=np.int64)
            return lambda: empty
        return lambda: replicate_sums(indicators[start:end], group_keys[start:end], resamples, seed)

    responses = count()
    return [
        Tally(
            responses=int(responses[g]),
            n=int(bounds[g + 1] - bounds[g]),
            excluded=int(responses[g] - (bounds[g + 1] - bounds[g])),
            flags=flag_counts[g],
            answers=answers[g],
            cases=cases[g],
            sums=sums[g],
            cross=cross[g],
            respondents=respondents[g],
            choices=choices[g],
            comments=comments[g],
            themes=themes[g],
            quotes=quotes[g],
            vectors=vectors[g][0],
            vector_counts=vectors[g][1],
            durations=data.duration_bucket is not None,
            replicates=replicates_of(g),
        )
        for g in range(size)
    ]


def _moments(
    layout: Layout,
    scale: np.ndarray,
    valid: np.ndarray,
    group: np.ndarray,
    bounds: np.ndarray,
    size: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cronbach moments of each dimension's complete cases, dimensions side by side: one
    matrix product per group gives every dimension's cross-products as diagonal blocks."""
    columns = layout.moment_columns
    cases = np.zeros((size, len(layout.positions)), dtype=np.int64)
    sums = np.zeros((size, len(columns)), dtype=np.int64)
    cross = np.zeros((size, len(columns), len(columns)), dtype=np.int64)
    if not layout.positions:
        return cases, sums, cross
    blocks = np.diff(np.cumsum([0] + [len(p) for p in layout.positions]))
    complete = np.stack(
        [valid[:, [layout.scored[i] for i in p]].all(axis=1) for p in layout.positions], axis=1
    )
    for d in range(len(layout.positions)):
        cases[:, d] = np.bincount(group[complete[:, d]], minlength=size)
    # float64 for BLAS: sums of products of answers are whole numbers, exact far beyond 2³²
    masked = scale[:, columns] * np.repeat(complete, blocks, axis=1).astype(np.float64)
    for g in np.flatnonzero(np.diff(bounds)):
        rows = masked[bounds[g] : bounds[g + 1]]
        sums[g], cross[g] = rows.sum(axis=0), rows.T @ rows
    return cases, sums, cross


def _respondents(
    instrument: Instrument,
    layout: Layout,
    valid: np.ndarray,
    satisfied: np.ndarray,
    group: np.ndarray,
    size: int,
) -> np.ndarray:
    """Per group: respondents with a valid answer in each dimension and in any, and the hài
    lòng toàn diện base (a valid rated answer) and count (every rated answer satisfied)."""
    items = instrument.scale_items
    rated = np.array([item.satisfied_from is not None for item in items], dtype=bool)
    membership = np.zeros((len(items), len(layout.positions)), dtype=np.float32)
    for d, p in enumerate(layout.positions):
        membership[[layout.scored[i] for i in p], d] = 1
    per_dimension = (valid.astype(np.float32) @ membership) > 0
    answered_rated = valid[:, rated].any(axis=1)
    unsatisfied = (valid[:, rated] & ~satisfied[:, rated]).any(axis=1)
    masks = [per_dimension[:, d] for d in range(len(layout.positions))] + [
        valid[:, layout.scored].any(axis=1),
        answered_rated,
        answered_rated & ~unsatisfied,
    ]
    return np.stack([np.bincount(group[mask], minlength=size) for mask in masks], axis=1)


def _choices(
    instrument: Instrument, data: ResponseData, kept: np.ndarray, group: np.ndarray, size: int
) -> np.ndarray:
    """Per group, each choice question's [answered, count of each option] (and, but for multi,
    the blanks), side by side; a multi-choice answer counts every option chosen."""
    columns: list[np.ndarray] = []
    for item in instrument.choice_items:
        answers = np.asarray(data.choices[item.id])[kept]
        if item.kind == "multi":
            chosen = answers.astype(bool)
            columns.append(np.bincount(group[chosen.any(axis=1)], minlength=size))
            columns += [
                np.bincount(group[chosen[:, o]], minlength=size) for o in range(len(item.options))
            ]
            continue
        bins = len(item.options) + 1
        counts = np.bincount(group * bins + answers.astype(np.intp), minlength=size * bins)
        counts = counts.reshape(size, bins)
        columns += [counts[:, 1:].sum(axis=1), *counts[:, 1:].T, counts[:, 0]]
    if not columns:
        return np.zeros((size, 0), dtype=np.int64)
    return np.stack(columns, axis=1).astype(np.int64)


def _comments(
    data: ResponseData,
    kept: np.ndarray,
    group: np.ndarray,
    keys: np.ndarray,
    size: int,
    taxonomy: Taxonomy | None,
) -> tuple[np.ndarray, np.ndarray, list[Quotes]]:
    """Per group: comments, praise and complaint; per theme the same three; and each theme's
    sample of comments for quotes."""
    themes_count = len(taxonomy.themes) if taxonomy else 0
    counts = np.zeros((size, 3), dtype=np.int64)
    per_theme = np.zeros((size, themes_count, 3), dtype=np.int64)
    quotes: list[Quotes] = [{} for _ in range(size)]
    if data.comments is None or taxonomy is None:
        return counts, per_theme, quotes
    texts = list(np.asarray(data.comments, dtype=object)[kept])
    found = classify(texts, taxonomy)
    praise, complaint = found.tone > 0, found.tone < 0
    for j, mask in enumerate((found.commented, praise, complaint)):
        counts[:, j] = np.bincount(group[mask], minlength=size)
    for t, theme_id in enumerate(found.theme_ids):
        mentions = found.themes[:, t]
        for j, mask in enumerate((mentions, mentions & praise, mentions & complaint)):
            per_theme[:, t, j] = np.bincount(group[mask], minlength=size)
        rows = np.flatnonzero(mentions)
        rows = rows[np.lexsort((keys[rows], group[rows]))]
        starts = np.searchsorted(group[rows], group[rows])
        for position, row in enumerate(rows):
            if position - starts[position] < QUOTE_SAMPLE:
                quotes[group[row]].setdefault(theme_id, []).append((int(keys[row]), texts[row]))
    return counts, per_theme, quotes


def merged_quotes(parts: Sequence[Quotes]) -> Quotes:
    """The sample of a union of groups: per theme, the smallest keys of all their samples."""
    out: Quotes = {}
    for part in parts:
        for theme, pairs in part.items():
            out.setdefault(theme, []).extend(pairs)
    return {theme: sorted(pairs)[:QUOTE_SAMPLE] for theme, pairs in out.items()}


def _vectors_by_group(
    scale: np.ndarray, of: np.ndarray, size: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each group's distinct raw answer vectors (sorted) and how often each occurs."""
    width = scale.shape[1]
    rows = np.ascontiguousarray(scale, dtype=np.uint8)
    if not len(rows) or not width:
        empty = (np.zeros((0, width), dtype=np.uint8), np.zeros(0, dtype=np.int64))
        return [empty] * size
    distinct, vector = np.unique(rows.view(np.dtype((np.void, width))).ravel(), return_inverse=True)
    pairs, counts = np.unique(of * len(distinct) + vector.ravel(), return_counts=True)
    pair_group, pair_vector = np.divmod(pairs, len(distinct))
    table = distinct.view(np.uint8).reshape(len(distinct), width)
    bounds = np.searchsorted(pair_group, np.arange(size + 1))
    return [
        (table[pair_vector[bounds[g] : bounds[g + 1]]], counts[bounds[g] : bounds[g + 1]])
        for g in range(size)
    ]


def _merged_vectors(
    vectors: Sequence[np.ndarray], counts: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    stacked = np.concatenate(vectors)
    width = stacked.shape[1]
    if not len(stacked) or not width:
        return stacked, np.zeros(0, dtype=np.int64)
    distinct, which = np.unique(
        np.ascontiguousarray(stacked).view(np.dtype((np.void, width))).ravel(), return_inverse=True
    )
    total = np.bincount(which.ravel(), weights=np.concatenate(counts), minlength=len(distinct))
    return distinct.view(np.uint8).reshape(len(distinct), width), total.astype(np.int64)
