"""Staff accounts: sign-in with CSRF and throttling, sessions, sign-out, password change,
``survey-server users create`` and the demo administrator (both engines)."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from click.testing import CliRunner

from survey_server.cli import main
from survey_server.config import Settings
from survey_server.demo.setup import DEMO_UNITS
from survey_server.staff.services import AccountInvalid, create_user
from survey_server.staff.tables import AuditEvent, SignInGuard, StaffSession, StaffUser
from survey_server.units.services import import_units
from tests.conftest import Database
from tests.staff import PASSWORD, csrf_of, sign_in


@pytest.fixture
async def accounts(db: Database) -> None:
    await import_units(DEMO_UNITS)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("hieutruong", "principal", "TH-LC1", PASSWORD)


async def test_sign_in_opens_a_session_with_a_safe_cookie(
    client: httpx.AsyncClient, accounts: None
) -> None:
    response = await sign_in(client, "so.admin")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/"
    cookie = next(
        value for key, value in response.headers.multi_items() if value.startswith("ln_staff=")
    )
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    token = cookie.split(";")[0].split("=", 1)[1]
    stored = await StaffSession.select(StaffSession.token_hash)
    assert [row["token_hash"] for row in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    home = await client.get("/staff/")
    assert home.status_code == 200
    assert "HL-PT-2026" not in home.text  # no campaign yet, but the page is the workspace
    assert "Các đợt khảo sát" in home.text
    assert home.headers["cache-control"] == "no-store"


async def test_pages_need_a_session(client: httpx.AsyncClient, accounts: None) -> None:
    response = await client.get("/staff/password")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=/staff/password"
    client.cookies.set("ln_staff", "khong-phai-phien")
    forged = await client.get("/staff/")
    assert forged.status_code == 303


async def test_sign_in_without_the_page_token_is_refused(
    client: httpx.AsyncClient, accounts: None
) -> None:
    await client.get("/staff/login")
    response = await client.post(
        "/staff/login", data={"username": "so.admin", "password": PASSWORD, "csrf": "gia-mao"}
    )
    assert response.status_code == 403
    assert "Trang đã hết hạn" in response.text
    assert await StaffSession.count() == 0


async def test_wrong_passwords_are_throttled(client: httpx.AsyncClient, accounts: None) -> None:
    for _ in range(5):
        response = await sign_in(client, "so.admin", "sai-mat-khau-roi")
        assert response.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    locked = await sign_in(client, "so.admin")  # a new browser waits, even with the password
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.text
    unknown = await sign_in(client, "khong-co-ai", "sai-mat-khau-roi")
    assert unknown.status_code == 401  # the same answer as a wrong password
    assert await SignInGuard.count() == 1  # made-up names leave nothing behind


async def test_a_stranger_cannot_lock_the_owner_out(
    client: httpx.AsyncClient, accounts: None
) -> None:
    """The owner's browser has signed in before; a stranger's failures, from any number of
    processes (the count is in the database), never touch it."""
    owner = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    assert (await sign_in(owner, "so.admin")).status_code == 303
    await owner.post("/staff/logout", data={"csrf": csrf_of((await owner.get("/staff/")).text)})
    for _ in range(12):  # the stranger, on another browser
        client.cookies.clear()
        await sign_in(client, "so.admin", "doan-mat-khau")
    client.cookies.clear()
    assert (await sign_in(client, "so.admin")).status_code == 429
    assert (await sign_in(owner, "so.admin")).status_code == 303  # the owner: at once
    forged = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    forged.cookies.set("ln_device", "abc.0123456789abcdef0123456789abcdef")
    assert (await sign_in(forged, "so.admin")).status_code == 429  # a made-up cookie: no


async def test_next_never_leaves_the_workspace(client: httpx.AsyncClient, accounts: None) -> None:
    for target in ("https://evil.example/", "//evil.example/staff/", "/s/ABC", "/staff/password"):
        client.cookies.clear()
        response = await sign_in(client, "so.admin", next=target)
        expected = target if target == "/staff/password" else "/staff/"
        assert response.headers["location"] == expected


async def test_sign_out_needs_the_token_and_ends_the_session(
    client: httpx.AsyncClient, accounts: None
) -> None:
    await sign_in(client, "so.admin")
    home = await client.get("/staff/")
    refused = await client.post("/staff/logout", data={})
    assert refused.status_code == 403
    response = await client.post("/staff/logout", data={"csrf": csrf_of(home.text)})
    assert response.status_code == 303
    assert await StaffSession.count() == 0
    client.cookies.clear()
    assert (await client.get("/staff/")).status_code == 303


async def test_password_change(
    client: httpx.AsyncClient, accounts: None, settings: Settings
) -> None:
    other = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    await sign_in(other, "hieutruong")
    await sign_in(client, "hieutruong")
    page = await client.get("/staff/password")
    csrf = csrf_of(page.text)
    wrong = await client.post(
        "/staff/password",
        data={
            "csrf": csrf,
            "current": "khong-dung-1",
            "new": "moi-moi-moi-1",
            "repeat": "moi-moi-moi-1",
        },
    )
    assert wrong.status_code == 422 and "mật khẩu hiện tại không đúng" in wrong.text
    short = await client.post(
        "/staff/password", data={"csrf": csrf, "current": PASSWORD, "new": "ngan", "repeat": "ngan"}
    )
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.text
    done = await client.post(
        "/staff/password",
        data={"csrf": csrf, "current": PASSWORD, "new": "moi-moi-moi-1", "repeat": "moi-moi-moi-1"},
    )
    assert done.status_code == 200 and "Đã đổi mật khẩu" in done.text
    assert (await other.get("/staff/")).status_code == 303  # the other session was closed
    assert (await client.get("/staff/")).status_code == 200
    client.cookies.clear()
    assert (await sign_in(client, "hieutruong")).status_code == 401
    assert (await sign_in(client, "hieutruong", "moi-moi-moi-1")).status_code == 303
    actions = [row["action"] for row in await AuditEvent.select(AuditEvent.action)]
    assert "password_changed" in actions
    await other.aclose()


async def test_accounts_are_validated(accounts: None) -> None:
    for username, role, unit, password, partner in [
        ("Có Dấu", "staff", "SO-HP", PASSWORD, None),
        ("ok.name", "boss", "SO-HP", PASSWORD, None),
        ("ok.name", "staff", "SO-HP", "ngan", None),
        ("so.admin", "staff", "SO-HP", PASSWORD, None),
        ("mttq", "partner", "SO-HP", PASSWORD, None),
    ]:
        with pytest.raises(AccountInvalid):
            await create_user(username, role, unit, password, partner)
    assert await StaffUser.count() == 2


def test_users_create_command(settings: Settings, db: Database) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": settings.resolved_database_url, "SECRET_KEY": "x"}
    units = runner.invoke(main, ["units", "import", str(DEMO_UNITS)], env=env)
    assert units.exit_code == 0, units.output
    created = runner.invoke(
        main, ["users", "create", "pgd.lechan", "--role", "staff", "--unit", "XA-LECHAN"], env=env
    )
    assert created.exit_code == 0, created.output
    assert "Mật khẩu (chỉ in một lần):" in created.output
    stdin = runner.invoke(
        main,
        [
            "users",
            "create",
            "mttq.lechan",
            "--role",
            "partner",
            "--unit",
            "XA-LECHAN",
            "--partner",
            "Ủy ban MTTQ phường Lê Chân",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        env=env,
    )
    assert stdin.exit_code == 0, stdin.output
    assert PASSWORD not in stdin.output
    duplicate = runner.invoke(
        main, ["users", "create", "pgd.lechan", "--role", "staff", "--unit", "XA-LECHAN"], env=env
    )
    assert duplicate.exit_code == 1
    assert "tên đăng nhập đã có" in duplicate.output
    unknown = runner.invoke(
        main, ["users", "create", "ai.do", "--role", "staff", "--unit", "KHONG-CO"], env=env
    )
    assert unknown.exit_code == 1
    assert "Không tìm thấy đơn vị" in unknown.output
