"""The report from the workspace (a form, with an optional upload of the office's draft) and
from the JSON API; both behind the session and limited to the user's scope."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.params import FromQuery
from litestar.response import Redirect

from survey_server.config import Settings
from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_, gettext
from survey_server.reports.letterheads import (
    LABELS,
    MAX_RECIPIENTS,
    MESSAGES,
    RECIPIENT_LENGTH,
    LetterheadInvalid,
    as_fields,
    letterhead_of,
    may_edit,
    parse,
    reset,
    save,
)
from survey_server.reports.services import FORMATS, INTO_LIMIT, ReportFile, make_report
from survey_server.staff.routes import SIGNED_IN, campaigns_concerning
from survey_server.staff.services import Scope, campaigns_in_scope, subtree_units
from survey_server.staff.web import (
    Forbidden,
    SignedIn,
    check_csrf,
    form_fields,
    page,
    staff_lang,
)
from survey_server.timekeeping import today
from survey_server.units.services import KINDS

OFFICE_KINDS = ("department", "district_office", "commune", "school")
#: Up to this many units the report form offers a list to choose from; above it, a box where
#: the user types a few letters of the name and picks among the suggestions.
PICK_FROM_LIST = 60
#: How many units an unknown or shared name brings up as "did you mean".
CLOSE_MATCHES = 5
UNIT_NOT_FOUND = N_("Không tìm thấy đơn vị này trong phạm vi của tài khoản.")
UNIT_AMBIGUOUS = N_(
    "Có {count} đơn vị cùng tên này trong phạm vi của tài khoản; chọn một đơn vị dưới đây "
    "hoặc ghi mã của đơn vị."
)
_CODE_AFTER_NAME = re.compile(r"^(?P<name>.*?)\s*\(\s*(?P<code>[^()]+?)\s*\)$")


def _file(made: ReportFile) -> Response[bytes]:
    return Response(
        made.content,
        media_type=made.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "Cache-Control": "no-store",
        },
    )


def _readers_only(scope: Scope) -> None:
    """Reports carry scores: partners (who follow counts of their channel) may not make them."""
    if not scope.sees_scores:
        raise Forbidden()


@get(
    "/api/v1/reports",
    dependencies=SIGNED_IN,
    summary="Phần “lắng nghe ý kiến nhân dân” của báo cáo dân vận (DOCX, Markdown hoặc HTML)",
    tags=["reports"],
    media_type="application/octet-stream",
)
async def report_file(
    state: State,
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    period: FromQuery[str | None] = None,
    campaign: FromQuery[list[str] | None] = None,
    format: FromQuery[str] = "docx",
    lang: FromQuery[str] = "vi",
) -> Response[bytes]:
    """The section for a unit of the user's scope (default: the user's unit) and a period
    (``2026``, ``2026-H1``, ``2026-01-01..2026-06-30``) or campaigns; 401 without a session,
    404 outside the scope, 422 with a message for a bad period or format."""
    _readers_only(session.scope)
    settings: Settings = state.settings
    made = await make_report(
        session.scope,
        unit or session.scope.unit_code,
        period=period,
        campaigns=campaign or [],
        fmt=format,
        issued_on=today(settings.timezone),
        lang="en" if lang == "en" else "vi",
    )
    return _file(made)


@get("/staff/reports", dependencies=SIGNED_IN, include_in_schema=False)
async def report_form(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    campaign: FromQuery[str | None] = None,
) -> Response[str]:
    _readers_only(session.scope)
    values = {"unit": unit or "", "campaign": campaign or ""}
    if not campaign:
        values["period"] = str(today(state.settings.timezone).year)
    picker = await _unit_picker(session.scope, values["unit"], staff_lang(request))
    return await _form_page(state, request, session, values, picker, None, 200)


@post(
    "/staff/reports",
    dependencies=SIGNED_IN,
    include_in_schema=False,
    request_max_body_size=INTO_LIMIT + 64 * 1024,
    status_code=200,
)
async def report_download(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    _readers_only(session.scope)
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    check_csrf(session.csrf, fields.get("csrf"))
    lang = staff_lang(request)
    picker = await _unit_picker(session.scope, fields.get("unit", ""), lang)
    if picker.chosen is None:
        return await _form_page(state, request, session, fields, picker, None, 422)
    upload = form.get("into")
    draft = None
    if isinstance(upload, UploadFile) and upload.filename:
        draft = await upload.read()
    try:
        made = await make_report(
            session.scope,
            picker.chosen["code"],
            period=fields.get("period", "").strip() or None,
            campaigns=form.getall("campaign") if "campaign" in form else [],
            fmt=fields.get("format", "docx"),
            issued_on=today(state.settings.timezone),
            into=draft,
            into_name=upload.filename if draft is not None else "",
            lang=lang,
        )
    except AppError as error:
        if error.status_code == 404:
            raise
        return await _form_page(state, request, session, fields, picker, error.text(lang), 422)
    return _file(made)


def folded(text: str) -> str:
    """A name as people type it when they compare: no case, no diacritics (đ is d), single
    spaces. ``Trường Tiểu học Lê Văn Tám`` and ``truong tieu hoc  le van tam`` are the same."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


@dataclass
class UnitPicker:
    """The report form's choice of unit: a list grouped by parent for a small scope, a box
    with suggestions by name for a large one; what was chosen, or why nothing could be."""

    as_list: bool
    #: (parent's name or ``None`` for the user's own unit, units) in the order shown
    groups: list[tuple[str | None, list[dict[str, Any]]]]
    #: every unit offered, with ``label``: its name, followed by its code when another unit
    #: of the scope bears the same name
    units: list[dict[str, Any]]
    chosen: dict[str, Any] | None
    typed: str
    error: str | None = None
    #: the units to suggest: those of the same name, or those whose name is close
    matches: list[dict[str, Any]] = field(default_factory=list)
    ambiguous: bool = False

    @property
    def text(self) -> str:
        """What the box shows: the chosen unit's label, or what the user typed."""
        if self.chosen is None:
            return self.typed
        label = next((u["label"] for u in self.units if u["id"] == self.chosen["id"]), None)
        return label or self.chosen["name"]


async def _unit_picker(scope: Scope, typed: str, lang: str) -> UnitPicker:
    """The units the user may report on, and the one ``typed`` names (a code or a name; the
    user's own unit when blank). A name is looked for among the scope's offices and schools
    only, so a unit outside the scope is "not found", whether it exists or not."""
    own = await scope.unit(None)
    subtree = await subtree_units(scope, own)
    text = " ".join(typed.split())
    chosen, error, matches = await _resolve(scope, text, own, subtree)
    units = [row for row in subtree if row["kind"] in OFFICE_KINDS]
    if chosen is not None and all(row["id"] != chosen["id"] for row in units):
        units.append(chosen)  # a class reached by its code, from a class's dashboard
    names: dict[str, int] = {}
    for row in units:
        names[folded(row["name"])] = names.get(folded(row["name"]), 0) + 1
    units = [
        {
            **row,
            "label": row["name"]
            if names[folded(row["name"])] == 1 and row["kind"] in OFFICE_KINDS
            else _labelled(row),
        }
        for row in units
    ]
    by_id = {row["id"]: row for row in subtree}
    grouped: dict[int | None, list[dict[str, Any]]] = {}
    for row in units:
        key = None if row["id"] == own["id"] else row["parent"]
        grouped.setdefault(key, []).append(row)
    for rows in grouped.values():
        rows.sort(
            key=lambda row: (
                row["valid_to"] is not None,
                KINDS.index(row["kind"]) if row["kind"] in KINDS else len(KINDS),
                _in_order(row["name"]),
                row["code"],
            )
        )
    order = sorted(
        grouped,
        key=lambda key: (
            key is not None,
            key != own["id"],
            _in_order(by_id[key]["name"]) if key in by_id else [],
        ),
    )
    groups = [(by_id[key]["name"] if key in by_id else None, grouped[key]) for key in order]
    units = [row for _, rows in groups for row in rows]
    return UnitPicker(
        as_list=len(units) <= PICK_FROM_LIST,
        groups=groups,
        units=units,
        chosen=chosen,
        typed=text,
        error=gettext(error, lang, count=len(matches)) if error else None,
        matches=[
            {
                **row,
                "label": _labelled(row),
                "parent_name": by_id[row["parent"]]["name"] if row["parent"] in by_id else "",
            }
            for row in matches[:CLOSE_MATCHES]
        ],
        ambiguous=error == UNIT_AMBIGUOUS,
    )


def _in_order(name: str) -> list[Any]:
    """Alphabetical without diacritics, numbers by value: "Số 9" before "Số 10"."""
    return [int(part) if part.isdecimal() else part for part in re.split(r"(\d+)", folded(name))]


def _labelled(row: dict[str, Any]) -> str:
    return f"{row['name']} ({row['code']})"


async def _resolve(
    scope: Scope, text: str, own: dict[str, Any], subtree: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, str | None, list[dict[str, Any]]]:
    """The unit ``text`` names inside the scope, else the message and the units to suggest."""
    if not text:
        return own, None, []
    try:
        return await scope.unit(text), None, []  # a code, in any case
    except NotFound:
        pass
    offices = [row for row in subtree if row["kind"] in OFFICE_KINDS]
    wanted = folded(text)
    named = [row for row in offices if folded(row["name"]) == wanted]
    if not named and (parts := _CODE_AFTER_NAME.match(text)):  # "Name (CODE)" from the list
        code, name = parts["code"].upper(), folded(parts["name"])
        named = [row for row in subtree if row["code"] == code and folded(row["name"]) == name]
    if len(named) == 1:
        return named[0], None, []
    if named:
        return None, UNIT_AMBIGUOUS, named
    return None, UNIT_NOT_FOUND, _close_to(wanted, offices)


def _close_to(wanted: str, offices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Up to ``CLOSE_MATCHES`` units whose name holds what was typed, then those whose name or
    code looks like it, the closest first."""
    scored: list[tuple[float, int, dict[str, Any]]] = []
    for index, row in enumerate(offices):
        name, code = folded(row["name"]), row["code"].casefold()
        if wanted and (wanted in name or wanted in code):
            score = 1 + len(wanted) / max(len(name), 1)
        else:
            score = max(_likeness(wanted, name), _likeness(wanted, code))
        if score >= 0.6:
            scored.append((-score, index, row))
    return [row for _, _, row in sorted(scored, key=lambda item: item[:2])[:CLOSE_MATCHES]]


def _likeness(typed: str, known: str) -> float:
    matcher = difflib.SequenceMatcher(None, typed, known)
    if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6:
        return 0.0
    return matcher.ratio()


async def _form_page(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    values: dict[str, Any],
    picker: UnitPicker,
    message: str | None,
    status_code: int,
) -> Response[str]:
    scope = session.scope
    concerning = await campaigns_concerning(scope)
    wanted = str(values.get("campaign") or "")
    if wanted and all(c["code"] != wanted for c in concerning):  # a link that names one
        concerning += [c for c in await campaigns_in_scope(scope) if c["code"] == wanted]
    campaigns = [c for c in concerning if c["status"] != "draft"]
    chosen = picker.chosen if picker.chosen and picker.chosen["kind"] in OFFICE_KINDS else None
    letterhead = await letterhead_of(chosen) if chosen and may_edit(scope, chosen) else None
    return page(
        state,
        request,
        "staff/report.html",
        session,
        letterhead=letterhead,
        status_code=status_code,
        values=values,
        message=message,
        picker=picker,
        letterhead_unit=chosen["code"] if chosen else scope.unit_code,
        campaigns=campaigns,
        formats=tuple(FORMATS),
    )


async def _editable(session: SignedIn, code: str | None) -> dict[str, Any]:
    """The unit whose letterhead the user may edit; ``Forbidden`` for a unit it only sees
    (a school and its commune's or the Sở's letterhead), ``NotFound`` outside its scope."""
    if session.scope.role == "partner":
        raise Forbidden()
    unit = await session.scope.unit(code.strip() if code else None)
    if unit["kind"] not in OFFICE_KINDS or not may_edit(session.scope, unit):
        raise Forbidden()
    return unit


@get("/staff/letterhead", dependencies=SIGNED_IN, include_in_schema=False)
async def letterhead_form(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
) -> Response[str]:
    """The letterhead of a unit (the user's own by default), prefilled with what is stored or,
    until the office edits it, with the defaults for its kind."""
    row = await _editable(session, unit)
    current = await letterhead_of(row)
    return _letterhead_page(state, request, session, row, as_fields(current), current.stored)


@post("/staff/letterhead", dependencies=SIGNED_IN, include_in_schema=False, status_code=200)
async def letterhead_save(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    row = await _editable(session, fields.get("unit"))
    if fields.get("action") == "reset":
        await reset(session.scope, row)
        return Redirect(f"/staff/letterhead?unit={row['code']}&saved=1", status_code=303)
    try:
        letterhead = parse(fields)
    except LetterheadInvalid as error:
        return _letterhead_page(state, request, session, row, fields, True, error, 422)
    await save(session.scope, row, letterhead)
    return Redirect(f"/staff/letterhead?unit={row['code']}&saved=1", status_code=303)


def _letterhead_page(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: dict[str, Any],
    values: dict[str, str],
    stored: bool,
    error: LetterheadInvalid | None = None,
    status_code: int = 200,
) -> Response[str]:
    lang = staff_lang(request)
    problems = {
        item.field: gettext(
            MESSAGES[item.code],
            lang,
            label=gettext(LABELS[item.field], lang),
            length=RECIPIENT_LENGTH,
            **({"limit": MAX_RECIPIENTS} | item.params),
        )
        for item in (error.errors if error else [])
    }
    return page(
        state,
        request,
        "staff/letterhead.html",
        session,
        status_code=status_code,
        unit=unit,
        values=values,
        stored=stored,
        message=error.text(lang) if error else None,
        problems=problems,
        labels=LABELS,
        saved=request.query_params.get("saved") == "1",
    )


ROUTES = [report_file, report_form, report_download, letterhead_form, letterhead_save]
