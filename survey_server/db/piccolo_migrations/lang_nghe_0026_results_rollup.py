"""The stored roll-up of the imported results packages (``results.merge.current_rollup``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Bytea, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T18:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "results roll-up"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    manager.add_table(
        class_name="StoredRollup",
        tablename="results_rollup",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="StoredRollup",
        tablename="results_rollup",
        column_name="digest",
        db_column_name="digest",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="StoredRollup",
        tablename="results_rollup",
        column_name="body",
        db_column_name="body",
        column_class_name="Bytea",
        column_class=Bytea,
        params={
            "default": b"",
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
