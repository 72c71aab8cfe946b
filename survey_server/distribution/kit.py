"""The distribution kit of a campaign: QR images, posters, slips and Zalo messages per link."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from survey_server.campaigns.services import get_campaign
from survey_server.distribution.pdf import PrintItem, render_posters, render_slips
from survey_server.distribution.qr import POSTER_QR_CM, qr_png, qr_svg
from survey_server.distribution.tables import Link
from survey_server.errors import NotFound
from survey_server.i18n import format_day, gettext, localize
from survey_server.questionnaires.duration import estimated_minutes
from survey_server.questionnaires.services import get_form_spec
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.units.services import get_unit

FORMATS = ("png", "svg", "pdf")
#: Channels whose links are printed; ``zalo`` links are shared as messages instead.
PRINTED = ("qr_meeting", "partner", "paper", "web")


@dataclass(frozen=True)
class KitLink:
    code: str
    channel: str
    partner: str | None
    label: str | None
    unit_code: str
    unit_name: str
    campaign_title: dict[str, str]
    closes_on: date
    url: str
    #: The questionnaire's estimated time, promised on posters and in messages.
    minutes: int

    def item(self, lang: str) -> PrintItem:
        return PrintItem(
            unit_name=self.unit_name,
            campaign_title=localize(self.campaign_title, lang),
            url=self.url,
            code=self.code,
            closes_on=self.closes_on,
            minutes=self.minutes,
        )

    def file_stem(self) -> str:
        parts = [
            self.unit_code,
            self.channel,
            *(p for p in (self.partner, self.label) if p),
            self.code,
        ]
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(parts)).strip("-")


async def kit_links(
    campaign_code: str, base_url: str, unit_code: str | None = None
) -> list[KitLink]:
    """The links of a campaign, limited to a unit's subtree when ``unit_code`` is given."""
    campaign = await get_campaign(campaign_code)
    query = Link.select(
        Link.code,
        Link.channel,
        Link.partner,
        Link.label,
        Link.unit.code,
        Link.unit.name,
        Link.unit.path,
        Link.campaign.title,
        Link.campaign.closes_on,
    ).where(Link.campaign == campaign["id"])
    if unit_code:
        unit = await get_unit(unit_code)
        query = query.where(Link.unit.path.like(f"{unit['path']}%"))
    rows = await query.order_by(Link.unit.path).order_by(Link.channel).order_by(Link.id)
    if not rows:
        raise NotFound()
    minutes = await questionnaire_minutes(campaign["questionnaire"])
    return [
        KitLink(
            code=row["code"],
            channel=row["channel"],
            partner=row["partner"],
            label=row["label"],
            unit_code=row["unit.code"],
            unit_name=row["unit.name"],
            campaign_title=json.loads(row["campaign.title"]),
            closes_on=row["campaign.closes_on"],
            url=f"{base_url}/s/{row['code']}",
            minutes=minutes,
        )
        for row in rows
    ]


async def questionnaire_minutes(version_id: int) -> int:
    """The estimated time of a stored questionnaire version, in whole minutes."""
    row = (
        await QuestionnaireVersion.select(QuestionnaireVersion.content_hash)
        .where(QuestionnaireVersion.id == version_id)
        .first()
    )
    if row is None:
        raise NotFound()
    spec = await get_form_spec(row["content_hash"])
    return estimated_minutes(spec.questionnaire)


async def token_kit_links(
    campaign_code: str, base_url: str, unit_code: str | None = None
) -> list[KitLink]:
    """One printable entry per token still ``issued`` (for printing or reprinting slips); a slip
    names its unit, nothing else."""
    from survey_server.distribution.tokens import list_tokens

    campaign = await get_campaign(campaign_code)
    title = json.loads(campaign["title"])
    minutes = await questionnaire_minutes(campaign["questionnaire"])
    return [
        KitLink(
            code=token["code"],
            channel="paper",
            partner=None,
            label=None,
            unit_code=token["unit"],
            unit_name=token["unit_name"],
            campaign_title=title,
            closes_on=campaign["closes_on"],
            url=f"{base_url}/s/{token['code']}",
            minutes=minutes,
        )
        for token in await list_tokens(campaign_code, unit_code, status="issued")
    ]


def write_token_slips(links: list[KitLink], path: Path, lang: str = "vi") -> Path:
    """A4 sheets of four A6 slips, one per token, each with its own QR code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_slips([link.item(lang) for link in links], lang, copies=1))
    return path


def zalo_message(link: KitLink, lang: str = "vi") -> str:
    """A ready-to-paste message for a class Zalo group."""
    return gettext(
        "Kính gửi quý phụ huynh,\n"
        "{unit} trân trọng mời quý phụ huynh tham gia “{title}”. Ý kiến của quý phụ huynh giúp nhà "
        "trường và ngành giáo dục nâng cao chất lượng chăm sóc, giáo dục các con.\n"
        "Phiếu ẩn danh, khoảng {minutes} phút, không cần đăng nhập: {url}\n"
        "Hạn trả lời: {date}. Trân trọng cảm ơn!",
        lang,
        minutes=link.minutes,
        unit=link.unit_name,
        title=localize(link.campaign_title, lang),
        url=link.url,
        date=format_day(link.closes_on, lang),
    )


def write_kit(
    links: list[KitLink],
    out_dir: Path,
    fmt: str,
    lang: str = "vi",
    on_item: Callable[[KitLink], Any] | None = None,
) -> list[Path]:
    """Write the kit files of ``links`` into ``out_dir`` and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    printed = [link for link in links if link.channel in PRINTED]
    zalo = [link for link in links if link.channel == "zalo"]
    if fmt in ("png", "svg"):
        for link in printed:
            path = out_dir / f"{link.file_stem()}.{fmt}"
            path.write_bytes(qr_png(link.url) if fmt == "png" else qr_svg(link.url, POSTER_QR_CM))
            written.append(path)
            if on_item:
                on_item(link)
    elif printed:
        items = []
        for link in printed:
            items.append(link.item(lang))
            if on_item:
                on_item(link)
        posters = out_dir / "posters.pdf"
        posters.write_bytes(render_posters(items, lang))
        slips = out_dir / "slips.pdf"
        slips.write_bytes(render_slips(items, lang))
        written += [posters, slips]
    if zalo:
        messages = out_dir / "zalo-messages.txt"
        blocks = [
            f"# {link.unit_name} ({link.code})\n{zalo_message(link, lang)}\n" for link in zalo
        ]
        messages.write_text("\n".join(blocks), encoding="utf-8")
        written.append(messages)
        if on_item:
            for link in zalo:
                on_item(link)
    return written
