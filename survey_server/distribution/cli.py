"""``survey-server tokens``: single-use codes printed one per slip (registered by ``cli.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from survey_server.cli_i18n import LocalizedGroup, option
from survey_server.commands import common_data, common_db, prepare, run, settings_for
from survey_server.i18n import N_

NO_LABEL = (
    "Mã dùng một lần không mang nhãn: phiếu chỉ in tên đơn vị, không bao giờ tên người. "
    "Để in phiếu cho một lớp, hãy tạo mã cho đơn vị lớp (--unit TH-LC1-1A)."
)


@click.group(
    cls=LocalizedGroup, help=N_("Mã dùng một lần in trên phiếu phát tay (cho đợt yêu cầu mã).")
)
def tokens() -> None:
    pass


@tokens.command(
    "issue",
    help=N_("Tạo N mã dùng một lần cho một đơn vị và in ra phiếu (mỗi phiếu một mã QR riêng)."),
)
@click.argument("campaign")
@option("--unit", required=True, help=N_("Mã đơn vị (trường hoặc lớp)"))
@option("--count", type=click.IntRange(1, 5000), required=True, help=N_("Số phiếu cần tạo"))
@click.option(
    "--channel", default="paper", type=click.Choice(["qr_meeting", "paper", "partner", "web"])
)
@click.option("--label", default=None, hidden=True)
@option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=N_("Tệp PDF phiếu phát tay"),
)
@common_db
@common_data
def tokens_issue(
    campaign: str,
    unit: str,
    count: int,
    channel: str,
    label: str | None,
    output: Path,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.distribution.kit import token_kit_links, write_token_slips
    from survey_server.distribution.tokens import issue_tokens

    if label is not None:
        raise click.UsageError(NO_LABEL)
    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def issue() -> list[Any]:
        await prepare(settings)
        issued = set(await issue_tokens(campaign, unit, count, settings.timezone, channel))
        return [
            link
            for link in await token_kit_links(campaign, settings.base_url, unit)
            if link.code in issued
        ]

    try:  # refuse an output that cannot be written before any token is created
        output.parent.mkdir(parents=True, exist_ok=True)
        output.touch()
    except OSError as error:
        raise click.ClickException(f"Không ghi được tệp {output}: {error.strerror}") from None
    found = run(issue)
    write_token_slips(found, output)
    click.echo(f"Đã tạo {len(found)} mã; phiếu in: {output}")


@tokens.command("print", help=N_("In lại phiếu cho các mã chưa dùng và chưa bị hủy."))
@click.argument("campaign")
@click.option("--unit", default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@common_db
@common_data
def tokens_print(
    campaign: str, unit: str | None, output: Path, database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.distribution.kit import token_kit_links, write_token_slips

    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def unused() -> list[Any]:
        await prepare(settings)
        return await token_kit_links(campaign, settings.base_url, unit)

    found = run(unused)
    if not found:
        raise click.ClickException("Không còn mã nào chưa dùng để in.")
    write_token_slips(found, output)
    click.echo(f"Đã in lại {len(found)} phiếu: {output}")


@tokens.command("revoke", help=N_("Hủy các mã chưa dùng (ví dụ phiếu bị mất)."))
@click.argument("codes", nargs=-1, required=True)
@common_db
@common_data
def tokens_revoke(codes: tuple[str, ...], database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.distribution.tokens import revoke_tokens

    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def revoke() -> int:
        await prepare(settings)
        return await revoke_tokens(list(codes))

    revoked = run(revoke)
    click.echo(f"Đã hủy {revoked}/{len(codes)} mã (mã đã dùng hoặc đã hủy thì giữ nguyên).")


@tokens.command(
    "list",
    help=N_(
        "Số mã chưa dùng, đã dùng, đã hủy; với --json, các mã chưa dùng và đã hủy. "
        "Mã đã dùng không còn được lưu (chỉ còn số lượng), nên không liệt kê được."
    ),
)
@click.argument("campaign")
@click.option("--unit", default=None)
@click.option("--json", "as_json", is_flag=True)
@common_db
@common_data
def tokens_list(
    campaign: str, unit: str | None, as_json: bool, database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.distribution.tokens import count_tokens, list_tokens

    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def listing() -> tuple[dict[str, int], list[dict[str, Any]]]:
        await prepare(settings)
        return await count_tokens(campaign, unit), await list_tokens(campaign, unit)

    counts, rows = run(listing)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"Chưa dùng: {counts['issued']}, đã dùng: {counts['used']}, đã hủy: {counts['revoked']}"
    )
