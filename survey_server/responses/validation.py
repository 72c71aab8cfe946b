"""Checking a submission's answers against the questionnaire version it answers.

``FormSpec`` is compiled once per version (versions are immutable) and kept in memory, so the
per-request work is a dictionary walk. Every problem is collected, not just the first, so the
form can mark all the questions to fix at once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from survey_server.errors import FieldError
from survey_server.privacy.scrubber import scrub_text
from survey_server.questionnaires.schema import (
    AllOf,
    AnyOf,
    Condition,
    NotOf,
    Question,
    Questionnaire,
)
from survey_server.responses.encoding import NA, encode, slot_layout

DEFAULT_TEXT_LENGTH = 2000
#: Control and invisible characters: dropped from text, and an answer made only of them is blank.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2060\ufeff]")


@dataclass(frozen=True)
class FormSpec:
    """A questionnaire version prepared for validation, encoding and rendering."""

    questionnaire: Questionnaire
    questions: tuple[Question, ...]
    by_id: dict[str, Question] = field(repr=False)
    width: int = 0
    #: Points of each always-shown scale question: an in-range integer needs no other check.
    scale_points: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, questionnaire: Questionnaire) -> FormSpec:
        questions = tuple(questionnaire.questions())
        return cls(
            questionnaire=questionnaire,
            questions=questions,
            by_id={question.id: question for question in questions},
            width=len(slot_layout(questionnaire)),
            scale_points={
                q.id: len(questionnaire.scales[q.scale].points)
                for q in questions
                if q.type == "scale" and q.scale and q.show_if is None
            },
        )

    def is_visible(self, question: Question, answers: dict[str, Any]) -> bool:
        """Whether ``question`` is shown given the (already validated) earlier answers."""
        return question.show_if is None or self.holds(question.show_if, answers)

    def holds(self, condition: Condition, answers: dict[str, Any]) -> bool:
        """Whether ``condition`` holds; a test on an unanswered or hidden question does not."""
        if isinstance(condition, NotOf):
            return not self.holds(condition.not_, answers)
        if isinstance(condition, AllOf):
            return all(self.holds(part, answers) for part in condition.all_)
        if isinstance(condition, AnyOf):
            return any(self.holds(part, answers) for part in condition.any_)
        controller = self.by_id[condition.question]
        if not self.is_visible(controller, answers):
            return False
        value = answers.get(controller.id)
        if value is None:
            return False
        if controller.type == "multi":
            return any(choice in condition.in_ for choice in value)
        return any(value == allowed and type(value) is type(allowed) for allowed in condition.in_)


@dataclass(frozen=True)
class CleanAnswers:
    answers: dict[str, Any]
    closed: bytes


def validate_answers(
    spec: FormSpec,
    raw: dict[str, Any],
    *,
    drop_hidden: bool = False,
    require: bool = True,
    deep_scrub: bool = False,
    given: Mapping[str, Any] | None = None,
) -> tuple[CleanAnswers | None, list[FieldError]]:
    """Validate and normalise answers; return them packed, or the list of field errors.

    ``drop_hidden`` is for the form posted without JavaScript, where conditional questions are
    all on the page: an answer to a question whose condition is not met is dropped instead of
    refused. The JSON API refuses it (the client showed a question it should have hidden).
    ``require=False`` is for answers gathered elsewhere (a table of paper forms, a file to
    score): a required question left blank there is a blank, not a reason to lose the row.
    ``given`` holds the answers the link already gives (``prefill.link_answers``): they are
    stored whether sent or not, a different answer is refused, and they alone are not a response.
    """
    given = given or {}
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for question_id in raw:
        if question_id not in spec.by_id:
            errors.append(FieldError(str(question_id)[:64], "unknown_question"))
    points = spec.scale_points
    for question in spec.questions:
        value = raw.get(question.id)
        if question.id in given:
            if not _is_blank(value) and value != given[question.id]:
                errors.append(FieldError(question.id, "given_by_link"))
            clean[question.id] = given[question.id]
            continue
        if type(value) is int and 1 <= value <= points.get(question.id, 0):
            clean[question.id] = value  # the common case, checked once and for all
            continue
        if _is_blank(value):
            if require and question.required and spec.is_visible(question, clean):
                errors.append(FieldError(question.id, "required"))
            continue
        if not spec.is_visible(question, clean):
            if not drop_hidden:
                errors.append(FieldError(question.id, "hidden"))
            continue
        normalised, error = _check_value(spec.questionnaire, question, value, deep_scrub)
        if error is not None:
            errors.append(error)
        elif normalised is not None:
            clean[question.id] = normalised
    if not errors and not clean.keys() - given.keys():
        errors.append(FieldError("answers", "empty"))  # a blank form is not a response
    if errors:
        return None, errors
    return CleanAnswers(clean, encode(spec.questions, clean)), []


def _is_blank(value: Any) -> bool:
    return (
        value is None
        or value == []
        or (isinstance(value, str) and not _CONTROL.sub("", value).strip())
    )


def _check_value(
    questionnaire: Questionnaire, question: Question, value: Any, deep_scrub: bool = False
) -> tuple[Any, FieldError | None]:
    kind = question.type
    qid = question.id
    if kind == "scale":
        scale = questionnaire.scales[question.scale or ""]
        n = len(scale.points)
        if value == NA and scale.not_applicable is not None:
            return NA, None
        if type(value) is int and 1 <= value <= n:
            return value, None
        if scale.not_applicable is not None:
            na_label = scale.not_applicable["vi"]
            return None, FieldError(qid, "expected_scale_or_na", {"n": n, "na": na_label})
        return None, FieldError(qid, "expected_scale", {"n": n})
    if kind == "single":
        if isinstance(value, str) and value in _option_ids(question):
            return value, None
        return None, FieldError(qid, "expected_option")
    if kind == "multi":
        ids = _option_ids(question)
        if (
            isinstance(value, list)
            and all(isinstance(item, str) and item in ids for item in value)
            and len(set(value)) == len(value)
        ):
            return [option for option in ids if option in value], None
        return None, FieldError(qid, "expected_options")
    if kind == "yes_no":
        if isinstance(value, bool):
            return value, None
        return None, FieldError(qid, "expected_yes_no")
    if kind == "number":
        return _check_number(question, value)
    return _check_text(question, value, deep_scrub)


def _option_ids(question: Question) -> list[str]:
    return [option.id for option in question.options or ()]


def _check_number(question: Question, value: Any) -> tuple[Any, FieldError | None]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, FieldError(question.id, "expected_number")
    if abs(value) > 1e15 or not math.isfinite(value):  # a huge int is compared before float()
        return None, FieldError(question.id, "expected_number")
    if question.min is not None and value < question.min:
        return None, FieldError(question.id, "number_too_small", {"min": question.min})
    if question.max is not None and value > question.max:
        return None, FieldError(question.id, "number_too_large", {"max": question.max})
    return value, None


def _check_text(
    question: Question, value: Any, deep_scrub: bool = False
) -> tuple[Any, FieldError | None]:
    if not isinstance(value, str):
        return None, FieldError(question.id, "expected_text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None, FieldError(question.id, "bad_text")
    text = _CONTROL.sub("", unicodedata.normalize("NFC", value)).strip()
    limit = question.max_length or DEFAULT_TEXT_LENGTH
    if len(text) > limit:
        return None, FieldError(question.id, "text_too_long", {"max": limit, "length": len(text)})
    # Personal data is removed here, before the answer goes anywhere (docs/PRIVACY.md).
    return scrub_text(text, deep=deep_scrub) or None, None
