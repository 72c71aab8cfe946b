"""Creating distribution links and resolving a code to what the respondent form needs."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from survey_server.campaigns.services import CampaignSpec, create_campaign, get_campaign
from survey_server.distribution.codes import TOKEN_LENGTH, code_digest, new_code, normalise_code
from survey_server.distribution.tables import IssuedToken, Link, Token
from survey_server.errors import (
    AppError,
    CampaignClosed,
    CampaignNotOpenYet,
    LinkNotFound,
    TokenRequired,
    TokenRevoked,
    TokenUsed,
)
from survey_server.i18n import N_, format_short_day, gettext
from survey_server.units.services import get_unit
from survey_server.units.tables import Unit

CHANNELS = ("qr_meeting", "zalo", "partner", "paper", "web")
#: Channels whose responses may carry the partner organisation that collected them (paper
#: forms handed out and typed in by the Fatherland Front or a mass organisation).
PARTNER_CHANNELS = ("partner", "paper")
#: How long a resolved link is reused before the database is asked again. Closing a campaign
#: takes effect within this delay in every server process.
LINK_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class LinkInfo:
    """Everything the respondent form and the submission path need about one code."""

    link_id: int
    code: str
    channel: str
    partner: str | None
    unit_id: int
    unit_name: str
    campaign_id: int
    campaign_code: str
    campaign_title: dict[str, str]
    status: str
    opens_on: date
    closes_on: date
    version_id: int
    content_hash: str
    requires_token: bool = False
    #: The school level of the unit (a class takes its school's): ``tieu_hoc``, ``lien_cap``…
    level: str | None = None

    def check_open(self, on: date, lang: str) -> None:
        """Raise the error a respondent should see when the campaign does not take answers."""
        if self.status == "draft" or on < self.opens_on:
            raise CampaignNotOpenYet(opens=format_short_day(self.opens_on, lang))
        if self.status == "closed" or on > self.closes_on:
            raise CampaignClosed(closes=format_short_day(min(self.closes_on, on), lang))


_CACHE: dict[str, tuple[float, LinkInfo]] = {}
_PENDING: dict[str, asyncio.Future[LinkInfo]] = {}


def forget_links() -> None:
    """Drop resolved links, so a change made in this process is seen at once."""
    _CACHE.clear()


async def resolve_link(typed_code: str) -> LinkInfo:
    """The link of a code, typed in any case; raise ``LinkNotFound`` when there is none.

    When a cached entry expires under load, one query refreshes it and every request that
    arrives meanwhile waits for that query instead of running its own (on SQLite each query
    opens a connection, and 64 of them at once stall the worker).
    """
    code = normalise_code(typed_code)
    if code is None:
        raise LinkNotFound()
    cached = _CACHE.get(code)
    if cached is not None and time.monotonic() - cached[0] < LINK_CACHE_SECONDS:
        return cached[1]
    pending = _PENDING.get(code)
    if pending is None:
        pending = _PENDING[code] = asyncio.ensure_future(_load_link(code))
        pending.add_done_callback(lambda _: _PENDING.pop(code, None))
    return await asyncio.shield(pending)


async def resolve_code(typed_code: str) -> tuple[LinkInfo, str | None]:
    """What a code typed or scanned opens: a link, or a single-use token and its link.

    A token's status is read on every call (never cached): it changes when it is used. A spent
    token has no row any more; the digest kept when it was issued tells it from a wrong code.
    """
    code = normalise_code(typed_code)
    if code is None:
        raise LinkNotFound()
    if len(code) != TOKEN_LENGTH:
        info = await resolve_link(code)
        if info.requires_token:
            raise TokenRequired()
        return info, None
    token = await Token.select(Token.status, Token.link.code).where(Token.code == code).first()
    if token is None:
        if await IssuedToken.exists().where(IssuedToken.digest == code_digest(code)):
            raise TokenUsed()
        raise LinkNotFound()
    if token["status"] == "revoked":
        raise TokenRevoked()
    return await resolve_link(token["link.code"]), code


async def _load_link(code: str) -> LinkInfo:
    row = (
        await Link.select(
            Link.id,
            Link.code,
            Link.channel,
            Link.partner,
            Link.unit,
            Link.unit.name,
            Link.unit.level,
            Link.unit.parent.level,
            Link.campaign,
            Link.campaign.code,
            Link.campaign.title,
            Link.campaign.status,
            Link.campaign.opens_on,
            Link.campaign.closes_on,
            Link.campaign.questionnaire,
            Link.campaign.questionnaire.content_hash,
            Link.campaign.requires_token,
        )
        .where(Link.code == code)
        .first()
    )
    if row is None:
        _CACHE.pop(code, None)
        raise LinkNotFound()
    info = LinkInfo(
        link_id=row["id"],
        code=row["code"],
        channel=row["channel"],
        partner=row["partner"],
        unit_id=row["unit"],
        unit_name=row["unit.name"],
        campaign_id=row["campaign"],
        campaign_code=row["campaign.code"],
        campaign_title=json.loads(row["campaign.title"]),
        status=row["campaign.status"],
        opens_on=row["campaign.opens_on"],
        closes_on=row["campaign.closes_on"],
        version_id=row["campaign.questionnaire"],
        content_hash=row["campaign.questionnaire.content_hash"],
        requires_token=bool(row["campaign.requires_token"]),
        level=row["unit.level"] or row["unit.parent.level"],
    )
    _CACHE[code] = (time.monotonic(), info)
    return info


async def create_links(
    campaign_id: int, unit_ids: list[int], channels: tuple[str, ...], partner: str | None = None
) -> int:
    """One link per (unit, channel) that does not exist yet; returns how many were created."""
    existing = {
        (row["unit"], row["channel"])
        for row in await Link.select(Link.unit, Link.channel).where(Link.campaign == campaign_id)
    }
    wanted = [
        (unit, channel)
        for unit in unit_ids
        for channel in channels
        if (unit, channel) not in existing
    ]
    taken = set()
    links = []
    for unit, channel in wanted:
        code = new_code()
        while code in taken or await Link.exists().where(Link.code == code):
            code = new_code()
        taken.add(code)
        links.append(
            Link(code=code, campaign=campaign_id, unit=unit, channel=channel, partner=partner)
        )
    if links:
        await Link.insert(*links)
    return len(links)


async def list_links(campaign_code: str | None = None) -> list[dict[str, Any]]:
    """Links with their campaign, questionnaire and unit (for ``links list``)."""
    query = Link.select(
        Link.code,
        Link.channel,
        Link.partner,
        Link.label,
        Link.campaign.code.as_alias("campaign"),
        Link.campaign.questionnaire.slug.as_alias("questionnaire"),
        Link.unit.code.as_alias("unit"),
        Link.unit.name.as_alias("unit_name"),
    )
    if campaign_code:
        query = query.where(Link.campaign.code == campaign_code.strip().upper())
    return await query.order_by(Link.id)


async def linked_units(campaign_id: int) -> set[int]:
    """Ids of the units that have one of the campaign's links."""
    rows = await Link.raw(
        "SELECT DISTINCT unit FROM distribution_link WHERE campaign = {}", campaign_id
    )
    return {row["unit"] for row in rows}


async def reached_units(campaign_id: int) -> set[int]:
    """Ids of the units a campaign reaches: those with one of its links, and every unit above
    them (a parent expects only the respondents of its surveyed units)."""
    rows = await Link.select(Link.unit.path.as_alias("path")).where(Link.campaign == campaign_id)
    return {int(part) for row in rows for part in str(row["path"]).strip("/").split("/")}


async def school_units(root_path: str, levels: tuple[str, ...] | None = None) -> list[int]:
    """Where links go by default: the current schools of a subtree, or its root when it has none."""
    rows = (
        await Unit.select(Unit.id, Unit.kind, Unit.level, Unit.path)
        .where(Unit.path.like(f"{root_path}%") & Unit.valid_to.is_null())
        .order_by(Unit.path)
    )
    schools = [
        row["id"]
        for row in rows
        if row["kind"] == "school" and (levels is None or row["level"] in levels)
    ]
    if schools:
        return schools
    return [row["id"] for row in rows if row["path"] == root_path]


async def open_campaign(
    spec: CampaignSpec,
    timezone: str,
    channels: tuple[str, ...],
    levels: tuple[str, ...] | None = None,
) -> int:
    """Create a campaign and its links (schools of the subtree × channels) in one transaction.

    ``levels`` limits the links to schools of those levels (a preschool questionnaire goes to
    preschools only). Returns the number of links created.
    """
    async with Link._meta.db.transaction():
        campaign_id = await create_campaign(spec, timezone)
        campaign = await get_campaign(spec.code)
        unit_ids = await school_units(campaign["root_unit_path"], levels)
        return await create_links(campaign_id, unit_ids, channels)


class LinkInvalid(AppError):
    status_code = 422
    code = "link_invalid"
    message = N_("Không tạo được đường dẫn: {detail}")


PARTNER_REQUIRED = N_("kênh đối tác (partner) cần tên tổ chức đối tác, ví dụ “Hội LHPN xã An Lão”")
PARTNER_ONLY = N_("chỉ kênh đối tác (partner) và phiếu giấy (paper) mới ghi tên tổ chức đối tác")
UNIT_OUTSIDE = N_("đơn vị {unit} không thuộc phạm vi của đợt khảo sát")
UNKNOWN_CHANNEL = N_("kênh '{channel}' không hợp lệ; chọn một trong: {choices}")


async def add_link(
    campaign_code: str,
    unit_code: str,
    channel: str,
    partner: str | None = None,
    label: str | None = None,
) -> str:
    """A link for one (unit, channel, partner, label) of a campaign; the existing one if any.

    Partner organisations (Ủy ban MTTQ xã, Hội LHPN, Đoàn TN, Hội CCB…) get their own links so
    that their responses are counted for them; ``label`` tags a class or a named meeting.
    """
    partner = " ".join(partner.split()) if partner else None
    label = " ".join(label.split()) if label else None
    if channel not in CHANNELS:
        raise LinkInvalid(
            detail=gettext(UNKNOWN_CHANNEL, "vi", channel=channel, choices=", ".join(CHANNELS))
        )
    if channel == "partner" and not partner:
        raise LinkInvalid(detail=gettext(PARTNER_REQUIRED, "vi"))
    if channel not in PARTNER_CHANNELS and partner:
        raise LinkInvalid(detail=gettext(PARTNER_ONLY, "vi"))
    campaign = await get_campaign(campaign_code)
    unit = await get_unit(unit_code)
    if not unit["path"].startswith(campaign["root_unit_path"]):
        raise LinkInvalid(detail=gettext(UNIT_OUTSIDE, "vi", unit=unit["code"]))
    existing = (
        await Link.select(Link.code)
        .where(
            (Link.campaign == campaign["id"])
            & (Link.unit == unit["id"])
            & (Link.channel == channel)
            & (Link.partner.is_null() if partner is None else Link.partner == partner)
            & (Link.label.is_null() if label is None else Link.label == label)
        )
        .first()
    )
    if existing is not None:
        return existing["code"]
    code = new_code()
    while await Link.exists().where(Link.code == code):
        code = new_code()
    await Link(
        code=code,
        campaign=campaign["id"],
        unit=unit["id"],
        channel=channel,
        partner=(partner or "")[:120] or None,
        label=(label or "")[:120] or None,
    ).save()
    return code
