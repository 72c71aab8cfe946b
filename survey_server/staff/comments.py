"""Scrubbed comments of a unit's subtree, grouped by theme, and the office's follow-up of each.

Comments were scrubbed of personal data before they were stored; staff read them with the
themes of ``analysis.themes``, classify each (phản ánh / kiến nghị / khiếu nại / tố cáo), set
its status and write a reply that the respondent reads with the receipt code. Receipts are
never shown to staff: a parent who shows one to the school must not thereby show their answers.

Only comments of published responses are shown (``scoring.releases``), each under the unit and
the day of its release — never its class or day when it was released with its school — in an
order that does not follow arrival, and named by an opaque reference (a keyed hash), never a
sequential id that would work as a clock.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from analysis.themes import Taxonomy, classify, load_taxonomy
from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_
from survey_server.responses.tables import Submission
from survey_server.scoring.services import (
    campaign_form,
    comment_expression,
    publish,
    tidy_comment,
)
from survey_server.staff.services import Scope, audit, campaign_in_scope
from survey_server.staff.tables import FeedbackCase

KINDS = ("phan_anh", "kien_nghi", "khieu_nai", "to_cao")
STATUSES = ("chua", "dang", "da")
READERS = ("admin", "staff", "principal")
PAGE = 50
REPLY_LIMIT = 4000


class CaseInvalid(AppError):
    status_code = 422
    code = "case_invalid"
    message = N_("Chưa lưu được: {detail}")


@cache
def taxonomy() -> Taxonomy:
    """The bundled theme taxonomy (offices extend it with their own file; see docs)."""
    return load_taxonomy()


@dataclass(frozen=True)
class Comment:
    ref: str
    unit: str
    day: Any
    text: str
    themes: list[str]
    tone: int
    kind: str | None
    status: str
    reply: str


async def comments(
    scope: Scope,
    code: str,
    unit_code: str | None,
    theme: str | None,
    kind: str | None,
    status: str | None,
    page: int,
    key: str,
) -> dict[str, Any]:
    """One page of the published comments of the unit's subtree, filtered, with counts per
    theme; ``key`` (the server's secret) makes the references."""
    if scope.role not in READERS:
        raise NotFound()
    campaign, unit = await campaign_in_scope(scope, code, unit_code)
    await publish(campaign)
    rows = await _published_comments(campaign, unit["path"])
    rows = [row for row in rows if tidy_comment(row["comment"])]
    tax = taxonomy()
    found = classify([tidy_comment(row["comment"]) for row in rows], tax)
    labels = {item.id: item.label for item in tax.themes}
    every = [
        Comment(
            ref=reference(key, row["id"]),
            unit=row["unit"],
            day=row["day"],
            text=tidy_comment(row["comment"]) or "",
            themes=[tax.ids[j] for j in found.themes[i].nonzero()[0]],
            tone=int(found.tone[i]),
            kind=row["kind"],
            status=row["status"] or "chua",
            reply=row["reply"] or "",
        )
        for i, row in enumerate(rows)
    ]
    counts = {theme_id: 0 for theme_id in tax.ids}
    for item in every:
        for theme_id in item.themes:
            counts[theme_id] += 1
    chosen = [
        item
        for item in every
        if (not theme or theme in item.themes)
        and (not kind or item.kind == kind)
        and (not status or item.status == status)
    ]
    page = max(1, page)
    return {
        "campaign": campaign,
        "unit": unit,
        "comments": chosen[(page - 1) * PAGE : page * PAGE],
        "total": len(chosen),
        "all": len(every),
        "page": page,
        "pages": max(1, -(-len(chosen) // PAGE)),
        "theme_counts": [(t, labels[t], n) for t, n in counts.items() if n],
        "labels": labels,
        "praise": sum(1 for item in every if item.tone > 0),
        "complaints": sum(1 for item in every if item.tone < 0),
        "filters": {"theme": theme, "kind": kind, "status": status},
        "kinds": KINDS,
        "statuses": STATUSES,
    }


async def _published_comments(campaign: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """The published responses with a comment under ``path``, by release, newest release
    first, and within one in the order of their random receipts (not of arrival)."""
    spec = await campaign_form(campaign)
    expression = comment_expression(spec, "s.answers")
    if not expression:
        return []
    return await Submission.raw(
        f"SELECT s.id, u.name AS unit, r.released_on AS day, {expression} AS comment, "
        "f.kind, f.status, f.reply FROM submission s "
        "JOIN response_release r ON r.id = s.released_in JOIN unit u ON u.id = r.unit "
        "LEFT JOIN feedback_case f ON f.submission = s.id "
        "WHERE s.campaign = {} AND u.path LIKE {} ORDER BY r.id DESC, s.receipt",
        campaign["id"],
        f"{path}%",
    )


def reference(key: str, submission_id: int) -> str:
    """The opaque reference of a comment on pages and in form actions: a keyed hash of the
    response, which neither counts nor dates anything and cannot be made from a receipt."""
    digest = hmac.new(key.encode(), f"comment|{submission_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


async def save_case(
    scope: Scope, code: str, ref: str, kind: str, status: str, reply: str, key: str
) -> None:
    """Classify a published comment, set its status and reply; only inside the user's scope
    (an unknown or unpublished reference answers like any unknown thing)."""
    if scope.role not in READERS:
        raise NotFound()
    campaign, unit = await campaign_in_scope(scope, code, None)
    rows = await _published_comments(campaign, unit["path"])
    submission_id = next((row["id"] for row in rows if reference(key, row["id"]) == ref), None)
    if submission_id is None:
        raise NotFound()
    if kind and kind not in KINDS:
        raise CaseInvalid(detail=N_("loại ý kiến không hợp lệ"))
    if status not in STATUSES:
        raise CaseInvalid(detail=N_("trạng thái không hợp lệ"))
    reply = reply.strip()
    if len(reply) > REPLY_LIMIT:
        raise CaseInvalid(detail=N_("phần trả lời quá dài"))
    values = {
        FeedbackCase.kind: kind or None,
        FeedbackCase.status: status,
        FeedbackCase.reply: reply,
        FeedbackCase.updated_by: scope.user_id,
        FeedbackCase.updated_at: int(time.time()),
    }
    async with FeedbackCase._meta.db.transaction():
        if await FeedbackCase.exists().where(FeedbackCase.submission == submission_id):
            await FeedbackCase.update(values).where(FeedbackCase.submission == submission_id)
        else:
            await FeedbackCase(
                submission=submission_id, **{column._meta.name: v for column, v in values.items()}
            ).save()
    await audit(scope.user_id, scope.username, "case_updated", {"submission": submission_id})


async def case_of_receipt(receipt: str) -> dict[str, Any] | None:
    """What the respondent holding ``receipt`` may read: the status and reply of their
    comment (never anyone else's); ``None`` for an unknown receipt."""
    code = receipt.strip().upper()
    if not code.isalnum() or len(code) > 16:
        return None
    row = await (
        Submission.select(
            Submission.id,
            Submission.submitted_on,
            Submission.campaign.title.as_alias("title"),
            Submission.unit.name.as_alias("unit"),
        )
        .where(Submission.receipt == code)
        .first()
    )
    if row is None:
        return None
    case = await FeedbackCase.select().where(FeedbackCase.submission == row["id"]).first()
    return {
        "submitted_on": row["submitted_on"],
        "title": row["title"],
        "unit": row["unit"],
        "kind": case["kind"] if case else None,
        "status": case["status"] if case else "chua",
        "reply": case["reply"] if case else "",
    }
