"""Who may use the builder, and what a stranger or an insider gets when trying: other roles,
another account's drafts, forged ids, missing CSRF tokens, stale or doubled forms, oversized
and malformed posts. Both engines."""

from __future__ import annotations

import httpx
import pytest

from survey_server.config import Settings
from tests.conftest import Database
from tests.server.builder_support import (
    form_on,
    post_form,
    prepare_province,
    revision_of,
    signed_in,
    start_from,
    stored_definition,
)

PAGES = (
    "/staff/questionnaires",
    "/staff/questionnaires/new",
    "/staff/questionnaires/import",
    "/staff/questionnaires/hai-long-pho-thong/compare",
    "/staff/questionnaires/hai-long-pho-thong/1/export.yaml",
    "/staff/questionnaires/hai-long-pho-thong/1/export.xlsx",
)


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_province(settings)


@pytest.mark.parametrize("who", ["principal", "partner"])
async def test_principals_and_partners_are_refused(
    who: str, province: None, client: httpx.AsyncClient
) -> None:
    admin = await signed_in(client, "admin")
    draft = await start_from(client, admin, "tham-van-day-them@1")
    csrf = await signed_in(client, who)
    for path in (*PAGES, draft, f"{draft}/preview", f"{draft}/questions/0/0"):
        assert (await client.get(path)).status_code == 403, path
    for path in ("/staff/questionnaires/new", f"{draft}/general", f"{draft}/publish"):
        response = await client.post(path, data={"csrf": csrf, "start": "blank", "slug": "x"})
        assert response.status_code == 403, path


async def test_signed_out_visitors_are_sent_to_sign_in(
    province: None, client: httpx.AsyncClient
) -> None:
    for path in (
        *PAGES,
        "/staff/questionnaires/drafts/1",
        "/staff/questionnaires/drafts/1/preview",
    ):
        response = await client.get(path)
        assert response.status_code == 303 and "/staff/login" in response.headers["location"]


async def test_a_draft_is_its_owners_only(province: None, client: httpx.AsyncClient) -> None:
    """Another account — even an administrator above — gets what a draft that does not exist
    gets, for every page and every edit of it."""
    owner = await signed_in(client, "staff")
    draft = await start_from(client, owner, "tham-van-day-them@1", slug="y-kien-le-chan")
    before = await stored_definition(draft)
    revision = revision_of((await client.get(draft)).text)
    missing = draft.rsplit("/", 1)[0] + "/999999"
    for who in ("admin", "other"):
        csrf = await signed_in(client, who)
        for base in (draft, missing):
            for path in ("", "/preview", "/questions/0/0", "/sections/0/delete", "/delete"):
                response = await client.get(base + path)
                assert response.status_code == 404, (who, base + path)
            for path, data in (
                ("/general", {"slug": "chiem-quyen", "title.vi": "Của tôi"}),
                ("/languages", {"tag": "en"}),
                ("/sections/0/move", {"direction": "down"}),
                ("/questions/0/0", {"id": "x", "type": "text", "text.vi": "x"}),
                ("/questions/0/0/delete", {}),
                ("/sections/0/delete", {}),
                ("/publish", {}),
                ("/delete", {}),
            ):
                response = await client.post(
                    base + path, data={"csrf": csrf, "revision": revision, **data}
                )
                assert response.status_code == 404, (who, base + path)
    assert await stored_definition(draft) == before


async def test_forged_positions_are_not_found(province: None, client: httpx.AsyncClient) -> None:
    csrf = await signed_in(client, "admin")
    draft = await start_from(client, csrf, "tham-van-day-them@1")
    before = await stored_definition(draft)
    for path in ("/questions/0/999", "/questions/999/0", "/questions/-1/0", "/sections/99/delete"):
        assert (await client.get(draft + path)).status_code == 404, path
    for path in ("/sections/99", "/sections/99/move", "/questions/0/999/move", "/questions/9/0"):
        response = await post_form(client, csrf, draft, path, {"direction": "up", "id": "x"})
        assert response.status_code == 404, path
    assert (await client.get("/staff/questionnaires/drafts/abc")).status_code in (400, 404)
    assert await stored_definition(draft) == before


async def test_every_edit_needs_the_sessions_csrf_token(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await signed_in(client, "admin")
    draft = await start_from(client, csrf, "tham-van-day-them@1")
    before = await stored_definition(draft)
    revision = revision_of((await client.get(draft)).text)
    for path in ("/general", "/languages", "/sections", "/publish", "/delete"):
        for token in (None, "forged", csrf[:-1]):
            data = {"revision": revision, "tag": "en", "id": "x", "title.vi": "x"}
            if token is not None:
                data["csrf"] = token
            response = await client.post(draft + path, data=data)
            assert response.status_code == 403, (path, token)
    response = await client.post(
        "/staff/questionnaires/new", data={"start": "blank", "slug": "x", "title": "x"}
    )
    assert response.status_code == 403
    assert await stored_definition(draft) == before


async def test_a_doubled_or_stale_form_changes_nothing(
    province: None, client: httpx.AsyncClient
) -> None:
    """A form posted twice (a double click) or from an older tab is refused, not applied twice
    nor over a newer edit."""
    csrf = await signed_in(client, "admin")
    draft = await start_from(client, csrf, "tham-van-day-them@1")
    revision = revision_of((await client.get(draft)).text)
    data = {"csrf": csrf, "revision": revision, "id": "them", "title.vi": "Phần thêm"}
    first = await client.post(f"{draft}/sections", data=data)
    assert first.status_code == 303
    second = await client.post(f"{draft}/sections", data=data)
    assert second.status_code == 409
    assert "đã được sửa ở một trang khác" in second.text
    ids = [section["id"] for section in (await stored_definition(draft))["sections"]]
    assert ids.count("them") == 1
    published = await client.post(f"{draft}/publish", data={"csrf": csrf, "revision": revision})
    assert published.status_code == 409


async def test_oversized_and_malformed_posts_are_refused_whole(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await signed_in(client, "admin")
    draft = await start_from(client, csrf, "tham-van-day-them@1")
    before = await stored_definition(draft)
    page = f"{draft}/questions/0/0"
    fields = form_on((await client.get(page)).text, page)
    response = await post_form(
        client, csrf, draft, "/questions/0/0", {**fields, "text.vi": "x" * 20_000}
    )
    assert response.status_code == 422 and "quá dài" in response.text
    bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    for condition in (bomb, "[", "- just a list", "x" * 5000, "!!python/object:os.system {}"):
        response = await post_form(
            client, csrf, draft, "/questions/0/0", {**fields, "show_if_yaml": condition}
        )
        assert response.status_code == 422, condition
        assert "điều kiện hiển thị nâng cao" in response.text
    too_big = await client.post(
        f"{draft}/general",
        data={"csrf": csrf, "revision": revision_of((await client.get(draft)).text),
              "intro.vi": "x" * 3_000_000},
    )  # fmt: skip
    assert too_big.status_code in (413, 422)
    assert await stored_definition(draft) == before
    response = await post_form(
        client, csrf, draft, "/questions/0/0", {**fields, "min": "abc", "type": "number"}
    )
    assert response.status_code == 303  # kept as typed, shown as a problem of its field
    assert 'id="f-min-error"' in (await client.get(page)).text


async def test_starting_a_draft_checks_what_it_is_given(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await signed_in(client, "staff")
    for data, field in (
        ({"start": "template", "template": "999999"}, 'id="template-error"'),
        ({"start": "template", "template": "abc"}, 'id="template-error"'),
        ({"start": "blank", "slug": "Có Dấu", "title": "Tên"}, 'id="slug-error"'),
        ({"start": "blank", "slug": "hop-le", "title": " "}, 'id="title-error"'),
    ):
        response = await client.post("/staff/questionnaires/new", data={"csrf": csrf, **data})
        assert response.status_code == 422, data
        assert field in response.text and 'class="error-summary"' in response.text
    page = (await client.get("/staff/questionnaires")).text
    assert "Bản nháp của tôi" not in page
