"""Headers every response carries, whatever produced it (a handler, an error page, static files).

No page of the product may be framed by another site (a framed form or workspace invites
clickjacking) and no response may be sniffed into another type than it says. Set in an ASGI
middleware rather than per handler, so error pages and static files get them too.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

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
