from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-22T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "campaign exclude_flagged"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Campaign",
        tablename="campaign",
        column_name="exclude_flagged",
        db_column_name="exclude_flagged",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
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
