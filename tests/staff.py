"""Signing staff in, for the tests of the workspace."""

from __future__ import annotations

import re

import httpx

PASSWORD = "mat-khau-rat-dai-2026"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    form = await client.get("/staff/login")
    return await client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf": csrf_of(form.text), **extra},
    )


async def reopen_campaign(code: str) -> None:
    """Re-open a closed campaign as the office above it would (the only way back)."""
    from datetime import timedelta

    from survey_server.campaigns.services import get_campaign, reopen
    from survey_server.timekeeping import today

    week = today("Asia/Ho_Chi_Minh") + timedelta(days=7)
    await reopen(
        code,
        reason="Phiếu giấy đến muộn sau khi kết thúc",
        closes_on=max(week, (await get_campaign(code))["closes_on"]),
        username="so.admin",
    )
