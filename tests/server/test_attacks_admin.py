"""Attacks on the account, unit, builder and first-run features, by insiders (a principal, a
commune office, an administrator below the Sở) and by strangers: forged form fields, guessed
usernames, stale sessions and codes, hostile uploads, injected parameters. Both engines."""

from __future__ import annotations

import asyncio
import io
import re
import time
import zipfile
from datetime import timedelta

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.staff.services import create_user
from survey_server.staff.tables import AuditEvent, StaffSession, StaffUser
from survey_server.timekeeping import today
from survey_server.units.tables import Unit
from tests.conftest import Database, count_rows
from tests.server.builder_support import post_form, start_from
from tests.server.test_accounts import bulk, codes_of, pdf_text
from tests.staff import PASSWORD, csrf_of, sign_in

USERS = (
    ("so.admin", "admin", "SO-HP", None),
    ("xa.admin", "admin", "XA-LECHAN", None),
    ("pgd.lechan", "staff", "XA-LECHAN", None),
    ("cb2.lechan", "staff", "XA-LECHAN", None),
    ("pgd.ngoquyen", "staff", "XA-NGOQUYEN", None),
    ("ht.th-lc1", "principal", "TH-LC1", None),
    ("ht.th-nq1", "principal", "TH-NQ1", None),
    ("mttq.lechan", "partner", "XA-LECHAN", "Ủy ban MTTQ phường Lê Chân"),
)
NEW_PASSWORD = "mot-mat-khau-moi-2027"


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    """The demo (units, shipped questionnaires, open campaigns) and an account of every role."""
    await prepare_demo(settings)
    for username, role, unit, partner in USERS:
        await create_user(username, role, unit, PASSWORD, partner)


async def as_user(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    client.cookies.clear()
    assert (await sign_in(client, username, password)).status_code == 303
    return csrf_of((await client.get("/staff/password")).text)


async def expected(code: str) -> int | None:
    row = await Unit.select(Unit.expected_respondents, Unit.name).where(Unit.code == code).first()
    return row["expected_respondents"]


async def name_of(code: str) -> str:
    row = await Unit.select(Unit.name).where(Unit.code == code).first()
    return row["name"]


async def account(username: str) -> dict:
    row = (
        await StaffUser.select(
            StaffUser.role, StaffUser.active, StaffUser.unit.code.as_alias("unit")
        )
        .where(StaffUser.username == username)
        .first()
    )
    return row


# --- units: a measured office raising its own numbers ----------------------------------------


async def test_staff_cannot_edit_its_own_commune_nor_a_sibling_school(
    province: None, client: httpx.AsyncClient
) -> None:
    """A commune office's response rate is measured: it never edits its own denominator, and
    a school of the sibling commune is answered as one that does not exist."""
    before = {code: (await expected(code), await name_of(code)) for code in ("XA-LECHAN", "TH-NQ1")}
    csrf = await as_user(client, "pgd.lechan")
    own = await client.post(
        "/staff/units/edit",
        data={"csrf": csrf, "unit": "XA-LECHAN", "name": "Lê Chân xuất sắc", "expected": "1"},
    )
    assert own.status_code in (403, 422)
    sibling = await client.post(
        "/staff/units/edit",
        data={"csrf": csrf, "unit": "TH-NQ1", "name": "Bị đổi tên", "expected": "1"},
    )
    unknown = await client.post(
        "/staff/units/edit",
        data={"csrf": csrf, "unit": "TH-KHONG-CO", "name": "X", "expected": "1"},
    )
    assert sibling.status_code == unknown.status_code == 404
    after = {code: (await expected(code), await name_of(code)) for code in ("XA-LECHAN", "TH-NQ1")}
    assert after == before


async def test_principal_cannot_rename_or_merge_its_school(
    province: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    name = await name_of("TH-LC1")
    csrf = await as_user(client, "ht.th-lc1")
    day = today(settings.timezone)
    for path, data in (
        (
            "/staff/units/rename",
            {"unit": "TH-LC1", "name": "Trường xuất sắc", "effective": str(day)},
        ),
        ("/staff/units/edit", {"unit": "TH-LC1", "name": "Trường xuất sắc", "expected": "10"}),
        ("/staff/units/merge", {"olds": "TH-LC1", "target": "TH-LC2", "action": "preview"}),
    ):
        for action in ("preview", "confirm"):
            response = await client.post(path, data={"csrf": csrf, "action": action, **data})
            assert response.status_code == 403, (path, action)
    assert await name_of("TH-LC1") == name and await expected("TH-LC1") == 980


async def test_a_merge_dated_inside_an_open_campaign_is_refused(
    province: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    csrf = await as_user(client, "so.admin")
    units = await count_rows("unit")
    fields = {
        "olds": "XA-LECHAN, XA-NGOQUYEN",
        "target": "XA-HAIAN",
        "name": "Ủy ban nhân dân phường Hải An",
        "effective": (today(settings.timezone) + timedelta(days=5)).isoformat(),
    }
    preview = await client.post(
        "/staff/units/merge", data={"csrf": csrf, "action": "preview", **fields}
    )
    assert preview.status_code == 422 and "HL-PT-2026" in preview.text
    forged = await client.post(  # the confirmation sent straight, with a made-up digest
        "/staff/units/merge", data={"csrf": csrf, "action": "confirm", "digest": "0" * 64, **fields}
    )
    assert forged.status_code == 422
    assert await count_rows("unit") == units
    assert not await Unit.exists().where(Unit.code == "XA-HAIAN")


async def test_units_import_confirmed_with_a_digest_of_another_file(
    province: None, client: httpx.AsyncClient
) -> None:
    """The digest of a harmless preview does not let a different file through."""
    header = (
        "code,name,kind,level,parent_code,expected_respondents,valid_from,valid_to,successor_code\n"
    )
    harmless = header + "TH-LC9,Trường Tiểu học Hòa Bình,school,tieu_hoc,XA-LECHAN,400,,,\n"
    hostile = header + "TH-LC9,Trường Tiểu học Hòa Bình,school,tieu_hoc,XA-LECHAN,1,,,\n"
    csrf = await as_user(client, "so.admin")
    files = {"file": ("a.csv", harmless.encode(), "text/csv")}
    preview = await client.post(
        "/staff/units/import", data={"csrf": csrf, "action": "preview"}, files=files
    )
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text).group(1)
    swapped = await client.post(
        "/staff/units/import",
        data={"csrf": csrf, "action": "confirm", "digest": digest},
        files={"file": ("a.csv", hostile.encode(), "text/csv")},
    )
    assert swapped.status_code == 409
    assert not await Unit.exists().where(Unit.code == "TH-LC9")


# --- accounts: reaching beyond one's scope ----------------------------------------------------


async def test_staff_forges_account_fields_it_is_not_offered(
    province: None, client: httpx.AsyncClient
) -> None:
    """A commune office gets no admin, no staff, no account of a sibling commune, however the
    form is forged: CSV import, role change, bulk creation on a sibling's school."""
    users = await StaffUser.count()
    csrf = await as_user(client, "pgd.lechan")
    sheet = "username,role,unit,partner\nke.gian,admin,SO-HP,\nke.gian2,staff,XA-LECHAN,\n"
    imported = await client.post(
        "/staff/accounts/import",
        data={"csrf": csrf},
        files={"file": ("a.csv", sheet.encode(), "text/csv")},
    )
    assert imported.status_code == 403
    for target, role, unit in (
        ("ht.th-lc1", "admin", "XA-LECHAN"),
        ("ht.th-lc1", "staff", "XA-LECHAN"),
        ("ht.th-lc1", "principal", "TH-NQ1"),
    ):
        response = await client.post(
            f"/staff/account/{target}/role", data={"csrf": csrf, "role": role, "unit": unit}
        )
        assert response.status_code == 403, (role, unit)
    sibling = await client.post(
        "/staff/accounts/bulk", data={"csrf": csrf, "unit": "TH-NQ2", "role": "admin"}
    )
    assert sibling.status_code == 422
    own = await client.post(  # a forged role in the bulk form is ignored: principals only
        "/staff/accounts/bulk",
        data={"csrf": csrf, "unit": "TH-LC2", "role": "admin", "username": "ke.gian"},
    )
    assert own.status_code == 200
    assert await StaffUser.count() == users + 1
    assert await account("ht.th-lc2") == {"role": "principal", "active": True, "unit": "TH-LC2"}
    assert await account("ht.th-lc1") == {"role": "principal", "active": True, "unit": "TH-LC1"}
    assert not await StaffUser.exists().where(StaffUser.username.like("ke.gian%"))


async def test_staff_reaches_no_peer_partner_or_sibling_account_by_guessing(
    province: None, client: httpx.AsyncClient
) -> None:
    hashes = await StaffUser.select(StaffUser.username, StaffUser.code_hash, StaffUser.active)
    csrf = await as_user(client, "pgd.lechan")
    pages = [
        await client.get(f"/staff/account/{name}")
        for name in ("cb2.lechan", "xa.admin", "mttq.lechan", "ht.th-nq1", "khong.co.ai")
    ]
    assert {page.status_code for page in pages} == {404}
    assert len({page.content for page in pages}) == 1
    for name in ("cb2.lechan", "xa.admin", "mttq.lechan", "ht.th-nq1", "HT.TH-NQ1", "ht.th-nq1 "):
        for action, data in (("reset", {}), ("active", {"active": "0"})):
            response = await client.post(
                f"/staff/account/{name}/{action}", data={"csrf": csrf, **data}
            )
            assert response.status_code == 404, (name, action)
    assert (
        await StaffUser.select(StaffUser.username, StaffUser.code_hash, StaffUser.active) == hashes
    )


async def test_commune_admin_cannot_create_an_admin_above_its_scope_by_csv(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "xa.admin")
    users = await StaffUser.count()
    for sheet in (
        "username,role,unit,partner\nke.gian,admin,SO-HP,\n",
        "username,role,unit,partner\nke.gian,staff,XA-NGOQUYEN,\n",
        "username,role,unit,partner\nso.admin,principal,TH-LC1,\n",
    ):
        response = await client.post(
            "/staff/accounts/import",
            data={"csrf": csrf},
            files={"file": ("a.csv", sheet.encode(), "text/csv")},
        )
        assert response.status_code in (409, 422), sheet
        assert not response.headers["content-type"].startswith("application/pdf")
    assert await StaffUser.count() == users
    assert await account("so.admin") == {"role": "admin", "active": True, "unit": "SO-HP"}


async def test_a_deactivated_accounts_session_reaches_no_page_nor_the_api(
    province: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    from survey_server.app import create_app

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://testserver"
    ) as victim:
        await sign_in(victim, "pgd.ngoquyen")
        assert (await victim.get("/api/v1/campaigns/HL-PT-2026/scores")).status_code == 200
        csrf = await as_user(client, "so.admin")
        done = await client.post(
            "/staff/account/pgd.ngoquyen/active", data={"csrf": csrf, "active": "0"}
        )
        assert done.status_code == 303
        for path in ("/staff/", "/staff/units", "/staff/questionnaires", "/staff/password"):
            response = await victim.get(path)
            assert response.status_code in (303, 401), path
        api = await victim.get("/api/v1/campaigns/HL-PT-2026/scores")
        assert api.status_code in (401, 403)
        posted = await victim.post("/staff/password", data={"new": "x" * 12, "repeat": "x" * 12})
        assert posted.status_code in (303, 401, 403)


async def test_codes_die_with_a_reset_and_after_the_password_is_chosen(
    province: None, client: httpx.AsyncClient
) -> None:
    await as_user(client, "so.admin")
    first = codes_of(pdf_text((await bulk(client, "TH-LC2")).content))["ht.th-lc2"]
    csrf = csrf_of((await client.get("/staff/account/ht.th-lc2")).text)
    reset = await client.post("/staff/account/ht.th-lc2/reset", data={"csrf": csrf})
    second = re.search(r'class="code">([^<]+)<', reset.text).group(1)
    assert second.replace(" ", "") != first.replace(" ", "")
    client.cookies.clear()
    assert (await sign_in(client, "ht.th-lc2", first)).status_code == 401
    assert (await sign_in(client, "ht.th-lc2", second)).headers["location"] == "/staff/password"
    csrf = csrf_of((await client.get("/staff/password")).text)
    changed = await client.post(
        "/staff/password", data={"csrf": csrf, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert changed.status_code == 303
    client.cookies.clear()
    for code in (first, second, second.replace(" ", "").lower()):
        assert (await sign_in(client, "ht.th-lc2", code)).status_code == 401
    # a code issued then expired cannot be revived by a reactivation either
    await as_user(client, "so.admin")
    csrf = csrf_of((await client.get("/staff/account/ht.th-lc2")).text)
    third = re.search(
        r'class="code">([^<]+)<',
        (await client.post("/staff/account/ht.th-lc2/reset", data={"csrf": csrf})).text,
    ).group(1)
    await StaffUser.update({StaffUser.code_expires_at: int(time.time()) - 1}).where(
        StaffUser.username == "ht.th-lc2"
    )
    await client.post("/staff/account/ht.th-lc2/active", data={"csrf": csrf, "active": "0"})
    await client.post("/staff/account/ht.th-lc2/active", data={"csrf": csrf, "active": "1"})
    client.cookies.clear()
    assert (await sign_in(client, "ht.th-lc2", third)).status_code == 401
    assert (await sign_in(client, "ht.th-lc2", NEW_PASSWORD)).status_code == 401


async def test_a_code_session_reaches_nothing_else_and_dies_with_a_reset(
    province: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    from survey_server.app import create_app

    await as_user(client, "so.admin")
    code = codes_of(pdf_text((await bulk(client, "TH-LC3")).content))["ht.th-lc3"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://testserver"
    ) as holder:
        await sign_in(holder, "ht.th-lc3", code)
        for path in (
            "/staff/units",
            "/staff/accounts",
            "/staff/audit",
            "/staff/campaigns/HL-PT-2026",
        ):
            response = await holder.get(path)
            assert response.status_code in (303, 403), path
            if response.status_code == 303:
                assert (
                    "/staff/password" in response.headers["location"]
                    or "login" in (response.headers["location"])
                )
        csrf = csrf_of((await client.get("/staff/account/ht.th-lc3")).text)
        await client.post("/staff/account/ht.th-lc3/reset", data={"csrf": csrf})
        form = await holder.get("/staff/password")
        assert form.status_code == 303 and "/staff/login" in form.headers["location"]
        user = await StaffUser.select(StaffUser.id).where(StaffUser.username == "ht.th-lc3")
        assert await StaffSession.count().where(StaffSession.user == user[0]["id"]) == 0


async def test_audit_keeps_secrets_out_and_each_admin_in_its_subtree(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "so.admin")
    pdf = pdf_text((await bulk(client, "TH-NQ2")).content)
    codes = list(codes_of(pdf).values())
    csrf = csrf_of((await client.get("/staff/account/pgd.ngoquyen")).text)
    reset = await client.post("/staff/account/pgd.ngoquyen/reset", data={"csrf": csrf})
    codes.append(re.search(r'class="code">([^<]+)<', reset.text).group(1))
    await client.post("/staff/account/ht.th-nq1/active", data={"csrf": csrf, "active": "0"})
    everything = (await client.get("/staff/audit")).text
    assert "pgd.ngoquyen" in everything
    stored = " ".join(str(row) for row in await AuditEvent.select())
    for code in codes:
        for form in (code, code.replace(" ", ""), code.replace(" ", "").lower()):
            assert form not in stored and form not in everything
    assert PASSWORD not in stored

    await as_user(client, "xa.admin")
    own = await client.get("/staff/audit")
    assert own.status_code == 200
    for foreign in ("pgd.ngoquyen", "ht.th-nq1", "ht.th-nq2"):
        assert foreign not in own.text
        filtered = await client.get("/staff/audit", params={"user": foreign, "username": foreign})
        assert foreign not in filtered.text.replace(f'value="{foreign}"', "")
    for who in ("pgd.lechan", "ht.th-lc1", "mttq.lechan"):
        await as_user(client, who)
        assert (await client.get("/staff/audit")).status_code == 403


# --- first-run setup ---------------------------------------------------------------------------


async def test_setup_is_gone_once_an_admin_exists(
    province: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    from survey_server.staff.first_run import setup_code

    assert (await client.get("/staff/setup")).status_code == 404
    client.cookies.set("ln_setup", "t")
    response = await client.post(
        "/staff/setup",
        data={
            "csrf": "t",
            "code": setup_code(settings.secret_key),
            "unit_code": "SO-HP",
            "username": "ke.gian",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 404
    assert not await StaffUser.exists().where(StaffUser.username == "ke.gian")


async def test_racing_the_first_run_setup_makes_one_administrator(
    db: Database, client: httpx.AsyncClient, settings: Settings
) -> None:
    from survey_server.staff.first_run import setup_code

    page = await client.get("/staff/setup")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)

    async def attempt(username: str) -> int:
        response = await client.post(
            "/staff/setup",
            data={
                "csrf": csrf,
                "code": setup_code(settings.secret_key),
                "unit_code": "SO-HP",
                "unit_name": "Sở Giáo dục và Đào tạo Hải Phòng",
                "username": username,
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
            },
        )
        return response.status_code

    statuses = await asyncio.gather(*(attempt(f"qt.{n}") for n in range(4)))
    assert await attempt("qt.late") == 404  # one after the other, the page is gone
    assert statuses.count(303) >= 1
    assert await StaffUser.count().where(StaffUser.role == "admin") == 1, statuses
    assert await Unit.count() == 1


# --- builder -----------------------------------------------------------------------------------


async def test_staff_cannot_publish_a_shipped_or_a_sibling_offices_questionnaire(
    province: None, client: httpx.AsyncClient
) -> None:
    shipped = await QuestionnaireVersion.count().where(
        QuestionnaireVersion.slug == "hai-long-pho-thong"
    )
    csrf = await as_user(client, "pgd.lechan")
    draft = await start_from(client, csrf, "hai-long-pho-thong@1")
    await post_form(
        client, csrf, draft, "/general", {"slug": "hai-long-pho-thong", "title.vi": "Sửa lén"}
    )
    refused = await post_form(client, csrf, draft, "/publish", {})
    assert refused.status_code in (403, 422)
    assert (
        await QuestionnaireVersion.count().where(QuestionnaireVersion.slug == "hai-long-pho-thong")
        == shipped
    )
    # a questionnaire of Lê Chân: its next version never comes from Ngô Quyền
    own = await start_from(client, csrf, "tham-van-day-them@1", slug="y-kien-le-chan")
    done = await post_form(client, csrf, own, "/publish", {})
    assert done.status_code == 303, done.text[:300]
    csrf = await as_user(client, "pgd.ngoquyen")
    theirs = await start_from(client, csrf, "y-kien-le-chan@1")
    await post_form(
        client, csrf, theirs, "/general", {"slug": "y-kien-le-chan", "title.vi": "Chiếm"}
    )
    stolen = await post_form(client, csrf, theirs, "/publish", {})
    assert stolen.status_code in (403, 422)
    assert (
        await QuestionnaireVersion.count().where(QuestionnaireVersion.slug == "y-kien-le-chan") == 1
    )


async def test_an_xlsform_with_a_shipped_slug_does_not_replace_it(
    province: None, client: httpx.AsyncClient
) -> None:
    from tests.questionnaires.test_xlsform_mapping import workbook

    shipped = await QuestionnaireVersion.count().where(
        QuestionnaireVersion.slug == "hai-long-pho-thong"
    )
    csrf = await as_user(client, "pgd.lechan")
    data = workbook([["text", "q", "Câu hỏi"]])
    response = await client.post(
        "/staff/questionnaires/import",
        data={"csrf": csrf, "slug": "hai-long-pho-thong", "kind": "consultation"},
        files={"file": ("form.xlsx", data, "application/octet-stream")},
    )
    assert response.status_code in (200, 303, 422)
    if response.status_code == 303:
        draft = response.headers["location"]
        published = await post_form(client, csrf, draft, "/publish", {})
        assert published.status_code in (403, 422)
    assert (
        await QuestionnaireVersion.count().where(QuestionnaireVersion.slug == "hai-long-pho-thong")
        == shipped
    )


@pytest.mark.parametrize("bomb", ["zip", "rows"])
async def test_hostile_xlsform_uploads_are_refused_quickly_in_vietnamese(
    bomb: str, province: None, client: httpx.AsyncClient
) -> None:
    from tests.questionnaires.test_xlsform_hostile import with_sheet

    if bomb == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", b"<x/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (200 * 1024 * 1024))
        data = buffer.getvalue()
    else:
        data = with_sheet(1_000_000)
    csrf = await as_user(client, "pgd.lechan")
    drafts = await count_rows("questionnaire_draft")
    started = time.monotonic()
    response = await client.post(
        "/staff/questionnaires/import",
        data={"csrf": csrf},
        files={"file": ("bom.xlsx", data, "application/octet-stream")},
    )
    assert time.monotonic() - started < 30
    assert response.status_code in (413, 422), response.status_code
    assert "quá lớn" in response.text or "tối đa" in response.text
    assert await count_rows("questionnaire_draft") == drafts


async def test_the_preview_stores_nothing_and_frames_only_in_the_workspace(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "pgd.lechan")
    draft = await start_from(client, csrf, "hai-long-pho-thong@1", slug="thu-xem")
    preview = await client.get(f"{draft}/preview")
    assert preview.status_code == 200
    policy = preview.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy and "form-action 'none'" in policy
    assert preview.headers["x-frame-options"].upper() == "SAMEORIGIN"
    assert "xem-truoc" in preview.text
    submissions = await count_rows("submission")
    client.cookies.clear()  # a stranger with the code seen in the preview
    assert (await client.get("/s/xem-truoc")).status_code == 404
    stored = await client.post(
        "/s/xem-truoc", data={"submission_id": "8d3c1b9e-9c3e-4a8e-b8f1-1b2c3d4e5f60"}
    )
    assert stored.status_code in (404, 410, 422)
    assert await count_rows("submission") == submissions
    for page in ("/staff/login", "/staff/setup", "/s/xem-truoc"):
        response = await client.get(page)
        assert (
            "frame-ancestors 'none'" in response.headers.get("content-security-policy", "")
            or response.headers.get("x-frame-options", "").upper() == "DENY"
        ), page


async def test_drafts_of_another_account_are_not_found_not_forbidden(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "pgd.lechan")
    draft = await start_from(client, csrf, "tham-van-day-them@1", slug="rieng-le-chan")
    missing = draft.rsplit("/", 1)[0] + "/987654"
    await as_user(client, "so.admin")
    for base in (draft, missing):
        for path in ("/preview", "/export.yaml", "/publish"):
            assert (await client.get(base + path)).status_code in (404, 405), base + path
    mine = await client.get(f"{draft}/preview")
    theirs = await client.get(f"{missing}/preview")
    assert mine.status_code == theirs.status_code == 404 and mine.content == theirs.content


# --- the respondent form's language ----------------------------------------------------------


async def test_lang_injection_and_the_language_stored_with_a_response(
    province: None, client: httpx.AsyncClient
) -> None:
    from survey_server.distribution.services import list_links

    link = (await list_links("HL-PT-2026"))[0]["code"]
    for hostile in ('"><script>alert(1)</script>', "km'onmouseover='x", "../../etc", "x" * 5000):
        response = await client.get(f"/s/{link}", params={"lang": hostile})
        assert response.status_code in (200, 422), hostile[:20]
        assert "<script>alert(1)" not in response.text
        assert "onmouseover='x" not in response.text
    posted = await client.post(
        f"/s/{link}",
        params={"lang": "km"},
        data={"lang": "km", "submission_id": "4b0c6c3e-0f1a-4c1e-9d55-0a2b3c4d5e6f"},
    )
    assert posted.status_code in (303, 422)
    rows = await count_rows("submission")
    if rows:
        from survey_server.responses.tables import Submission

        langs = {row["lang"] for row in await Submission.select(Submission.lang)}
        assert langs <= {"vi", "en"}


# --- more insiders ---------------------------------------------------------------------------


async def test_a_stolen_session_cannot_change_the_password_without_the_current_one(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "ht.th-lc1")
    response = await client.post(
        "/staff/password", data={"csrf": csrf, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert response.status_code == 422
    client.cookies.clear()
    assert (await sign_in(client, "ht.th-lc1")).status_code == 303
    assert (await sign_in(client, "ht.th-lc1", NEW_PASSWORD)).status_code == 401


async def test_a_principal_sees_only_its_school_in_the_unit_tree(
    province: None, client: httpx.AsyncClient
) -> None:
    await as_user(client, "ht.th-lc1")
    for unit in ("TH-LC2", "TH-NQ1", "XA-LECHAN", "SO-HP", "TH-KHONG-CO"):
        assert (await client.get("/staff/units", params={"unit": unit})).status_code == 404, unit
    found = await client.get("/staff/units", params={"q": "TH-"})
    assert found.status_code == 200
    assert "TH-LC2" not in found.text and "TH-NQ1" not in found.text
    await as_user(client, "mttq.lechan")
    assert (await client.get("/staff/units")).status_code == 403


@pytest.mark.parametrize(
    "value", ["-5", "1e30", "99999999999999999999", "NaN", "1,5", "٣", "0x10", "5e2"]
)
async def test_hostile_expected_respondents_are_refused_not_crashed(
    value: str, province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "pgd.lechan")
    name = await name_of("TH-LC2")
    before = await expected("TH-LC2")
    response = await client.post(
        "/staff/units/edit", data={"csrf": csrf, "unit": "TH-LC2", "name": name, "expected": value}
    )
    assert response.status_code == 422, (value, response.status_code)
    assert await expected("TH-LC2") == before


async def test_unit_names_are_escaped_and_bounded(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "pgd.lechan")
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = await client.post(
        "/staff/units/edit",
        data={"csrf": csrf, "unit": "TH-LC2", "name": hostile, "expected": "500"},
    )
    assert response.status_code in (303, 422)
    for page in ("/staff/units?unit=XA-LECHAN", "/staff/units?unit=TH-LC2", "/staff/accounts"):
        text = (await client.get(page)).text
        assert "<script>alert(" not in text and "<img src=x" not in text
    long = await client.post(
        "/staff/units/edit",
        data={"csrf": csrf, "unit": "TH-LC2", "name": "A" * 100_000, "expected": "500"},
    )
    assert long.status_code == 422
    assert len(await name_of("TH-LC2")) < 1000


async def test_commune_admin_renames_nothing_outside_nor_in_the_future(
    province: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    csrf = await as_user(client, "xa.admin")
    day = today(settings.timezone)
    names = {code: await name_of(code) for code in ("SO-HP", "XA-NGOQUYEN", "TH-NQ1", "TH-LC2")}
    for unit in ("SO-HP", "XA-NGOQUYEN", "TH-NQ1"):
        for action in ("preview", "confirm"):
            response = await client.post(
                "/staff/units/rename",
                data={
                    "csrf": csrf,
                    "action": action,
                    "unit": unit,
                    "name": "Tên giả",
                    "effective": str(day),
                    "digest": "0" * 64,
                },
            )
            assert response.status_code in (404, 422), (unit, action)
            assert "Tên giả" not in response.text or response.status_code == 422
    future = await client.post(
        "/staff/units/rename",
        data={
            "csrf": csrf,
            "action": "preview",
            "unit": "TH-LC2",
            "name": "Tên giả",
            "effective": str(day + timedelta(days=3)),
        },
    )
    assert future.status_code == 422
    assert {code: await name_of(code) for code in names} == names


async def test_staff_filters_do_not_widen_the_account_list(
    province: None, client: httpx.AsyncClient
) -> None:
    await StaffUser.update({StaffUser.active: False}).where(StaffUser.username == "cb2.lechan")
    await as_user(client, "pgd.lechan")
    for params in (
        {"role": "admin"},
        {"role": "staff"},
        {"role": "partner"},
        {"active": "0"},
        {"q": "so.admin"},
        {"q": "ngoquyen"},
        {"q": "%"},
        {"q": "_"},
        {"role": "admin' OR '1'='1"},
    ):
        text = (await client.get("/staff/accounts", params=params)).text
        for foreign in ("so.admin", "xa.admin", "cb2.lechan", "pgd.ngoquyen", "ht.th-nq1"):
            assert f"/staff/account/{foreign}" not in text, (params, foreign)


async def test_a_commune_admin_reads_no_event_of_the_so_nor_the_command_line(
    province: None, client: httpx.AsyncClient
) -> None:
    from survey_server.staff.services import audit

    await audit(None, "survey-server", "campaign_opened", {"campaign": "BI-MAT-2026"})
    csrf = await as_user(client, "so.admin")
    csrf = csrf_of((await client.get("/staff/account/ht.th-nq1")).text)
    await client.post("/staff/account/ht.th-nq1/active", data={"csrf": csrf, "active": "0"})
    assert "BI-MAT-2026" in (await client.get("/staff/audit")).text
    await as_user(client, "xa.admin")
    for params in ({}, {"user": "so.admin"}, {"action": "account.deactivate"}, {"page": "2"}):
        text = (await client.get("/staff/audit", params=params)).text
        assert "BI-MAT-2026" not in text and "ht.th-nq1" not in text, params


async def test_a_role_change_closes_the_accounts_sessions(
    province: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    from survey_server.app import create_app

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://testserver"
    ) as demoted:
        await sign_in(demoted, "pgd.lechan")
        assert (await demoted.get("/staff/accounts")).status_code == 200
        csrf = await as_user(client, "so.admin")
        moved = await client.post(
            "/staff/account/pgd.lechan/role",
            data={"csrf": csrf, "role": "principal", "unit": "TH-LC2"},
        )
        assert moved.status_code == 303
        gone = await demoted.get("/staff/accounts")
        assert gone.status_code == 303 and "/staff/login" in gone.headers["location"]
        api = await demoted.get("/api/v1/campaigns/HL-PT-2026/scores")
        assert api.status_code in (401, 403)


async def test_a_pending_code_of_a_deactivated_account_opens_nothing(
    province: None, client: httpx.AsyncClient
) -> None:
    await as_user(client, "so.admin")
    code = codes_of(pdf_text((await bulk(client, "TH-LC2")).content))["ht.th-lc2"]
    csrf = csrf_of((await client.get("/staff/account/ht.th-lc2")).text)
    await client.post("/staff/account/ht.th-lc2/active", data={"csrf": csrf, "active": "0"})
    client.cookies.clear()
    wrong = await sign_in(client, "ht.th-lc2", "ABCD EFGH JKMN")
    refused = await sign_in(client, "ht.th-lc2", code)
    assert refused.status_code == 401
    assert "hết hạn" not in refused.text
    assert "ln_" not in refused.headers.get("set-cookie", "") or wrong.status_code == 401


@pytest.mark.parametrize("value", ["98.0", "1.5", "5 5"])
async def test_mis_grouped_expected_respondents_are_refused(
    value: str, province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "pgd.lechan")
    name = await name_of("TH-LC2")
    before = await expected("TH-LC2")
    response = await client.post(
        "/staff/units/edit", data={"csrf": csrf, "unit": "TH-LC2", "name": name, "expected": value}
    )
    assert response.status_code == 422
    assert await expected("TH-LC2") == before


async def test_a_closed_campaigns_numbers_do_not_move_when_staff_edit_a_denominator(
    province: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    """A closed campaign is what schools were evaluated on: a commune office lowering a school's
    expected respondents today must not change that campaign's scores afterwards."""
    from survey_server.campaigns.services import set_status

    await prepare_demo(settings, responses=400)

    await set_status("HL-PT-2026", "closed", username="so.admin")
    await as_user(client, "so.admin")
    before = await client.get("/api/v1/campaigns/HL-PT-2026/scores")
    assert before.status_code == 200
    csrf = await as_user(client, "pgd.lechan")
    name = await name_of("TH-LC2")
    edited = await client.post(
        "/staff/units/edit", data={"csrf": csrf, "unit": "TH-LC2", "name": name, "expected": "86"}
    )
    assert edited.status_code in (303, 422)
    await as_user(client, "so.admin")
    after = await client.get("/api/v1/campaigns/HL-PT-2026/scores")
    assert after.status_code == 200
    assert after.json() == before.json()
