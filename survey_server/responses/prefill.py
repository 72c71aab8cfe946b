"""Answers the link already gives: the school level of a school that has only one.

A single-choice question whose options are all school levels (the level ids of the unit tree:
``tieu_hoc``, ``thcs``…) asks which level the respondent's child is in. On a link to a primary
school that answer is known, so the form does not ask it and the link's level is stored; a
different answer sent by hand is refused, since it would count a primary school's parent as a
lower-secondary one. A school with several levels (``lien_cap``) and a commune-wide link still
ask the question.
"""

from __future__ import annotations

from survey_server.errors import FieldError
from survey_server.questionnaires.schema import Question
from survey_server.responses.validation import CleanAnswers, FormSpec, validate_answers
from survey_server.units.services import LEVELS
from survey_server.units.tables import Unit


def asks_school_level(question: Question) -> bool:
    """A question whose answers are school levels: it describes the respondent's child."""
    return bool(question.options) and {o.id for o in question.options or []} <= set(LEVELS)


def link_answers(spec: FormSpec, level: str | None) -> dict[str, str]:
    """Question id → answer for the questions a link to a unit of ``level`` answers."""
    if level is None:
        return {}
    return {
        question.id: level
        for question in spec.questions
        if question.type == "single"
        and question.show_if is None
        and asks_school_level(question)
        and level in {option.id for option in question.options or []}
    }


async def unit_level(unit_id: int) -> str | None:
    """The school level of a unit: its own, or its school's for a class."""
    row = await Unit.select(Unit.level, Unit.parent.level).where(Unit.id == unit_id).first()
    return None if row is None else row["level"] or row["parent.level"]


def with_link_answers(
    spec: FormSpec, clean: CleanAnswers, level: str | None
) -> tuple[CleanAnswers | None, list[FieldError]]:
    """Answers already read from paper (typed or imported) completed with what the unit gives,
    or the error when the paper says another level than the unit has."""
    given = link_answers(spec, level)
    if not given or all(clean.answers.get(key) == value for key, value in given.items()):
        return clean, []
    return validate_answers(spec, clean.answers, drop_hidden=True, require=False, given=given)
