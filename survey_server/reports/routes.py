"""The report from the workspace (a form, with an optional upload of the office's draft) and
from the JSON API; both behind the session and limited to the user's scope."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.params import FromQuery
from litestar.response import Redirect

from survey_server.config import Settings
from survey_server.errors import AppError
from survey_server.i18n import gettext
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
from survey_server.staff.routes import SIGNED_IN
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

OFFICE_KINDS = ("department", "district_office", "commune", "school")


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
    values = {"unit": unit or session.scope.unit_code, "campaign": campaign or ""}
    if not campaign:
        values["period"] = str(today(state.settings.timezone).year)
    return await _form_page(state, request, session, values, None, 200)


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
    upload = form.get("into")
    draft = None
    if isinstance(upload, UploadFile) and upload.filename:
        draft = await upload.read()
    lang = staff_lang(request)
    try:
        made = await make_report(
            session.scope,
            fields.get("unit", "").strip() or session.scope.unit_code,
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
        return await _form_page(state, request, session, fields, error.text(lang), 422)
    return _file(made)


async def _form_page(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    values: dict[str, Any],
    message: str | None,
    status_code: int,
) -> Response[str]:
    scope = session.scope
    units = [
        row
        for row in await subtree_units(scope, await scope.unit(None))
        if row["kind"] in OFFICE_KINDS
    ]
    campaigns = [c for c in await campaigns_in_scope(scope) if c["status"] != "draft"]
    letterhead = None
    try:
        chosen = await scope.unit(str(values.get("unit") or "").strip() or None)
        letterhead = await letterhead_of(chosen) if may_edit(scope, chosen) else None
    except AppError:  # a code typed wrong: the form says so when it is sent
        pass
    return page(
        state,
        request,
        "staff/report.html",
        session,
        letterhead=letterhead,
        status_code=status_code,
        values=values,
        message=message,
        units=units,
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
