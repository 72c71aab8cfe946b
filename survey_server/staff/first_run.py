"""First-run setup: the province's first administrator account, made in the browser.

A new installation has no account, so nobody can sign in to create one. Like the initial
administrator password of Jenkins or the install page of Gitea, the server prints a setup code
when it starts without an administrator (in its log: only whoever runs the server sees it), and
``/staff/setup`` takes that code to create the root unit (the Sở) and the first administrator.
From then on the page does not exist (404): the rest is done signed in, in the workspace.

The code is derived from the server's secret key, so every server process of an installation
shows and accepts the same code without storing it; guesses are slowed like sign-ins.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from survey_server.config import Settings
from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_, gettext
from survey_server.staff import throttle
from survey_server.staff.services import audit, create_user
from survey_server.staff.tables import StaffUser
from survey_server.staff.web import check_csrf, cookie, form_fields, page, staff_lang
from survey_server.units.services import UnitFileInvalid, apply_import, plan_import
from survey_server.units.tables import Unit

SETUP_COOKIE = "ln_setup"
#: Guesses of the code are counted under one key that no account name can take ('@').
GUESS_KEY = throttle.account_key("@first-run")


class SetupRefused(AppError):
    status_code = 422
    code = "setup_refused"
    message = N_("Chưa thiết lập được: {detail}")


def setup_code(secret_key: str) -> str:
    """``ABCDE-FGHIJ-KLMNP``: 75 bits from the secret key, easy to read out and type."""
    digest = hmac.new(secret_key.encode(), b"lang-nghe first-run setup", hashlib.sha256).digest()
    text = base64.b32encode(digest).decode()[:15]
    return "-".join(text[i : i + 5] for i in range(0, 15, 5))


async def needs_setup() -> bool:
    """Whether the installation has no active administrator yet."""
    return not await StaffUser.exists().where(
        (StaffUser.role == "admin") & (StaffUser.active == True)  # noqa: E712 (SQL, not Python)
    )


def _same_code(given: str, expected: str) -> bool:
    clean = given.strip().upper().replace(" ", "").replace("-", "")
    return hmac.compare_digest(clean, expected.replace("-", ""))


async def _roots() -> list[dict[str, Any]]:
    return await Unit.select(Unit.code, Unit.name).where(Unit.parent.is_null()).order_by(Unit.code)


def _setup_page(
    state: State,
    request: Request[Any, Any, Any],
    roots: list[dict[str, Any]],
    *,
    fields: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    token = secrets.token_urlsafe(24)
    response = page(
        state,
        request,
        "staff/setup.html",
        status_code=status_code,
        setup_csrf=token,
        roots=roots,
        fields=fields or {},
        message=message,
    )
    response.cookies.append(cookie(state.settings, SETUP_COOKIE, token, 3600))
    return response


@get("/staff/setup", include_in_schema=False)
async def setup_form(state: State, request: Request[Any, Any, Any]) -> Response[str]:
    if not await needs_setup():
        raise NotFound()
    return _setup_page(state, request, await _roots())


@post("/staff/setup", include_in_schema=False)
async def setup(state: State, request: Request[Any, Any, Any]) -> Response[Any]:
    if not await needs_setup():
        raise NotFound()
    fields = await form_fields(request)
    check_csrf(request.cookies.get(SETUP_COOKIE), fields.get("csrf"))
    settings: Settings = state.settings
    lang = staff_lang(request)
    roots = await _roots()
    kept = {key: fields.get(key, "")[:255] for key in ("unit_code", "unit_name", "username")}
    wait = await throttle.wait_seconds(GUESS_KEY)
    if wait:
        message = gettext(
            "Nhập sai mã quá nhiều lần. Vui lòng thử lại sau {seconds} giây.", lang, seconds=wait
        )
        return _setup_page(state, request, roots, fields=kept, message=message, status_code=429)
    if not _same_code(fields.get("code", ""), setup_code(settings.secret_key)):
        await throttle.failed(GUESS_KEY)
        message = gettext(
            "Mã thiết lập không đúng. Mã được in trong nhật ký khi máy chủ khởi động.", lang
        )
        return _setup_page(state, request, roots, fields=kept, message=message, status_code=422)
    await throttle.succeeded(GUESS_KEY)
    try:
        await _create(fields, roots)
    except NotFound:
        raise
    except (AppError, UnitFileInvalid) as error:
        detail = "; ".join(
            [error.text(lang), *(item.render(lang) for item in getattr(error, "row_errors", []))]
        )
        return _setup_page(state, request, roots, fields=kept, message=detail, status_code=422)
    response: Response[Any] = Redirect("/staff/login?setup=1", status_code=303)
    response.cookies.append(cookie(settings, SETUP_COOKIE, "", 0))
    return response


async def _one_at_a_time() -> None:
    """Serialise setups: two browsers posting the code at once make one administrator. SQLite
    transactions already begin with the write lock; PostgreSQL's are told to wait here."""
    engine = StaffUser._meta.db
    if isinstance(engine, PostgresEngine):
        await engine.run_querystring(
            QueryString("LOCK TABLE staff_user IN SHARE ROW EXCLUSIVE MODE")
        )


async def _create(fields: dict[str, str], roots: list[dict[str, Any]]) -> None:
    """The root unit (when the tree is empty) and the administrator, together or not at all."""
    password = fields.get("password", "")
    if password != fields.get("password_again", ""):
        raise SetupRefused(detail=N_("hai lần nhập mật khẩu không giống nhau"))
    code = fields.get("unit_code", "").strip().upper()
    async with Unit._meta.db.transaction():
        await _one_at_a_time()
        if not await needs_setup():  # another setup won the race
            raise NotFound()
        if not roots:
            name = " ".join(fields.get("unit_name", "").split())
            table = io.StringIO()
            csv.writer(table).writerows([("code", "name", "kind"), (code, name, "department")])
            await apply_import(await plan_import(table.getvalue().encode("utf-8")))
        elif code not in {root["code"] for root in roots}:
            raise SetupRefused(detail=N_("chọn một đơn vị gốc có trong cây đơn vị"))
        await create_user(fields.get("username", ""), "admin", code, password)
        await audit(
            None, fields.get("username", "").strip().lower(), "first_run_setup", {"unit": code}
        )


ROUTES = [setup_form, setup]
