"""Sign-in, sign-out, password change and the staff home page.

A session that must change its password (a first sign-in with a one-time code, or after a
reset) reaches only the password page and sign-out: every other workspace route depends on
``SIGNED_IN``, which refuses it with :class:`PasswordChangeRequired` — a redirect to the
password page for a page, a 403 ``password_change_required`` for the JSON API.
"""

import secrets
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Redirect

from survey_server.config import Settings
from survey_server.distribution.tables import Link
from survey_server.i18n import N_, gettext
from survey_server.staff import services
from survey_server.staff.services import (
    CodeExpired,
    PasswordInvalid,
    Session,
    SignInFailed,
    SignInLocked,
)
from survey_server.staff.throttle import new_device_cookie
from survey_server.staff.web import (
    DEVICE_COOKIE,
    DEVICE_SECONDS,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    NotSignedIn,
    SignedIn,
    check_csrf,
    cookie,
    form_fields,
    page,
    provide_session,
    session_cookie,
    staff_lang,
)
from survey_server.units.tables import Unit

HOME = "/staff/"
PASSWORD_PAGE = "/staff/password"


class PasswordChangeRequired(NotSignedIn):
    """The session is open for choosing a new password only: like a missing session it sends
    a page to the sign-in page, which sends it on to the password page."""

    status_code = 403
    code = "password_change_required"
    message = N_("Vui lòng đặt mật khẩu mới trước khi tiếp tục.")


async def provide_full_session(request: Request[Any, Any, Any]) -> Session:
    """The signed-in session, refused while it must change its password."""
    session = await provide_session(request)
    if session.must_change_password:
        raise PasswordChangeRequired()
    return session


#: The dependency of every workspace route but the password page and sign-out.
SIGNED_IN = {"session": Provide(provide_full_session)}
#: Also a session that must change its password.
PENDING = {"session": Provide(provide_session)}


def _safe_next(target: str | None) -> str:
    """Only a path of the staff workspace may follow sign-in (no open redirect)."""
    if not target:
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/") or "\\" in target:
        return HOME
    return target


def _login_page(
    state: State, request: Request[Any, Any, Any], message: str | None, status_code: int
) -> Response[str]:
    """The sign-in form with a fresh CSRF token, the same value in a cookie and in the form."""
    token = secrets.token_urlsafe(24)
    response = page(
        state,
        request,
        "staff/login.html",
        status_code=status_code,
        login_csrf=token,
        message=message,
        next=_safe_next(request.query_params.get("next")),
        after_setup=request.query_params.get("setup") == "1",
    )
    response.cookies.append(cookie(state.settings, LOGIN_COOKIE, token, 3600))
    return response


@get("/staff/login", include_in_schema=False)
async def login_form(state: State, request: Request[Any, Any, Any]) -> Response[Any]:
    session = await services.load_session(request.cookies.get(SESSION_COOKIE))
    if session is not None and session.must_change_password:
        return Redirect(PASSWORD_PAGE, status_code=303)
    return _login_page(state, request, None, 200)


@post("/staff/login", include_in_schema=False)
async def login(state: State, request: Request[Any, Any, Any]) -> Response[Any]:
    fields = await form_fields(request)
    check_csrf(request.cookies.get(LOGIN_COOKIE), fields.get("csrf"))
    lang = staff_lang(request)
    settings: Settings = state.settings
    try:
        session = await services.sign_in(
            fields.get("username", ""),
            fields.get("password", ""),
            device=request.cookies.get(DEVICE_COOKIE),
            secret=settings.secret_key,
        )
    except (SignInFailed, SignInLocked, CodeExpired) as error:
        return _login_page(state, request, error.text(lang), error.status_code)
    target = PASSWORD_PAGE if session.must_change_password else _safe_next(fields.get("next"))
    response: Response[Any] = Redirect(target, status_code=303)
    response.cookies.append(session_cookie(settings, session.token))
    device = new_device_cookie(session.scope.username, settings.secret_key)
    response.cookies.append(cookie(settings, DEVICE_COOKIE, device, DEVICE_SECONDS))
    response.cookies.append(cookie(settings, LOGIN_COOKIE, "", 0))
    return response


@post("/staff/logout", dependencies=PENDING, include_in_schema=False)
async def logout(state: State, request: Request[Any, Any, Any], session: SignedIn) -> Response[Any]:
    check_csrf(session.csrf, (await form_fields(request)).get("csrf"))
    await services.sign_out(session.token)
    response: Response[Any] = Redirect("/staff/login", status_code=303)
    response.cookies.append(cookie(state.settings, SESSION_COOKIE, "", 0))
    return response


@get("/staff/password", dependencies=PENDING, include_in_schema=False)
async def password_form(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    return page(state, request, "staff/password.html", session, message=None, done=False)


@post("/staff/password", dependencies=PENDING, include_in_schema=False)
async def change_password(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    lang = staff_lang(request)
    settings: Settings = state.settings
    try:
        await services.change_password(
            session,
            fields.get("current", ""),
            fields.get("new", ""),
            fields.get("repeat", ""),
            settings.secret_key,
        )
    except PasswordInvalid as error:
        return page(
            state,
            request,
            "staff/password.html",
            session,
            status_code=error.status_code,
            message=error.text(lang),
            done=False,
        )
    if session.must_change_password:
        return Redirect(HOME, status_code=303)
    return page(
        state,
        request,
        "staff/password.html",
        session,
        message=gettext("Đã đổi mật khẩu. Các phiên đăng nhập khác đã được đóng.", lang),
        done=True,
    )


async def campaigns_concerning(scope: services.Scope) -> list[dict[str, Any]]:
    """The campaigns of the scope that concern the user's unit, newest first: those run at the
    unit or inside its subtree (an office sees its own campaigns before any link exists), and
    those run above it that have a link inside the subtree (a primary school's principal sees
    the province's campaign for general schools, not the preschool one)."""
    campaigns = await services.campaigns_in_scope(scope)
    if not campaigns:
        return []
    subtree = f"{scope.unit_path}%"
    roots = list({row["unit"] for row in campaigns})
    inside = {
        row["code"]
        for row in await Unit.select(Unit.code).where(
            Unit.code.is_in(roots) & Unit.path.like(subtree)
        )
    }
    above = [row["code"] for row in campaigns if row["unit"] not in inside]
    reached: set[str] = set()
    if above:
        links = await (
            Link.select(Link.campaign.code.as_alias("code"))
            .where(Link.campaign.code.is_in(above) & Link.unit.path.like(subtree))
            .distinct()
        )
        reached = {row["code"] for row in links}
    return [row for row in campaigns if row["unit"] in inside or row["code"] in reached]


@get("/staff/", dependencies=SIGNED_IN, include_in_schema=False)
async def home(state: State, request: Request[Any, Any, Any], session: SignedIn) -> Response[str]:
    campaigns = await campaigns_concerning(session.scope)
    return page(state, request, "staff/home.html", session, campaigns=campaigns)


ROUTES = [login_form, login, logout, password_form, change_password, home]
