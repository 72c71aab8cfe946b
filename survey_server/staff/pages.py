"""The pages of a campaign in the workspace: dashboard (and, below, its drill-down)."""

import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Stream

from survey_server.campaigns.services import get_campaign
from survey_server.errors import NotFound
from survey_server.i18n import localize
from survey_server.scoring.services import EVERY_RESPONSE, campaign_form, campaign_scores
from survey_server.staff import exports
from survey_server.staff.comments import (
    CaseInvalid,
    Filters,
    comments,
    filters_of_back,
    return_to,
    save_case,
)
from survey_server.staff.dashboard import dashboard
from survey_server.staff.monitoring import progress
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import Session, campaign_in_scope
from survey_server.staff.web import (
    Forbidden,
    SignedIn,
    check_csrf,
    form_fields,
    page,
    staff_lang,
)


@get("/staff/campaigns/{code:str}", dependencies=SIGNED_IN, include_in_schema=False)
async def campaign_dashboard(
    code: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    sort: FromQuery[str] = "name",
) -> Response[str]:
    """Scores of a unit (default: the user's) for a campaign, with its child units."""
    if not session.scope.sees_scores:
        raise Forbidden()
    context = await dashboard(session.scope, code, unit, sort, staff_lang(request))
    return page(state, request, "staff/dashboard.html", session, **context)


@get("/staff/campaigns/{code:str}/monitor", dependencies=SIGNED_IN, include_in_schema=False)
async def campaign_monitor(
    code: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
) -> Response[str]:
    """Responses arriving: per child unit against expected, per channel, partner and day."""
    data = await progress(session.scope, code, unit)
    return page(
        state,
        request,
        "staff/monitor.html",
        session,
        title=json.loads(data["campaign"]["title"]),
        **data,
    )


@get("/staff/campaigns/{code:str}/export.csv", dependencies=SIGNED_IN, include_in_schema=False)
async def campaign_export_csv(
    code: FromPath[str],
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    kind: FromQuery[str] = "aggregate",
    dialect: FromQuery[str | None] = None,
) -> Response[Any]:
    """Aggregates, or (administrators) individual responses, as CSV in UTF-8 with a BOM: by
    default for Excel under Vietnamese regional settings (";" and a decimal comma),
    ``?dialect=rfc4180`` comma separated with a decimal point (``exports.CSV_DIALECTS``)."""
    chosen = exports.csv_dialect(dialect)  # refused before anything is read or audited
    name, header, rows = await _export(code, request, session, unit, kind)
    return Stream(
        exports.csv_stream(header, rows, chosen),
        media_type="text/csv",  # the framework adds "; charset=utf-8"
        headers=_download(f"{name}.csv"),
    )


@get("/staff/campaigns/{code:str}/export.xlsx", dependencies=SIGNED_IN, include_in_schema=False)
async def campaign_export_xlsx(
    code: FromPath[str],
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    kind: FromQuery[str] = "aggregate",
) -> Response[Any]:
    """The same as an Excel workbook (built in constant memory, then streamed)."""
    name, header, rows = await _export(code, request, session, unit, kind)
    campaign = await get_campaign(code)
    path = await exports.xlsx_file(header, rows, exports.sheet_title(campaign, staff_lang(request)))
    return File(
        path=path,
        filename=f"{name}.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(path.unlink),
    )


async def _export(
    code: str, request: Request[Any, Any, Any], session: Session, unit: str | None, kind: str
) -> tuple[str, list[str], Any]:
    """The file name, header and rows of an export the user may download."""
    if kind not in ("aggregate", "responses"):
        raise NotFound()
    scope = session.scope
    if not scope.sees_scores or (kind == "responses" and not scope.sees_individual_responses):
        raise Forbidden()
    lang = staff_lang(request)
    campaign, target = await campaign_in_scope(scope, code, unit)
    # the file says whether its numbers are final: "ket-thuc" (closed) or "tam-thoi"
    state = "ket-thuc" if campaign["status"] == "closed" else "tam-thoi"
    what = "tong-hop" if kind == "aggregate" else "phieu"
    name = f"{campaign['code']}-{target['code']}-{what}-{state}"
    if kind == "aggregate":
        view = await campaign_scores(campaign["code"], target["code"], wait=EVERY_RESPONSE)
        questionnaire = (await campaign_form(campaign)).questionnaire
        titles = {s.id: localize(s.title, lang) for s in questionnaire.sections}
        return (
            name,
            exports.aggregate_header(view, titles, lang),
            await exports.aggregate_rows(view, lang),
        )
    spec = await campaign_form(campaign)
    return (
        name,
        exports.response_header(spec, lang),
        exports.response_rows(scope, campaign, target, spec),
    )


def _download(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


@get("/staff/campaigns/{code:str}/comments", dependencies=SIGNED_IN, include_in_schema=False)
async def campaign_comments(
    code: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    saved: FromQuery[str | None] = None,
) -> Response[str]:
    """Comments of the unit's subtree by theme, with their classification and replies:
    searched and filtered by the query parameters of ``comments.Filters``; ``saved`` is the
    comment just saved, marked on the page."""
    data = await comments(
        session.scope, code, Filters.of(request.query_params), state.settings.secret_key, saved
    )
    return page(
        state,
        request,
        "staff/comments.html",
        session,
        title=json.loads(data["campaign"]["title"]),
        **data,
    )


@post(
    "/staff/campaigns/{code:str}/comments/{ref:str}",
    dependencies=SIGNED_IN,
    include_in_schema=False,
)
async def comment_case(
    code: FromPath[str],
    ref: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[Any]:
    """Save the classification, status and reply of one comment, then go back to the same
    place of the list (``back``: its filters and page) with the comment marked as saved. What
    cannot be saved shows the list again with the comment's form open, as it was typed."""
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    back = fields.get("back", "")
    try:
        await save_case(
            session.scope,
            code,
            ref,
            fields.get("kind", ""),
            fields.get("status", ""),
            fields.get("reply", ""),
            state.settings.secret_key,
        )
    except CaseInvalid as error:
        data = await comments(
            session.scope, code, filters_of_back(back), state.settings.secret_key, ref
        )
        data |= {
            "saved": None,
            "error_ref": ref,
            "error": error.text(staff_lang(request)),
            "draft": {key: fields.get(key, "") for key in ("kind", "status", "reply")},
        }
        return page(
            state,
            request,
            "staff/comments.html",
            session,
            status_code=error.status_code,
            title=json.loads(data["campaign"]["title"]),
            **data,
        )
    return Redirect(return_to(code, back, ref), status_code=303)


ROUTES = [
    campaign_dashboard,
    campaign_monitor,
    campaign_export_csv,
    campaign_export_xlsx,
    campaign_comments,
    comment_case,
]
