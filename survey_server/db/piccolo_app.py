"""The one Piccolo app of the product: every domain's tables, one linear migration history."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

TABLE_MODULES = [
    "survey_server.units.tables",
    "survey_server.questionnaires.tables",
    "survey_server.campaigns.tables",
    "survey_server.distribution.tables",
    "survey_server.responses.tables",
    "survey_server.staff.tables",
    "survey_server.paper.tables",
    "survey_server.scoring.tables",
    "survey_server.integrity.tables",
    "survey_server.reports.tables",
    "survey_server.questionnaires.draft_tables",
    "survey_server.results.tables",
]

APP_CONFIG = AppConfig(
    app_name="lang_nghe",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=table_finder(modules=TABLE_MODULES, exclude_imported=True),
)
