"""``submission.scrubbed``: whether a response's free text has had the scrubber's second pass.

Every text is scrubbed by the fast pass before it is stored; the second pass (the CRF reading of
names, milliseconds a text) runs before a response is published, and a response is published
only once it has had it (1). Responses stored before this migration get 0: the unpublished ones
have the second pass before their release; published ones are not touched.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import SmallInt

from survey_server.db.piccolo_migrations.lang_nghe_0015_release_channels import _params

ID = "2026-12-06T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "second scrubbing pass before release"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Submission",
        tablename="submission",
        column_name="scrubbed",
        db_column_name="scrubbed",
        column_class_name="SmallInt",
        column_class=SmallInt,
        params=_params(default=0, null=False),
        schema=None,
    )
    return manager
