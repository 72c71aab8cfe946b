"""``show_if`` on the page: the condition as data for the form's script, and in words.

The form hides a question until its condition holds (``form.js`` reads ``data-show``); the same
sentence tells a reader without script, or with a screen reader, when to answer it.
"""

from __future__ import annotations

import json
from typing import Any

from survey_server.i18n import N_, gettext, localize
from survey_server.questionnaires.schema import AllOf, AnyOf, Condition, NotOf, ShowIf
from survey_server.responses.validation import FormSpec

CHOSEN = N_("ở câu “{question}” ông/bà chọn: {answers}")
NOT_CHOSEN = N_("ở câu “{question}” ông/bà không chọn: {answers}")


def condition_json(condition: Condition) -> str:
    """The condition as compact JSON, with the accepted answers as the form posts them
    (``true``/``false`` for yes/no questions, option ids otherwise)."""
    return json.dumps(_data(condition), ensure_ascii=False, separators=(",", ":"))


def _data(condition: Condition) -> dict[str, Any]:
    if isinstance(condition, NotOf):
        return {"not": _data(condition.not_)}
    if isinstance(condition, AllOf):
        return {"all": [_data(part) for part in condition.all_]}
    if isinstance(condition, AnyOf):
        return {"any": [_data(part) for part in condition.any_]}
    return {"q": condition.question, "in": [str(value).lower() for value in condition.in_]}


def describe(condition: Condition, spec: FormSpec, lang: str, content: str) -> str:
    """When to answer, in words: ``ở câu “…” ông/bà chọn: …`` joined by "và"/"hoặc"."""
    if isinstance(condition, ShowIf):
        return _test(condition, spec, lang, content, negated=False)
    if isinstance(condition, NotOf):
        inner = condition.not_
        if isinstance(inner, ShowIf):
            return _test(inner, spec, lang, content, negated=True)
        return gettext(
            "không phải khi ({condition})", lang, condition=describe(inner, spec, lang, content)
        )
    joiner = gettext(" và ", lang) if isinstance(condition, AllOf) else gettext(" hoặc ", lang)
    parts = condition.all_ if isinstance(condition, AllOf) else condition.any_
    return joiner.join(
        describe(part, spec, lang, content)
        if isinstance(part, ShowIf | NotOf)
        else f"({describe(part, spec, lang, content)})"
        for part in parts
    )


def _test(condition: ShowIf, spec: FormSpec, lang: str, content: str, *, negated: bool) -> str:
    controller = spec.by_id[condition.question]
    if controller.type == "yes_no":
        answers = [
            gettext("Có", lang) if value else gettext("Không", lang) for value in condition.in_
        ]
    else:
        labels = {option.id: localize(option.label, content) for option in controller.options or ()}
        answers = [labels.get(str(value), str(value)) for value in condition.in_]
    message = NOT_CHOSEN if negated else CHOSEN
    return gettext(
        message, lang, question=localize(controller.text, content), answers=", ".join(answers)
    )
