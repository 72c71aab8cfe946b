"""Static files: gzip'd once and held in memory, sent gzip'd only to clients that take it,
cached for a year only under the URL of their current content, and nothing outside the folder
reachable by any spelling of its path."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from survey_server import static_files
from survey_server.app import create_app
from survey_server.config import Settings
from survey_server.rendering import Renderer
from survey_server.static_files import (
    IMMUTABLE,
    REVALIDATE,
    StaticFiles,
    StaticFolderTooLarge,
    accepts_gzip,
    etag_matches,
    load_assets,
)
from tests.conftest import ROOT, Database, Survey

STATIC = ROOT / "frontend_static"
CSS = "css/form.css"


async def raw_get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> tuple[httpx.Response, bytes]:
    """A GET and its body as sent (``response.content`` would be gzip-decoded by httpx)."""
    async with client.stream("GET", url, headers=headers) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


async def without_accept_encoding(
    client: httpx.AsyncClient, url: str
) -> tuple[httpx.Response, bytes]:
    """A GET with no ``Accept-Encoding`` header at all (httpx sends one by default)."""
    request = client.build_request("GET", url)
    del request.headers["accept-encoding"]
    response = await client.send(request, stream=True)
    try:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    finally:
        await response.aclose()
    return response, body


async def asgi_status(app: Any, method: str, path: str) -> int:
    """Send ``path`` to the app exactly as written (httpx would resolve ``..`` itself)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("latin-1", "backslashreplace"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"accept-encoding", b"gzip")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


def current_url(path: str) -> str:
    """The URL the pages put in their HTML for ``path``."""
    return Renderer(STATIC).static_url(path)


async def test_gzip_body_is_the_file(client: httpx.AsyncClient) -> None:
    data = (STATIC / CSS).read_bytes()
    response, body = await raw_get(
        client, f"/static/{CSS}", {"accept-encoding": "gzip, deflate, br"}
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) == len(body) < len(data)
    assert gzip.decompress(body) == data
    assert response.headers["x-content-type-options"] == "nosniff"  # app-wide headers kept


async def test_javascript_is_gzipped_with_its_type(client: httpx.AsyncClient) -> None:
    data = (STATIC / "js/form.js").read_bytes()
    response, body = await raw_get(client, "/static/js/form.js", {"accept-encoding": "gzip"})
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert gzip.decompress(body) == data


@pytest.mark.parametrize(
    "accept", [None, "gzip;q=0", "identity", "br", "gzip;q=0, *", "*;q=0", "GZIP; q=0.0"]
)
async def test_identity_when_gzip_is_not_accepted(
    client: httpx.AsyncClient, accept: str | None
) -> None:
    data = (STATIC / CSS).read_bytes()
    if accept is None:
        response, body = await without_accept_encoding(client, f"/static/{CSS}")
    else:
        response, body = await raw_get(client, f"/static/{CSS}", {"accept-encoding": accept})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert body == data
    assert int(response.headers["content-length"]) == len(data)
    assert response.headers["vary"] == "Accept-Encoding"


async def test_long_cache_only_under_the_current_hash(client: httpx.AsyncClient) -> None:
    url = current_url(CSS)
    assert re.fullmatch(r"/static/css/form\.css\?v=[0-9a-f]{10}", url)
    fresh = await client.get(url)
    assert fresh.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    for stale in (f"/static/{CSS}", f"/static/{CSS}?v=0000000000", f"/static/{CSS}?v=", url + "x"):
        response = await client.get(stale)
        assert response.status_code == 200, stale
        assert response.headers["cache-control"] == REVALIDATE == "no-cache", stale


async def test_the_page_links_the_url_that_is_cached_long(
    client: httpx.AsyncClient, survey: Survey
) -> None:
    html = (await client.get(f"/s/{survey.link}")).text
    links = re.findall(r'(/static/[^"?]+\?v=[0-9a-f]+)"', html)
    assert any(link.startswith(f"/static/{CSS}?") for link in links)
    for link in links:
        response = await client.get(link)
        assert response.status_code == 200, link
        assert response.headers["cache-control"] == IMMUTABLE, link


async def test_if_none_match_answers_304_per_representation(client: httpx.AsyncClient) -> None:
    url = current_url(CSS)
    zipped = await client.get(url, headers={"accept-encoding": "gzip"})
    plain = await client.get(url, headers={"accept-encoding": "identity"})
    assert zipped.headers["etag"] != plain.headers["etag"]
    for etag in (zipped.headers["etag"], plain.headers["etag"]):
        assert etag.startswith('"') and etag.endswith('"')  # strong
    again = await client.get(
        url, headers={"accept-encoding": "gzip", "if-none-match": zipped.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == zipped.headers["etag"]
    assert again.headers["cache-control"] == IMMUTABLE
    assert again.headers["vary"] == "Accept-Encoding"
    weak_in_a_list = await client.get(
        f"/static/{CSS}",
        headers={"accept-encoding": "identity", "if-none-match": f'"x", W/{plain.headers["etag"]}'},
    )
    assert weak_in_a_list.status_code == 304
    assert weak_in_a_list.headers["cache-control"] == REVALIDATE
    other_form = await client.get(
        url, headers={"accept-encoding": "identity", "if-none-match": zipped.headers["etag"]}
    )
    assert other_form.status_code == 200 and "content-encoding" not in other_form.headers


async def test_head_has_the_headers_of_get_and_no_body(client: httpx.AsyncClient) -> None:
    for accept in ("gzip", "identity"):
        got, _ = await raw_get(client, f"/static/{CSS}", {"accept-encoding": accept})
        head = await client.head(f"/static/{CSS}", headers={"accept-encoding": accept})
        assert head.status_code == 200
        assert head.content == b""
        for name in ("content-length", "content-type", "etag", "cache-control", "vary"):
            assert head.headers[name] == got.headers[name], (accept, name)
        assert head.headers.get("content-encoding") == got.headers.get("content-encoding")


async def test_other_methods_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/static/{CSS}", content=b"x")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/static/%2e%2e/pyproject.toml",
        "/static/%2E%2E/%2e%2e/pyproject.toml",
        "/static/css/%2e%2e/%2e%2e/pyproject.toml",
        "/static/..%2fpyproject.toml",
        "/static/%00",
        "/static/css/form.css%00",
        "/static/",
        "/static",
        "/static/css",
        "/static/css/",
        "/static/nope.css",
        "/static//etc/passwd",
        "/static/C:%5Cwindows",
    ],
)
async def test_paths_outside_the_files_are_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"accept-encoding": "gzip"})
    assert response.status_code == 404, path
    assert "text/html" in response.headers["content-type"]


async def test_unresolved_dot_segments_are_404(settings: Settings, db: Database) -> None:
    """``..`` as sent on the wire, which an HTTP client would have resolved before sending."""
    app = create_app(settings, engine=db.engine)
    for path in (
        "/static/../pyproject.toml",
        "/static/css/../../pyproject.toml",
        "/static/../../../../etc/passwd",
        "/static/./css/form.css/..",
    ):
        for method in ("GET", "HEAD"):
            assert await asgi_status(app, method, path) == 404, (method, path)
    assert await asgi_status(app, "GET", f"/static/{CSS}") == 200


async def test_the_form_page_is_not_served_as_a_static_file(
    client: httpx.AsyncClient, survey: Survey
) -> None:
    """The respondent page is not cached, validated or encoded by the static file rules; its
    compression is the app-wide setting's, as for every other page."""
    page = await client.get(f"/s/{survey.link}", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "etag" not in page.headers
    assert "immutable" not in page.headers["cache-control"]


async def test_workspace_pages_are_never_compressed(
    client: httpx.AsyncClient, survey: Survey
) -> None:
    """BREACH: a workspace page holds the session's CSRF token next to text the request
    echoes (a unit code, a search); compressed, its length would tell an attacker who can
    make the browser send requests how much of a guess matches the token."""
    from survey_server.staff.services import create_user
    from tests.staff import PASSWORD, sign_in

    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    assert (await sign_in(client, "ht.th-lc1")).status_code == 303
    login, _ = await raw_get(client, "/staff/login", {"accept-encoding": "gzip"})
    home, body = await raw_get(client, "/staff/", {"accept-encoding": "gzip"})
    assert home.status_code == 200 and len(body) > 1024
    for response in (login, home):
        assert "content-encoding" not in response.headers


# The folder itself: what is held, what is compressed, what is left out.


def test_every_shipped_file_is_held_and_text_is_compressed() -> None:
    assets = load_assets(STATIC)
    on_disk = {
        path.relative_to(STATIC).as_posix()
        for path in STATIC.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.parts)
    }
    assert set(assets) == on_disk
    for name, asset in assets.items():
        assert asset.body == (STATIC / name).read_bytes()
        assert Renderer(STATIC).static_url(name).endswith(f"?v={asset.version}")
        if name.endswith((".css", ".js")):
            assert asset.gzipped is not None, name
            assert gzip.decompress(asset.gzipped) == asset.body
            assert len(asset.gzipped) < len(asset.body) * 0.6, name


async def call(files: StaticFiles, path: str, accept: str = "gzip") -> tuple[int, dict, bytes]:
    """One GET straight to a ``StaticFiles`` app: (status, headers, body)."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(b"accept-encoding", accept.encode())],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await files(scope, receive, send)  # type: ignore[arg-type]
    headers = {key.decode(): value.decode() for key, value in sent[0]["headers"]}
    return int(sent[0]["status"]), headers, sent[1]["body"]


async def test_a_file_that_does_not_shrink_is_sent_as_it_is(tmp_path: Path) -> None:
    noise = os.urandom(4000)
    (tmp_path / "noise.png").write_bytes(noise)
    (tmp_path / "tiny.css").write_bytes(b"a{}")
    files = StaticFiles(tmp_path)
    for name, data in (("noise.png", noise), ("tiny.css", b"a{}")):
        assert files.assets[name].gzipped is None
        status, headers, body = await call(files, f"/{name}", "gzip")
        assert status == 200 and body == data
        assert "content-encoding" not in headers
        assert "vary" not in headers  # one representation only
    assert files.assets["noise.png"].gzipped is None
    assert (await call(files, "/noise.png"))[1]["content-type"] == "image/png"


def test_hidden_files_and_links_out_of_the_folder_are_not_served(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "a.css").write_text("body { color: red }\n" * 20)
    (folder / ".env").write_text("SECRET_KEY=x")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[core]")
    (tmp_path / "outside.txt").write_text("not public")
    (folder / "outside.txt").symlink_to(tmp_path / "outside.txt")
    (folder / "inside.css").symlink_to(folder / "css" / "a.css")
    assert set(load_assets(folder)) == {"css/a.css", "inside.css"}
    assert load_assets(tmp_path / "missing") == {}


def test_the_folder_held_in_memory_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.js").write_bytes(b"x" * 600)
    (tmp_path / "b.js").write_bytes(b"y" * 600)
    shipped = sum(path.stat().st_size for path in STATIC.rglob("*") if path.is_file())
    assert shipped < static_files.MAX_TOTAL_BYTES / 50
    assert set(load_assets(tmp_path)) == {"a.js", "b.js"}
    monkeypatch.setattr(static_files, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(StaticFolderTooLarge):
        load_assets(tmp_path)


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        ("gzip", True),
        ("GZip", True),
        ("x-gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("gzip;q=0.001", True),
        ("gzip ; q=1", True),
        ("*", True),
        ("", False),
        ("identity", False),
        ("br", False),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("gzip;q=0, *", False),
        ("*;q=0", False),
        ("gzip;q=abc", False),
        ("gzip;q=nan", False),
        ("gzip;q=2", False),
        ("gzipper", False),
    ],
)
def test_accept_encoding(header: str, gzip_ok: bool) -> None:
    assert accepts_gzip(header) is gzip_ok


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abc.gz"', False),
        ("abc", False),
        ("", False),
    ],
)
def test_if_none_match(header: str, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches
