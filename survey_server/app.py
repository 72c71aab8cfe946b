"""The Litestar application: ``create_app(settings)`` wires every domain; nothing runs on import."""

from __future__ import annotations

import logging
import traceback
from typing import Any
from urllib.parse import quote

import anyio
from litestar import Litestar, MediaType, Request, Response, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ValidationException
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.response import Redirect
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from survey_server import errors
from survey_server.config import Settings
from survey_server.db.engine import STALE_CONNECTION, bind_engine, engine_from_url
from survey_server.distribution import routes as distribution_routes
from survey_server.i18n import gettext, pick_lang
from survey_server.integrity.watch import Watcher
from survey_server.middleware import body_deadline, security_headers
from survey_server.paper import routes as paper_routes
from survey_server.privacy.scrubber import prepare as prepare_scrubber
from survey_server.public import routes as public_routes
from survey_server.questionnaires import routes as questionnaire_routes
from survey_server.rendering import Renderer
from survey_server.reports import routes as report_routes
from survey_server.responses import routes as response_routes
from survey_server.responses.writer import writer_for
from survey_server.results import routes as results_routes
from survey_server.scoring import worker as scoring_worker
from survey_server.staff import accounts as staff_accounts
from survey_server.staff import api as staff_api
from survey_server.staff import audit_trail as staff_audit
from survey_server.staff import first_run as staff_first_run
from survey_server.staff import flags as staff_flags
from survey_server.staff import lifecycle as staff_lifecycle
from survey_server.staff import manage as staff_manage
from survey_server.staff import pages as staff_pages
from survey_server.staff import routes as staff_routes
from survey_server.staff.web import NotSignedIn
from survey_server.static_files import PRECOMPRESSED, static_files_handler
from survey_server.units import routes as unit_routes

logger = logging.getLogger("survey_server")

HTTP_MESSAGES = {
    400: errors.MalformedBody,
    404: errors.NotFound,
    413: errors.BodyTooLarge,
}


@get("/healthz", summary="Kiểm tra hoạt động", tags=["system"])
async def healthz(state: State) -> dict[str, str]:
    """200 when the database answers and takes writes; 503 otherwise.

    The probe is a write that changes nothing: SQLite opened on a read-only file and a
    PostgreSQL standby or read-only transaction refuse it, as they would refuse a response."""
    engine: Engine = state.engine
    try:
        await engine.run_ddl("UPDATE unit SET id = id WHERE 1 = 0")
    except Exception:
        logger.warning("healthz: the database does not take writes")
        raise errors.ServiceUnavailable() from None
    return {"status": "ok"}


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/healthz")


def _lang_of(request: Request[Any, Any, Any]) -> str:
    chosen = getattr(request.state, "lang", None)
    if chosen:
        return str(chosen)
    if _wants_json(request):
        return pick_lang(request.query_params.get("lang"), request.headers.get("accept-language"))
    return pick_lang(request.query_params.get("lang"))


def _render_error(request: Request[Any, Any, Any], error: errors.AppError) -> Response[Any]:
    lang = _lang_of(request)
    if _wants_json(request):
        return Response(
            errors.error_body(error, lang), status_code=error.status_code, media_type=MediaType.JSON
        )
    if request.url.path.startswith("/staff"):
        return _staff_error(request, error, lang)
    renderer: Renderer = request.app.state.renderer
    html = renderer.render(
        "respondent/message.html",
        lang,
        heading=gettext("Không mở được phiếu khảo sát", lang)
        if error.status_code < 500
        else gettext("Hệ thống đang gặp sự cố", lang),
        message=error.text(lang),
        show_code_entry=isinstance(error, errors.NotFound),
    )
    return Response(
        html,
        status_code=error.status_code,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store"},
    )


def _staff_error(
    request: Request[Any, Any, Any], error: errors.AppError, lang: str
) -> Response[Any]:
    """Staff pages: a sign-in for a missing session, else the message in the workspace frame."""
    if isinstance(error, NotSignedIn):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return Redirect(f"/staff/login?next={target}", status_code=303)
    renderer: Renderer = request.app.state.renderer
    html = renderer.render(
        "staff/message.html",
        lang,
        scope=None,
        csrf=None,
        message=error.text(lang),
        status=error.status_code,
    )
    return Response(
        html,
        status_code=error.status_code,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store"},
    )


def handle_app_error(request: Request[Any, Any, Any], error: errors.AppError) -> Response[Any]:
    return _render_error(request, error)


def handle_validation(request: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    """Litestar's body/parameter errors, in the product's error shape and language."""
    fields = []
    for item in error.extra if isinstance(error.extra, list) else []:
        key = str(item.get("key") or "body") if isinstance(item, dict) else "body"
        fields.append(errors.FieldError(key, "bad_value", {"name": key}))
    return _render_error(request, errors.MalformedBody(fields))


def handle_bad_encoding(
    request: Request[Any, Any, Any], error: UnicodeDecodeError | RecursionError
) -> Response[Any]:
    """Bodies that are not valid UTF-8, or nested past any sense (the JSON decoder raises
    these instead of a 400)."""
    return _render_error(request, errors.MalformedBody())


def handle_value_error(request: Request[Any, Any, Any], error: ValueError) -> Response[Any]:
    """A path no file can have (``/static/%00``) is not found; any other ``ValueError`` is a
    crash like the rest."""
    if "\x00" in request.url.path or request.url.path.startswith("/static/"):
        return _render_error(request, errors.NotFound())
    return handle_crash(request, error)


def handle_outage(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """The database went away twice in a row (``db.engine.RetryingPostgresEngine`` retried
    once): a real outage, said as one (503), not a crash."""
    logger.warning("database unavailable: %s on %s", type(error).__name__, request.url.path)
    return _render_error(request, errors.ServiceUnavailable())


def handle_http(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    known = HTTP_MESSAGES.get(error.status_code)
    if known is not None:
        return _render_error(request, known())
    generic = errors.AppError()
    generic_response = _render_error(request, generic)
    generic_response.status_code = error.status_code
    if error.headers:
        generic_response.headers.update(error.headers)
    return generic_response


def handle_crash(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """Log the failure and answer a plain 500.

    Only the exception's type and stack are logged: its message may quote what a respondent
    typed, and raw answers must never reach a log (docs/PRIVACY.md). No client detail is logged.
    """
    logger.error(
        "unhandled %s on %s %s\n%s",
        type(error).__name__,
        request.method,
        request.url.path,
        "".join(traceback.format_tb(error.__traceback__)),
    )
    path = request.url.path
    answering = path == "/api/v1/responses" or path.startswith("/s/")  # a respondent's answer
    response = _render_error(
        request, errors.ServiceUnavailable() if answering else errors.InternalError()
    )
    response.status_code = 500
    return response


def create_app(settings: Settings, engine: Engine | None = None) -> Litestar:
    """Build the application for ``settings``; the database engine is bound to every table."""
    engine = engine or engine_from_url(settings.resolved_database_url)
    bind_engine(engine)
    renderer = Renderer(settings.static_dir)
    writer = writer_for(settings.resolved_database_url)

    owns_pool = isinstance(engine, PostgresEngine) and engine.pool is None

    async def start_background(app: Litestar) -> None:
        if owns_pool and isinstance(engine, PostgresEngine):
            await engine.start_connection_pool(min_size=1, max_size=8)
        await writer.start()
        await anyio.to_thread.run_sync(prepare_scrubber)

    async def stop_background(app: Litestar) -> None:
        scoring_worker.stop()
        await writer.stop()
        if owns_pool and isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()

    return Litestar(
        route_handlers=[
            healthz,
            *response_routes.ROUTES,
            *questionnaire_routes.ROUTES,
            *distribution_routes.ROUTES,
            *staff_routes.ROUTES,
            *staff_first_run.ROUTES,
            *staff_api.ROUTES,
            *staff_manage.ROUTES,
            *staff_lifecycle.ROUTES,
            *staff_flags.ROUTES,
            *staff_pages.ROUTES,
            *staff_accounts.ROUTES,
            *staff_audit.ROUTES,
            *report_routes.ROUTES,
            *results_routes.ROUTES,
            *paper_routes.ROUTES,
            *public_routes.ROUTES,
            *unit_routes.ROUTES,
            static_files_handler(settings.static_dir),
        ],
        state=State(
            {
                "settings": settings,
                "engine": engine,
                "renderer": renderer,
                "writer": writer,
                "watcher": Watcher(settings.worker_count),
            }
        ),
        on_startup=[start_background],
        on_shutdown=[stop_background],
        exception_handlers={
            errors.AppError: handle_app_error,
            ValidationException: handle_validation,
            HTTPException: handle_http,
            UnicodeDecodeError: handle_bad_encoding,
            RecursionError: handle_bad_encoding,
            ValueError: handle_value_error,
            **dict.fromkeys(STALE_CONNECTION, handle_outage),
            Exception: handle_crash,
        },
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=512,
            gzip_compress_level=6,
            exclude_opt_key=PRECOMPRESSED,  # static files come compressed (static_files.py)
            # Workspace pages carry a session's CSRF token next to text a request can echo
            # (a search, a unit code): compressed together, their length would leak the token
            # byte by byte (BREACH). Respondent pages hold no such secret.
            exclude="^/staff",
        ),
        request_max_body_size=settings.max_body_bytes,
        middleware=[security_headers, body_deadline],
        openapi_config=OpenAPIConfig(
            title="Lắng nghe API",
            version="1",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        logging_config=LoggingConfig(
            log_exceptions="debug",
            disable_stack_trace={404, 403, 410, 413, 422, 400, 405},
            loggers={
                "survey_server": {
                    "level": "INFO",
                    "handlers": ["queue_listener"],
                    "propagate": False,
                }
            },
        ),
        debug=False,
    )


def app_from_env() -> Litestar:
    """Factory for server worker processes: settings come from the environment of ``serve``."""
    from survey_server.config import load_settings

    return create_app(load_settings())
