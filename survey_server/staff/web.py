"""What every staff page shares: the session from its cookie, CSRF checks and page rendering.

A handler that takes ``session: Session`` is reachable only when signed in: the dependency
raises :class:`NotSignedIn`, which the app turns into a redirect to the sign-in page (HTML) or a
401 (JSON API).
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.enums import MediaType

from survey_server.config import Settings
from survey_server.errors import AppError
from survey_server.i18n import N_, pick_lang
from survey_server.rendering import Renderer
from survey_server.staff.services import SESSION_SECONDS, Session, load_session

#: The annotation of a handler parameter that receives the signed-in session.
SignedIn = NamedDependency[Session]
SESSION_COOKIE = "ln_staff"
LOGIN_COOKIE = "ln_login"
#: A browser that has signed in to an account before (``staff.throttle``): a year.
DEVICE_COOKIE = "ln_device"
DEVICE_SECONDS = 365 * 24 * 3600


class NotSignedIn(AppError):
    status_code = 401
    code = "not_signed_in"
    message = N_("Vui lòng đăng nhập để tiếp tục.")


class CsrfFailed(AppError):
    status_code = 403
    code = "csrf_failed"
    message = N_("Trang đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang rồi thử lại.")


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    message = N_("Tài khoản của ông/bà không có quyền thực hiện việc này.")


async def provide_session(request: Request[Any, Any, Any]) -> Session:
    """The signed-in session of the request (a Litestar dependency)."""
    session = await load_session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise NotSignedIn()
    request.state.lang = staff_lang(request)
    return session


def staff_lang(request: Request[Any, Any, Any]) -> str:
    return pick_lang(request.query_params.get("lang"))


def check_csrf(expected: str | None, given: Any) -> None:
    """A form's token must equal the session's (or the sign-in page's) token."""
    if not expected or not isinstance(given, str) or not hmac.compare_digest(expected, given):
        raise CsrfFailed()


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The text fields of a posted form (uploads ignored), the last value of each name."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def cookie(settings: Settings, name: str, value: str, max_age: int | None) -> Cookie:
    """HTTP-only, strictly same-site cookies, ``Secure`` whenever the public address is HTTPS.

    ``Strict``: a link from another site (a mail, a forum) opens a workspace page signed out,
    so no cross-site link can make a signed-in account download an audited export or report
    in its own name."""
    return Cookie(
        key=name,
        value=value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=settings.base_url.startswith("https://"),
        path="/",
    )


def session_cookie(settings: Settings, token: str) -> Cookie:
    return cookie(settings, SESSION_COOKIE, token, SESSION_SECONDS)


def page(
    state: State,
    request: Request[Any, Any, Any],
    template: str,
    session: Session | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    """A staff page in the request's language; never cached (it shows scoped data)."""
    renderer: Renderer = state.renderer
    lang = staff_lang(request)
    html = renderer.render(
        template,
        lang,
        session=session,
        scope=session.scope if session else None,
        csrf=session.csrf if session else None,
        path=request.url.path,
        **context,
    )
    return Response(
        html,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )
