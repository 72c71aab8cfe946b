"""An acknowledged response survives ``kill -9`` of the server under load (README.md)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
import pytest

from tests.live import LiveServer, start

pytestmark = pytest.mark.server

CLIENTS = 24


async def _stored_ids(server: LiveServer) -> set[str]:
    if server.database_url.startswith("sqlite:"):
        import sqlite3

        connection = sqlite3.connect(server.database_url.removeprefix("sqlite:///"))
        try:
            return {row[0] for row in connection.execute("SELECT submission_id FROM submission")}
        finally:
            connection.close()
    connection = await asyncpg.connect(server.database_url)
    try:
        return {
            str(row[0]) for row in await connection.fetch("SELECT submission_id FROM submission")
        }
    finally:
        await connection.close()


async def test_acknowledged_responses_survive_kill_9(live_server: LiveServer) -> None:
    acknowledged: dict[str, str] = {}
    stop = asyncio.Event()

    async def client(http: httpx.AsyncClient) -> None:
        while not stop.is_set():
            submission_id = str(uuid.uuid4())
            body = {
                "link": live_server.link,
                "submission_id": submission_id,
                "answers": {"tc1": 4, "hai_long_chung": 5, "gop_y": "Cảm ơn nhà trường"},
            }
            try:
                response = await http.post("/api/v1/responses", json=body)
            except httpx.HTTPError:
                continue
            if response.status_code == 201:
                acknowledged[submission_id] = response.json()["receipt"]

    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=5) as http:
        tasks = [asyncio.create_task(client(http)) for _ in range(CLIENTS)]
        while len(acknowledged) < 300:
            await asyncio.sleep(0.05)
        live_server.kill()  # mid-load, no chance to flush or shut down
        stop.set()
        await asyncio.gather(*tasks)

    assert len(acknowledged) >= 300
    stored = await _stored_ids(live_server)
    lost = set(acknowledged) - stored
    assert not lost, f"{len(lost)} acknowledged responses were lost"

    restarted = start(live_server.database_url, live_server.data_dir, live_server.link)
    live_server.process = restarted.process
    live_server.base_url = restarted.base_url
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=5) as http:
        replay_id = next(iter(acknowledged))
        body = {"link": live_server.link, "submission_id": replay_id, "answers": {"tc1": 1}}
        response = await http.post("/api/v1/responses", json=body)
    assert response.status_code == 201
    assert response.json()["receipt"] == acknowledged[replay_id]
