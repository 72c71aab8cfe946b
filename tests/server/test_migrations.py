"""The migration history builds the schema on both engines and matches the table classes."""

from __future__ import annotations

from piccolo.apps.migrations.commands.new import AutoMigrationManager

from survey_server.db.piccolo_app import APP_CONFIG


async def test_tables_exist_after_migrating(db) -> None:
    from survey_server.responses.tables import Submission

    for table in APP_CONFIG.table_classes:
        assert await table.table_exists(), table._meta.tablename
    assert await Submission.count() == 0


async def test_no_table_change_is_missing_a_migration(db) -> None:
    statements = await AutoMigrationManager().get_alter_statements(app_config=APP_CONFIG)
    pending = [statement for group in statements for statement in group.statements]
    assert pending == [], "run: piccolo migrations new lang_nghe --auto (against PostgreSQL)"


def test_serve_refuses_an_unmigrated_database(tmp_path) -> None:
    import subprocess

    from tests.live import BIN

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [str(BIN), "serve", "--port", "1"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 1
    assert "survey-server migrate" in result.stderr
