"""``survey-server users``: staff accounts, for scripts (the workspace does the same in a browser).

The command line acts as the server's operator: it reaches every account, and its actions are
audited under ``(dòng lệnh)``. Sheets of one-time codes are written readable by the current
account only, like the database files. Registered by ``cli.py``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from survey_server.cli_i18n import LocalizedGroup, option
from survey_server.commands import common_data, common_db, prepare, settings_for
from survey_server.config import Settings
from survey_server.errors import AppError
from survey_server.i18n import N_
from survey_server.staff.account_bulk import AccountsFileInvalid

T = TypeVar("T")


@click.group(cls=LocalizedGroup, help=N_("Tài khoản cán bộ."))
def users() -> None:
    pass


def _run(settings: Settings, work: Callable[[], Coroutine[Any, Any, T]], missing: str = "") -> T:
    """Migrate the database, then run ``work``; a refusal is the command's error message,
    ``missing`` the one for an account or unit that does not exist."""
    from survey_server.errors import NotFound

    async def migrated() -> T:
        await prepare(settings)
        return await work()

    try:
        return asyncio.run(migrated())
    except NotFound as error:
        raise click.ClickException(missing or error.text("vi")) from None
    except AppError as error:
        if isinstance(error, AccountsFileInvalid):
            raise
        raise click.ClickException(error.text("vi")) from None


def _write_sheets(settings: Settings, issued: list[Any], output: Path) -> None:
    from survey_server.staff.codes_pdf import render_code_sheets

    content = render_code_sheets(issued, settings.base_url)
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    click.echo(
        f"Đã tạo {len(issued)} tài khoản; mã đăng nhập lần đầu ở tệp {output} (chỉ in một lần)."
    )


@users.command(
    "create", help=N_("Tạo tài khoản cán bộ gắn với một đơn vị; in mật khẩu một lần nếu tự tạo.")
)
@click.argument("username")
@option("--role", required=True, type=click.Choice(["admin", "staff", "principal", "partner"]))
@option("--unit", required=True, help=N_("Mã đơn vị: phạm vi của tài khoản"))
@option("--partner", default=None, help=N_("Tên tổ chức đối tác (vai trò partner)"))
@option("--password-stdin", is_flag=True, help=N_("Đọc mật khẩu từ stdin thay vì tạo ngẫu nhiên"))
@common_db
@common_data
def users_create(
    username: str,
    role: str,
    unit: str,
    partner: str | None,
    password_stdin: bool,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.staff.passwords import new_password
    from survey_server.staff.services import create_user

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else new_password()
    _run(settings, lambda: create_user(username, role, unit, password, partner))
    click.echo(f"Đã tạo tài khoản {username.strip().lower()} ({role}, {unit.strip().upper()}).")
    if not password_stdin:
        click.echo(f"Mật khẩu (chỉ in một lần): {password}")


@users.command("list", help=N_("Liệt kê các tài khoản: tên, vai trò, đơn vị, trạng thái."))
@common_db
@common_data
def users_list(database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.staff.tables import StaffUser

    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def rows() -> list[dict[str, Any]]:
        return await StaffUser.select(
            StaffUser.username,
            StaffUser.role,
            StaffUser.active,
            StaffUser.code_hash,
            StaffUser.unit.code.as_alias("unit"),
        ).order_by(StaffUser.username)

    for row in _run(settings, rows):
        state = (
            "đã khóa"
            if not row["active"]
            else "chờ đăng nhập lần đầu"
            if row["code_hash"]
            else "hoạt động"
        )
        click.echo(f"{row['username']}\t{row['role']}\t{row['unit']}\t{state}")


@users.command(
    "deactivate", help=N_("Khóa một tài khoản; các phiên đăng nhập của nó bị đóng ngay.")
)
@click.argument("username")
@common_db
@common_data
def users_deactivate(username: str, database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.staff.account_services import set_active

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    account = _run(
        settings, lambda: set_active(None, username, False), f"Không có tài khoản {username}."
    )
    click.echo(f"Đã khóa tài khoản {account['username']}.")


@users.command(
    "reset", help=N_("Cấp mã đăng nhập lần đầu mới (in một lần); mật khẩu cũ thôi dùng được.")
)
@click.argument("username")
@common_db
@common_data
def users_reset(username: str, database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.staff.account_services import reset
    from survey_server.staff.sign_in_codes import CODE_DAYS, spaced

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    issued = _run(
        settings,
        lambda: reset(None, username, settings.secret_key),
        f"Không có tài khoản {username}.",
    )
    click.echo(
        f"Mã đăng nhập lần đầu của {issued.username} (chỉ in một lần, dùng được {CODE_DAYS} ngày): {spaced(issued.code)}"
    )


@users.command(
    "import", help=N_("Tạo tài khoản từ tệp CSV (tất cả hoặc không gì cả) và in mã ra PDF.")
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
        help=N_("Tệp PDF mã đăng nhập lần đầu"))  # fmt: skip
@common_db
@common_data
def users_import(file: Path, output: Path, database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.staff.account_bulk import import_accounts

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    data = file.read_bytes()
    try:
        issued = _run(
            settings, lambda: import_accounts(None, data, settings.secret_key, settings.timezone)
        )
    except AccountsFileInvalid as error:
        click.echo(f"{file}: {error.text('vi')}", err=True)
        for problem in error.problems:
            click.echo(f"{file}: {problem}", err=True)
        sys.exit(1)
    _write_sheets(settings, issued, output)


@users.command(
    "bulk-create",
    help=N_(
        "Tạo tài khoản hiệu trưởng cho mọi trường chưa có tài khoản của một đơn vị, in mã ra PDF."
    ),
)
@option("--unit", required=True, help=N_("Mã đơn vị (Sở, phòng hoặc xã, phường)"))
@option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
        help=N_("Tệp PDF mã đăng nhập lần đầu"))  # fmt: skip
@common_db
@common_data
def users_bulk_create(
    unit: str, output: Path, database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.staff.account_bulk import bulk_create_principals

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    issued = _run(
        settings,
        lambda: bulk_create_principals(None, unit, settings.secret_key, settings.timezone),
        f"Không có đơn vị {unit.strip().upper()}.",
    )
    _write_sheets(settings, issued, output)
