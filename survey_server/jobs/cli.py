"""``survey-server worker`` and ``survey-server jobs``: running and watching the job queue.

Registered by ``cli.py``."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from survey_server.cli_i18n import LocalizedCommand, LocalizedGroup, option
from survey_server.commands import common_data, common_db, run, settings_for
from survey_server.i18n import N_


@click.command(
    cls=LocalizedCommand,
    help=N_(
        "Chạy các công việc nền (tính lại kết quả, xóa ý kiến quá hạn) từ hàng đợi trên "
        "PostgreSQL; nhận lại công việc của các tiến trình đã chết."
    ),
)
@option(
    "--concurrency",
    envvar="JOBS_CONCURRENCY",
    type=click.IntRange(1, 32),
    default=1,
    help=N_("Số công việc chạy cùng lúc."),
)
@option(
    "--poll",
    envvar="JOBS_POLL",
    type=click.FloatRange(0.1, 3600),
    default=None,
    help=N_(
        "Không dùng LISTEN/NOTIFY, chỉ hỏi hàng đợi sau mỗi SECONDS giây "
        "(bắt buộc khi đi qua PgBouncer ở chế độ transaction)."
    ),
    metavar="SECONDS",
)
@common_db
@common_data
def worker(
    concurrency: int, poll: float | None, database_url: str | None, data_dir: Path | None
) -> None:
    from survey_server.jobs import queue  # loads the scoring: only when a worker starts

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    # each job's start and end, and jobs taken over from dead workers, on stderr
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    run(lambda: queue.run_worker(settings, concurrency=concurrency, poll=poll))


@click.group(cls=LocalizedGroup, help=N_("Hàng đợi công việc nền (PostgreSQL)."))
def jobs() -> None:
    pass


@jobs.command("status", help=N_("Số công việc đang chờ, đang chạy và bị lỗi của mỗi loại."))
@common_db
@common_data
def jobs_status(database_url: str | None, data_dir: Path | None) -> None:
    from survey_server.jobs import queue

    settings = settings_for(database_url=database_url, data_dir=data_dir)
    if not settings.has_queue:
        raise click.ClickException(queue.NoQueue().text("vi"))
    rows = run(lambda: queue.job_counts(settings.resolved_database_url))
    if not rows:
        click.echo("Hàng đợi trống.")
        return
    click.echo(f"{'':<24} {'chờ':>6} {'đang chạy':>10} {'lỗi':>6}")
    for row in rows:
        click.echo(f"{row['name']:<24} {row['todo']:>6} {row['doing']:>10} {row['failed']:>6}")
