"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

The engine is a parameter of the session-scoped ``database`` fixture, so one ``pytest`` run
covers both. Each engine's schema is built by running the migrations (never by creating tables
directly). Tests that write go through the app's own connections, so rows are deleted after each
test rather than rolled back. With ``CI=true`` an unreachable PostgreSQL fails the run; elsewhere
its tests are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from piccolo.engine.base import Engine

from survey_server.app import create_app
from survey_server.config import Settings
from survey_server.db.migrate import migrate
from survey_server.distribution import services as distribution
from survey_server.scoring.services import forget_results
from survey_server.timekeeping import today
from tests.live import LiveServer, running

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
TABLES = (
    "results_rollup",
    "results_package",
    "results_trusted_key",
    "letterhead",
    "integrity_flag",
    "paper_entry",
    "unit_tally",
    "score_snapshot",
    "audit_event",
    "feedback_case",
    "staff_session",
    "sign_in_guard",
    "staff_user",
    "submission",
    "paper_batch",
    "response_release",
    "token",
    "token_issued",
    "distribution_link",
    "campaign_event",
    "campaign",
    "questionnaire_draft",
    "questionnaire_version",
    "unit",
)


@dataclass
class Database:
    """One migrated test database."""

    kind: str
    url: str
    engine: Engine


async def _create_pg_database(name: str) -> str:
    try:
        connection = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def create_pg_database(name: str) -> str:
    """A fresh PostgreSQL database for a server process of its own (synchronous callers)."""
    return asyncio.run(_create_pg_database(name))


def drop_pg_database(name: str) -> None:
    asyncio.run(_drop_pg_database(name))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A real ``survey-server serve`` process with the demo data, on each engine."""
    data_dir = tmp_path_factory.mktemp(f"live-{request.param}")
    if request.param == "sqlite":
        with running(f"sqlite:///{data_dir / 'live.db'}", data_dir) as server:
            yield server
        return
    name = f"lang_nghe_live_{os.getpid()}_{request.node.name}".lower()[:60]
    url = create_pg_database(name)
    try:
        with running(url, data_dir) as server:
            yield server
    finally:
        drop_pg_database(name)


async def _drop_pg_database(name: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
        engine = await migrate(url)
        yield Database("sqlite", url, engine)
        return
    name = f"lang_nghe_test_{os.getpid()}"
    url = await _create_pg_database(name)
    engine = await migrate(url)
    await engine.start_connection_pool(min_size=1, max_size=8)
    yield Database("postgres", url, engine)
    await engine.close_connection_pool()
    await _drop_pg_database(name)


async def _clear(engine: Engine) -> None:
    await engine.run_ddl("UPDATE unit SET parent = NULL, successor = NULL")
    for table in TABLES:
        await engine.run_ddl(f"DELETE FROM {table}")


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    """The test database, bound to every table, emptied after the test."""
    from survey_server.db.engine import bind_engine

    bind_engine(database.engine)
    distribution.forget_links()
    forget_results()
    yield database
    bind_engine(database.engine)
    await _clear(database.engine)
    distribution.forget_links()


@pytest.fixture(autouse=True)
def patient_views(monkeypatch: pytest.MonkeyPatch) -> None:
    """A view waits for its campaign's new scoring, however slow the machine running the
    tests: they check numbers, not speed (``test_score_snapshots`` sets the wait it tests)."""
    from survey_server.scoring import services

    monkeypatch.setattr(services, "REFRESH_WAIT_SECONDS", 600.0)


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db.url,
        data_dir=tmp_path,
        secret_key="test-secret",
        questionnaires_dir=ROOT / "questionnaires",
        static_dir=ROOT / "frontend_static",
    )


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, run in the test's own event loop (the engine's pool lives there)."""
    app = create_app(settings, engine=db.engine)
    transport = httpx.ASGITransport(app=app)
    for hook in app.on_startup:
        await hook(app)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as test_client:
            yield test_client
    finally:
        for hook in app.on_shutdown:
            await hook(app)


@dataclass
class Survey:
    """A campaign open today with one link, ready to be answered."""

    campaign: str
    link: str
    questionnaire: str


async def open_survey(
    settings: Settings,
    questionnaire: Path,
    *,
    opens_on: date | None = None,
    closes_on: date | None = None,
    status: str = "open",
    code: str = "TEST-2026",
) -> Survey:
    """Load the demo units and ``questionnaire``, open a campaign on one school; return its link."""
    from survey_server.campaigns.services import CampaignSpec
    from survey_server.demo.setup import DEMO_UNITS
    from survey_server.distribution.services import list_links, open_campaign
    from survey_server.questionnaires.services import load_questionnaires
    from survey_server.units.services import import_units

    await import_units(DEMO_UNITS)
    outcome = (await load_questionnaires([questionnaire], settings.timezone))[0]
    day = today(settings.timezone)
    spec = CampaignSpec(
        code=code,
        title={"vi": "Đợt thử nghiệm", "en": "Test round"},
        questionnaire_slug=outcome.slug,
        root_unit_code="TH-LC1",
        opens_on=opens_on or day - timedelta(days=1),
        closes_on=closes_on or day + timedelta(days=30),
        status=status,
    )
    await open_campaign(spec, settings.timezone, ("qr_meeting",))
    link = (await list_links(code))[0]["code"]
    return Survey(code, link, outcome.slug)


@pytest.fixture
async def survey(settings: Settings, db: Database) -> Survey:
    """An open campaign on the fixture questionnaire that exercises every question type."""
    return await open_survey(settings, FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml")


@dataclass
class OutOfDate:
    """Campaigns that do not take answers today: closed yesterday, opening later, still a draft."""

    closed: Survey
    future: Survey
    draft: Survey


@pytest.fixture
async def out_of_date(settings: Settings, db: Database) -> OutOfDate:
    day = today(settings.timezone)
    fixture = FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml"
    closed = await open_survey(
        settings,
        fixture,
        opens_on=day - timedelta(days=9),
        closes_on=day - timedelta(days=1),
        code="CU",
    )
    future = await open_survey(
        settings,
        fixture,
        opens_on=day + timedelta(days=2),
        closes_on=day + timedelta(days=9),
        code="MOI",
    )
    draft = await open_survey(settings, fixture, status="draft", code="NHAP")
    return OutOfDate(closed, future, draft)


def new_id() -> str:
    return str(uuid.uuid4())


async def count_rows(table: str = "submission") -> int:
    """Rows in ``table`` of the currently bound test database."""
    from survey_server.responses.tables import Submission

    rows = await Submission.raw(f"SELECT COUNT(*) AS n FROM {table}")
    return int(rows[0]["n"])
