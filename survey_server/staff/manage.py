"""Creating, editing (while a draft), opening and closing campaigns, and their distribution kit.

Administrators and unit staff manage campaigns rooted inside their own subtree; principals and
partners do not.
"""

import json
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect

from survey_server.campaigns.services import (
    CampaignInvalid,
    CampaignSpec,
    get_campaign,
    update_draft,
)
from survey_server.config import Settings
from survey_server.distribution.services import CHANNELS, list_links, open_campaign
from survey_server.errors import NotFound
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.staff.lifecycle import lifecycle_context
from survey_server.staff.managers import MANAGERS, managed, require_manager
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import Scope, Session
from survey_server.staff.web import SignedIn, check_csrf, form_fields, page, staff_lang
from survey_server.units.services import get_unit
from survey_server.units.tables import Unit

FLAGS = ("straight_lining", "speeding", "repeated_device")


async def _choices(scope: Scope) -> dict[str, Any]:
    versions = await QuestionnaireVersion.select(
        QuestionnaireVersion.slug, QuestionnaireVersion.version, QuestionnaireVersion.definition
    ).order_by(QuestionnaireVersion.slug)
    units = await Unit.select(Unit.code, Unit.name, Unit.depth, Unit.path).where(
        Unit.path.like(f"{scope.unit_path}%")
    )
    depth = min((row["depth"] for row in units), default=0)
    return {
        "questionnaires": [
            {
                "value": f"{row['slug']}@{row['version']}",
                "title": json.loads(row["definition"])["title"],
            }
            for row in versions
        ],
        "units": [row for row in units if row["depth"] <= depth + 1],
        "channels": CHANNELS,
        "flags": FLAGS,
    }


def _spec(fields: dict[str, str], form: dict[str, list[str]], settings: Settings) -> CampaignSpec:
    """A campaign spec from the posted form; unreadable values become clear errors."""
    slug, _, version = fields.get("questionnaire", "").partition("@")
    try:
        opens = date.fromisoformat(fields.get("opens", ""))
        closes = date.fromisoformat(fields.get("closes", ""))
        k = int(fields.get("k") or settings.default_k)
        retention = int(fields.get("retention") or 730)
        number = int(version) if version else None
    except ValueError:
        raise CampaignInvalid(
            detail="ngày (năm-tháng-ngày), ngưỡng k và số ngày lưu giữ phải là số hợp lệ"
        ) from None
    title = {"vi": fields.get("title", "").strip()}
    if fields.get("title_en", "").strip():
        title["en"] = fields["title_en"].strip()
    return CampaignSpec(
        code=fields.get("code", ""),
        title=title,
        questionnaire_slug=slug,
        questionnaire_version=number,
        root_unit_code=fields.get("unit", ""),
        opens_on=opens,
        closes_on=closes,
        k=k,
        status="draft",
        requires_token=fields.get("tokens") == "1",
        comment_retention_days=retention,
        exclude_flagged=tuple(flag for flag in form.get("flags", []) if flag in FLAGS),
    )


async def _form_lists(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    form = await request.form()
    return {key: [v for v in form.getall(key) if isinstance(v, str)] for key in form}


@get("/staff/campaigns/new", dependencies=SIGNED_IN, include_in_schema=False)
async def new_campaign(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    require_manager(session.scope)
    return page(
        state,
        request,
        "staff/campaign_form.html",
        session,
        editing=None,
        values={"k": state.settings.default_k, "retention": 730, "unit": session.scope.unit_code},
        chosen_channels=["qr_meeting", "zalo"],
        chosen_flags=[],
        message=None,
        **await _choices(session.scope),
    )


@post("/staff/campaigns/new", dependencies=SIGNED_IN, include_in_schema=False)
async def create(state: State, request: Request[Any, Any, Any], session: SignedIn) -> Response[Any]:
    scope = session.scope
    require_manager(scope)
    fields = await form_fields(request)
    lists = await _form_lists(request)
    check_csrf(session.csrf, fields.get("csrf"))
    channels = tuple(c for c in lists.get("channels", []) if c in CHANNELS and c != "partner")
    try:
        spec = _spec(fields, lists, state.settings)
        root = await get_unit(spec.root_unit_code)
        if not scope.contains(root):
            raise CampaignInvalid(detail="đơn vị gốc phải thuộc phạm vi của tài khoản")
        if not channels:
            raise CampaignInvalid(detail="cần chọn ít nhất một kênh")
        await open_campaign(spec, state.settings.timezone, channels)
    except CampaignInvalid as error:
        return await _form_again(state, request, session, None, fields, lists, error)
    return Redirect(f"/staff/campaigns/{spec.code.strip().upper()}/distribution", status_code=303)


@get("/staff/campaigns/{code:str}/edit", dependencies=SIGNED_IN, include_in_schema=False)
async def edit_campaign(
    code: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    campaign = await managed(session.scope, code)
    title = json.loads(campaign["title"])
    values = {
        "code": campaign["code"],
        "title": title.get("vi", ""),
        "title_en": title.get("en", ""),
        "questionnaire": f"{campaign['questionnaire_slug']}@{campaign['questionnaire_version']}",
        "unit": campaign["root_unit_code"],
        "opens": campaign["opens_on"].isoformat(),
        "closes": campaign["closes_on"].isoformat(),
        "k": campaign["k"],
        "retention": campaign["comment_retention_days"],
        "tokens": "1" if campaign["requires_token"] else "",
    }
    return page(
        state,
        request,
        "staff/campaign_form.html",
        session,
        editing=campaign,
        values=values,
        chosen_channels=[],
        chosen_flags=[f for f in campaign["exclude_flagged"].split(",") if f],
        message=None,
        **await _choices(session.scope),
    )


@post("/staff/campaigns/{code:str}/edit", dependencies=SIGNED_IN, include_in_schema=False)
async def save_campaign(
    code: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    campaign = await managed(session.scope, code)
    fields = await form_fields(request)
    lists = await _form_lists(request)
    check_csrf(session.csrf, fields.get("csrf"))
    # what respondents' links were made for stays as it is: code, questionnaire and root unit
    fields["code"] = campaign["code"]
    fields["questionnaire"] = (
        f"{campaign['questionnaire_slug']}@{campaign['questionnaire_version']}"
    )
    fields["unit"] = campaign["root_unit_code"]
    try:
        await update_draft(campaign["code"], _spec(fields, lists, state.settings))
    except CampaignInvalid as error:
        return await _form_again(state, request, session, campaign, fields, lists, error)
    return Redirect(f"/staff/campaigns/{campaign['code']}/distribution", status_code=303)


@get("/staff/campaigns/{code:str}/distribution", dependencies=SIGNED_IN, include_in_schema=False)
async def distribution(
    code: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    """The campaign's links in the user's scope, with QR codes, posters and slips."""
    scope = session.scope
    campaign = await get_campaign(code)
    root_path = str(campaign["root_unit_path"])
    if not (root_path.startswith(scope.unit_path) or scope.unit_path.startswith(root_path)):
        raise NotFound()
    visible = {
        row["code"]
        for row in await Unit.select(Unit.code).where(Unit.path.like(f"{scope.unit_path}%"))
    }
    links = [
        row
        for row in await list_links(campaign["code"])
        if row["unit"] in visible and (scope.role != "partner" or row["partner"] == scope.partner)
    ]
    return page(
        state,
        request,
        "staff/distribution.html",
        session,
        campaign=campaign,
        title=json.loads(campaign["title"]),
        links=links,
        manages=scope.role in MANAGERS and root_path.startswith(scope.unit_path),
        **await lifecycle_context(scope, campaign),
        base_url=state.settings.base_url,
    )


async def _form_again(
    state: State,
    request: Request[Any, Any, Any],
    session: Session,
    campaign: dict[str, Any] | None,
    fields: dict[str, str],
    lists: dict[str, list[str]],
    error: CampaignInvalid,
) -> Response[str]:
    return page(
        state,
        request,
        "staff/campaign_form.html",
        session,
        status_code=error.status_code,
        editing=campaign,
        values=fields,
        chosen_channels=lists.get("channels", []),
        chosen_flags=lists.get("flags", []),
        message=error.text(staff_lang(request)),
        **await _choices(session.scope),
    )


ROUTES = [new_campaign, create, edit_campaign, save_campaign, distribution]
