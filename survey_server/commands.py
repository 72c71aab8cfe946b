"""What every ``survey-server`` command shares: the database options, settings, running a service.

Kept apart from ``cli.py`` so that a domain's commands (``distribution/cli.py``) can use them
and be registered by ``cli.py`` without importing each other in a circle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from survey_server.cli_i18n import option
from survey_server.config import Settings, load_settings
from survey_server.errors import AppError
from survey_server.i18n import N_

T = TypeVar("T")

common_db = option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help=N_("sqlite:///đường/dẫn.db hoặc postgres://… (mặc định: tệp SQLite trong --data-dir)"),
)
common_data = option(
    "--data-dir",
    envvar="DATA_DIR",
    type=click.Path(path_type=Path),
    default=None,
    help=N_("Thư mục dữ liệu (mặc định ./data)"),
)


def settings_for(*, serving: bool = False, **overrides: Any) -> Settings:
    """The settings of a command: the environment, then its flags."""
    try:
        return load_settings(serving=serving, **overrides)
    except ValueError as error:
        raise click.ClickException(f"Cấu hình không hợp lệ: {error}") from None


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a service; its refusal becomes the command's error message (in Vietnamese)."""
    try:
        return asyncio.run(make())
    except AppError as error:
        raise click.ClickException(error.text("vi")) from None


async def prepare(settings: Settings) -> None:
    """Bring the database up to date before a command uses it."""
    from survey_server.db.migrate import migrate

    await migrate(settings.resolved_database_url)
