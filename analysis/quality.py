"""Data-quality flags per response (docs/scoring.md).

Flags are always counted; whether flagged responses are left out of the numbers is a policy the
caller passes (a campaign setting, default: keep them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.instrument import BLANK, NA, Instrument, ResponseData

STRAIGHT_LINING = "straight_lining"
SPEEDING = "speeding"
REPEATED_DEVICE = "repeated_device"
FLAGS = (STRAIGHT_LINING, SPEEDING, REPEATED_DEVICE)


@dataclass(frozen=True)
class QualityPolicy:
    """How responses are flagged and which flags leave the numbers.

    Attributes:
        straight_min: straight-lining needs at least this many answered scale questions, all
            with the same answer.
        speeding_below: a completion-time bucket below this (and above 0, "unknown") is speeding.
        exclude: the flags whose responses are left out of every number (counts still shown).
    """

    straight_min: int = 8
    speeding_below: int = 2
    exclude: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.exclude) - set(FLAGS)
        if unknown:
            raise ValueError(f"unknown quality flags: {sorted(unknown)}")


def quality_flags(
    instrument: Instrument, data: ResponseData, policy: QualityPolicy
) -> dict[str, np.ndarray]:
    """One boolean array per flag, over the responses of ``data``.

    * straight-lining: every answered scale question has the same raw answer, over at least
      ``straight_min`` of them (not-applicable answers do not count as answers here);
    * speeding: ``0 < duration_bucket < speeding_below``;
    * repeated device: every response of a device marker after its first.

    >>> from analysis.instrument import ScaleItem
    >>> items = tuple(ScaleItem(f"q{i}", 5) for i in range(8))
    >>> answers = np.array([[4] * 8, [4] * 7 + [5], [4] * 7 + [0]], dtype=np.uint8)
    >>> flags = quality_flags(Instrument("s", 1, items), ResponseData(answers), QualityPolicy())
    >>> flags["straight_lining"].tolist()
    [True, False, False]
    """
    scale = data.scale
    answered = (scale != BLANK) & (scale != NA)
    count = answered.sum(axis=1)
    high = np.where(answered, scale, 0).max(axis=1, initial=0)
    low = np.where(answered, scale, 255).min(axis=1, initial=255)
    straight = (count >= policy.straight_min) & (high == low)
    n = len(data)
    if data.duration_bucket is None:
        speeding = np.zeros(n, dtype=bool)
    else:
        buckets = np.asarray(data.duration_bucket)
        speeding = (buckets > 0) & (buckets < policy.speeding_below)
    repeated = np.zeros(n, dtype=bool)
    if data.device is not None:
        markers = np.asarray(data.device)
        marked = np.flatnonzero(markers >= 0)
        _, first = np.unique(markers[marked], return_index=True)
        repeated[marked] = True
        repeated[marked[first]] = False
    return {STRAIGHT_LINING: straight, SPEEDING: speeding, REPEATED_DEVICE: repeated}
