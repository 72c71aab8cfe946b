"""Accounts from a CSV file, the audit view and the ``users`` commands. Both engines."""

from __future__ import annotations

import html

import httpx
import pytest
from click.testing import CliRunner

from survey_server.cli import main
from survey_server.config import Settings
from survey_server.staff.tables import StaffUser
from tests.conftest import Database
from tests.server.test_accounts import USERS, codes_of, pdf_text, province  # noqa: F401
from tests.staff import PASSWORD, csrf_of, sign_in

GOOD = (
    "\ufeffusername;role;unit;partner\n"
    "ht.mn-lc1;principal;MN-LC1;\n"
    "cb.lechan;staff;xa-lechan;\n"
    "doan.lechan;partner;XA-LECHAN;Đoàn Thanh niên phường Lê Chân\n"
)


async def upload(client: httpx.AsyncClient, content: bytes, name: str = "tk.csv") -> httpx.Response:
    csrf = csrf_of((await client.get("/staff/accounts/setup")).text)
    return await client.post(
        "/staff/accounts/import",
        data={"csrf": csrf},
        files={"file": (name, content, "text/csv")},
    )


@pytest.mark.usefixtures("province")
async def test_a_good_file_creates_every_account_and_prints_their_codes(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "so.admin")
    response = await upload(client, GOOD.encode())
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    for name in ("ht.mn-lc1", "cb.lechan", "doan.lechan"):
        assert name in text
    rows = {
        row["username"]: row
        for row in await StaffUser.select(
            StaffUser.username, StaffUser.role, StaffUser.partner, StaffUser.unit.code
        ).where(StaffUser.username.is_in(["ht.mn-lc1", "cb.lechan", "doan.lechan"]))
    }
    assert rows["cb.lechan"]["role"] == "staff"
    assert rows["doan.lechan"]["partner"] == "Đoàn Thanh niên phường Lê Chân"
    code = codes_of(text)["ht.mn-lc1"]
    client.cookies.clear()
    assert (await sign_in(client, "ht.mn-lc1", code)).headers["location"] == "/staff/password"


@pytest.mark.usefixtures("province")
async def test_a_bad_file_lists_every_row_and_creates_nothing(client: httpx.AsyncClient) -> None:
    await sign_in(client, "so.admin")
    bad = (
        "username,role,unit,partner\n"
        "ht.mn-lc2,principal,MN-LC2,\n"  # fine on its own
        "Có Dấu,staff,XA-LECHAN,\n"
        "ht.mn-lc2,principal,MN-LC2,\n"
        "so.admin,staff,XA-LECHAN,\n"
        "x.boss,boss,XA-LECHAN,\n"
        "x.nowhere,staff,KHONG-CO,\n"
        "x.school,principal,XA-LECHAN,\n"
        "x.partner,partner,XA-LECHAN,\n"
        "x.extra,staff,XA-LECHAN,Hội Phụ nữ\n"
        "x.short,staff\n"
    )
    response = await upload(client, bad.encode())
    assert response.status_code == 422
    for row in range(3, 12):
        assert f"Dòng {row}:" in response.text, row
    assert "Dòng 2:" not in response.text
    assert await StaffUser.count() == len(USERS)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "tệp trống"),
        (b"\xff\xfe\x00u\x00s", "UTF-8"),
        (b"name,kind\nx,y\n", "cột 'username'"),
        (b"username,role,unit\n", "tệp trống"),
        (("username,role,unit\n" + "a.b,staff,SO-HP\n" * 5001).encode(), "5.000"),
        (b"username,role,unit\n" + b"x" * (1024 * 1024), "1 MB"),
    ],
)
@pytest.mark.usefixtures("province")
async def test_unreadable_files_are_explained(
    client: httpx.AsyncClient, content: bytes, expected: str
) -> None:
    await sign_in(client, "so.admin")
    response = await upload(client, content)
    assert response.status_code == 422
    assert expected in html.unescape(response.text)
    assert await StaffUser.count() == len(USERS)


@pytest.mark.usefixtures("province")
async def test_an_oversized_body_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    await sign_in(client, "so.admin")
    response = await upload(client, b"a" * (3 * 1024 * 1024))
    assert response.status_code == 413


@pytest.mark.usefixtures("province")
async def test_only_administrators_import_and_only_inside_their_scope(
    client: httpx.AsyncClient,
) -> None:
    from survey_server.staff.services import create_user

    await sign_in(client, "pgd.lechan")
    assert (await upload(client, GOOD.encode())).status_code == 403
    await create_user("qt.ngoquyen", "admin", "XA-NGOQUYEN", PASSWORD)
    client.cookies.clear()
    await sign_in(client, "qt.ngoquyen")
    response = await upload(client, GOOD.encode())
    assert response.status_code == 422
    assert "Dòng 2: không tìm thấy đơn vị 'MN-LC1'" in html.unescape(response.text)
    assert await StaffUser.count() == len(USERS) + 1


@pytest.mark.usefixtures("province")
async def test_the_audit_view_shows_who_did_what_and_no_secret(client: httpx.AsyncClient) -> None:
    await sign_in(client, "so.admin")
    sheet = await upload(client, GOOD.encode())
    codes = codes_of(pdf_text(sheet.content))
    csrf = csrf_of((await client.get("/staff/account/cb.lechan")).text)
    await client.post("/staff/account/cb.lechan/active", data={"csrf": csrf, "active": "0"})
    reset = await client.post("/staff/account/cb.lechan/reset", data={"csrf": csrf})
    assert reset.status_code == 200
    page = await client.get("/staff/audit")
    assert page.status_code == 200
    for label in ("Tạo tài khoản hàng loạt", "In mã đăng nhập lần đầu", "Khóa tài khoản",
                  "Cấp lại mã đăng nhập"):  # fmt: skip
        assert label in page.text, label
    for code in codes.values():
        assert code.replace(" ", "") not in page.text
    only = await client.get("/staff/audit", params={"action": "account_deactivated"})
    assert "cb.lechan" in only.text and "In mã đăng nhập lần đầu</td>" not in only.text
    nobody = await client.get("/staff/audit", params={"user": "khong.co.ai"})
    assert "Không có thao tác nào" in nobody.text
    for hostile in ({"page": "-3"}, {"action": "x" * 500}, {"user": "%" * 100}):
        assert (await client.get("/staff/audit", params=hostile)).status_code == 200


@pytest.mark.usefixtures("province")
async def test_an_office_administrator_reads_only_its_subtree_events(
    client: httpx.AsyncClient,
) -> None:
    from survey_server.staff.services import audit, create_user

    ngoquyen = await create_user("qt.ngoquyen", "admin", "XA-NGOQUYEN", PASSWORD)
    lechan = (await StaffUser.select(StaffUser.id).where(StaffUser.username == "pgd.lechan"))[0]
    await audit(lechan["id"], "pgd.lechan", "responses_exported", {"campaign": "LECHAN-ONLY"})
    await audit(ngoquyen, "qt.ngoquyen", "responses_exported", {"campaign": "NGOQUYEN-ONLY"})
    await sign_in(client, "qt.ngoquyen")
    page = await client.get("/staff/audit")
    assert "NGOQUYEN-ONLY" in page.text and "LECHAN-ONLY" not in page.text
    assert "(dòng lệnh)" not in page.text
    client.cookies.clear()
    await sign_in(client, "so.admin")
    assert "LECHAN-ONLY" in (await client.get("/staff/audit")).text


def test_users_commands(settings: Settings, db: Database, tmp_path) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": settings.resolved_database_url, "SECRET_KEY": "test-secret"}
    from survey_server.demo.setup import DEMO_UNITS

    assert runner.invoke(main, ["units", "import", str(DEMO_UNITS)], env=env).exit_code == 0
    sheet = tmp_path / "ma.pdf"
    created = runner.invoke(
        main, ["users", "bulk-create", "--unit", "XA-LECHAN", "-o", str(sheet)], env=env
    )
    assert created.exit_code == 0, created.output
    assert sheet.stat().st_mode & 0o077 == 0
    codes = codes_of(pdf_text(sheet.read_bytes()))
    assert "ht.th-lc1" in codes
    again = runner.invoke(
        main, ["users", "bulk-create", "--unit", "XA-LECHAN", "-o", str(sheet)], env=env
    )
    assert again.exit_code == 1 and "đã có tài khoản" in again.output
    nowhere = runner.invoke(
        main, ["users", "bulk-create", "--unit", "KHONG-CO", "-o", str(sheet)], env=env
    )
    assert nowhere.exit_code == 1 and "Không có đơn vị KHONG-CO" in nowhere.output
    listed = runner.invoke(main, ["users", "list"], env=env)
    assert "ht.th-lc1\tprincipal\tTH-LC1\tchờ đăng nhập lần đầu" in listed.output
    reset = runner.invoke(main, ["users", "reset", "ht.th-lc1"], env=env)
    assert reset.exit_code == 0 and "chỉ in một lần" in reset.output
    off = runner.invoke(main, ["users", "deactivate", "ht.th-lc1"], env=env)
    assert off.exit_code == 0, off.output
    assert (
        "ht.th-lc1\tprincipal\tTH-LC1\tđã khóa"
        in runner.invoke(main, ["users", "list"], env=env).output
    )
    missing = runner.invoke(main, ["users", "deactivate", "khong.co"], env=env)
    assert missing.exit_code == 1 and "Không có tài khoản khong.co" in missing.output
    accounts = tmp_path / "tk.csv"
    accounts.write_text("username,role,unit\nqt.so,admin,SO-HP\nbad name,staff,SO-HP\n")
    refused = runner.invoke(main, ["users", "import", str(accounts), "-o", str(sheet)], env=env)
    assert refused.exit_code == 1 and "Dòng 3:" in refused.output
    accounts.write_text("username,role,unit\nqt.so,admin,SO-HP\n")
    imported = runner.invoke(main, ["users", "import", str(accounts), "-o", str(sheet)], env=env)
    assert imported.exit_code == 0, imported.output
    assert "qt.so" in pdf_text(sheet.read_bytes())
