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


def test_no_server_error_in_the_staff_api_when_signed_in(live_server: LiveServer) -> None:
    """The same, with an administrator's session: the scores, progress and report endpoints
    read what the account may see, for every input schemathesis makes up."""
    import re

    import httpx

    from tests.live import BIN, _env

    env = _env(live_server.database_url, live_server.data_dir, 8000)
    subprocess.run(
        [str(BIN), "users", "create", "fuzz.admin", "--role", "admin", "--unit", "SO-HP",
         "--password-stdin"],
        input="mat-khau-kiem-thu-2026", text=True, env=env, check=True, capture_output=True,
    )  # fmt: skip
    with httpx.Client(base_url=live_server.base_url) as client:
        form = client.get("/staff/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        signed = client.post(
            "/staff/login",
            data={"username": "fuzz.admin", "password": "mat-khau-kiem-thu-2026", "csrf": token},
        )
        assert signed.status_code == 303
        session = client.cookies["ln_staff"]
    with httpx.Client(base_url=live_server.base_url) as fresh:  # the header alone opens it
        seen = fresh.get(
            "/api/v1/campaigns/HL-PT-2026/progress", headers={"Cookie": f"ln_staff={session}"}
        )
        assert seen.status_code == 200, seen.text[:300]
    result = subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{live_server.base_url}/schema/openapi.json",
            "--checks", "not_a_server_error", "--max-examples", "60", "--seed", "2026",
            "--include-path-regex", "^/api/v1/(campaigns|reports)",
            "-H", f"Cookie: ln_staff={session}",
        ],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout
    assert "unhandled " not in live_server.log.read_text(errors="replace")
