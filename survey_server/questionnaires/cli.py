"""``survey-server questionnaires``: checking, loading, importing (XLSForm) and exporting
questionnaire files.

Registered by ``cli.py``."""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from survey_server.cli_i18n import LocalizedGroup, option
from survey_server.commands import common_data, common_db, prepare, settings_for
from survey_server.commands import run as run_service
from survey_server.i18n import N_


@click.group(
    cls=LocalizedGroup,
    help=N_("Bảng hỏi: kiểm tra và nạp tệp YAML, nhập và xuất biểu mẫu XLSForm (Excel)."),
)
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
        outcomes = run_service(run)
    except QuestionnaireFileError as error:
        for item in error.errors:
            click.echo(item.render(), err=True)
        sys.exit(1)
    for outcome in outcomes:
        state = "đã nạp mới" if outcome.created else "không thay đổi"
        click.echo(f"{outcome.slug} v{outcome.version}: {state}")


@questionnaires.command(
    "import",
    help=N_(
        "Chuyển biểu mẫu XLSForm (Excel của KoboToolbox, ODK) thành tệp bảng hỏi YAML; in mọi "
        "dòng không chuyển được dạng 'tệp:trang!dòng: lý do'."
    ),
)
@click.argument("form", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=N_("Tệp YAML cần ghi, tên là <slug>.yaml (mặc định: in ra màn hình)"),
)
@option("--slug", default=None, help=N_("slug của bảng hỏi (mặc định: tên tệp -o hoặc form_id)"))
@option(
    "--kind",
    type=click.Choice(["satisfaction", "consultation", "feedback"]),
    default=None,
    help=N_("Loại bảng hỏi (mặc định: cột kind của trang settings, nếu không thì consultation)"),
)
@option(
    "--satisfied-from",
    "satisfied_from",
    multiple=True,
    metavar="LIST=N",
    help=N_("Mức đầu tiên được tính là hài lòng của thang LIST, ví dụ hai_long=4 (lặp lại được)"),
)
@option("--load", "load", is_flag=True, help=N_("Nạp luôn bảng hỏi vào cơ sở dữ liệu"))
@common_db
@common_data
def questionnaires_import(
    form: Path,
    output: Path | None,
    slug: str | None,
    kind: str | None,
    satisfied_from: tuple[str, ...],
    load: bool,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.questionnaires.dump import to_yaml
    from survey_server.questionnaires.loader import QuestionnaireFileError, load_file
    from survey_server.questionnaires.schema import SLUG_PATTERN
    from survey_server.questionnaires.services import store_questionnaire
    from survey_server.questionnaires.xlsform import import_bounded

    points = _satisfied_points(satisfied_from)
    if slug is None and output is not None and re.match(SLUG_PATTERN, output.stem):
        slug = output.stem
    made = asyncio.run(
        import_bounded(
            form.read_bytes(), filename=form.name, slug=slug, kind=kind, satisfied_from=points
        )
    )
    for item in made.skipped:
        click.echo(item.render(form.name), err=True)
    if made.questionnaire is None:
        for item in made.errors:
            click.echo(item.render(form.name), err=True)
        click.echo(f"{form.name}: không chuyển được thành bảng hỏi.", err=True)
        sys.exit(1)
    questionnaire = made.questionnaire
    if output is not None and output.stem != questionnaire.slug:
        raise click.ClickException(
            f"Tệp bảng hỏi phải mang tên slug của nó: {questionnaire.slug}.yaml (hoặc bỏ --slug)."
        )
    text = to_yaml(questionnaire)
    with tempfile.TemporaryDirectory() as folder:
        checked = Path(folder) / f"{questionnaire.slug}.yaml"
        checked.write_text(text, encoding="utf-8")
        try:
            loaded = load_file(checked)
        except QuestionnaireFileError as error:
            for problem in error.errors:
                click.echo(problem.render(), err=True)
            sys.exit(1)
    if output is None:
        click.echo(text, nl=False)
    else:
        from survey_server.cli import _write_atomically

        _write_atomically(output, text.encode("utf-8"))
        count = len(questionnaire.questions())
        click.echo(
            f"Đã ghi {output} ({questionnaire.slug} v{questionnaire.version}, {count} câu hỏi; "
            f"{len(made.skipped)} mục được liệt kê ở trên)."
        )
    if load:
        settings = settings_for(database_url=database_url, data_dir=data_dir)
        if output is not None:
            loaded = load_file(output)

        async def store() -> Any:
            await prepare(settings)
            return await store_questionnaire(loaded, settings.timezone)

        outcome = run_service(store)
        state = "đã nạp mới" if outcome.created else "không thay đổi"
        click.echo(f"{outcome.slug} v{outcome.version}: {state}", err=output is None)


def _satisfied_points(values: tuple[str, ...]) -> dict[str, int]:
    """``LIST=N`` options as a mapping; anything else is refused with the expected shape."""
    points: dict[str, int] = {}
    for value in values:
        name, _, number = value.partition("=")
        if not name.strip() or not number.strip().isdigit():
            raise click.BadParameter(
                f"cần dạng LIST=N, ví dụ hai_long=4 (nhận được '{value[:40]}')",
                param_hint="--satisfied-from",
            )
        points[name.strip()] = int(number)
    return points


@questionnaires.command(
    "export",
    help=N_("Xuất một phiên bản bảng hỏi đã nạp thành tệp YAML hoặc biểu mẫu XLSForm (.xlsx)."),
)
@click.argument("reference", metavar="SLUG[@VERSION]")
@option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "xlsform"]),
    default=None,
    help=N_("Định dạng (mặc định theo đuôi tệp -o: .xlsx là xlsform, còn lại là yaml)"),
)
@option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@common_db
@common_data
def questionnaires_export(
    reference: str,
    fmt: str | None,
    output: Path,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.questionnaires.dump import to_yaml
    from survey_server.questionnaires.schema import Questionnaire
    from survey_server.questionnaires.services import find_version
    from survey_server.questionnaires.tables import QuestionnaireVersion
    from survey_server.questionnaires.xlsform import export_xlsform

    slug, _, version = reference.partition("@")
    if version and not (version.isascii() and version.isdigit()):
        raise click.BadParameter("phiên bản phải là số", param_hint="SLUG[@VERSION]")
    settings = settings_for(database_url=database_url, data_dir=data_dir)

    async def fetch() -> str | None:
        await prepare(settings)
        found = await find_version(slug, int(version) if version else None)
        if found is None:
            return None
        row = await (
            QuestionnaireVersion.select(QuestionnaireVersion.definition)
            .where(QuestionnaireVersion.id == found)
            .first()
        )
        return None if row is None else str(row["definition"])

    definition = run_service(fetch)
    if definition is None:
        raise click.ClickException(f"Không có bảng hỏi {reference} trong cơ sở dữ liệu.")
    questionnaire = Questionnaire.model_validate_json(definition)
    fmt = fmt or ("xlsform" if output.suffix.lower() in (".xlsx", ".xlsm") else "yaml")
    content = export_xlsform(questionnaire) if fmt == "xlsform" else to_yaml(questionnaire).encode()
    from survey_server.cli import _write_atomically

    _write_atomically(output, content)
    click.echo(f"Đã ghi {output} ({questionnaire.slug} v{questionnaire.version}).")
