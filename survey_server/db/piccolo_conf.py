"""Configuration for Piccolo's own machinery (migrations, the ``piccolo`` command).

This is the one module that reads the environment when imported: ``DATABASE_URL``, as the
application does. ``survey-server migrate`` replaces ``DB`` with the engine of its settings.
"""

import os

from piccolo.conf.apps import AppRegistry

from survey_server.db.engine import engine_from_url

DB = engine_from_url(os.environ.get("DATABASE_URL") or "sqlite:///data/lang-nghe.db")

APP_REGISTRY = AppRegistry(apps=["survey_server.db.piccolo_app"])
