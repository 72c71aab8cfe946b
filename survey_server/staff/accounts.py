"""The accounts pages of the workspace: the list, setting up accounts in bulk (from the unit
tree or a CSV file, answered with the printed sheet of one-time codes), and one account's
page with its deactivation, reset and change of role and scope.

Who may do what is decided in ``account_services``; these handlers only read forms, check the
session's CSRF token and render.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.params import FromPath
from litestar.response import Redirect

from survey_server.config import Settings
from survey_server.errors import NotFound
from survey_server.i18n import N_, gettext
from survey_server.staff import account_services as accounts
from survey_server.staff.account_bulk import (
    COLUMNS,
    MAX_FILE_BYTES,
    AccountsFileInvalid,
    NoSchoolWithoutAccount,
    bulk_create_principals,
    import_accounts,
)
from survey_server.staff.account_services import AccountRefused
from survey_server.staff.codes_pdf import render_code_sheets
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import ROLES, Session, audit
from survey_server.staff.sign_in_codes import CODE_DAYS, IssuedCode, spaced
from survey_server.staff.web import SignedIn, check_csrf, form_fields, page, staff_lang
from survey_server.units.tables import Unit

#: The multipart envelope around the largest accepted file.
UPLOAD_LIMIT = MAX_FILE_BYTES + 64 * 1024
DONE = {
    "deactivated": N_("Đã khóa tài khoản; các phiên đăng nhập của tài khoản đã bị đóng."),
    "reactivated": N_("Đã mở lại tài khoản."),
    "role": N_("Đã đổi vai trò và phạm vi; các phiên đăng nhập của tài khoản đã bị đóng."),
}
ROLE_LABELS = {
    "admin": N_("Quản trị (Sở)"),
    "staff": N_("Cán bộ phòng, xã"),
    "principal": N_("Hiệu trưởng"),
    "partner": N_("Đối tác (MTTQ, đoàn thể)"),
}


@get("/staff/accounts", dependencies=SIGNED_IN, include_in_schema=False)
async def account_list(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    params = request.query_params
    search = (params.get("q") or "")[:80]
    role = params.get("role") or ""
    active = params.get("active") or ""
    listing = await accounts.list_accounts(
        session.scope, search, role, active, accounts.page_number(params.get("page"))
    )
    return page(
        state,
        request,
        "staff/accounts.html",
        session,
        listing=listing,
        search=search,
        role=role if role in ROLES else "",
        active=active if active in ("0", "1") else "",
        roles=ROLES,
        role_labels=ROLE_LABELS,
    )


async def _setup_page(
    state: State,
    request: Request[Any, Any, Any],
    session: Session,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    scope = session.scope
    accounts.require_account_manager(scope)
    offices = await (
        Unit.select(Unit.code, Unit.name)
        .where(Unit.path.like(f"{scope.unit_path}%") & Unit.kind.is_in(list(accounts.OFFICE_KINDS)))
        .order_by(Unit.path)
    )
    values = {"unit": "", "problems": [], "message": None, "failed": None}
    return page(
        state,
        request,
        "staff/accounts_setup.html",
        session,
        status_code=status_code,
        offices=offices,
        columns=COLUMNS,
        days=CODE_DAYS,
        **{**values, **context},
    )


@get("/staff/accounts/setup", dependencies=SIGNED_IN, include_in_schema=False)
async def account_setup(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    return await _setup_page(state, request, session)


async def _sheets(
    state: State, session: Session, issued: list[IssuedCode], lang: str
) -> Response[bytes]:
    """The sheets of codes, downloaded at once; their printing is audited, the codes are not."""
    settings: Settings = state.settings
    content = render_code_sheets(issued, settings.base_url, lang)
    scope = session.scope
    await audit(scope.user_id, scope.username, "codes_printed", {"accounts": len(issued)})
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="ma-dang-nhap-lan-dau.pdf"',
            "Cache-Control": "no-store",
        },
    )


@post("/staff/accounts/bulk", dependencies=SIGNED_IN, include_in_schema=False, status_code=200)
async def account_bulk(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    accounts.require_account_manager(session.scope)
    settings: Settings = state.settings
    lang = staff_lang(request)
    text = fields.get("unit", "")[:255]
    try:
        issued = await bulk_create_principals(
            session.scope, text, settings.secret_key, settings.timezone
        )
    except NotFound:
        message = gettext("Không tìm thấy đơn vị '{unit}' trong phạm vi của tài khoản.", lang,
                          unit=text.strip())  # fmt: skip
        return await _setup_page(state, request, session, 422, unit=text, failed="unit",
                                 message=message)  # fmt: skip
    except (NoSchoolWithoutAccount, AccountRefused) as error:
        return await _setup_page(state, request, session, error.status_code, unit=text,
                                 failed="unit", message=error.text(lang))  # fmt: skip
    return await _sheets(state, session, issued, lang)


@post(
    "/staff/accounts/import",
    dependencies=SIGNED_IN,
    include_in_schema=False,
    request_max_body_size=UPLOAD_LIMIT,
    status_code=200,
)
async def account_import(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    form = await request.form()
    check_csrf(session.csrf, form.get("csrf"))
    accounts.require_admin(session.scope)
    settings: Settings = state.settings
    lang = staff_lang(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        message = gettext("Chưa chọn tệp CSV.", lang)
        return await _setup_page(state, request, session, 422, failed="file", message=message)
    try:
        issued = await import_accounts(
            session.scope, await upload.read(), settings.secret_key, settings.timezone, lang
        )
    except AccountsFileInvalid as error:
        return await _setup_page(state, request, session, error.status_code, failed="file",
                                 message=error.text(lang), problems=error.problems)  # fmt: skip
    except AccountRefused as error:
        return await _setup_page(state, request, session, error.status_code, failed="file",
                                 message=error.text(lang))  # fmt: skip
    return await _sheets(state, session, issued, lang)


async def _account_page(
    state: State,
    request: Request[Any, Any, Any],
    session: Session,
    username: str,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    account = await accounts.account_in_reach(session.scope, username)
    done = request.query_params.get("done") or ""
    values = {"message": None, "failed": False, "code": None}
    return page(
        state,
        request,
        "staff/accounts_account.html",
        session,
        status_code=status_code,
        account=account,
        done=DONE.get(done),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        **{**values, **context},
    )


@get("/staff/account/{username:str}", dependencies=SIGNED_IN, include_in_schema=False)
async def account_detail(
    username: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    return await _account_page(state, request, session, username)


@post("/staff/account/{username:str}/active", dependencies=SIGNED_IN, include_in_schema=False)
async def account_active(
    username: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    active = fields.get("active") == "1"
    try:
        account = await accounts.set_active(session.scope, username, active)
    except AccountRefused as error:
        return await _account_page(state, request, session, username, error.status_code,
                                   message=error.text(staff_lang(request)), failed=True)  # fmt: skip
    done = "reactivated" if active else "deactivated"
    return Redirect(f"/staff/account/{account['username']}?done={done}", status_code=303)


@post(
    "/staff/account/{username:str}/reset",
    dependencies=SIGNED_IN,
    include_in_schema=False,
    status_code=200,
)
async def account_reset(
    username: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    settings: Settings = state.settings
    try:
        issued = await accounts.reset(session.scope, username, settings.secret_key)
    except AccountRefused as error:
        return await _account_page(state, request, session, username, error.status_code,
                                   message=error.text(staff_lang(request)), failed=True)  # fmt: skip
    return await _account_page(
        state, request, session, username, code=spaced(issued.code), days=CODE_DAYS
    )


@post("/staff/account/{username:str}/role", dependencies=SIGNED_IN, include_in_schema=False)
async def account_role(
    username: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    try:
        account = await accounts.change_role(
            session.scope,
            username,
            fields.get("role", ""),
            fields.get("unit", "")[:40],
            fields.get("partner", ""),
        )
    except NotFound:
        await accounts.account_in_reach(session.scope, username)  # an unknown account: 404
        message = gettext("Không tìm thấy đơn vị '{unit}' trong phạm vi của tài khoản.",
                          staff_lang(request), unit=fields.get("unit", "")[:40])  # fmt: skip
        return await _account_page(state, request, session, username, 422, message=message,
                                   failed=True)  # fmt: skip
    except AccountRefused as error:
        return await _account_page(state, request, session, username, error.status_code,
                                   message=error.text(staff_lang(request)), failed=True)  # fmt: skip
    return Redirect(f"/staff/account/{account['username']}?done=role", status_code=303)


ROUTES = [
    account_list,
    account_setup,
    account_bulk,
    account_import,
    account_detail,
    account_active,
    account_reset,
    account_role,
]
