"""``survey-server users``: staff accounts, for scripts (the workspace does the same in a browser).

Registered by ``cli.py``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from survey_server.cli_i18n import LocalizedGroup, option
from survey_server.commands import common_data, common_db, prepare, settings_for
from survey_server.i18n import N_


@click.group(cls=LocalizedGroup, help=N_("Tài khoản cán bộ."))
def users() -> None:
    pass


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

    async def run() -> int:
        await prepare(settings)
        return await create_user(username, role, unit, password, partner)

    run(run)
    click.echo(f"Đã tạo tài khoản {username.strip().lower()} ({role}, {unit.strip().upper()}).")
    if not password_stdin:
        click.echo(f"Mật khẩu (chỉ in một lần): {password}")
