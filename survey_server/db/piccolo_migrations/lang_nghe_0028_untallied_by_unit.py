"""The releases not yet tallied taken unit by unit (campaign, unit, id): a batch in the order
of ids holds releases of as many units as it has releases when a campaign's responses arrive
spread over its schools, and each of those units' stored tallies (tens of kilobytes) is read,
added to and written back for one release. Taken unit by unit, a batch of 200 releases touches
a handful of units, and a campaign tallied from scratch writes each unit's tally about once a
batch instead of once a release (docs/PERFORMANCE.md, "At the national size")."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-08T00:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "untallied releases by unit"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    async def indexes() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration._meta.db.run_ddl(
            "CREATE INDEX IF NOT EXISTS response_release_untallied_unit "
            "ON response_release (campaign, unit, id) WHERE tallied = 0"
        )
        await Migration._meta.db.run_ddl("DROP INDEX IF EXISTS response_release_untallied_order")

    manager.add_raw(indexes)
    return manager
