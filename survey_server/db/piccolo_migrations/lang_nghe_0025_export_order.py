"""An index in the order responses are exported (campaign, release, receipt): each page of a
response export starts where the last one ended, instead of reading every row before it
(``staff.exports.response_rows``); and one package per (key, campaign) among imported results
(``results.merge``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "export order index"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    async def indexes() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration._meta.db.run_ddl(
            "CREATE INDEX IF NOT EXISTS submission_export_order "
            "ON submission (campaign, released_in, receipt)"
        )
        await Migration._meta.db.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS results_package_key_campaign "
            "ON results_package (fingerprint, campaign)"
        )

    manager.add_raw(indexes)
    return manager
