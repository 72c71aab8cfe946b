"""The team a double-entry batch belongs to (``paper_entry.team``).

A batch is now identified by its campaign, unit, partner, name and team: the unit of the
accounts typing it and, for a partner account, its organisation. Passes typed before this
migration get the team of the account that typed them, so batches in progress stay with their
typists. The statements are the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T00:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "paper entry team"

BACKFILL = """
UPDATE paper_entry SET team = COALESCE((
    SELECT CASE WHEN staff_user.role = 'partner'
        THEN CAST(staff_user.unit AS VARCHAR(20)) || '|' || staff_user.partner
        ELSE CAST(staff_user.unit AS VARCHAR(20)) END
    FROM staff_user WHERE staff_user.id = paper_entry.entered_by
), '')
"""


class _Manager(MigrationManager):
    """Piccolo runs raw statements before new columns exist; the backfill runs after them."""

    async def _run_add_columns(self, backwards: bool = False) -> None:
        await super()._run_add_columns(backwards=backwards)
        if not backwards and not self.preview:
            from piccolo.apps.migrations.tables import Migration

            await Migration._meta.db.run_ddl(BACKFILL)


async def forwards() -> MigrationManager:
    manager = _Manager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    manager.add_column(
        table_class_name="PaperEntry",
        tablename="paper_entry",
        column_name="team",
        db_column_name="team",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 160,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
