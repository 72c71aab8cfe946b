"""``survey-server questionnaires``: checking, loading and importing questionnaire files.

Registered by ``cli.py``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from survey_server.cli_i18n import LocalizedGroup
from survey_server.commands import common_data, common_db, prepare, settings_for
from survey_server.i18n import N_


@click.group(cls=LocalizedGroup, help=N_("Bảng hỏi: kiểm tra và nạp tệp YAML."))
def questionnaires() -> None:
    pass


@questionnaires.command(
    "check", help=N_("Kiểm tra tệp bảng hỏi; in 'tệp:dòng: lỗi' và thoát với mã 1 nếu có lỗi.")
)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def questionnaires_check(paths: tuple[Path, ...]) -> None:
    from survey_server.questionnaires.loader import (
        QuestionnaireFileError,
        load_file,
        questionnaire_files,
    )

    files = questionnaire_files(list(paths) or [settings_for().questionnaires_dir])
    failed = 0
    for file in files:
        try:
            loaded = load_file(file)
        except QuestionnaireFileError as error:
            failed += 1
            for item in error.errors:
                click.echo(item.render(), err=True)
        else:
            count = len(loaded.questionnaire.questions())
            click.echo(
                f"{file}: hợp lệ ({loaded.questionnaire.slug} v{loaded.questionnaire.version}, {count} câu hỏi)"
            )
    if not files:
        click.echo("Không có tệp bảng hỏi nào (.yaml).", err=True)
        sys.exit(1)
    if failed:
        click.echo(f"{failed}/{len(files)} tệp có lỗi.", err=True)
        sys.exit(1)


@questionnaires.command(
    "load", help=N_("Nạp bảng hỏi vào cơ sở dữ liệu thành các phiên bản bất biến.")
)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@common_db
@common_data
def questionnaires_load(
    paths: tuple[Path, ...], database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.questionnaires.loader import QuestionnaireFileError
    from survey_server.questionnaires.services import load_questionnaires

    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def run() -> list[Any]:
        await prepare(settings)
        return await load_questionnaires(
            list(paths) or [settings.questionnaires_dir], settings.timezone
        )

    try:
        outcomes = run(run)
    except QuestionnaireFileError as error:
        for item in error.errors:
            click.echo(item.render(), err=True)
        sys.exit(1)
    for outcome in outcomes:
        state = "đã nạp mới" if outcome.created else "không thay đổi"
        click.echo(f"{outcome.slug} v{outcome.version}: {state}")
