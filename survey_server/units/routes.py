"""The unit tree in the workspace (``/staff/units``): browse and search it, edit a unit's name
and expected respondents, import a CSV file, merge and rename units.

Who does what (docs/UNITS.md): every role but partners reads the tree of its scope; an
administrator edits, merges and renames inside its subtree, and the administrator of a top
unit imports files; unit staff edit the units below their own; principals only read. Imports,
merges and renames are shown first and done only when the same plan is confirmed.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.params import FromQuery
from litestar.response import Redirect

from survey_server.bounded import WorkRefused, run_bounded
from survey_server.i18n import N_, gettext
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import Session, audit
from survey_server.staff.web import (
    Forbidden,
    SignedIn,
    check_csrf,
    form_fields,
    page,
    staff_lang,
)
from survey_server.timekeeping import today
from survey_server.units.browse import QUERY_LENGTH, search_units, unit_in, view_unit
from survey_server.units.editing import EDITORS, UnitEditInvalid, edit_unit, may_edit
from survey_server.units.labels import KIND_LABELS, LEVEL_LABELS
from survey_server.units.reorganisation import (
    MergeRequest,
    ReorganisationInvalid,
    merge,
    plan_merge,
    plan_rename,
    rename,
)
from survey_server.units.services import (
    ImportPlan,
    UnitFileInvalid,
    UnitRow,
    apply_import,
    get_unit,
    parse_units_csv,
    plan_import,
)
from survey_server.units.tables import Unit

#: The largest units file taken (a province's 3,321 communes and their schools fit many times).
UPLOAD_LIMIT = 20 * 1024 * 1024
PARSE_SECONDS = 60.0
PARSE_MEMORY_MB = 1024
#: How many rows and problems of a file a page lists.
ROWS_SHOWN = 200

NO_FILE = N_("Chưa chọn tệp CSV để nhập.")
STALE_FILE = N_(
    "Tệp hoặc cây đơn vị đã khác với lúc xem trước; hãy xem lại bản xem trước dưới đây rồi "
    "xác nhận."
)
TOO_BIG = N_(
    "Tệp cần quá nhiều thời gian hoặc bộ nhớ để đọc; hãy chia thành những tệp nhỏ hơn rồi "
    "nhập lần lượt."
)


def _reader(session: Session) -> None:
    """Partners follow their own channel's counts; the tree is for the other roles."""
    if session.scope.role == "partner":
        raise Forbidden()


def _reorganiser(session: Session) -> None:
    if session.scope.role != "admin":
        raise Forbidden()


async def _importer(session: Session) -> None:
    """Only the administrator of a top unit imports: a file may name any unit of the tree."""
    _reorganiser(session)
    if (await get_unit(session.scope.unit_code))["parent"] is not None:
        raise Forbidden()


@get("/staff/units", dependencies=SIGNED_IN, include_in_schema=False)
async def units_page(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    q: FromQuery[str | None] = None,
    saved: FromQuery[str | None] = None,
) -> Response[str]:
    """A unit (the account's own by default) with its children, or the units a search finds."""
    _reader(session)
    scope = session.scope
    chosen = await unit_in(scope.unit_path, unit or scope.unit_code)
    query = (q or "").strip()[:QUERY_LENGTH]
    return page(
        state,
        request,
        "staff/units.html",
        session,
        view=await view_unit(scope.unit_path, chosen),
        query=query,
        found=await search_units(scope.unit_path, query) if query else None,
        editable=may_edit(scope, chosen),
        reorganises=scope.role == "admin" and chosen["code"] != scope.unit_code,
        imports=scope.role == "admin" and scope.unit_path.count("/") == 2,
        saved=bool(saved),
        kinds=KIND_LABELS,
        levels=LEVEL_LABELS,
    )


async def _editable(session: Session, code: str | None) -> dict[str, Any]:
    """The unit the account may edit; ``Forbidden`` for what its role or place never edits,
    ``NotFound`` outside its scope."""
    scope = session.scope
    if scope.role not in EDITORS:
        raise Forbidden()
    unit = await unit_in(scope.unit_path, (code or "").strip() or scope.unit_code)
    if not may_edit(scope, unit):
        raise Forbidden()
    return unit


@get("/staff/units/edit", dependencies=SIGNED_IN, include_in_schema=False)
async def edit_form(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
) -> Response[str]:
    row = await _editable(session, unit)
    values = {"name": row["name"], "expected": str(row["expected_respondents"] or "")}
    return page(
        state, request, "staff/units_edit.html", session, unit=row, values=values, problems={}
    )


@post("/staff/units/edit", dependencies=SIGNED_IN, include_in_schema=False, status_code=200)
async def edit_save(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    row = await _editable(session, fields.get("unit"))
    try:
        await edit_unit(session.scope, row, fields.get("name", ""), fields.get("expected", ""))
    except UnitEditInvalid as error:
        return page(
            state,
            request,
            "staff/units_edit.html",
            session,
            status_code=error.status_code,
            unit=row,
            values=fields,
            problems=error.problems(staff_lang(request)),
        )
    return Redirect(f"/staff/units?unit={row['code']}&saved=1", status_code=303)


@get("/staff/units/import", dependencies=SIGNED_IN, include_in_schema=False)
async def import_form(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    await _importer(session)
    return _import_page(state, request, session)


def _import_page(
    state: State,
    request: Request[Any, Any, Any],
    session: Session,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    values: dict[str, Any] = {"plan": None, "problems": [], "message": None, "done": None}
    values.update(context)
    values["new_codes"] = set(values["plan"].created) if values["plan"] else set()
    return page(
        state,
        request,
        "staff/units_import.html",
        session,
        status_code=status_code,
        rows_shown=ROWS_SHOWN,
        kinds=KIND_LABELS,
        **values,
    )


async def _bounded_parse(data: bytes, known: set[str]) -> list[UnitRow]:
    """Parse an upload in a child process with its own time and memory (``bounded``)."""
    return await run_bounded(
        parse_units_csv, data, known, seconds=PARSE_SECONDS, memory_mb=PARSE_MEMORY_MB
    )


@post(
    "/staff/units/import",
    dependencies=SIGNED_IN,
    include_in_schema=False,
    request_max_body_size=UPLOAD_LIMIT,
    status_code=200,
)
async def import_upload(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    """``action=preview``: what the file would change; ``action=confirm`` with the preview's
    ``digest`` and the same file: do it, in one transaction."""
    await _importer(session)
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    check_csrf(session.csrf, fields.get("csrf"))
    lang = staff_lang(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(state, request, session, 422, message=gettext(NO_FILE, lang))
    try:
        plan = await plan_import(await upload.read(), parse=_bounded_parse)
    except UnitFileInvalid as error:
        problems = [item.render(lang) for item in error.row_errors]
        return _import_page(
            state, request, session, 422, message=error.text(lang), problems=problems
        )
    except WorkRefused:
        return _import_page(state, request, session, 422, message=gettext(TOO_BIG, lang))
    if fields.get("action") != "confirm":
        return _import_page(state, request, session, plan=plan)
    if fields.get("digest") != plan.digest:
        return _import_page(
            state, request, session, 409, plan=plan, message=gettext(STALE_FILE, lang)
        )
    return await _imported(state, request, session, plan)


async def _imported(
    state: State, request: Request[Any, Any, Any], session: Session, plan: ImportPlan
) -> Response[str]:
    scope = session.scope
    async with Unit._meta.db.transaction():  # the import and its audit event, or neither
        outcome = await apply_import(plan)
        await audit(
            scope.user_id,
            scope.username,
            "unit.import",
            {"created": outcome.created, "updated": outcome.updated, "digest": plan.digest[:16]},
        )
    return _import_page(state, request, session, done=outcome)


MERGE_FIELDS = ("olds", "target", "name", "effective")
RENAME_FIELDS = ("unit", "name", "effective")


def _merge_request(session: Session, fields: dict[str, str]) -> MergeRequest:
    olds = fields.get("olds", "").replace(",", " ").replace(";", " ").split()
    return MergeRequest(
        olds=olds,
        target=fields.get("target", ""),
        effective=fields.get("effective", ""),
        name=fields.get("name", ""),
        scope_path=session.scope.unit_path,
        scope_unit=session.scope.unit_code,
    )


@get("/staff/units/merge", dependencies=SIGNED_IN, include_in_schema=False)
async def merge_form(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    olds: FromQuery[str | None] = None,
) -> Response[str]:
    _reorganiser(session)
    values = {"olds": (olds or "")[:2000], "target": "", "name": "", "effective": ""}
    return page(
        state, request, "staff/units_merge.html", session, values=values, problems={}, plan=None
    )


@post("/staff/units/merge", dependencies=SIGNED_IN, include_in_schema=False, status_code=200)
async def merge_post(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    """``action=preview`` shows what the merge changes; ``action=confirm`` with that
    preview's ``digest`` does it, in one transaction, if nothing changed meanwhile."""
    _reorganiser(session)
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    values = {key: fields.get(key, "")[:2000] for key in MERGE_FIELDS}
    wanted = _merge_request(session, values)
    scope = session.scope
    try:
        if fields.get("action") == "confirm":
            plan = await merge(
                wanted, fields.get("digest", ""), user_id=scope.user_id, username=scope.username
            )
            return Redirect(f"/staff/units?unit={plan.target_code}&saved=1", status_code=303)
        plan = await plan_merge(wanted)
    except ReorganisationInvalid as error:
        return page(
            state,
            request,
            "staff/units_merge.html",
            session,
            status_code=error.status_code,
            values=values,
            problems=error.problems(staff_lang(request)),
            plan=None,
        )
    return page(
        state, request, "staff/units_merge.html", session, values=values, problems={}, plan=plan
    )


@get("/staff/units/rename", dependencies=SIGNED_IN, include_in_schema=False)
async def rename_form(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
) -> Response[str]:
    _reorganiser(session)
    row = await unit_in(session.scope.unit_path, unit) if unit else None
    values = {
        "unit": row["code"] if row else "",
        "name": row["name"] if row else "",
        "effective": today(state.settings.timezone).isoformat(),
    }
    return page(
        state, request, "staff/units_rename.html", session, values=values, problems={}, plan=None
    )


@post("/staff/units/rename", dependencies=SIGNED_IN, include_in_schema=False, status_code=200)
async def rename_post(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    _reorganiser(session)
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    values = {key: fields.get(key, "")[:300] for key in RENAME_FIELDS}
    scope = session.scope
    day = today(state.settings.timezone)
    try:
        if fields.get("action") == "confirm":
            plan = await rename(
                values["unit"],
                values["name"],
                values["effective"],
                fields.get("digest", ""),
                scope_path=scope.unit_path,
                today=day,
                user_id=scope.user_id,
                username=scope.username,
            )
            return Redirect(f"/staff/units?unit={plan.unit['code']}&saved=1", status_code=303)
        plan = await plan_rename(
            values["unit"], values["name"], values["effective"], scope_path=scope.unit_path,
            today=day,
        )  # fmt: skip
    except ReorganisationInvalid as error:
        return page(
            state,
            request,
            "staff/units_rename.html",
            session,
            status_code=error.status_code,
            values=values,
            problems=error.problems(staff_lang(request)),
            plan=None,
        )
    return page(
        state, request, "staff/units_rename.html", session, values=values, problems={}, plan=plan
    )


ROUTES = [
    units_page,
    edit_form,
    edit_save,
    import_form,
    import_upload,
    merge_form,
    merge_post,
    rename_form,
    rename_post,
]
