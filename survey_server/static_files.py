"""Static files (the CSS, JS and images of ``frontend_static``): held in memory, sent gzip'd to
clients that take it, cached for a year when the URL names the file's current content.

Why in memory: the folder ships with the product and weighs a few tens of KB, and the
respondent page is opened on phones over slow mobile data, where every byte of the first load
counts. Each file is read and compressed once (gzip level 9, paid once rather than per
request) when the app is built; a request is a dictionary look-up. A request path is only ever
a key into that table and never reaches the filesystem, so ``..``, encoded dots and NUL bytes
are simply names that are not there (404).

Why the cache rule: ``Renderer.static_url`` adds ``?v=<content hash>`` to every static URL, so a
URL whose ``v`` is the hash of the bytes served names content that never changes and is cached
``immutable`` for a year. Without ``v``, or with another one (a page rendered before a deploy,
a typed or bookmarked URL), the answer is ``no-cache``: the browser asks again each time
(an ``If-None-Match`` answered 304, cheap), so a deploy is never stuck behind a stale file.

Why gzip only: Python's standard library has no Brotli, and the product installs no Brotli
package. A file is sent gzip'd only if the client accepts gzip (``q=0`` refuses it) and
compressing saves at least ``MIN_SAVING`` of it; the identity and gzip forms are distinct
representations with their own strong ``ETag`` and ``Vary: Accept-Encoding``.

Only ``/static/`` is handled here. The app-wide compression middleware is switched off for
these responses through the ``PRECOMPRESSED`` option key: their bodies are already compressed,
and that middleware neither reads ``q=0`` nor skips a body that is already encoded.

A file edited while the server runs is served as it was when the app was built (as
``Renderer.static_url`` keeps the hash it first computed); a deploy restarts the server.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from litestar import asgi
from litestar.exceptions import MethodNotAllowedException
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send

from survey_server import errors

#: Where the files are served.
PREFIX = "/static"
#: Route option that tells the app-wide compression middleware to leave a response alone.
PRECOMPRESSED = "precompressed"
#: A URL whose ``v`` is the content hash: its bytes never change.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Any other URL of a file: the browser may keep it but must ask (``If-None-Match``) first.
REVALIDATE = "no-cache"
GZIP_LEVEL = 9
#: The gzip form is kept only if it is at least this much smaller than the file.
MIN_SAVING = 0.05
#: Everything is held in memory (twice for a compressible file): a folder past this size is a
#: mistake to fix, not something to serve.
MAX_TOTAL_BYTES = 8 * 1024 * 1024

#: Types of the files the product ships, fixed here rather than read from the host's
#: ``mime.types`` (which differs between systems, e.g. for ``.js``).
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
ALLOW = "GET, HEAD"


class StaticFolderTooLarge(RuntimeError):
    """The static folder holds more than ``MAX_TOTAL_BYTES``."""


def content_version(data: bytes) -> str:
    """The ``v`` of a file's URL: the same hash as ``Renderer.static_url`` puts there."""
    return hashlib.sha256(data).hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class Asset:
    """One file, in the forms it is sent in."""

    body: bytes
    #: The gzip form, or ``None`` when compressing does not pay.
    gzipped: bytes | None
    content_type: str
    #: ``v`` of the file's current URL.
    version: str
    #: Strong validators of the identity and the gzip form (two representations, two tags).
    etag: str
    gzip_etag: str


def make_asset(name: str, data: bytes) -> Asset:
    """``data`` (the file ``name``) with its gzip form, type, version and ETags."""
    digest = hashlib.sha256(data).hexdigest()
    compressed = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    keep = len(compressed) <= len(data) * (1 - MIN_SAVING)
    suffix = Path(name).suffix.lower()
    content_type = (
        CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    )
    return Asset(
        body=data,
        gzipped=compressed if keep else None,
        content_type=content_type,
        version=content_version(data),
        etag=f'"{digest[:32]}"',
        gzip_etag=f'"{digest[:32]}.gz"',
    )


def load_assets(directory: Path) -> dict[str, Asset]:
    """Every regular file under ``directory``, by its path relative to it with ``/``.

    Hidden files and folders (``.gitkeep``, ``.DS_Store``) are left out, and so is a link that
    leads outside the folder. A missing folder serves nothing."""
    root = directory.resolve()
    if not root.is_dir():
        return {}
    assets: dict[str, Asset] = {}
    total = 0
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for file_name in sorted(files):
            path = Path(folder) / file_name
            if file_name.startswith(".") or not path.is_file():
                continue
            if not path.resolve().is_relative_to(root):
                continue
            data = path.read_bytes()
            total += len(data)
            if total > MAX_TOTAL_BYTES:
                raise StaticFolderTooLarge(
                    f"{root} holds more than {MAX_TOTAL_BYTES:,} bytes of static files"
                )
            name = path.relative_to(root).as_posix()
            assets[name] = make_asset(name, data)
    return assets


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value lets the response be gzip'd.

    ``gzip`` (or its alias ``x-gzip``) with a weight above 0, or ``*`` above 0 when gzip is not
    named; a weight that does not parse counts as 0."""
    gzip_weight: float | None = None
    any_weight: float | None = None
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        coding = coding.lower()
        if not coding:
            continue
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
                if not 0.0 <= weight <= 1.0:  # also NaN
                    weight = 0.0
        if coding in ("gzip", "x-gzip"):
            gzip_weight = max(gzip_weight or 0.0, weight)
        elif coding == "*":
            any_weight = max(any_weight or 0.0, weight)
    chosen = gzip_weight if gzip_weight is not None else any_weight
    return chosen is not None and chosen > 0


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weak comparison, as RFC 9110 asks
    for this header) or is ``*``."""
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


def _header(scope: Scope, name: bytes) -> str:
    """Every value of the request header ``name``, joined as one list."""
    values = [value.decode("latin-1") for key, value in scope["headers"] if key.lower() == name]
    return ", ".join(values)


class StaticFiles:
    """The files of one folder, answered as an ASGI app mounted at ``PREFIX``."""

    def __init__(self, directory: Path) -> None:
        self.assets = load_assets(directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            raise MethodNotAllowedException(headers={"Allow": ALLOW})
        # Under a mount, ``scope["path"]`` is what follows ``PREFIX``; it is only a key.
        asset = self.assets.get(scope["path"].lstrip("/"))
        if asset is None:
            raise errors.NotFound()

        compressed = asset.gzipped is not None and accepts_gzip(_header(scope, b"accept-encoding"))
        body = asset.gzipped if compressed and asset.gzipped is not None else asset.body
        etag = asset.gzip_etag if compressed else asset.etag
        versions = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v")
        cache = IMMUTABLE if versions == [asset.version] else REVALIDATE

        headers = [(b"etag", etag.encode()), (b"cache-control", cache.encode())]
        if asset.gzipped is not None:
            headers.append((b"vary", b"Accept-Encoding"))
        if etag_matches(_header(scope, b"if-none-match"), etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [
            (b"content-type", asset.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if compressed:
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


def static_files_handler(directory: Path) -> ASGIRouteHandler:
    """The route handler that serves ``directory`` at ``PREFIX`` (GET and HEAD)."""
    files = StaticFiles(directory)

    @asgi(PREFIX, is_static=True, copy_scope=True, name="static", opt={PRECOMPRESSED: True})
    async def static(scope: Scope, receive: Receive, send: Send) -> None:
        await files(scope, receive, send)

    return static
