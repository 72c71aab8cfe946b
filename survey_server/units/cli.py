"""``survey-server units``: the unit tree from a CSV file.

Registered by ``cli.py``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from survey_server.cli_i18n import LocalizedGroup
from survey_server.commands import common_data, common_db, prepare, settings_for
from survey_server.errors import AppError
from survey_server.i18n import N_

if TYPE_CHECKING:
    from survey_server.units.reorganisation import MergePlan

T = TypeVar("T")


@click.group(cls=LocalizedGroup, help=N_("Cây đơn vị: Sở, xã/phường, trường, lớp."))
def units() -> None:
    pass


@units.command(
    "import", help=N_("Tạo mới hoặc cập nhật đơn vị từ tệp CSV (tất cả hoặc không gì cả).")
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@common_db
@common_data
def units_import(file: Path, database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.units.services import UnitFileInvalid, import_units

    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def run() -> Any:
        await prepare(settings)
        return await import_units(file)

    try:
        outcome = asyncio.run(run())
    except UnitFileInvalid as error:
        click.echo(f"{file}: {error.text('vi')}", err=True)
        for item in error.row_errors:
            click.echo(f"{file}: {item.render()}", err=True)
        sys.exit(1)
    except AppError as error:
        raise click.ClickException(error.text("vi")) from None
    click.echo(f"Đã nhập {outcome.created} đơn vị mới, cập nhật {outcome.updated} đơn vị.")


#: Who the audit trail names for a reorganisation made from the command line.
CLI_ACTOR = "survey-server"
#: How the command line names the fields of a reorganisation's problems.
OPTIONS = {
    "olds": "OLD",
    "target": "--into",
    "name": "--name",
    "effective": "--from",
    "unit": "CODE",
}


@units.command(
    "merge",
    help=N_(
        "Sáp nhập đơn vị OLD... vào đơn vị CODE (có sẵn, hoặc tạo mới với --name) từ một ngày."
    ),
)
@click.argument("olds", nargs=-1, required=True)
@click.option("--into", "target", required=True, help=N_("Mã đơn vị nhận sáp nhập."))
@click.option("--from", "effective", required=True, help=N_("Ngày hiệu lực, dạng 2025-07-01."))
@click.option("--name", default="", help=N_("Tên đơn vị mới (khi CODE chưa có)."))
@click.option("--dry-run", is_flag=True, help=N_("Chỉ in những gì sẽ thay đổi."))
@common_db
@common_data
def units_merge(
    olds: tuple[str, ...],
    target: str,
    effective: str,
    name: str,
    dry_run: bool,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.units.reorganisation import MergeRequest, merge, plan_merge

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    request = MergeRequest(list(olds), target, effective, name)

    async def work() -> Any:
        await prepare(settings)
        if dry_run:
            return await plan_merge(request)
        return await merge(request, None, user_id=None, username=CLI_ACTOR)

    plan = _reorganise(work)
    for line in merge_lines(plan):
        click.echo(line)
    if not dry_run:
        click.echo(f"Đã sáp nhập {len(plan.olds)} đơn vị vào {plan.target_code}.")


@units.command(
    "rename", help=N_("Đổi tên đơn vị CODE, giữ nguyên mã, từ một ngày (hôm nay hoặc trước đó).")
)
@click.argument("code")
@click.option("--name", required=True, help=N_("Tên mới."))
@click.option("--from", "effective", required=True, help=N_("Ngày hiệu lực, dạng 2025-07-01."))
@click.option("--dry-run", is_flag=True, help=N_("Chỉ in những gì sẽ thay đổi."))
@common_db
@common_data
def units_rename(
    code: str,
    name: str,
    effective: str,
    dry_run: bool,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.timekeeping import today
    from survey_server.units.reorganisation import plan_rename, rename

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    day = today(settings.timezone)

    async def work() -> Any:
        await prepare(settings)
        if dry_run:
            return await plan_rename(code, name, effective, scope_path="/", today=day)
        return await rename(
            code,
            name,
            effective,
            None,
            scope_path="/",
            today=day,
            user_id=None,
            username=CLI_ACTOR,
        )

    plan = _reorganise(work)
    click.echo(f"{plan.unit['code']}: “{plan.unit['name']}” → “{plan.name}” từ {plan.effective}.")
    for line in campaign_lines(plan.campaigns):
        click.echo(line)
    if not dry_run:
        click.echo("Đã đổi tên.")


def _reorganise(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a reorganisation; each of its problems is a line on stderr and the exit code 1."""
    from survey_server.units.reorganisation import ReorganisationInvalid

    try:
        return asyncio.run(work())
    except ReorganisationInvalid as error:
        click.echo(error.text("vi"), err=True)
        for field, texts in error.problems("vi").items():
            for text in texts:
                click.echo(f"{OPTIONS[field]}: {text}", err=True)
        sys.exit(1)
    except AppError as error:
        raise click.ClickException(error.text("vi")) from None


def merge_lines(plan: MergePlan) -> list[str]:
    """The preview of a merge, as the command line prints it."""
    olds = ", ".join(old["code"] for old in plan.olds)
    state = "đơn vị có sẵn" if plan.target_exists else "đơn vị mới"
    lines = [
        f"Sáp nhập {olds} vào {plan.target_code} “{plan.target_name}” ({state}) "
        f"từ {plan.effective}."
    ]
    lines += [f"  {item.code} → {item.new_code} ({item.name})" for item in plan.continued]
    lines += campaign_lines(plan.campaigns)
    if plan.accounts:
        names = ", ".join(plan.accounts)
        lines.append(f"Tài khoản giữ đơn vị cũ (chuyển sang đơn vị mới nếu cần): {names}")
    return lines


def campaign_lines(campaigns: list[dict[str, Any]]) -> list[str]:
    """The campaigns a reorganisation concerns: their numbers and reports stay as they are."""
    return [
        f"  đợt {row['code']} ({row['opens_on']} – {row['closes_on']}, {row['status']}): "
        "điểm và báo cáo giữ nguyên"
        for row in campaigns
    ]
