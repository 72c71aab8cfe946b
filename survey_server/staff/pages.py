"""The pages of a campaign in the workspace: dashboard (and, below, its drill-down)."""

import json
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from survey_server.staff.dashboard import dashboard
from survey_server.staff.monitoring import progress
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.web import Forbidden, SignedIn, page, staff_lang


@get("/staff/campaigns/{code:str}", dependencies=SIGNED_IN, include_in_schema=False)
async def campaign_dashboard(
    code: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    sort: FromQuery[str] = "name",
) -> Response[str]:
    """Scores of a unit (default: the user's) for a campaign, with its child units."""
    if not session.scope.sees_scores:
        raise Forbidden()
    context = await dashboard(session.scope, code, unit, sort, staff_lang(request))
    return page(state, request, "staff/dashboard.html", session, **context)


@get("/staff/campaigns/{code:str}/monitor", dependencies=SIGNED_IN, include_in_schema=False)
async def campaign_monitor(
    code: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
) -> Response[str]:
    """Responses arriving: per child unit against expected, per channel, partner and day."""
    data = await progress(session.scope, code, unit)
    return page(
        state,
        request,
        "staff/monitor.html",
        session,
        title=json.loads(data["campaign"]["title"]),
        **data,
    )


ROUTES = [campaign_dashboard, campaign_monitor]
