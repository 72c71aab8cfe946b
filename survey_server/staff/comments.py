"""Scrubbed comments of a unit's subtree, grouped by theme, and the office's follow-up of each.

Comments were scrubbed of personal data before they were stored; staff read them with the
themes of ``analysis.themes``, classify each (phản ánh / kiến nghị / khiếu nại / tố cáo), set
its status and write a reply that the respondent reads with the receipt code. Receipts are
never shown to staff: a parent who shows one to the school must not thereby show their answers.

Only comments of published responses are shown (``scoring.releases``), each under the unit and
the day of its release — never its class or day when it was released with its school — in an
order that does not follow arrival, and named by an opaque reference (a keyed hash), never a
sequential id that would work as a clock.

Staff handle hundreds of comments: the list is searched without regard to case or diacritics
("hoc phi" finds "học phí"), filtered by theme, type, status, unit and whether it has been
answered, and every link and form of the page carries the same filters (``Filters.query``),
so saving a comment returns to the same place of the same list (``return_to``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

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
#: The longest search kept (longer text is cut): enough for a phrase, not for a document.
QUERY_LIMIT = 100
#: ``tra_loi``: with a reply (``co``) or without one (``chua``).
ANSWERED = ("co", "chua")


class CaseInvalid(AppError):
    status_code = 422
    code = "case_invalid"
    message = N_("Chưa lưu được: {detail}")


@cache
def taxonomy() -> Taxonomy:
    """The bundled theme taxonomy (offices extend it with their own file; see docs)."""
    return load_taxonomy()


@dataclass(frozen=True)
class Filters:
    """What the list shows: the scope's unit (``unit``), a search, and the filters; as query
    parameters ``unit``, ``q``, ``theme``, ``kind``, ``status``, ``don_vi``, ``tra_loi`` and
    ``trang`` (the page)."""

    unit: str | None = None
    q: str = ""
    theme: str | None = None
    kind: str | None = None
    status: str | None = None
    place: str | None = None
    answered: str | None = None
    page: int = 1

    @classmethod
    def of(cls, params: Mapping[str, str]) -> Filters:
        """The filters of a request's query parameters; the search is tidied and cut to
        ``QUERY_LIMIT`` characters, the page is a positive number (1 when it is not one), and
        the other values are checked against the list itself (``comments``)."""
        page = str(params.get("trang") or "1").strip()
        return cls(
            unit=params.get("unit") or None,
            q=tidy_query(params.get("q") or ""),
            theme=params.get("theme") or None,
            kind=params.get("kind") or None,
            status=params.get("status") or None,
            place=params.get("don_vi") or None,
            answered=params.get("tra_loi") or None,
            page=max(1, min(int(page), 1_000_000)) if page.isascii() and page.isdigit() else 1,
        )

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (the search or any filter)."""
        return bool(self.q or self.theme or self.kind or self.status or self.place or self.answered)

    def query(self, **changes: Any) -> str:
        """The query string of the list with these filters (and ``changes``), without the
        page: links add ``&trang=``."""
        chosen = replace(self, **changes)
        pairs = [
            ("unit", chosen.unit),
            ("q", chosen.q),
            ("theme", chosen.theme),
            ("kind", chosen.kind),
            ("status", chosen.status),
            ("don_vi", chosen.place),
            ("tra_loi", chosen.answered),
        ]
        return urlencode([(name, value) for name, value in pairs if value])


def tidy_query(text: str) -> str:
    """A search as typed: control characters dropped, spaces joined, cut to the limit."""
    text = "".join(
        " " if unicodedata.category(c)[0] in "CZ" else c for c in text[: QUERY_LIMIT * 4]
    )
    return " ".join(text.split())[:QUERY_LIMIT].strip()


def fold(text: str) -> str:
    """``text`` without case or diacritics, for searching: "Học phí", "HOC PHI" and "học phí"
    written with combining marks all give "hoc phi"; "đ" gives "d"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().replace("đ", "d").split())


def matches(folded_text: str, folded_query: str) -> bool:
    """Whether every word of the search is found in the text (both folded)."""
    return all(word in folded_text for word in folded_query.split())


def list_path(code: str) -> str:
    return f"/staff/campaigns/{quote(code, safe='')}/comments"


def return_to(code: str, back: str, ref: str) -> str:
    """Where saving comment ``ref`` leads: the list page the form was on (``back``), with its
    filters and page, a ``saved`` mark and the comment's anchor. ``back`` is read only for
    the query parameters of the list; anything but the list's own path, such as another
    site, gives the list without filters."""
    path = list_path(code)
    try:
        parts = urlsplit(back)
    except ValueError:
        parts = urlsplit("")
    on_list = not parts.scheme and not parts.netloc and parts.path == path
    kept = [
        (name, value)
        for name, value in (parse_qsl(parts.query) if on_list else [])
        if name in ("unit", "q", "theme", "kind", "status", "don_vi", "tra_loi", "trang")
    ]
    return f"{path}?{urlencode([*kept, ('saved', ref)])}#c{ref}"


def filters_of_back(back: str) -> Filters:
    """The filters of the list page a form was posted from (its ``back`` field)."""
    try:
        return Filters.of(dict(parse_qsl(urlsplit(back).query)))
    except ValueError:
        return Filters()


@dataclass(frozen=True)
class Comment:
    ref: str
    unit: str
    unit_code: str
    unit_path: str
    day: Any
    text: str
    themes: list[str]
    tone: int
    kind: str | None
    status: str
    reply: str
    #: Shown although it no longer matches the filters: the comment just saved.
    kept: bool = False


async def comments(
    scope: Scope, code: str, filters: Filters, key: str, keep: str | None = None
) -> dict[str, Any]:
    """One page of the published comments of the unit's subtree, searched and filtered, with
    counts per theme; ``key`` (the server's secret) makes the references.

    Filter values the list does not know (a theme, a type, a unit that is not among the units
    of the list...) are left out, so a unit outside the subtree never widens it. ``keep`` is
    the reference of a comment just saved: when it is in the list but not on the page (it no
    longer matches the filters), it is shown at its place in the order, marked as such."""
    if scope.role not in READERS:
        raise NotFound()
    campaign, unit = await campaign_in_scope(scope, code, filters.unit)
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
            unit_code=row["unit_code"],
            unit_path=row["unit_path"],
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
    places = _places(every)
    paths = {code: path for code, path, _ in places}
    filters = replace(
        filters,
        unit=unit["code"],
        theme=filters.theme if filters.theme in labels else None,
        kind=filters.kind if filters.kind in KINDS else None,
        status=filters.status if filters.status in STATUSES else None,
        place=filters.place if filters.place in paths else None,
        answered=filters.answered if filters.answered in ANSWERED else None,
    )
    wanted = fold(filters.q)

    def chosen_by_filters(item: Comment) -> bool:
        return (
            (not filters.theme or filters.theme in item.themes)
            and (not filters.kind or item.kind == filters.kind)
            and (not filters.status or item.status == filters.status)
            and (not filters.place or item.unit_path.startswith(paths[filters.place]))
            and (not filters.answered or bool(item.reply) == (filters.answered == "co"))
            and (not wanted or matches(fold(item.text), wanted))
        )

    chosen = [item for item in every if chosen_by_filters(item)]
    pages = max(1, -(-len(chosen) // PAGE))
    page = min(filters.page, pages)
    filters = replace(filters, page=page)
    shown = chosen[(page - 1) * PAGE : page * PAGE]
    kept = next((item for item in every if item.ref == keep), None)
    if kept is not None and kept not in shown:
        order = {item.ref: i for i, item in enumerate(every)}
        at = sum(1 for item in shown if order[item.ref] < order[kept.ref])
        shown.insert(at, replace(kept, kept=not chosen_by_filters(kept)))
    query = filters.query()
    path = list_path(campaign["code"])
    return {
        "campaign": campaign,
        "unit": unit,
        "comments": shown,
        "total": len(chosen),
        "all": len(every),
        "page": page,
        "pages": pages,
        "theme_counts": [(t, labels[t], n) for t, n in counts.items() if n],
        "labels": labels,
        "praise": sum(1 for item in every if item.tone > 0),
        "complaints": sum(1 for item in every if item.tone < 0),
        "filters": filters,
        "query": query,
        "list_path": path,
        "back": f"{path}?{query}&trang={page}",
        "places": [(code, label) for code, _, label in places],
        "kinds": KINDS,
        "statuses": STATUSES,
        "saved": keep if kept is not None else None,
        "error_ref": None,
        "error": None,
        "draft": None,
    }


def _places(every: list[Comment]) -> list[tuple[str, str, str]]:
    """The units the comments are shown under, by name: (code, path, label), the code added
    to a name that two of them share."""
    found = {item.unit_code: (item.unit_path, item.unit) for item in every}
    names = Counter(name for _, name in found.values())
    return sorted(
        (
            (code, path, name if names[name] == 1 else f"{name} ({code})")
            for code, (path, name) in found.items()
        ),
        key=lambda place: (fold(place[2]), place[0]),
    )


async def _published_comments(campaign: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """The published responses with a comment under ``path``, by release, newest release
    first, and within one in the order of their random receipts (not of arrival)."""
    spec = await campaign_form(campaign)
    expression = comment_expression(spec, "s.answers")
    if not expression:
        return []
    return await Submission.raw(
        "SELECT s.id, u.name AS unit, u.code AS unit_code, u.path AS unit_path, "
        f"r.released_on AS day, {expression} AS comment, "
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
    reply = reply.replace("\r\n", "\n").strip()  # a browser sends each line break as CRLF
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
