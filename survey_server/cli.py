"""The ``survey-server`` command. Each command parses, builds settings, calls a service, prints."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from survey_server.cli_i18n import LocalizedGroup, option
from survey_server.commands import common_data, common_db
from survey_server.commands import prepare as _prepare
from survey_server.commands import run as _run
from survey_server.commands import settings_for as _settings
from survey_server.config import Settings, remember_address
from survey_server.i18n import N_


@click.group(
    cls=LocalizedGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_("Lắng nghe: khảo sát ý kiến phụ huynh và người dân cho ngành giáo dục."),
)
def main() -> None:
    pass


@main.command(help=N_("Cập nhật cấu trúc cơ sở dữ liệu lên phiên bản mới nhất."))
@common_db
@common_data
def migrate(database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.jobs.queue import apply_schema

    settings = _settings(database_url=database_url, data_dir=data_dir)
    _run(lambda: _prepare(settings))
    if not settings.is_sqlite:  # the job queue's tables (docs/JOBS.md)
        _run(lambda: apply_schema(settings.resolved_database_url))
    click.echo("Đã cập nhật cấu trúc cơ sở dữ liệu.")


@main.command(help=N_("Chạy máy chủ với DATABASE_URL (trước đó phải chạy lệnh migrate)."))
@common_db
@common_data
@option("--host", envvar="HOST", default=None)
@option("--port", envvar="PORT", type=int, default=None)
@option(
    "--workers",
    envvar="WORKERS",
    type=int,
    default=None,
    help=N_("Số tiến trình (SQLite luôn dùng 1)."),
)
def serve(
    database_url: str | None,
    data_dir: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None,
) -> None:
    settings = _settings(
        serving=True,
        database_url=database_url,
        data_dir=data_dir,
        host=host,
        port=port,
        workers=workers,
    )
    _serve(settings)


def _serve(settings: Settings) -> None:
    from granian.constants import Interfaces
    from granian.server import Server

    from survey_server.db.migrate import pending_migrations
    from survey_server.staff.first_run import needs_setup, setup_code

    async def check() -> tuple[list[str], bool]:
        pending = await pending_migrations(settings.resolved_database_url)
        return pending, not pending and await needs_setup()

    pending, first_run = asyncio.run(check())
    if pending:
        raise click.ClickException(
            "Cơ sở dữ liệu chưa được cập nhật cấu trúc. Hãy chạy 'survey-server migrate' trước."
        )
    if first_run:
        click.echo(
            f"Chưa có tài khoản quản trị. Mở {settings.base_url}/staff/setup và nhập mã thiết lập "
            f"{setup_code(settings.secret_key)} để tạo đơn vị gốc và tài khoản quản trị đầu tiên.",
            err=True,
        )
    remember_address(settings)
    os.environ.update(
        {
            "DATABASE_URL": settings.resolved_database_url,
            "SECRET_KEY": settings.secret_key,
            "DATA_DIR": str(settings.data_dir),
            "PUBLIC_BASE_URL": settings.base_url,
            "QUESTIONNAIRES_DIR": str(settings.questionnaires_dir),
            "STATIC_DIR": str(settings.static_dir),
            "TIMEZONE": settings.timezone,
        }
    )
    # No access log: respondent routes must not leave addresses or times in logs (docs/PRIVACY.md).
    Server(
        "survey_server.app:app_from_env",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.worker_count,
        factory=True,
        log_access=False,
    ).serve()


@main.command(help=N_("Tạo dữ liệu mẫu (một tỉnh, các xã, trường, đợt khảo sát) và chạy máy chủ."))
@common_db
@common_data
@option("--host", default=None)
@option("--port", type=int, default=None)
@option(
    "--responses",
    "responses",
    type=click.IntRange(0, 2_000_000),
    default=0,
    help=N_("Số phiếu trả lời mẫu cần tạo thêm."),
)
@option("--no-serve", is_flag=True, help=N_("Chỉ chuẩn bị dữ liệu, không chạy máy chủ."))
def demo(
    database_url: str | None,
    data_dir: Path | None,
    host: str | None,
    port: int | None,
    responses: int,
    no_serve: bool,
) -> None:
    from survey_server.demo import setup

    settings = _settings(
        serving=True, database_url=database_url, data_dir=data_dir, host=host, port=port
    )
    remember_address(settings)  # the links and posters printed later by other commands
    prepared = _run(lambda: setup.prepare_demo(settings, responses))
    click.echo(f"Đường dẫn trả lời khảo sát: {settings.base_url}/s/{prepared.link}")
    click.echo(
        f"Đăng nhập cán bộ: {settings.base_url}/staff/login "
        f"tài khoản: {prepared.admin} mật khẩu: {prepared.password}"
    )
    if not no_serve:
        _serve(settings)


@main.command(help=N_("Xóa thông tin cá nhân khỏi văn bản (đọc từ stdin, ghi ra stdout)."))
@option(
    "--jsonl",
    is_flag=True,
    help=N_('Mỗi dòng vào là {"text": …}; mỗi dòng ra có "text" và "found".'),
)
@option(
    "--fast",
    is_flag=True,
    help=N_("Chỉ lượt nhanh dùng khi lưu phiếu, không dùng mô hình thống kê nhận dạng tên."),
)
def scrub(jsonl: bool, fast: bool) -> None:
    from survey_server.privacy.scrubber import scrub as scrub_text

    if not jsonl:
        click.echo(scrub_text(sys.stdin.read(), deep=not fast).text, nl=False)
        return
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise click.ClickException(
                f'Dòng {number}: cần một đối tượng JSON {{"text": "…"}}'
            ) from None
        result = scrub_text(text, deep=not fast)
        found = [{"kind": f.kind, "start": f.start, "end": f.end} for f in result.found]
        click.echo(json.dumps({"text": result.text, "found": found}, ensure_ascii=False))


@main.command(help=N_("Tính chỉ số hài lòng từ một bảng câu trả lời (không cần cơ sở dữ liệu)."))
@option(
    "--questionnaire",
    "questionnaire_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=N_("Tệp bảng hỏi YAML"),
)
@option(
    "--responses",
    "responses_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=N_(
        "Bảng câu trả lời CSV hoặc Excel: mỗi dòng một phiếu, mỗi cột một mã câu hỏi "
        "(đọc được tệp xuất từ Kobo/ODK)"
    ),
)
@option("--by", default=None, help=N_("Cột dùng để chia nhóm, ví dụ unit"))
@option(
    "--keep",
    multiple=True,
    help=N_("Cột không phải câu hỏi, được giữ lại mà không báo lỗi (lặp lại cho nhiều cột)"),
)
@option(
    "--k", type=click.IntRange(min=5), default=10, show_default=True, help=N_("Ngưỡng nhóm nhỏ")
)
@option("--json", "as_json", is_flag=True, help=N_("In kết quả dạng JSON (docs/scoring.md)"))
def score(
    questionnaire_file: Path,
    responses_file: Path,
    by: str | None,
    keep: tuple[str, ...],
    k: int,
    as_json: bool,
) -> None:
    from survey_server.questionnaires.loader import QuestionnaireFileError
    from survey_server.scoring.report_text import summary_lines
    from survey_server.scoring.services import ResponsesFileInvalid, score_table

    try:
        result = score_table(questionnaire_file, responses_file, by=by, k=k, keep=keep)
    except QuestionnaireFileError as error:
        for item in error.errors:
            click.echo(item.render(), err=True)
        sys.exit(1)
    except ResponsesFileInvalid as error:
        click.echo(f"{responses_file}: {error.text('vi')}", err=True)
        for problem in error.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    for note in result.notes:
        click.echo(note, err=True)
    if result.blank_rows:
        click.echo(f"Bỏ qua {result.blank_rows} dòng không có câu trả lời nào.", err=True)
    if as_json:
        click.echo(json.dumps(result.scores, ensure_ascii=False, indent=2))
    else:
        for line in summary_lines(result.scores, result.titles):
            click.echo(line)


@main.command(help=N_("Viết phần “lắng nghe ý kiến nhân dân” của báo cáo công tác dân vận."))
@option("--scope", "scope_code", required=True, help=N_("Mã đơn vị báo cáo, ví dụ SO-HP"))
@option("--period", default=None, help=N_("Kỳ báo cáo: 2026, 2026-H1 hoặc 2026-01-01..2026-06-30"))
@option(
    "--campaign",
    "campaigns",
    multiple=True,
    help=N_("Mã đợt khảo sát (lặp lại hoặc ngăn cách bằng dấu phẩy), thay cho --period"),
)
@option(
    "--format", "fmt", type=click.Choice(["docx", "pdf", "md", "html"]), default=None,
    help=N_("Định dạng (mặc định theo đuôi tệp -o, nếu không thì docx)"),
)  # fmt: skip
@option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@option(
    "--into",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=N_("Chèn vào báo cáo .docx của đơn vị (tệp gốc không bị sửa)"),
)
@option(
    "--packages",
    "from_packages",
    is_flag=True,
    help=N_(
        "Từ các gói kết quả đã nhập của đơn vị cấp dưới (xem lệnh 'results'), thay cho --period"
    ),
)
@option("--lang", type=click.Choice(["vi", "en"]), default="vi")
@common_db
@common_data
def report(
    scope_code: str,
    period: str | None,
    campaigns: tuple[str, ...],
    fmt: str | None,
    output: Path,
    into: Path | None,
    from_packages: bool,
    lang: str,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.reports.gather import operator_scope
    from survey_server.reports.services import make_report
    from survey_server.results.report import packages_report
    from survey_server.timekeeping import today
    from survey_server.units.services import get_unit

    fmt = fmt or {".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}.get(
        output.suffix.lower(), "docx"
    )
    if into is not None and output.resolve() == into.resolve():
        raise click.ClickException("Không ghi đè tệp gốc: chọn tên tệp khác cho -o.")
    settings = _settings(database_url=database_url, data_dir=data_dir)
    draft = into.read_bytes() if into is not None else None

    if from_packages and (period or campaigns):
        raise click.ClickException("Chọn --packages hoặc --period/--campaign, không chọn cả hai.")

    async def run() -> Any:
        await _prepare(settings)
        unit = await get_unit(scope_code)
        if from_packages:
            return await packages_report(
                operator_scope(unit), unit, fmt, today(settings.timezone), draft, into, lang
            )
        return await make_report(
            operator_scope(unit),
            unit["code"],
            period=period,
            campaigns=campaigns,
            fmt=fmt,
            issued_on=today(settings.timezone),
            into=draft,
            into_name=into.name if into is not None else "",
            lang=lang,
        )

    made = _run(run)
    _write_atomically(output, made.content)
    click.echo(f"Đã ghi {output} ({len(made.content):,} byte).".replace(",", "."))


def _write_atomically(path: Path, content: bytes) -> None:
    """Write a new file in full or not at all (a temporary file beside it, then a rename)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise click.ClickException(f"Không ghi được {path}: {error.strerror}") from None


@main.command(help=N_("In phiếu giấy (A4, đánh số) cho từng trường: một tệp PDF mỗi trường."))
@click.argument("campaign")
@option("--unit", default=None, help=N_("Chỉ các trường thuộc đơn vị này (mặc định: cả đợt)"))
@option("--partner", default=None, help=N_("Tổ chức đối tác phát và thu phiếu"))
@option("--copies", type=click.IntRange(1, 500), default=40, show_default=True)
@option(
    "--first",
    "first_number",
    type=click.IntRange(1, 999_999),
    default=1,
    help=N_("Số phiếu đầu tiên"),
)
@option("--lang", type=click.Choice(["vi", "en"]), default="vi")
@option("-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path))
@common_db
@common_data
def paper(
    campaign: str,
    unit: str | None,
    partner: str | None,
    copies: int,
    first_number: int,
    lang: str,
    output: Path,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.paper.services import form_stacks, render_stack

    settings = _settings(database_url=database_url, data_dir=data_dir)

    async def run() -> Any:
        await _prepare(settings)
        return await form_stacks(
            campaign,
            unit,
            copies=copies,
            partner=" ".join(partner.split()) if partner else None,
            first_number=first_number,
            lang=lang,
        )

    questionnaire, stacks = _run(run)
    if not stacks:
        raise click.ClickException("Đợt khảo sát không có trường nào trong đơn vị này.")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.ClickException(f"Không tạo được thư mục {output}: {error.strerror}") from None
    with click.progressbar(stacks, label="Đang tạo phiếu giấy", file=sys.stderr) as bar:
        for stack in bar:
            _write_atomically(output / stack.filename, render_stack(questionnaire, stack, lang))
    click.echo(f"Đã ghi {len(stacks)} tệp PDF ({len(stacks) * copies} phiếu) vào {output}.")


@main.command("import", help=N_("Nhập phiếu từ tệp CSV hoặc Excel: tất cả hoặc không phiếu nào."))
@click.argument("campaign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--unit", default=None, help=N_("Mã đơn vị cho mọi dòng (khi tệp không có cột unit)"))
@option("--channel", default="paper", show_default=True, help=N_("Kênh: paper, partner…"))
@option("--partner", default=None, help=N_("Tổ chức đối tác đã phát và thu phiếu"))
@common_db
@common_data
def import_command(
    campaign: str,
    file: Path,
    unit: str | None,
    channel: str,
    partner: str | None,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.paper.imports import ImportInvalid, import_file

    settings = _settings(database_url=database_url, data_dir=data_dir)
    data = file.read_bytes()

    async def run() -> Any:
        await _prepare(settings)
        try:
            return await import_file(
                campaign,
                data,
                file.name,
                unit_code=unit,
                channel=channel,
                partner=" ".join(partner.split()) if partner else None,
                database_url=settings.resolved_database_url,
                timezone=settings.timezone,
            )
        except ImportInvalid as error:
            return error

    outcome = _run(run)
    if isinstance(outcome, ImportInvalid):
        click.echo(outcome.text("vi"), err=True)
        for problem in outcome.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        sys.exit(1)
    click.echo(
        f"Đã nhập {outcome.added} phiếu; {outcome.already} phiếu đã có từ lần nhập trước; "
        f"{outcome.blank} dòng trống được bỏ qua."
    )


@main.command(
    help=N_("Xóa ý kiến tự do đã quá thời hạn lưu giữ của từng đợt (an toàn khi chạy hằng ngày).")
)
@option("--dry-run", is_flag=True, help=N_("Chỉ đếm, không xóa."))
@common_db
@common_data
def purge(dry_run: bool, database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.privacy.retention import purge_expired_text
    from survey_server.timekeeping import today

    settings = _settings(database_url=database_url, data_dir=data_dir)

    async def run() -> list[Any]:
        await _prepare(settings)
        return await purge_expired_text(today(settings.timezone), dry_run)

    outcomes = _run(run)
    verb = "sẽ xóa" if dry_run else "đã xóa"
    total = sum(outcome.responses for outcome in outcomes)
    for outcome in outcomes:
        if outcome.responses:
            click.echo(f"{outcome.campaign}: {verb} ý kiến của {outcome.responses} phiếu")
    click.echo(f"Tổng cộng {verb} ý kiến của {total} phiếu quá hạn lưu giữ.")


@main.group(help=N_("Đợt khảo sát."))
def campaigns() -> None:
    pass


@campaigns.command("list", help=N_("Liệt kê các đợt khảo sát."))
@option("--json", "as_json", is_flag=True, help=N_("In dạng JSON."))
@common_db
@common_data
def campaigns_list(as_json: bool, database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.campaigns.services import list_campaigns

    settings = _settings(database_url=database_url, data_dir=data_dir)

    async def run() -> list[dict[str, Any]]:
        await _prepare(settings)
        return await list_campaigns()

    rows = _run(run)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        **row,
                        "title": row["title"].get("vi", ""),
                        "opens_on": row["opens_on"].isoformat(),
                        "closes_on": row["closes_on"].isoformat(),
                    }
                    for row in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for row in rows:
        click.echo(
            f"{row['code']:<14} {row['status']:<7} {row['opens_on']}..{row['closes_on']} "
            f"{row['questionnaire']} v{row['questionnaire_version']}  {row['title'].get('vi', '')}"
        )


@campaigns.command(
    "create", help=N_("Mở một đợt khảo sát và tạo đường dẫn cho từng trường và kênh.")
)
@click.argument("code")
@option("--questionnaire", required=True, help=N_("slug hoặc slug@phiên_bản"))
@option("--unit", required=True, help=N_("Mã đơn vị gốc của đợt"))
@option("--title", required=True, help=N_("Tên đợt (tiếng Việt)"))
@option("--title-en", default=None)
@option("--opens", type=click.DateTime(["%Y-%m-%d"]), required=True)
@option("--closes", type=click.DateTime(["%Y-%m-%d"]), required=True)
@option("--k", type=int, default=None, help=N_("Ngưỡng nhóm nhỏ (≥ 5)"))
@option(
    "--require-tokens", is_flag=True, help=N_("Chỉ nhận trả lời qua mã dùng một lần in trên phiếu")
)
@option(
    "--retention-days",
    type=int,
    default=730,
    show_default=True,
    help=N_("Số ngày lưu giữ ý kiến tự do trước khi xóa"),
)
@option(
    "--channel",
    "channels",
    multiple=True,
    default=("qr_meeting", "zalo"),
    type=click.Choice(["qr_meeting", "zalo", "partner", "paper", "web"]),
)
@option(
    "--exclude-flagged",
    "exclude_flagged",
    multiple=True,
    type=click.Choice(["straight_lining", "speeding", "repeated_device"]),
    help=N_("Loại khỏi chỉ số các phiếu bị gắn cờ chất lượng này (mặc định: giữ lại, chỉ đếm)"),
)
@common_db
@common_data
def campaigns_create(
    code: str,
    questionnaire: str,
    unit: str,
    title: str,
    title_en: str | None,
    opens: Any,
    closes: Any,
    k: int | None,
    require_tokens: bool,
    retention_days: int,
    channels: tuple[str, ...],
    exclude_flagged: tuple[str, ...],
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.campaigns.services import CampaignSpec
    from survey_server.distribution.services import open_campaign

    settings = _settings(database_url=database_url, data_dir=data_dir)
    slug, _, version = questionnaire.partition("@")
    if version and not (version.isascii() and version.isdigit()):
        raise click.BadParameter("phiên bản phải là số", param_hint="--questionnaire")
    spec = CampaignSpec(
        code=code,
        title={"vi": title, **({"en": title_en} if title_en else {})},
        questionnaire_slug=slug,
        questionnaire_version=int(version) if version else None,
        root_unit_code=unit,
        opens_on=opens.date(),
        closes_on=closes.date(),
        k=settings.default_k if k is None else k,
        requires_token=require_tokens,
        comment_retention_days=retention_days,
        exclude_flagged=exclude_flagged,
    )

    async def run() -> int:
        await _prepare(settings)
        return await open_campaign(spec, settings.timezone, channels)

    created = _run(run)
    click.echo(f"Đã mở đợt {code.upper()} với {created} đường dẫn.")


@main.command(
    help=N_("Mã QR (PNG/SVG) hoặc áp phích và phiếu phát tay (PDF) cho các đường dẫn của một đợt.")
)
@click.argument("campaign")
@option("--unit", default=None, help=N_("Chỉ các đơn vị thuộc đơn vị này"))
@option(
    "--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="pdf", show_default=True
)
@option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=Path), required=True)
@option("--lang", type=click.Choice(["vi", "en"]), default="vi")
@common_db
@common_data
def qr(
    campaign: str,
    unit: str | None,
    fmt: str,
    output: Path,
    lang: str,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.distribution.kit import kit_links, write_kit

    settings = _settings(database_url=database_url, data_dir=data_dir)

    async def run() -> Any:
        await _prepare(settings)
        return await kit_links(campaign, settings.base_url, unit)

    found = _run(run)
    with click.progressbar(length=len(found), label="Đang tạo", file=sys.stderr) as bar:
        written = write_kit(found, output, fmt, lang, on_item=lambda _: bar.update(1))
    for path in written:
        click.echo(str(path))


@main.group(help=N_("Đường dẫn khảo sát theo đơn vị và kênh."))
def links() -> None:
    pass


@links.command(
    "create", help=N_("Tạo (hoặc lấy lại) đường dẫn cho một đơn vị, kênh, đối tác và nhãn.")
)
@click.argument("campaign")
@option("--unit", required=True, help=N_("Mã đơn vị (trường, lớp…)"))
@option(
    "--channel", required=True, type=click.Choice(["qr_meeting", "zalo", "partner", "paper", "web"])
)
@option("--partner", default=None, help=N_("Tổ chức đối tác, ví dụ “Ủy ban MTTQ xã An Lão”"))
@option(
    "--label", default=None, help=N_("Nhãn chi tiết: lớp, buổi họp (“Họp phụ huynh đầu năm 12/9”)")
)
@common_db
@common_data
def links_create(
    campaign: str,
    unit: str,
    channel: str,
    partner: str | None,
    label: str | None,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    from survey_server.distribution.services import add_link

    settings = _settings(database_url=database_url, data_dir=data_dir)

    async def run() -> str:
        await _prepare(settings)
        return await add_link(campaign, unit, channel, partner, label)

    code = _run(run)
    click.echo(f"{code}  {settings.base_url}/s/{code}")


@links.command("list", help=N_("Liệt kê đường dẫn khảo sát."))
@option("--campaign", default=None)
@option("--json", "as_json", is_flag=True)
@common_db
@common_data
def links_list(
    campaign: str | None, as_json: bool, database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.distribution.services import list_links

    settings = _settings(database_url=database_url, data_dir=data_dir)

    async def run() -> list[dict[str, Any]]:
        await _prepare(settings)
        return await list_links(campaign)

    rows = _run(run)
    for row in rows:
        row["url"] = f"{settings.base_url}/s/{row['code']}"
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['code']}  {row['campaign']:<12} {row['channel']:<10} {row['unit']:<12} {row['url']}  {row['unit_name']}"
        )


from survey_server.distribution.cli import tokens  # noqa: E402 (commands of a domain, registered here)
from survey_server.jobs.cli import jobs, worker  # noqa: E402
from survey_server.questionnaires.cli import questionnaires  # noqa: E402
from survey_server.results.cli import results  # noqa: E402
from survey_server.scoring.cli import rescore  # noqa: E402
from survey_server.staff.cli import users  # noqa: E402
from survey_server.units.cli import units  # noqa: E402

main.add_command(tokens)
main.add_command(questionnaires)
main.add_command(rescore)
main.add_command(units)
main.add_command(users)
main.add_command(results)
main.add_command(worker)
main.add_command(jobs)
