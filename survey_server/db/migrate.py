"""Applying the migration history to the configured database."""

from __future__ import annotations

import contextlib
import io
import os

from piccolo.engine.base import Engine

from survey_server.db.engine import bind_engine, engine_from_url


async def migrate(database_url: str, *, quiet: bool = True) -> Engine:
    """Apply every pending migration to ``database_url`` and return its engine, bound to the tables.

    Piccolo's migration runner finds its engine through ``PICCOLO_CONF``; the conf module is
    pointed at the same database, and its engine replaced by ours, before the runner starts.
    """
    os.environ["DATABASE_URL"] = database_url
    os.environ["PICCOLO_CONF"] = "survey_server.db.piccolo_conf"
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from survey_server.db import piccolo_conf

    engine = engine_from_url(database_url)
    piccolo_conf.DB = engine
    bind_engine(engine)
    output = io.StringIO()
    with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
        result = await run_forwards("lang_nghe")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{output.getvalue()}")
    return engine


async def pending_migrations(database_url: str) -> list[str]:
    """Migrations of the product not yet applied to ``database_url`` (all of them when new)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["PICCOLO_CONF"] = "survey_server.db.piccolo_conf"
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.tables import Migration

    from survey_server.db import piccolo_conf
    from survey_server.db.piccolo_app import APP_CONFIG

    engine = engine_from_url(database_url)
    piccolo_conf.DB = engine
    bind_engine(engine)
    manager = BaseMigrationManager()
    modules = manager.get_migration_modules(APP_CONFIG.resolved_migrations_folder_path)
    known = manager.get_migration_ids(modules)
    if not await Migration.table_exists():
        return known
    ran = set(await Migration.get_migrations_which_ran(app_name=APP_CONFIG.app_name))
    return [migration_id for migration_id in known if migration_id not in ran]
