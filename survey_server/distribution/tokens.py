"""Single-use tokens: issued per unit (or class), printed one per slip, spent once, revocable.

A token that is spent disappears (its row is deleted with the response it produced), so what
is left in the database says which tokens are still usable or revoked, never which response
used which token. Counts of used tokens are the tokens issued (``token_issued``) minus those
left (``token``).
"""

from __future__ import annotations

from typing import Any

from piccolo.query.functions.aggregate import Count

from survey_server.campaigns.services import get_campaign
from survey_server.distribution.codes import TOKEN_LENGTH, code_digest, new_code, normalise_code
from survey_server.distribution.services import add_link
from survey_server.distribution.tables import IssuedToken, Link, Token
from survey_server.errors import AppError
from survey_server.i18n import N_
from survey_server.timekeeping import today
from survey_server.units.services import get_unit

MAX_TOKENS_PER_CALL = 5000
STATUSES = ("issued", "used", "revoked")


class TokenCountInvalid(AppError):
    status_code = 422
    code = "token_count_invalid"
    message = N_("Số mã cần tạo phải từ 1 đến {max}.")


async def issue_tokens(
    campaign_code: str, unit_code: str, count: int, timezone: str, channel: str = "paper"
) -> list[str]:
    """Create ``count`` new tokens for a unit, on its link for ``channel``; return their codes.

    A token carries no label: its slip names the unit (a class is a unit), never a person.
    """
    if not 1 <= count <= MAX_TOKENS_PER_CALL:
        raise TokenCountInvalid(max=MAX_TOKENS_PER_CALL)
    link_code = await add_link(campaign_code, unit_code, channel)
    link = await Link.select(Link.id).where(Link.code == link_code).first()
    ordered = sorted(await _unused_codes(count))
    day = today(timezone)
    async with Token._meta.db.transaction():
        await IssuedToken.insert(
            *(IssuedToken(digest=code_digest(code), link=link["id"]) for code in ordered)
        )
        await Token.insert(
            *(
                Token(code=code, link=link["id"], status="issued", created_on=day)
                for code in ordered
            )
        )
    return ordered


async def _unused_codes(count: int) -> set[str]:
    """``count`` random codes never issued before (not even as a token since spent)."""
    codes: set[str] = set()
    while len(codes) < count:
        fresh = {new_code(TOKEN_LENGTH) for _ in range(count - len(codes))} - codes
        digests = {code_digest(code): code for code in fresh}
        taken = await IssuedToken.select(IssuedToken.digest).where(
            IssuedToken.digest.is_in(list(digests))
        )
        codes |= fresh - {digests[row["digest"]] for row in taken}
    return codes


async def list_tokens(
    campaign_code: str, unit_code: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Tokens of a campaign (a unit's subtree) that are not spent: usable or revoked.

    A spent token is not listed: nothing of it is kept but the digest of its code.
    """
    campaign = await get_campaign(campaign_code)
    query = Token.select(
        Token.code,
        Token.status,
        Token.link.code.as_alias("link"),
        Token.link.unit.code.as_alias("unit"),
        Token.link.unit.name.as_alias("unit_name"),
    ).where(Token.link.campaign == campaign["id"])
    if unit_code:
        unit = await get_unit(unit_code)
        query = query.where(Token.link.unit.path.like(f"{unit['path']}%"))
    if status:
        query = query.where(Token.status == status)
    return await query.order_by(Token.link.unit.path).order_by(Token.code)


async def count_tokens(campaign_code: str, unit_code: str | None = None) -> dict[str, int]:
    """How many tokens of a campaign (a unit's subtree) are unused, used and revoked.

    Used is what was issued minus what is left: no row records a use.
    """
    campaign = await get_campaign(campaign_code)
    issued = IssuedToken.count().where(IssuedToken.link.campaign == campaign["id"])
    left = Token.select(Token.status, Count(alias="n")).where(Token.link.campaign == campaign["id"])
    if unit_code:
        path = f"{(await get_unit(unit_code))['path']}%"
        issued = issued.where(IssuedToken.link.unit.path.like(path))
        left = left.where(Token.link.unit.path.like(path))
    counts = dict.fromkeys(STATUSES, 0)
    for row in await left.group_by(Token.status):
        counts[row["status"]] = row["n"]
    counts["used"] = await issued - counts["issued"] - counts["revoked"]
    return counts


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
