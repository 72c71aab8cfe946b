"""Fixtures of the server tests: a province's package imported into its own installation, as
the Bộ would import it."""

from __future__ import annotations

import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.results.merge import import_packages
from survey_server.results.package import build_package, encode
from survey_server.results.signing import public_text, signing_key
from survey_server.results.trust import trust
from tests.conftest import Database
from tests.releases import close_and_publish

CAMPAIGN = "HL-PT-2026"


@pytest.fixture
async def imported(settings: Settings, db: Database) -> dict[str, object]:
    """The demo's HL-PT-2026 closed, exported, its key trusted and its package imported."""
    await prepare_demo(settings, responses=400)
    await close_and_publish(CAMPAIGN)
    package = await build_package(CAMPAIGN, settings.data_dir)
    await trust(
        "Sở GD&ĐT Hải Phòng", "ed25519 " + public_text(signing_key(settings.data_dir).public_key())
    )
    await import_packages([encode(package, compressed=True)])
    return package
