"""``survey-server units``: the unit tree from a CSV file.

Registered by ``cli.py``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from survey_server.cli_i18n import LocalizedGroup
from survey_server.commands import common_data, common_db, prepare, settings_for
from survey_server.errors import AppError
from survey_server.i18n import N_


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
