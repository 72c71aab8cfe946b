"""Settings of one running instance, read from the environment and command-line flags.

One frozen object is built once (``load_settings``) and passed explicitly to ``create_app`` and
to every command; nothing reads the environment at import time.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent

#: The smallest group size that may ever be shown (docs/PRIVACY.md): a campaign may raise k, never lower it.
K_FLOOR = 5


def _bundled(name: str) -> Path:
    """A data folder of the project: the source checkout's, else the copy inside the wheel."""
    checkout = PACKAGE_DIR.parent / name
    return checkout if checkout.is_dir() else PACKAGE_DIR / "bundled" / name


class Settings(BaseSettings):
    """Everything an instance needs to know; environment variables use the field names in capitals."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    database_url: str = ""
    """``sqlite:///path.db`` or ``postgres://user@host:port/db``; empty means a SQLite file in
    ``data_dir``."""

    data_dir: Path = Path("data")
    """Where the embedded SQLite database and the generated secret live."""

    secret_key: str = ""
    """Signs the form tokens of respondent pages; generated into ``data_dir`` when empty."""

    public_base_url: str = ""
    """The address printed on posters and in links (``https://khaosat.sogd.gov.vn``); defaults to
    ``http://HOST:PORT``."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=0, ge=0, le=64)
    """Server processes; 0 picks one per core on PostgreSQL and one on SQLite (one writer)."""

    questionnaires_dir: Path = Field(default_factory=lambda: _bundled("questionnaires"))
    static_dir: Path = Field(default_factory=lambda: _bundled("frontend_static"))

    default_k: int = Field(default=10, ge=K_FLOOR)
    """Small-cell threshold for new campaigns (docs/PRIVACY.md)."""

    timezone: str = "Asia/Ho_Chi_Minh"
    """Dates (campaign opening, the date stored with a response) are taken in this zone."""

    max_body_bytes: int = Field(default=256 * 1024, ge=4096)
    """Largest request body accepted; a full form with long comments stays far below it."""

    default_lang: str = "vi"

    jobs: bool = True
    """On PostgreSQL, background work (scoring after new releases, the daily retention purge)
    is queued as jobs for ``survey-server worker`` (docs/JOBS.md); ``JOBS=off`` keeps it all in
    the requests and commands, as on SQLite, which has no queue."""

    jobs_stalled_after: float = Field(default=60.0, ge=1.0)
    """Seconds without a heartbeat after which a worker counts as dead and its running jobs are
    queued again; the same value for every worker."""

    @field_validator("default_lang")
    @classmethod
    def _known_lang(cls, value: str) -> str:
        if value not in ("vi", "en"):
            raise ValueError("default_lang must be vi or en")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL with the embedded default filled in."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'lang-nghe.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite:")

    @property
    def has_queue(self) -> bool:
        """Whether background work goes through the job queue (PostgreSQL with ``jobs`` on)."""
        return self.jobs and not self.is_sqlite

    @property
    def base_url(self) -> str:
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def worker_count(self) -> int:
        if self.workers:
            return 1 if self.is_sqlite else self.workers
        return 1 if self.is_sqlite else 2


#: Where a server records the address it serves, in its data folder: the commands that print
#: links and posters then default to it (``demo --port 8741`` and then ``qr`` print 8741).
ADDRESS_FILE = "public_base_url"


def remember_address(settings: Settings) -> None:
    """Record the address a server is about to serve (the configured public one, else its own
    host and port)."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    with open(os.open(settings.data_dir / ADDRESS_FILE, flags, 0o600), "w") as out:
        out.write(settings.base_url + "\n")


def load_settings(*, serving: bool = False, **overrides: Any) -> Settings:
    """Build settings from the environment, then the given overrides (command-line flags).

    ``None`` overrides are ignored so that unset flags leave the environment's value in place.
    When no secret is configured, one is generated once and kept in ``data_dir/secret_key``.
    A command that does not serve and has no public address configured takes the one the last
    server of the data folder recorded (``remember_address``).
    """
    settings = Settings(**{key: value for key, value in overrides.items() if value is not None})
    recorded = settings.data_dir / ADDRESS_FILE
    if not serving and not settings.public_base_url and recorded.is_file():
        address = recorded.read_text(encoding="utf-8").strip()
        if address.startswith(("http://", "https://")):
            settings = settings.model_copy(update={"public_base_url": address})
    if settings.secret_key:
        return settings
    key_file = settings.data_dir / "secret_key"
    if key_file.exists():
        secret = key_file.read_text(encoding="ascii").strip()
    else:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(32)
        with open(
            os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="ascii"
        ) as out:
            out.write(secret)
    return settings.model_copy(update={"secret_key": secret})
