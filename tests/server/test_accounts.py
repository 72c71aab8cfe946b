"""Accounts at scale in the workspace: bulk creation from the unit tree with one-time codes,
the first sign-in that forces a new password, and who may manage which account. Both engines.
"""

from __future__ import annotations

import re
import subprocess
import time

import httpx
import pytest

from survey_server.demo.setup import DEMO_UNITS
from survey_server.staff.services import create_user
from survey_server.staff.tables import AuditEvent, StaffSession, StaffUser
from survey_server.units.services import import_units
from survey_server.units.tables import Unit
from tests.conftest import Database
from tests.staff import PASSWORD, csrf_of, sign_in

USERS = (
    ("so.admin", "admin", "SO-HP", None),
    ("pgd.lechan", "staff", "XA-LECHAN", None),
    ("ht.th-lc1", "principal", "TH-LC1", None),
    ("mttq.lechan", "partner", "XA-LECHAN", "Ủy ban MTTQ phường Lê Chân"),
    ("pgd.ngoquyen", "staff", "XA-NGOQUYEN", None),
)
NEW_PASSWORD = "mot-mat-khau-moi-2027"


@pytest.fixture
async def province(db: Database) -> None:
    await import_units(DEMO_UNITS)
    for username, role, unit, partner in USERS:
        await create_user(username, role, unit, PASSWORD, partner)


async def _csrf(client: httpx.AsyncClient, path: str = "/staff/accounts/setup") -> str:
    return csrf_of((await client.get(path)).text)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode()


def codes_of(text: str) -> dict[str, str]:
    """username → code, as printed on the sheets (the code in groups of four)."""
    found = re.findall(r"(ht\.[a-z0-9.-]+)\s+(\w{4} \w{4} \w{4})", text)
    return {name: code for name, code in found}


async def bulk(client: httpx.AsyncClient, unit: str) -> httpx.Response:
    return await client.post(
        "/staff/accounts/bulk", data={"unit": unit, "csrf": await _csrf(client)}
    )


async def _schools_of(code: str) -> list[str]:
    root = await Unit.select(Unit.path).where(Unit.code == code).first()
    rows = await Unit.select(Unit.code).where(
        Unit.path.like(f"{root['path']}%") & (Unit.kind == "school")
    )
    return sorted(row["code"] for row in rows)


async def test_admin_creates_a_principal_for_every_school_without_one(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "so.admin")
    response = await bulk(client, "XA-LECHAN")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content)
    codes = codes_of(text)
    schools = await _schools_of("XA-LECHAN")
    expected = {f"ht.{code.lower()}" for code in schools} - {"ht.th-lc1"}  # TH-LC1 had one
    assert set(codes) == expected
    assert "Ủy ban nhân dân phường Lê Chân" in text
    assert "/staff/login" in text
    rows = await StaffUser.select().where(StaffUser.username.is_in(list(expected)))
    assert {row["role"] for row in rows} == {"principal"}
    assert all(row["must_change_password"] and len(row["code_hash"]) == 64 for row in rows)
    stored = " ".join(str(value) for row in rows for value in row.values())
    events = " ".join(str(row) for row in await AuditEvent.select())
    for code in codes.values():
        compact = code.replace(" ", "")
        assert compact not in stored and compact not in events and code not in events
    actions = [row["action"] for row in await AuditEvent.select(AuditEvent.action)]
    assert "accounts_created" in actions and "codes_printed" in actions

    again = await bulk(client, "XA-LECHAN")  # a double submit creates nothing more
    assert again.status_code == 422
    assert "đã có tài khoản hiệu trưởng" in again.text
    assert await StaffUser.count() == len(USERS) + len(expected)


async def test_a_unit_is_found_by_its_name_and_one_outside_the_scope_is_not(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "pgd.lechan")
    outside = await bulk(client, "XA-NGOQUYEN")
    unknown = await bulk(client, "XA-KHONG-CO")
    assert outside.status_code == unknown.status_code == 422
    assert "Không tìm thấy đơn vị" in outside.text
    assert await StaffUser.count() == len(USERS)
    response = await bulk(client, "ủy ban nhân dân phường lê chân")
    assert response.status_code == 200
    assert await StaffUser.count().where(StaffUser.role == "principal") > 1


async def test_principals_and_partners_manage_no_account(
    client: httpx.AsyncClient, province: None
) -> None:
    for username in ("ht.th-lc1", "mttq.lechan"):
        client.cookies.clear()
        await sign_in(client, username)
        csrf = csrf_of((await client.get("/staff/password")).text)
        for path in ("/staff/accounts", "/staff/accounts/setup", "/staff/audit"):
            assert (await client.get(path)).status_code == 403, (username, path)
        for path, data in (
            ("/staff/accounts/bulk", {"unit": "TH-LC1"}),
            ("/staff/account/ht.th-lc1/reset", {}),
            ("/staff/account/pgd.lechan/active", {"active": "0"}),
        ):
            response = await client.post(path, data={**data, "csrf": csrf})
            assert response.status_code == 403, (username, path)
    assert await StaffUser.count() == len(USERS)
    assert await StaffUser.count().where(StaffUser.active == False) == 0  # noqa: E712


async def test_first_sign_in_with_a_code_forces_a_new_password(
    client: httpx.AsyncClient, province: None, settings
) -> None:
    await sign_in(client, "so.admin")
    codes = codes_of(pdf_text((await bulk(client, "TH-LC2")).content))
    code = codes["ht.th-lc2"]
    client.cookies.clear()
    assert (await sign_in(client, "ht.th-lc2", "not-the-code-at-all")).status_code == 401
    signed = await sign_in(client, "ht.th-lc2", code)  # typed with its spaces
    assert signed.status_code == 303
    assert signed.headers["location"] == "/staff/password"
    home = await client.get("/staff/")
    assert home.status_code == 303 and home.headers["location"].startswith("/staff/login")
    login = await client.get(home.headers["location"])
    assert login.status_code == 303 and login.headers["location"] == "/staff/password"
    api = await client.get("/api/v1/campaigns/KHONG-CO/scores")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    form = await client.get("/staff/password")
    assert form.status_code == 200 and 'name="current"' not in form.text
    csrf = csrf_of(form.text)
    same = await client.post(
        "/staff/password",
        data={"csrf": csrf, "new": code.replace(" ", ""), "repeat": code.replace(" ", "")},
    )
    assert same.status_code == 422 and "trùng mã" in same.text
    changed = await client.post(
        "/staff/password", data={"csrf": csrf, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/staff/"
    assert (await client.get("/staff/")).status_code == 200
    client.cookies.clear()
    assert (await sign_in(client, "ht.th-lc2", code)).status_code == 401  # spent
    assert (await sign_in(client, "ht.th-lc2", NEW_PASSWORD)).status_code == 303
    assert (await client.get("/staff/")).status_code == 200


async def test_an_expired_code_says_so(client: httpx.AsyncClient, province: None) -> None:
    await sign_in(client, "so.admin")
    code = codes_of(pdf_text((await bulk(client, "TH-LC3")).content))["ht.th-lc3"]
    await StaffUser.update({StaffUser.code_expires_at: int(time.time()) - 1}).where(
        StaffUser.username == "ht.th-lc3"
    )
    client.cookies.clear()
    response = await sign_in(client, "ht.th-lc3", code)
    assert response.status_code == 401 and "hết hạn" in response.text


async def test_deactivation_ends_open_sessions_at_their_next_request(
    client: httpx.AsyncClient, province: None, settings
) -> None:
    from survey_server.app import create_app

    other_app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other_app), base_url="http://testserver"
    ) as principal:
        await sign_in(principal, "ht.th-lc1")
        assert (await principal.get("/staff/")).status_code == 200
        await sign_in(client, "pgd.lechan")
        csrf = await _csrf(client, "/staff/account/ht.th-lc1")
        response = await client.post(
            "/staff/account/ht.th-lc1/active", data={"active": "0", "csrf": csrf}
        )
        assert response.status_code == 303
        gone = await principal.get("/staff/")
        assert gone.status_code == 303 and gone.headers["location"].startswith("/staff/login")
        assert (await sign_in(principal, "ht.th-lc1")).status_code == 401
        await client.post("/staff/account/ht.th-lc1/active", data={"active": "1", "csrf": csrf})
        assert (await sign_in(principal, "ht.th-lc1")).status_code == 303


async def test_reset_shows_a_new_code_once_and_closes_sessions(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "ht.th-lc1")
    client.cookies.clear()
    await sign_in(client, "pgd.lechan")
    csrf = await _csrf(client, "/staff/account/ht.th-lc1")
    response = await client.post("/staff/account/ht.th-lc1/reset", data={"csrf": csrf})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    code = re.search(r'class="code">([^<]+)<', response.text).group(1)
    user_id = (await StaffUser.select(StaffUser.id).where(StaffUser.username == "ht.th-lc1"))[0]
    assert await StaffSession.count().where(StaffSession.user == user_id["id"]) == 0
    assert code not in (await client.get("/staff/account/ht.th-lc1")).text
    client.cookies.clear()
    assert (await sign_in(client, "ht.th-lc1")).status_code == 401  # the old password
    signed = await sign_in(client, "ht.th-lc1", code)
    assert signed.headers["location"] == "/staff/password"


async def test_staff_reaches_only_principals_of_its_subtree(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "pgd.lechan")
    listing = await client.get("/staff/accounts")
    assert listing.status_code == 200
    assert "ht.th-lc1" in listing.text
    assert "/staff/account/so.admin" not in listing.text
    assert "/staff/account/mttq.lechan" not in listing.text
    pages = {
        name: await client.get(f"/staff/account/{name}")
        for name in ("so.admin", "mttq.lechan", "pgd.ngoquyen", "khong.co.ai")
    }
    assert {response.status_code for response in pages.values()} == {404}
    assert len({response.content for response in pages.values()}) == 1
    csrf = await _csrf(client, "/staff/account/ht.th-lc1")
    for name in ("so.admin", "pgd.ngoquyen"):
        for action in ("reset", "active"):
            response = await client.post(
                f"/staff/account/{name}/{action}", data={"csrf": csrf, "active": "0"}
            )
            assert response.status_code == 404, (name, action)
    role = await client.post(
        "/staff/account/ht.th-lc1/role", data={"csrf": csrf, "role": "admin", "unit": "SO-HP"}
    )
    assert role.status_code == 403
    assert await StaffUser.count().where(StaffUser.role == "admin") == 1


async def test_no_one_raises_an_account_above_their_own_scope(
    client: httpx.AsyncClient, province: None
) -> None:
    await create_user("qt.lechan", "admin", "XA-LECHAN", PASSWORD)
    await sign_in(client, "qt.lechan")
    csrf = await _csrf(client, "/staff/account/pgd.lechan")
    above = await client.post(
        "/staff/account/pgd.lechan/role", data={"csrf": csrf, "role": "admin", "unit": "SO-HP"}
    )
    assert above.status_code == 422 and "Không tìm thấy đơn vị" in above.text
    assert (await client.get("/staff/account/so.admin")).status_code == 404
    within = await client.post(
        "/staff/account/pgd.lechan/role",
        data={"csrf": csrf, "role": "principal", "unit": "TH-LC2"},
    )
    assert within.status_code == 303
    row = await StaffUser.select(StaffUser.role, StaffUser.unit.code.as_alias("unit")).where(
        StaffUser.username == "pgd.lechan"
    )
    assert row == [{"role": "principal", "unit": "TH-LC2"}]
    not_school = await client.post(
        "/staff/account/ht.th-lc1/role",
        data={"csrf": csrf, "role": "principal", "unit": "XA-LECHAN"},
    )
    assert not_school.status_code == 422


async def test_no_one_deactivates_or_demotes_themselves_or_the_last_root_admin(
    client: httpx.AsyncClient, province: None
) -> None:
    from survey_server.staff.account_services import AccountRefused, change_role, set_active

    await sign_in(client, "so.admin")
    csrf = await _csrf(client, "/staff/accounts")
    for path, data in (
        ("/staff/account/so.admin/active", {"active": "0"}),
        ("/staff/account/so.admin/role", {"role": "staff", "unit": "SO-HP"}),
        ("/staff/account/so.admin/reset", {}),
    ):
        response = await client.post(path, data={**data, "csrf": csrf})
        assert response.status_code == 422, path
    with pytest.raises(AccountRefused):
        await set_active(None, "so.admin", False)
    with pytest.raises(AccountRefused):
        await change_role(None, "so.admin", "admin", "XA-LECHAN")
    await create_user("so.admin2", "admin", "SO-HP", PASSWORD)
    await set_active(None, "so.admin2", False)  # another one remains
    row = await StaffUser.select(StaffUser.active).where(StaffUser.username == "so.admin")
    assert row == [{"active": True}]


async def test_forms_without_the_session_token_change_nothing(
    client: httpx.AsyncClient, province: None
) -> None:
    await sign_in(client, "so.admin")
    for path, data in (
        ("/staff/accounts/bulk", {"unit": "XA-LECHAN"}),
        ("/staff/account/ht.th-lc1/active", {"active": "0"}),
        ("/staff/account/ht.th-lc1/reset", {}),
        ("/staff/account/ht.th-lc1/role", {"role": "admin", "unit": "SO-HP"}),
    ):
        response = await client.post(path, data={**data, "csrf": "forged"})
        assert response.status_code == 403, path
    assert await StaffUser.count() == len(USERS)
    assert await StaffUser.count().where(StaffUser.role == "admin") == 1


async def test_list_search_filters_and_pages(
    client: httpx.AsyncClient, province: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from survey_server.staff import account_services

    monkeypatch.setattr(account_services, "PAGE_SIZE", 10)
    await sign_in(client, "so.admin")
    await bulk(client, "SO-HP")
    by_name = await client.get("/staff/accounts", params={"q": "th-lc1"})
    assert "ht.th-lc1" in by_name.text and "ht.th-nq1" not in by_name.text
    by_unit = await client.get("/staff/accounts", params={"q": "Kim Đồng"})
    assert "ht.th-nq1" in by_unit.text and "ht.th-lc1" not in by_unit.text
    staff = await client.get("/staff/accounts", params={"role": "staff"})
    assert "pgd.lechan" in staff.text and "ht.th-lc1" not in staff.text
    await StaffUser.update({StaffUser.active: False}).where(StaffUser.username == "pgd.lechan")
    inactive = await client.get("/staff/accounts", params={"active": "0"})
    assert "/staff/account/pgd.lechan" in inactive.text
    assert "/staff/account/so.admin" not in inactive.text
    pages = -(-(await StaffUser.count()) // 10)
    second = await client.get("/staff/accounts", params={"page": "2"})
    assert f"Trang 2/{pages}" in second.text
    for hostile in ("-1", "99999999999", "abc", "%00"):
        assert (await client.get("/staff/accounts", params={"page": hostile})).status_code == 200
    assert (await client.get("/staff/accounts", params={"q": "%" * 500})).status_code == 200
