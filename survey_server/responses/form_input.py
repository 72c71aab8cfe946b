"""Turning the fields of the plain HTML form into the answers of the JSON contract.

Values that cannot be converted are passed on unchanged, so that validation reports them with
the same message as the JSON API would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from survey_server.responses.validation import FormSpec

_VI_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_SCALE_VALUE = re.compile(r"^[0-9]{1,2}$")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def answers_from_form(
    spec: FormSpec, get_one: Callable[[str], str | None], get_all: Callable[[str], list[str]]
) -> dict[str, Any]:
    """The answers posted for each question of ``spec``; blank fields are left out."""
    answers: dict[str, Any] = {}
    for question in spec.questions:
        if question.type == "multi":
            chosen = [value for value in get_all(question.id) if value]
            if chosen:
                answers[question.id] = chosen
            continue
        raw = get_one(question.id)
        if raw is None or not raw.strip():
            continue
        if question.type == "scale":
            value = raw.strip()
            answers[question.id] = int(value) if _SCALE_VALUE.match(value) else value
        elif question.type == "yes_no":
            answers[question.id] = {"true": True, "false": False}.get(raw.strip(), raw)
        elif question.type == "number":
            answers[question.id] = parse_number(raw)
        else:
            answers[question.id] = raw
    return answers


def parse_number(raw: str) -> float | int | str:
    """Read a number as Vietnamese people type it: ``1.500`` is 1500 and ``2,5`` is 2.5."""
    text = re.sub(r"\s", "", raw)
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".")
    elif _VI_THOUSANDS.match(text):
        text = text.replace(".", "")
    if not _PLAIN_NUMBER.match(text):
        return raw
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 1e15 else value
