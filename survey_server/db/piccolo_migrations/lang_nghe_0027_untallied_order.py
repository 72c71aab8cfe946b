"""The releases not yet tallied found in the order ``scoring.tallies.update`` takes them
(campaign, id): with an index on the campaign alone, each batch walked the primary key past
every release already tallied (290 ms a batch with 575,000 tallied), so tallying a national
campaign grew with the square of its releases (docs/PERFORMANCE.md, "At the national size")."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T23:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "untallied releases in order"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    async def indexes() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration._meta.db.run_ddl(
            "CREATE INDEX IF NOT EXISTS response_release_untallied_order "
            "ON response_release (campaign, id) WHERE tallied = 0"
        )
        await Migration._meta.db.run_ddl("DROP INDEX IF EXISTS response_release_untallied")

    manager.add_raw(indexes)
    return manager
