"""A client that sends its body too slowly gets 408 and keeps nothing open; a normal one is
not affected, nor is a streamed download after its request's body (both engines)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from survey_server import middleware
from tests.conftest import Survey, count_rows, new_id


async def trickle(body: bytes, pause: float) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 8):
        yield body[start : start + 8]
        await asyncio.sleep(pause)


async def test_a_trickled_body_ends_with_408(
    client: httpx.AsyncClient, survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(middleware, "BODY_IDLE_SECONDS", 0.2)
    body = f'{{"link": "{survey.link}", "submission_id": "{new_id()}", "answers": {{}}}}'.encode()
    response = await client.post(
        "/api/v1/responses",
        content=trickle(body, 0.5),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 408
    assert "quá chậm" in response.json()["message"]
    assert await count_rows() == 0


async def test_a_body_past_its_whole_deadline_ends_with_408(
    client: httpx.AsyncClient, survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(middleware, "BODY_SECONDS", 0.5)
    body = f'{{"link": "{survey.link}", "submission_id": "{new_id()}", "answers": {{}}}}'.encode()
    response = await client.post(
        "/api/v1/responses",
        content=trickle(body, 0.05),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 408


async def test_a_normal_body_is_read(client: httpx.AsyncClient, survey: Survey) -> None:
    body = {"link": survey.link, "submission_id": new_id(), "answers": {"loai": "khen"}}
    assert (await client.post("/api/v1/responses", json=body)).status_code == 201
