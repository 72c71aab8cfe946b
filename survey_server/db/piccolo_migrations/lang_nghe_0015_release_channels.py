"""Releases of one channel and partner; responses screened before release; the pending index.

``response_release.channel`` and ``partner`` name the one channel (and partner) of a release
made while a campaign runs, ``NULL`` for one pooled at the close; releases made before this
migration pooled nothing by channel and get ``NULL``. ``submission.screened`` records whether a
response passed the campaign's data-quality setting before its release (0: not yet looked at).
The index on (campaign, released_in, unit) finds a campaign's unpublished responses per unit
without reading its published ones. The statements are the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import SmallInt, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T20:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "release channels and screening"

PENDING_INDEX = (
    "CREATE INDEX IF NOT EXISTS submission_pending ON submission (campaign, released_in, unit)"
)


def _params(**extra: object) -> dict[str, object]:
    return {
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)
    for name, length in (("channel", 20), ("partner", 120)):
        manager.add_column(
            table_class_name="Release",
            tablename="response_release",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_params(length=length, default=None, null=True),
            schema=None,
        )
    manager.add_column(
        table_class_name="Submission",
        tablename="submission",
        column_name="screened",
        db_column_name="screened",
        column_class_name="SmallInt",
        column_class=SmallInt,
        params=_params(default=0, null=False),
        schema=None,
    )

    async def pending_index() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration._meta.db.run_ddl(PENDING_INDEX)

    manager.add_raw(pending_index)
    return manager
