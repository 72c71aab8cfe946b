"""What the library needs to know about a questionnaire and its answers, as plain data.

The server's questionnaire models never reach this package: an adapter in ``survey_server``
builds an :class:`Instrument` from a questionnaire version and a :class:`ResponseData` from stored
or imported responses (kpi's ``report_data`` feeding formpack is the model).

Closed answers arrive as small integer codes, the same convention as the server's storage:
``0`` is "no answer", ``1..n`` the answer, :data:`NA` (255) "không có ý kiến" for scales.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Code of the "not applicable" answer of a scale.
NA = 255
#: Code of an unanswered question.
BLANK = 0


@dataclass(frozen=True)
class ScaleItem:
    """A scale question: ``points`` answers ordered worst to best (docs/questionnaires.md)."""

    id: str
    points: int
    satisfied_from: int | None = None
    reverse: bool = False
    overall: bool = False
    dimension: str | None = None


@dataclass(frozen=True)
class ChoiceItem:
    """A single, multi or yes/no question and its option ids in order."""

    id: str
    kind: str  # "single" | "multi" | "yes_no"
    options: tuple[str, ...]


@dataclass(frozen=True)
class Dimension:
    """A scoring dimension (Chỉ số thành phần): a section's scale items and its weight."""

    id: str
    items: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class Instrument:
    """A questionnaire version as the library sees it."""

    slug: str
    version: int
    scale_items: tuple[ScaleItem, ...]
    dimensions: tuple[Dimension, ...] = ()
    choice_items: tuple[ChoiceItem, ...] = ()

    def __post_init__(self) -> None:
        ids = [item.id for item in self.scale_items]
        for dimension in self.dimensions:
            for item in dimension.items:
                if item not in ids:
                    raise ValueError(f"dimension {dimension.id} names unknown item {item}")
        if sum(item.overall for item in self.scale_items) > 1:
            raise ValueError("at most one overall question")

    @property
    def overall_item(self) -> ScaleItem | None:
        return next((item for item in self.scale_items if item.overall), None)


@dataclass(frozen=True)
class ResponseData:
    """The answers of ``n`` respondents.

    Attributes:
        scale: ``(n, len(instrument.scale_items))`` uint8 codes, raw (before reverse recoding).
        choices: per choice item, ``(n,)`` codes (0 blank, i + 1 the option at position i; for
            yes/no 1 = no, 2 = yes) or, for multi, an ``(n, options)`` boolean matrix.
        duration_bucket: completion-time class per response (0 = unknown), or ``None``.
        device: a repeated-device marker per response (``-1`` = none), or ``None``.
        comments: the (already scrubbed) free text of each response, ``None`` where there is
            none, as a numpy object array; or ``None`` when comments are not analysed.
    """

    scale: np.ndarray
    choices: dict[str, np.ndarray] = field(default_factory=dict)
    duration_bucket: np.ndarray | None = None
    device: np.ndarray | None = None
    comments: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.scale.shape[0])

    def take(self, rows: np.ndarray) -> ResponseData:
        """The responses at ``rows`` (indices or a boolean mask), in that order."""
        return ResponseData(
            scale=self.scale[rows],
            choices={key: value[rows] for key, value in self.choices.items()},
            duration_bucket=None if self.duration_bucket is None else self.duration_bucket[rows],
            device=None if self.device is None else self.device[rows],
            comments=None if self.comments is None else self.comments[rows],
        )


def recoded(instrument: Instrument, scale: np.ndarray) -> np.ndarray:
    """Scale codes with every ``reverse`` item recoded ``v → n + 1 − v`` (docs/scoring.md).

    Blank and not-applicable codes are left as they are.

    >>> item = ScaleItem("x", points=5, reverse=True)
    >>> recoded(Instrument("s", 1, (item,)), np.array([[1], [5], [0], [NA]], dtype=np.uint8)).ravel()
    array([  5,   1,   0, 255], dtype=uint8)
    """
    out = np.array(scale, dtype=np.uint8, copy=True)
    for column, item in enumerate(instrument.scale_items):
        if item.reverse:
            values = out[:, column]
            answered = (values != BLANK) & (values != NA)
            values[answered] = item.points + 1 - values[answered]
    return out
