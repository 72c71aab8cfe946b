"""The compact per-response encoding of closed answers (the ``closed`` column).

Each questionnaire version has a fixed layout of one-byte slots, in file order:

* ``scale``: 0 = blank, 1..n = the point, 255 = not applicable (``"na"``);
* ``single``: 0 = blank, i + 1 = the option at position i;
* ``yes_no``: 0 = blank, 1 = no, 2 = yes;
* ``multi``: one slot per option, 1 = chosen, 0 = not (all zero = blank).

Text and number answers are not closed and live only in the JSON column. A million responses of
a 40-slot questionnaire are 40 MB that ``decode_matrix`` turns into a ``uint8`` matrix with one
``numpy.frombuffer`` call, which is what makes scoring at that size take seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from survey_server.questionnaires.schema import Question, Questionnaire

NOT_APPLICABLE = 255
NA = "na"


@dataclass(frozen=True)
class Slot:
    """One byte of the layout: the question it belongs to and, for multi, the option."""

    question_id: str
    option_id: str | None = None


def slot_layout(questionnaire: Questionnaire) -> tuple[Slot, ...]:
    """The slots of a questionnaire version, in the order they are stored."""
    slots: list[Slot] = []
    for question in questionnaire.questions():
        if question.type in ("scale", "single", "yes_no"):
            slots.append(Slot(question.id))
        elif question.type == "multi":
            slots.extend(Slot(question.id, option.id) for option in question.options or ())
    return tuple(slots)


def encode(questions: Iterable[Question], answers: Mapping[str, Any]) -> bytes:
    """Pack validated answers into the layout of ``slot_layout`` (same question order)."""
    out = bytearray()
    for question in questions:
        value = answers.get(question.id)
        if question.type == "scale":
            out.append(0 if value is None else NOT_APPLICABLE if value == NA else int(value))
        elif question.type == "single":
            ids = [option.id for option in question.options or ()]
            out.append(0 if value is None else ids.index(value) + 1)
        elif question.type == "yes_no":
            out.append(0 if value is None else 2 if value else 1)
        elif question.type == "multi":
            chosen = set(value or ())
            out.extend(1 if option.id in chosen else 0 for option in question.options or ())
    return bytes(out)


def decode_matrix(rows: Iterable[bytes], width: int) -> np.ndarray:
    """Stack encoded responses into an ``(n, width)`` ``uint8`` matrix."""
    blob = b"".join(rows)
    if len(blob) % width if width else blob:
        raise ValueError("encoded responses do not match the layout width")
    if not width:
        return np.zeros((0, 0), dtype=np.uint8)
    return np.frombuffer(blob, dtype=np.uint8).reshape(-1, width)
