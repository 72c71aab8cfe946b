"""An index on (campaign, id) of submissions: the newest response of a campaign in one step.

The scores of a campaign are kept in memory until a response arrives; checking that on every
view must not read every row of a campaign of a million responses. Piccolo has no composite
index, so the statement is written here; it is the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-28T19:58:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "submission campaign id index"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    async def create_index() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration._meta.db.run_ddl(
            "CREATE INDEX IF NOT EXISTS submission_campaign_newest ON submission (campaign, id)"
        )

    async def drop_index() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration._meta.db.run_ddl("DROP INDEX IF EXISTS submission_campaign_newest")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
