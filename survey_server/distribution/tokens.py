"""Single-use tokens: issued per unit (or class), printed one per slip, spent once, revocable."""

from __future__ import annotations

from collections import Counter
from typing import Any

from survey_server.campaigns.services import get_campaign
from survey_server.distribution.codes import TOKEN_LENGTH, new_code, normalise_code
from survey_server.distribution.services import add_link
from survey_server.distribution.tables import Link, Token
from survey_server.errors import AppError
from survey_server.i18n import N_
from survey_server.timekeeping import today
from survey_server.units.services import get_unit

MAX_TOKENS_PER_CALL = 5000


class TokenCountInvalid(AppError):
    status_code = 422
    code = "token_count_invalid"
    message = N_("Số mã cần tạo phải từ 1 đến {max}.")


async def issue_tokens(
    campaign_code: str,
    unit_code: str,
    count: int,
    timezone: str,
    channel: str = "paper",
    label: str | None = None,
) -> list[str]:
    """Create ``count`` new tokens for a unit (its link for ``channel``/``label``)."""
    if not 1 <= count <= MAX_TOKENS_PER_CALL:
        raise TokenCountInvalid(max=MAX_TOKENS_PER_CALL)
    link_code = await add_link(campaign_code, unit_code, channel, label=label)
    link = await Link.select(Link.id).where(Link.code == link_code).first()
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_code(TOKEN_LENGTH))
    taken = {
        row["code"] for row in await Token.select(Token.code).where(Token.code.is_in(list(codes)))
    }
    while taken:
        codes -= taken
        fresh = {new_code(TOKEN_LENGTH) for _ in taken}
        taken = {
            row["code"]
            for row in await Token.select(Token.code).where(Token.code.is_in(list(fresh)))
        }
        codes |= fresh - taken
    day = today(timezone)
    ordered = sorted(codes)
    await Token.insert(
        *(Token(code=code, link=link["id"], status="issued", created_on=day) for code in ordered)
    )
    return ordered


async def list_tokens(
    campaign_code: str, unit_code: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Tokens of a campaign (a unit's subtree), with their unit and status."""
    campaign = await get_campaign(campaign_code)
    query = Token.select(
        Token.code,
        Token.status,
        Token.link.code.as_alias("link"),
        Token.link.label.as_alias("label"),
        Token.link.unit.code.as_alias("unit"),
        Token.link.unit.name.as_alias("unit_name"),
    ).where(Token.link.campaign == campaign["id"])
    if unit_code:
        unit = await get_unit(unit_code)
        query = query.where(Token.link.unit.path.like(f"{unit['path']}%"))
    if status:
        query = query.where(Token.status == status)
    return await query.order_by(Token.link.unit.path).order_by(Token.code)


def count_by_status(tokens: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(token["status"] for token in tokens)
    return {status: counts.get(status, 0) for status in ("issued", "used", "revoked")}


async def revoke_tokens(codes: list[str]) -> int:
    """Revoke tokens that were not used yet; returns how many were revoked."""
    cleaned = [code for code in (normalise_code(code) for code in codes) if code]
    if not cleaned:
        return 0
    issued = await Token.select(Token.code).where(
        Token.code.is_in(cleaned) & (Token.status == "issued")
    )
    if issued:
        await Token.update({Token.status: "revoked"}).where(
            Token.code.is_in([row["code"] for row in issued]) & (Token.status == "issued")
        )
    return len(issued)
