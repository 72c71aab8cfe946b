"""Opening campaigns and reading them."""

from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from analysis.quality import FLAGS as QUALITY_FLAGS
from survey_server.campaigns.tables import Campaign, CampaignEvent
from survey_server.config import K_FLOOR
from survey_server.errors import AppError, FieldError, NotFound
from survey_server.i18n import N_
from survey_server.privacy.scrubber import scrub_text
from survey_server.questionnaires.services import find_version
from survey_server.timekeeping import today
from survey_server.units.services import get_unit

CAMPAIGN_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
STATUSES = ("draft", "open", "closed")


class CampaignInvalid(AppError):
    status_code = 422
    code = "campaign_invalid"
    message = N_("Thông tin đợt khảo sát chưa hợp lệ: {detail}")


@dataclass(frozen=True)
class CampaignSpec:
    """What staff choose when they open a campaign."""

    code: str
    title: dict[str, str]
    questionnaire_slug: str
    root_unit_code: str
    opens_on: date
    closes_on: date
    k: int = 10
    questionnaire_version: int | None = None
    status: str = "open"
    requires_token: bool = False
    comment_retention_days: int = 730
    exclude_flagged: tuple[str, ...] = ()


async def create_campaign(spec: CampaignSpec, timezone: str) -> int:
    """Create a campaign; raise ``CampaignInvalid`` with the reason when it cannot be."""
    values = await _checked(spec, existing=None)
    campaign = Campaign(**values, created_on=today(timezone))
    await campaign.save()
    return campaign.id


async def update_draft(code: str, spec: CampaignSpec) -> None:
    """Change a campaign that is still a draft (nobody has answered it); same checks as when
    creating it. An open or closed campaign keeps what respondents were shown."""
    campaign = await get_campaign(code)
    if campaign["status"] != "draft":
        raise CampaignInvalid(detail=N_("chỉ sửa được đợt khảo sát đang là bản nháp"))
    values = await _checked(spec, existing=campaign["id"])
    await Campaign.update({getattr(Campaign, key): value for key, value in values.items()}).where(
        Campaign.id == campaign["id"]
    )


async def _checked(spec: CampaignSpec, existing: int | None) -> dict[str, Any]:
    """The column values of ``spec``, or ``CampaignInvalid`` listing every problem."""
    code = spec.code.strip().upper()
    problems: list[str] = []
    if not CAMPAIGN_CODE.match(code):
        problems.append(N_("mã đợt chỉ gồm chữ in hoa không dấu, số, '-' hoặc '_' (2–40 ký tự)"))
    if spec.k < K_FLOOR:
        problems.append(N_("ngưỡng k không được nhỏ hơn 5"))
    if not 0 <= spec.comment_retention_days <= 3650:
        problems.append(N_("thời hạn lưu giữ ý kiến phải từ 0 đến 3650 ngày"))
    if set(spec.exclude_flagged) - set(QUALITY_FLAGS):
        problems.append(
            N_("chỉ loại được các phiếu bị gắn cờ straight_lining, speeding, repeated_device")
        )
    if spec.closes_on < spec.opens_on:
        problems.append(N_("ngày kết thúc phải sau ngày bắt đầu"))
    if spec.status not in STATUSES:
        problems.append(N_("trạng thái không hợp lệ"))
    if not spec.title.get("vi", "").strip():
        problems.append(N_("cần tên đợt khảo sát bằng tiếng Việt"))
    taken = Campaign.exists().where(Campaign.code == code)
    if existing is not None:
        taken = taken.where(Campaign.id != existing)
    if await taken:
        problems.append(N_("mã đợt đã được dùng"))
    version_id = await find_version(spec.questionnaire_slug, spec.questionnaire_version)
    if version_id is None:
        problems.append(N_("không tìm thấy bảng hỏi đã nạp với slug và phiên bản này"))
    if problems:
        raise CampaignInvalid(
            [FieldError("campaign", "bad_value", {"name": code})], detail="; ".join(problems)
        )
    unit = await get_unit(spec.root_unit_code)
    return {
        "code": code,
        "title": json.dumps(spec.title, ensure_ascii=False),
        "questionnaire": version_id,
        "root_unit": unit["id"],
        "opens_on": spec.opens_on,
        "closes_on": spec.closes_on,
        "k": spec.k,
        "status": spec.status,
        "requires_token": spec.requires_token,
        "comment_retention_days": spec.comment_retention_days,
        "exclude_flagged": ",".join(sorted(set(spec.exclude_flagged))),
    }


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    message = N_("Không tìm thấy đợt khảo sát có mã '{campaign}'.")


async def get_campaign(code: str) -> dict[str, Any]:
    wanted = code.strip().upper()
    if not CAMPAIGN_CODE.match(wanted):
        raise CampaignNotFound(campaign=code.strip()[:40])
    row = (
        await Campaign.select(
            Campaign.all_columns(),
            Campaign.questionnaire.slug.as_alias("questionnaire_slug"),
            Campaign.questionnaire.version.as_alias("questionnaire_version"),
            Campaign.root_unit.code.as_alias("root_unit_code"),
            Campaign.root_unit.path.as_alias("root_unit_path"),
        )
        .where(Campaign.code == wanted)
        .first()
    )
    if row is None:
        raise CampaignNotFound(campaign=code.strip()[:40])
    return row


async def list_campaigns() -> list[dict[str, Any]]:
    """Every campaign with its questionnaire and root unit, newest first."""
    rows = await Campaign.select(
        Campaign.code,
        Campaign.title,
        Campaign.status,
        Campaign.opens_on,
        Campaign.closes_on,
        Campaign.k,
        Campaign.questionnaire.slug.as_alias("questionnaire"),
        Campaign.questionnaire.version.as_alias("questionnaire_version"),
        Campaign.root_unit.code.as_alias("unit"),
    ).order_by(Campaign.id, ascending=False)
    for row in rows:
        row["title"] = json.loads(row["title"])
    return rows


OFFICE_TIMEZONE = "Asia/Ho_Chi_Minh"
#: The one way a campaign's life goes; going back from closed is :func:`reopen`.
NEXT_STATUS = {"draft": "open", "open": "closed"}
REASON_LENGTH = (10, 500)


class CampaignStepRefused(AppError):
    status_code = 409
    code = "campaign_step_refused"
    message = N_("Không thực hiện được: {detail}")


async def set_status(
    code: str, status: str, *, username: str = "", timezone: str = OFFICE_TIMEZONE
) -> None:
    """Move a campaign one step along draft → open → closed (nothing else), recording who did
    it. Closing takes effect at once in this process and within ``LINK_CACHE_SECONDS`` in the
    others; from then on no channel adds, edits or removes a response."""
    campaign = await get_campaign(code)
    if NEXT_STATUS.get(campaign["status"]) != status:
        raise CampaignStepRefused(detail=N_("đợt khảo sát không chuyển được sang trạng thái này"))
    await _step(campaign, status, "open" if status == "open" else "close", username, timezone)


async def reopen(
    code: str, *, reason: str, closes_on: date, username: str = "", timezone: str = OFFICE_TIMEZONE
) -> None:
    """Open a closed campaign again until ``closes_on``, for the ``reason`` given (required,
    shown on the campaign and in its report). Who may do it is the caller's rule (an
    administrator of the office above the campaign's root)."""
    campaign = await get_campaign(code)
    if campaign["status"] != "closed":
        raise CampaignStepRefused(detail=N_("chỉ mở lại được đợt khảo sát đã kết thúc"))
    text = " ".join(unicodedata.normalize("NFC", reason).split())
    low, high = REASON_LENGTH
    if not low <= len(text) <= high:
        raise CampaignStepRefused(detail=N_("cần nêu lý do mở lại (từ 10 đến 500 ký tự)"))
    if closes_on < today(timezone):
        raise CampaignStepRefused(detail=N_("ngày kết thúc mới không được trước hôm nay"))
    await Campaign.update({Campaign.closes_on: closes_on}).where(Campaign.id == campaign["id"])
    await _step(campaign, "open", "reopen", username, timezone, scrub_text(text))


async def _step(
    campaign: dict[str, Any],
    status: str,
    action: str,
    username: str,
    timezone: str,
    reason: str = "",
) -> None:
    async with Campaign._meta.db.transaction():
        await Campaign.update({Campaign.status: status}).where(Campaign.id == campaign["id"])
        await CampaignEvent(
            campaign=campaign["id"],
            action=action,
            reason=reason,
            username=username[:64],
            happened_on=today(timezone),
            at=int(time.time()),
        ).save()
    from survey_server.distribution.services import forget_links

    forget_links()


async def life_events(campaign_id: int) -> list[dict[str, Any]]:
    """What happened to a campaign, oldest first: each opening, closing and re-opening."""
    return await (
        CampaignEvent.select(
            CampaignEvent.action,
            CampaignEvent.reason,
            CampaignEvent.username,
            CampaignEvent.happened_on,
        )
        .where(CampaignEvent.campaign == campaign_id)
        .order_by(CampaignEvent.id)
    )


async def reopenings(campaign_id: int) -> list[dict[str, Any]]:
    """The re-openings of a campaign (with their reasons): what its pages and report announce."""
    return [event for event in await life_events(campaign_id) if event["action"] == "reopen"]
