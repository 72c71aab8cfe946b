"""Schemathesis, pointed at our own OpenAPI document on a real server, finds no server error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import LiveServer

pytestmark = pytest.mark.server
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_no_server_error_anywhere_in_the_api(live_server: LiveServer) -> None:
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.base_url}/schema/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "150",
            "--seed",
            "2026",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout
    assert "unhandled " not in live_server.log.read_text(errors="replace")
