"""Recording a submission: resolve the link, check the campaign, validate, store durably."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from survey_server.distribution.codes import RECEIPT_LENGTH, new_code
from survey_server.distribution.services import LinkInfo, resolve_code
from survey_server.errors import (
    CampaignClosed,
    CampaignNotOpenYet,
    ServiceUnavailable,
    SubmissionIdTaken,
    SubmissionInvalid,
    TokenUsed,
)
from survey_server.integrity.watch import Watcher
from survey_server.questionnaires.services import get_form_spec
from survey_server.responses.form_token import duration_bucket
from survey_server.responses.prefill import link_answers
from survey_server.responses.tables import Submission as StoredSubmission
from survey_server.responses.validation import FormSpec, validate_answers
from survey_server.responses.writer import (
    SubmissionRow,
    SubmissionWriter,
    TokenSpent,
    WriterUnavailable,
)
from survey_server.timekeeping import today


@dataclass(frozen=True)
class Submission:
    """A submission as received, from the JSON API or the plain HTML form."""

    link: str
    submission_id: uuid.UUID
    answers: dict[str, Any]
    lang: str = "vi"
    form_token: str | None = None


@dataclass(frozen=True)
class RecordingContext:
    """What the service needs from the running instance (never the request itself)."""

    writer: SubmissionWriter
    secret: str
    timezone: str
    watcher: Watcher | None = None


@dataclass(frozen=True)
class OpenForm:
    """A form that takes answers today: its link, its compiled questionnaire, and the code
    (the link's, or the single-use token's) that the page posts back."""

    info: LinkInfo
    spec: FormSpec
    token: str | None

    @property
    def code(self) -> str:
        return self.token or self.info.code


async def open_form(code: str, timezone: str, lang: str) -> OpenForm:
    """The form of a code whose campaign takes answers today (raises the reason otherwise)."""
    info, token = await resolve_code(code)
    info.check_open(today(timezone), lang)
    return OpenForm(info, await get_form_spec(info.content_hash), token)


async def find_receipt(submission_id: uuid.UUID) -> str | None:
    """The receipt of an already stored submission, for an idempotent retry."""
    row = (
        await StoredSubmission.select(StoredSubmission.receipt)
        .where(StoredSubmission.submission_id == submission_id)
        .first()
    )
    return None if row is None else row["receipt"]


async def record_submission(
    submission: Submission,
    context: RecordingContext,
    *,
    drop_hidden: bool = False,
    opened: OpenForm | None = None,
) -> str:
    """Validate and durably store one submission; return its receipt code.

    The same ``submission_id`` sent again returns the first receipt and stores nothing.
    No request metadata reaches this function, so none can be stored (docs/PRIVACY.md).
    ``opened`` is the form the caller already opened for this code (the plain HTML form needs
    it to read its fields), so the code is not resolved twice.
    """
    if opened is not None:
        form = opened
    else:
        try:
            form = await open_form(submission.link, context.timezone, submission.lang)
        except (TokenUsed, CampaignClosed, CampaignNotOpenYet) as refusal:
            # a retry of a submission already stored (its token since spent, its campaign
            # since closed) gets its first receipt; anything else gets the reason
            return await _first_receipt_or_raise(submission.submission_id, refusal)
    info = form.info
    clean, errors = validate_answers(
        form.spec,
        submission.answers,
        drop_hidden=drop_hidden,
        given=link_answers(form.spec, info.level),
    )
    if clean is None:
        raise SubmissionInvalid(errors)
    row = SubmissionRow(
        submission_id=str(submission.submission_id),
        receipt=new_code(RECEIPT_LENGTH),
        campaign=info.campaign_id,
        link=info.link_id,
        unit=info.unit_id,
        channel=info.channel,
        partner=info.partner,
        questionnaire=info.version_id,
        lang=submission.lang,
        submitted_on=today(context.timezone),
        duration_bucket=duration_bucket(
            submission.form_token, context.secret, form.code, int(time.time())
        ),
        closed=clean.closed,
        answers=json.dumps(clean.answers, ensure_ascii=False, separators=(",", ":")),
        token=form.token,
    )
    try:
        receipt = await context.writer.write(row)
    except TokenSpent:
        # the same submission may have spent the token a moment ago through another writer
        return await _first_receipt_or_raise(submission.submission_id, TokenUsed())
    except WriterUnavailable:
        raise ServiceUnavailable() from None
    if receipt != row.receipt and not await StoredSubmission.exists().where(
        (StoredSubmission.submission_id == submission.submission_id)
        & (StoredSubmission.link == info.link_id)
    ):  # the id of a response given through another link: not a retry of this one
        raise SubmissionIdTaken()
    if context.watcher is not None and receipt == row.receipt:  # a new response, not a retry
        await context.watcher.observe(info, row.submitted_on)
    return receipt


async def _first_receipt_or_raise(submission_id: uuid.UUID, refusal: Exception) -> str:
    """The receipt of an already stored submission; otherwise the refusal stands."""
    receipt = await find_receipt(submission_id)
    if receipt is None:
        raise refusal
    return receipt
