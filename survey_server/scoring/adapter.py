"""From the server's questionnaires and stored answers to the plain data ``analysis`` reads.

The library never sees a pydantic model or a database row (kpi's ``report_data`` feeding
formpack is the model): a questionnaire becomes an :class:`analysis.instrument.Instrument`, and
the packed ``closed`` answers — one byte per slot, already in the library's codes — become a
:class:`analysis.instrument.ResponseData` by slicing columns of one matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.instrument import ChoiceItem, Dimension, Instrument, ResponseData, ScaleItem
from survey_server.questionnaires.schema import Questionnaire
from survey_server.responses.encoding import decode_matrix, slot_layout

#: Option ids of a yes/no question in the order of its stored codes (1 = no, 2 = yes).
YES_NO = ("no", "yes")


def instrument_of(questionnaire: Questionnaire) -> Instrument:
    """The scoring view of a questionnaire version (docs/scoring.md)."""
    scale_items: list[ScaleItem] = []
    dimensions: list[Dimension] = []
    choices: list[ChoiceItem] = []
    for section in questionnaire.sections:
        members: list[str] = []
        for question in section.questions:
            if question.type == "scale":
                scale = questionnaire.scales[question.scale or ""]
                scale_items.append(
                    ScaleItem(
                        id=question.id,
                        points=len(scale.points),
                        satisfied_from=scale.satisfied_from,
                        reverse=question.reverse,
                        overall=question.overall,
                        dimension=section.id if section.dimension else None,
                    )
                )
                members.append(question.id)
            elif question.type in ("single", "multi"):
                options = tuple(option.id for option in question.options or ())
                choices.append(ChoiceItem(question.id, question.type, options))
            elif question.type == "yes_no":
                choices.append(ChoiceItem(question.id, "yes_no", YES_NO))
        if section.dimension and members:
            dimensions.append(Dimension(section.id, tuple(members), float(section.weight)))
    return Instrument(
        questionnaire.slug,
        questionnaire.version,
        tuple(scale_items),
        tuple(dimensions),
        tuple(choices),
    )


def response_data(
    questionnaire: Questionnaire,
    closed: Sequence[bytes],
    duration_bucket: np.ndarray | None = None,
    comments: Sequence[str | None] | None = None,
) -> ResponseData:
    """The answers of stored or imported responses, from their packed ``closed`` bytes."""
    layout = slot_layout(questionnaire)
    matrix = decode_matrix(closed, len(layout))
    if not layout:
        matrix = np.zeros((len(closed), 0), dtype=np.uint8)
    slots: dict[str, list[int]] = {}
    for position, slot in enumerate(layout):
        slots.setdefault(slot.question_id, []).append(position)
    scale_columns: list[int] = []
    choices: dict[str, np.ndarray] = {}
    for question in questionnaire.questions():
        if question.type == "scale":
            scale_columns.append(slots[question.id][0])
        elif question.type == "multi":
            choices[question.id] = matrix[:, slots[question.id]].astype(bool)
        elif question.type in ("single", "yes_no"):
            choices[question.id] = matrix[:, slots[question.id][0]]
    return ResponseData(
        scale=np.ascontiguousarray(matrix[:, scale_columns]),
        choices=choices,
        duration_bucket=duration_bucket,
        comments=None if comments is None else np.asarray(comments, dtype=object),
    )
