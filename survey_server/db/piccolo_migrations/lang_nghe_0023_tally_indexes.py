"""One tally per (campaign, unit), and the releases not yet added to a tally found at once
(``scoring.tallies``). Separate from 0022: a migration's raw statements run before its tables
are created."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T14:21:25:000000"
VERSION = "1.38.0"
DESCRIPTION = "unit tally indexes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    async def indexes() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration._meta.db.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS unit_tally_campaign_unit ON unit_tally (campaign, unit)"
        )
        await Migration._meta.db.run_ddl(
            "CREATE INDEX IF NOT EXISTS response_release_untallied ON response_release (campaign) "
            "WHERE tallied = 0"
        )

    manager.add_raw(indexes)
    return manager
