"""A running system keeps no identifier a respondent sent: not in the database, not in the logs."""

from __future__ import annotations

import subprocess
import uuid

import asyncpg
import httpx
import pytest

from tests.live import LiveServer

pytestmark = pytest.mark.server

CLIENT_ADDRESS = "127.0.0.23"  # a loopback address of its own, so it can be searched for
PHONE = "0912 345 678"
AGENT = "Mozilla/5.0 (Linux; Android 9; Redmi 7A) TestPhoneXYZ"


async def _database_text(server: LiveServer) -> str:
    """Everything stored: the SQLite files byte for byte, or a dump of every PostgreSQL table."""
    if server.database_url.startswith("sqlite:"):
        path = server.database_url.removeprefix("sqlite:///")
        chunks = []
        for suffix in ("", "-wal", "-shm"):
            try:
                with open(path + suffix, "rb") as handle:
                    chunks.append(handle.read().decode("utf-8", errors="replace"))
            except FileNotFoundError:
                pass
        return "".join(chunks)
    connection = await asyncpg.connect(server.database_url)
    try:
        tables = [
            row[0]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        rows = [str(await connection.fetch(f'SELECT * FROM "{table}"')) for table in tables]
    finally:
        await connection.close()
    return "\n".join(rows)


async def test_phone_number_and_client_address_are_nowhere(live_server: LiveServer) -> None:
    transport = httpx.AsyncHTTPTransport(local_address=CLIENT_ADDRESS)
    headers = {"user-agent": AGENT, "x-forwarded-for": "198.51.100.7"}
    async with httpx.AsyncClient(
        transport=transport, base_url=live_server.base_url, headers=headers
    ) as http:
        page = await http.get(f"/s/{live_server.link}")
        assert page.status_code == 200
        body = {
            "link": live_server.link,
            "submission_id": str(uuid.uuid4()),
            "answers": {"tc1": 4, "gop_y": f"Cô Hạnh chủ nhiệm, gọi tôi số {PHONE} nhé"},
        }
        response = await http.post("/api/v1/responses", json=body)
        assert response.status_code == 201
        form = await http.post(f"/s/{live_server.link}", data={"gop_y": f"sđt {PHONE}", "tc2": "5"})
        assert form.status_code == 303
    if live_server.database_url.startswith("sqlite:"):
        subprocess.run(["sync"], check=False)
    stored = await _database_text(live_server)
    logs = live_server.log.read_text(errors="replace")
    digits = PHONE.replace(" ", "")
    for haystack in (stored, logs):
        assert digits not in haystack.replace(" ", "").replace(".", "")
        assert CLIENT_ADDRESS not in haystack
        assert "198.51.100.7" not in haystack
        assert "TestPhoneXYZ" not in haystack
        assert "Hạnh" not in haystack
    assert "[số điện thoại]" in stored
