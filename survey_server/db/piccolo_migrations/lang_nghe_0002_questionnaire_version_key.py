"""A questionnaire is stored once per (slug, version): enforced by the database, on both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T00:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (slug, version) of questionnaire versions"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    async def create_index() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration._meta.db.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS questionnaire_version_slug_version "
            "ON questionnaire_version (slug, version)"
        )

    async def drop_index() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration._meta.db.run_ddl("DROP INDEX IF EXISTS questionnaire_version_slug_version")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
