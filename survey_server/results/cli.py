"""``survey-server results``: signed results packages between installations
(docs/RESULTS-PACKAGE.md). Registered by ``cli.py``."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click

from survey_server.cli_i18n import LocalizedGroup, option
from survey_server.commands import common_data, common_db, prepare, run, settings_for
from survey_server.errors import AppError
from survey_server.i18n import N_


@click.group(
    cls=LocalizedGroup,
    help=N_("Gói kết quả có chữ ký: tổng hợp chỉ số của nhiều tỉnh mà không gửi phiếu nào."),
)
def results() -> None:
    pass


@results.command("export", help=N_("Xuất gói kết quả có chữ ký của một đợt khảo sát."))
@click.argument("campaign")
@option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Tệp gói kết quả (.json, hoặc .json.gz để nén)"),
)
@common_db
@common_data
def results_export(
    campaign: str, output: Path, database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.cli import _write_atomically
    from survey_server.results.package import build_package, encode

    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def work() -> dict[str, Any]:
        await prepare(settings)
        return await build_package(campaign, settings.data_dir)

    package = run(work)
    _write_atomically(output, encode(package, compressed=output.suffix.lower() == ".gz"))
    units = package["payload"]["units"]
    click.echo(
        f"Đã ghi {output}: đợt {package['payload']['campaign']['code']}, {len(units)} đơn vị, "
        f"{sum(unit['tally']['n'] for unit in units)} phiếu, "
        f"khóa {package['signature']['key']}."
    )


@results.command("import", help=N_("Kiểm tra và nhập các gói kết quả (tất cả hoặc không gói nào)."))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@common_db
@common_data
def results_import(
    files: tuple[Path, ...], database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.results.merge import (
        MAX_BYTES,
        TOO_LARGE,
        PackageRefused,
        import_packages,
    )

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    contents = []
    for position, file in enumerate(files):
        try:
            if file.stat().st_size > MAX_BYTES:
                raise PackageRefused(TOO_LARGE, limit=MAX_BYTES // 2**20, position=position)
            contents.append(file.read_bytes())
        except OSError as error:
            raise click.ClickException(f"Không đọc được {file}: {error.strerror}") from None
        except PackageRefused as error:
            _refused(files, error)

    async def work() -> Any:
        await prepare(settings)
        return await import_packages(contents)

    try:
        imported = asyncio.run(work())
    except PackageRefused as error:
        _refused(files, error)
    except AppError as error:
        raise click.ClickException(error.text("vi")) from None
    for file, package in zip(files, imported, strict=True):
        click.echo(
            f"Đã nhập {file}: đợt {package.campaign} của {package.payload['root']} "
            f"(khóa {package.key_name}), {len(package.tallies)} đơn vị."
        )


def _refused(files: tuple[Path, ...], error: Any) -> None:
    """Say which file was refused and why, and stop with a failure (nothing was stored)."""
    click.echo(f"{files[error.params['position']]}: {error.text('vi')}", err=True)
    click.echo("Không gói nào được nhập.", err=True)
    sys.exit(1)


@results.command("scores", help=N_("Chỉ số tổng hợp từ mọi gói kết quả đã nhập."))
@option("--json", "as_json", is_flag=True, help=N_("In kết quả dạng JSON (docs/scoring.md)"))
@common_db
@common_data
def results_scores(as_json: bool, database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.results.merge import current_rollup, questionnaire_of
    from survey_server.results.summary import scores_json, summary_markdown

    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def work() -> Any:
        await prepare(settings)
        rollup = await current_rollup()
        return rollup, await questionnaire_of(rollup)

    rollup, questionnaire = run(work)
    if as_json:
        click.echo(json.dumps(scores_json(rollup), ensure_ascii=False, indent=2))
    else:
        click.echo(summary_markdown(rollup, questionnaire), nl=False)


@results.command("key", help=N_("In khóa công khai của hệ thống này (gửi cho nơi tổng hợp)."))
@common_data
def results_key(data_dir: Path | None) -> None:
    from survey_server.results.signing import fingerprint, public_text, signing_key

    settings = settings_for(data_dir=data_dir)
    public = public_text(signing_key(settings.data_dir).public_key())
    click.echo(f"ed25519 {public}")
    click.echo(f"# dấu vân tay: {fingerprint(public)}", err=True)


@results.command("trust", help=N_("Tin cậy khóa công khai của một hệ thống gửi gói kết quả."))
@click.argument("name")
@click.argument("public_key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@common_db
@common_data
def results_trust(
    name: str, public_key_file: Path, database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.results.trust import trust

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    text = public_key_file.read_text(encoding="utf-8", errors="replace")[:10_000]

    async def work() -> str:
        await prepare(settings)
        return await trust(name, text)

    click.echo(f"Đã tin cậy khóa {run(work)} ({name.strip()}).")
