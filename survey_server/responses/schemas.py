"""The JSON body of ``POST /api/v1/responses`` and its answer (the API contract, /schema).

msgspec decodes it (about six times cheaper than the alternatives on these bodies); answer values
are left untyped here because each question's type is checked against its questionnaire version
in ``validation``, which gives a precise message per question.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec

LinkCode = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
QuestionId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class SubmissionIn(msgspec.Struct, forbid_unknown_fields=True):
    """One response: the link it came from, an idempotency key and the answers by question id."""

    link: LinkCode
    submission_id: uuid.UUID
    answers: Annotated[dict[QuestionId, Any], msgspec.Meta(max_length=500)]
    lang: Annotated[str, msgspec.Meta(max_length=8)] = "vi"
    form_token: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class ReceiptOut(msgspec.Struct):
    """The receipt code the respondent may keep to follow up a recommendation."""

    receipt: str


class FieldErrorOut(msgspec.Struct):
    field: str
    code: str
    message: str


class ErrorOut(msgspec.Struct):
    code: str
    message: str
    errors: list[FieldErrorOut]
