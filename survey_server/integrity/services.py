"""Integrity flags: recording the arrival watcher's findings, reading them, deciding on them.

A flag is an aggregate fact — a link, a day, how many arrived within the window, how many were
expected — and nothing else. While it is in review, the responses of its link on its day are
not published (``scoring.releases.COUNTABLE``); the campaign's administrator then excludes them
from the numbers or keeps them, with a reason. Both decisions can be reversed while those
responses are unpublished: once kept responses are published they stay (a publication taken
back would let two views be subtracted), and excluded ones are never published.
"""

from __future__ import annotations

import time
import unicodedata
from datetime import date
from typing import Any

from survey_server.campaigns.tables import Campaign
from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_
from survey_server.integrity.tables import IntegrityFlag
from survey_server.privacy.scrubber import scrub_text
from survey_server.units.tables import Unit

REVIEW, KEPT, EXCLUDED = "review", "kept", "excluded"
DECISIONS = (KEPT, EXCLUDED)


class DecisionRefused(AppError):
    status_code = 409
    code = "decision_refused"
    message = N_("Chưa ghi được quyết định: {detail}")


async def record_burst(
    *,
    campaign_id: int,
    unit_id: int,
    link_id: int,
    day: date,
    observed: int,
    expected: float,
    window_minutes: int,
) -> None:
    """Record a burst once per link and day (another server process may have recorded it)."""
    if await IntegrityFlag.exists().where(
        (IntegrityFlag.link == link_id) & (IntegrityFlag.day == day)
    ):
        return
    await IntegrityFlag(
        campaign=campaign_id,
        unit=unit_id,
        link=link_id,
        day=day,
        kind="burst",
        observed=observed,
        expected=round(expected, 1),
        window_minutes=window_minutes,
    ).save()


async def flags(campaign_id: int, unit_path: str = "") -> list[dict[str, Any]]:
    """The campaign's flags under a unit, newest first, with how many responses each link
    received that day in all (a count, from the responses themselves)."""
    return await IntegrityFlag.raw(
        "SELECT f.id, f.day, f.kind, f.observed, f.expected, f.window_minutes, f.status, "
        "f.reason, f.decided_by, u.code AS unit_code, u.name AS unit_name, l.code AS link_code, "
        "l.channel, (SELECT COUNT(*) FROM submission s WHERE s.link = f.link "
        "AND s.submitted_on = f.day) AS day_total "
        "FROM integrity_flag f JOIN unit u ON u.id = f.unit "
        "JOIN distribution_link l ON l.id = f.link "
        "WHERE f.campaign = {} AND u.path LIKE {} ORDER BY f.day DESC, f.id DESC",
        campaign_id,
        f"{unit_path}%",
    )


async def flags_in_review(campaign_id: int) -> int:
    return await IntegrityFlag.count().where(
        (IntegrityFlag.campaign == campaign_id) & (IntegrityFlag.status == REVIEW)
    )


async def decide(
    campaign_id: int, flag_id: int, decision: str, reason: str, *, username: str
) -> dict[str, Any]:
    """Exclude a flagged link-day's unpublished responses from the numbers, or keep them, with
    a reason. Refused once the campaign is closed: after the close nothing changes the numbers.
    Nothing already published is taken back."""
    flag = (
        await IntegrityFlag.select()
        .where((IntegrityFlag.id == flag_id) & (IntegrityFlag.campaign == campaign_id))
        .first()
    )
    if flag is None or decision not in DECISIONS:
        raise NotFound()
    text = scrub_text(" ".join(unicodedata.normalize("NFC", reason).split()))
    if not 10 <= len(text) <= 500:
        raise DecisionRefused(detail=N_("cần nêu lý do (từ 10 đến 500 ký tự)"))
    campaign = await Campaign.select(Campaign.status).where(Campaign.id == campaign_id).first()
    if campaign is None or campaign["status"] != "open":
        raise DecisionRefused(detail=N_("đợt khảo sát không đang mở"))
    await IntegrityFlag.update(
        {
            IntegrityFlag.status: decision,
            IntegrityFlag.reason: text,
            IntegrityFlag.decided_by: username[:64],
            IntegrityFlag.decided_at: int(time.time()),
        }
    ).where(IntegrityFlag.id == flag_id)
    return flag


async def pattern_findings(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The units of a scores view (``scoring.services.campaign_scores``) whose published answers
    show a pattern stuffing leaves — one answer vector over and over, straight-lining, speeding —
    far beyond the other units' (``analysis.integrity``), with their names, largest first."""
    found = [
        {"code": code, "n": group["n"], **flag}
        for code, group in (view.get("groups") or {}).items()
        if not group.get("suppressed")
        for flag in (group.get("quality") or {}).get("patterns", [])
    ]
    if not found:
        return []
    names = {
        row["code"]: row["name"]
        for row in await Unit.select(Unit.code, Unit.name).where(
            Unit.code.is_in(sorted({item["code"] for item in found}))
        )
    }
    for item in found:
        item["name"] = names.get(item["code"], item["code"])
    return sorted(found, key=lambda item: (-item["observed"] / item["n"], item["name"]))
