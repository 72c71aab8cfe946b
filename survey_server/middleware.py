"""ASGI middleware every request goes through: security headers, and a deadline on reading
the request's body.

No page of the product may be framed by another site (a framed form or workspace invites
clickjacking) and no response may be sniffed into another type than it says: the headers are
set here rather than per handler, so error pages and static files get them too.

A client that sends its body a byte at a time keeps a connection and a request open for as
long as it likes (200 such clients held the server's connections for 90 s). The body must keep
coming — no pause longer than ``BODY_IDLE_SECONDS`` — and be complete within
``BODY_SECONDS``; otherwise the request ends with 408.
"""

from __future__ import annotations

import asyncio
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from survey_server.errors import AppError
from survey_server.i18n import N_

BODY_IDLE_SECONDS = 20.0
BODY_SECONDS = 120.0


class BodyTooSlow(AppError):
    status_code = 408
    code = "body_too_slow"
    message = N_("Dữ liệu gửi lên quá chậm nên yêu cầu đã dừng; vui lòng thử lại.")


SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"same-origin"),
)


def security_headers(app: ASGIApp) -> ASGIApp:
    """Wrap ``app`` so each HTTP response starts with ``SECURITY_HEADERS`` (unless the
    response set one of them itself)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, sending)

    return middleware


def body_deadline(app: ASGIApp) -> ASGIApp:
    """Wrap ``app`` so reading an HTTP request's body raises :class:`BodyTooSlow` past its
    deadlines; once the body is complete, ``receive`` is passed through untouched (a streamed
    download listens on it for the client leaving)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        deadline = time.monotonic() + BODY_SECONDS
        complete = False

        async def receiving() -> Message:
            nonlocal complete
            if complete:
                return await receive()
            left = min(BODY_IDLE_SECONDS, deadline - time.monotonic())
            try:
                message = await asyncio.wait_for(receive(), max(left, 0.001))
            except TimeoutError:
                raise BodyTooSlow() from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        await app(scope, receiving, send)

    return middleware
