"""A campaign's life in the workspace: opening it, closing it (after saying what that does) and
re-opening it, which only an administrator of the office above the campaign's root may do, and
only with a reason that its pages and its report then show.

Results count in the evaluation of the schools being measured, so the people who manage a
campaign close to the schools (a commune office) may close it but never open it again: a
late stack of all-5 forms must not slip in after the close without the office above knowing.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect

from survey_server.campaigns.services import (
    CampaignStepRefused,
    get_campaign,
    life_events,
    reopen,
    set_status,
)
from survey_server.config import Settings
from survey_server.errors import NotFound
from survey_server.i18n import N_
from survey_server.integrity.services import flags_in_review
from survey_server.paper.approval import pending_forms
from survey_server.staff.managers import managed
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import Scope, audit
from survey_server.staff.web import Forbidden, SignedIn, check_csrf, form_fields, page, staff_lang
from survey_server.timekeeping import today
from survey_server.units.services import get_unit

BASE = "/staff/campaigns/{code:str}"
REOPEN_DAYS = 7


async def may_reopen(scope: Scope, campaign: dict[str, Any]) -> bool:
    """An administrator whose unit is above the campaign's root (or is the root, when nothing
    is above it in the tree: a province's own campaign)."""
    root_path = str(campaign["root_unit_path"])
    if scope.role != "admin" or not root_path.startswith(scope.unit_path):
        return False
    if scope.unit_path != root_path:
        return True
    return (await get_unit(campaign["root_unit_code"]))["parent"] is None


@post(f"{BASE}/status", dependencies=SIGNED_IN, include_in_schema=False)
async def change_status(
    code: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Redirect:
    """Open a draft, or close an open campaign once its manager has read what closing does."""
    campaign = await managed(session.scope, code)
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    wanted = fields.get("status", "")
    if wanted == "closed" and fields.get("confirm") != "1":
        return Redirect(f"/staff/campaigns/{campaign['code']}/close", status_code=303)
    settings: Settings = state.settings
    await set_status(
        campaign["code"], wanted, username=session.scope.username, timezone=settings.timezone
    )
    await audit(
        session.scope.user_id,
        session.scope.username,
        "campaign.status",
        {"campaign": campaign["code"], "status": wanted},
    )
    return Redirect(f"/staff/campaigns/{campaign['code']}/distribution", status_code=303)


@get(f"{BASE}/close", dependencies=SIGNED_IN, include_in_schema=False)
async def close_page(
    code: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    """What closing does, and what it leaves out, before the manager confirms."""
    campaign = await managed(session.scope, code)
    if campaign["status"] != "open":
        raise CampaignStepRefused(detail=N_("đợt khảo sát không đang mở"))
    root = str(campaign["root_unit_path"])
    return page(
        state,
        request,
        "staff/lifecycle.html",
        session,
        step="close",
        campaign=campaign,
        title=json.loads(campaign["title"]),
        pending=await pending_forms(campaign["id"], root),
        in_review=await flags_in_review(campaign["id"]),
    )


@get(f"{BASE}/reopen", dependencies=SIGNED_IN, include_in_schema=False)
async def reopen_page(
    code: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    campaign = await _reopenable(session.scope, code)
    settings: Settings = state.settings
    return _reopen_form(state, request, session, campaign, settings, {}, None)


def _reopen_form(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    campaign: dict[str, Any],
    settings: Settings,
    values: dict[str, str],
    problem: str | None,
) -> Response[str]:
    closes = today(settings.timezone) + timedelta(days=REOPEN_DAYS)
    return page(
        state,
        request,
        "staff/lifecycle.html",
        session,
        status_code=422 if problem else 200,
        step="reopen",
        campaign=campaign,
        title=json.loads(campaign["title"]),
        values={"closes": closes.isoformat(), **values},
        problem=problem,
    )


async def _reopenable(scope: Scope, code: str) -> dict[str, Any]:
    campaign = await get_campaign(code)
    root = str(campaign["root_unit_path"])
    if not (root.startswith(scope.unit_path) or scope.unit_path.startswith(root)):
        raise NotFound()
    if not await may_reopen(scope, campaign):
        raise Forbidden()
    return campaign


@post(f"{BASE}/reopen", dependencies=SIGNED_IN, include_in_schema=False, status_code=200)
async def reopen_campaign(
    code: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    scope = session.scope
    campaign = await _reopenable(scope, code)
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    settings: Settings = state.settings
    lang = staff_lang(request)
    values = {"reason": fields.get("reason", "")[:2000], "closes": fields.get("closes", "")}
    try:
        closes_on = date.fromisoformat(values["closes"])
    except ValueError:
        return _reopen_form(
            state, request, session, campaign, settings, values,
            CampaignStepRefused(detail=N_("ngày kết thúc mới không hợp lệ")).text(lang),
        )  # fmt: skip
    try:
        await reopen(
            campaign["code"],
            reason=values["reason"],
            closes_on=closes_on,
            username=scope.username,
            timezone=settings.timezone,
        )
    except CampaignStepRefused as error:
        return _reopen_form(state, request, session, campaign, settings, values, error.text(lang))
    await audit(
        scope.user_id,
        scope.username,
        "campaign.reopen",
        {"campaign": campaign["code"], "closes_on": closes_on.isoformat()},
    )
    return Redirect(f"/staff/campaigns/{campaign['code']}/distribution", status_code=303)


async def lifecycle_context(scope: Scope, campaign: dict[str, Any]) -> dict[str, Any]:
    """What the campaign's page shows of its life: its events, and whether this account may
    re-open it."""
    return {
        "events": await life_events(campaign["id"]),
        "may_reopen": campaign["status"] == "closed" and await may_reopen(scope, campaign),
    }


ROUTES = [change_status, close_page, reopen_page, reopen_campaign]
