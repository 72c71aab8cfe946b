"""``survey-server rescore``: store campaigns' scores ahead, and check the incremental scoring
against the full one. Registered by ``cli.py``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from survey_server.cli_i18n import option
from survey_server.commands import common_data, common_db, prepare, run, settings_for
from survey_server.i18n import N_, format_number, gettext

SAME = N_("khớp với tính lại từ toàn bộ phiếu")
DIFFERENT = N_("KHÁC với tính lại từ toàn bộ phiếu")


@click.command(
    help=N_(
        "Tính và lưu kết quả của các đợt khảo sát (mặc định: mọi đợt) có phiếu mới, để trang "
        "kết quả mở ngay; nên chạy sau khi nhập nhiều phiếu và sau lệnh purge."
    )
)
@click.argument("codes", nargs=-1)
@option(
    "--check",
    is_flag=True,
    help=N_(
        "Tính lại từ toàn bộ phiếu và đối chiếu với kết quả cộng dồn theo đơn vị; báo lỗi nếu khác."
    ),
)
@common_db
@common_data
def rescore(
    codes: tuple[str, ...], check: bool, database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.campaigns.services import get_campaign, list_campaigns
    from survey_server.scoring.services import (
        EVERY_RESPONSE,
        campaign_result,
        matches_full_scoring,
    )

    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def each() -> list[str]:
        await prepare(settings)
        differing: list[str] = []
        chosen = codes or tuple(row["code"] for row in await list_campaigns())
        for code in chosen:
            campaign = await get_campaign(code)
            started = time.monotonic()
            result = await campaign_result(campaign, wait=EVERY_RESPONSE)
            n = result.scores.json.get("n")
            counted = format_number(n) if n is not None else f"dưới {result.scores.json['k']}"
            line = f"{code}: {counted} phiếu, {format_number(time.monotonic() - started, digits=1)} giây"
            if check:
                same = await matches_full_scoring(campaign)
                line += "; " + gettext(SAME if same else DIFFERENT, "vi")
                if not same:
                    differing.append(code)
            click.echo(line)
        return differing

    if run(each):
        sys.exit(1)
