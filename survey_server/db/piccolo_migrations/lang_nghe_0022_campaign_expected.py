"""``campaign.expected``: the expected respondents of each unit, frozen when a campaign opens, so
that a number typed later changes no running or closed campaign's response rates. Campaigns
already opened get today's numbers."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-07T12:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "True"


async def freeze_opened_campaigns() -> None:
    engine = engine_finder()
    campaigns = await engine.run_querystring(
        QueryString(
            "SELECT c.id, u.path FROM campaign c JOIN unit u ON u.id = c.root_unit "
            "WHERE c.status <> 'draft'"
        )
    )
    for campaign in campaigns:
        units = await engine.run_querystring(
            QueryString(
                "SELECT id, expected_respondents FROM unit "
                "WHERE path LIKE {} AND expected_respondents IS NOT NULL",
                f"{campaign['path']}%",
            )
        )
        counts = {str(row["id"]): row["expected_respondents"] for row in units}
        await engine.run_querystring(
            QueryString(
                "UPDATE campaign SET expected = {} WHERE id = {}",
                json.dumps(counts),
                campaign["id"],
            )
        )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Campaign",
        tablename="campaign",
        column_name="expected",
        db_column_name="expected",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": None,
            "null": True,
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
    manager.add_raw(freeze_opened_campaigns)

    return manager
