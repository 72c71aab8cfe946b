"""The JSON API of the workspace: scores in the format of docs/scoring.md, behind the session."""

from typing import Annotated, Any

from litestar import get
from litestar.params import FromPath, FromQuery, QueryParameter

from survey_server.scoring.services import campaign_scores
from survey_server.staff.monitoring import as_json, progress
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import campaign_in_scope
from survey_server.staff.web import Forbidden, SignedIn

#: Deeper than any unit tree (Bộ, Sở, xã, trường, lớp): ``depth`` beyond it means every level.
MAX_DEPTH = 20


@get(
    "/api/v1/campaigns/{code:str}/scores",
    dependencies=SIGNED_IN,
    summary="Chỉ số hài lòng của một đợt cho một đơn vị (docs/scoring.md)",
    tags=["scores"],
)
async def scores(
    code: FromPath[str],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    depth: Annotated[int | None, QueryParameter(ge=0, le=MAX_DEPTH)] = None,
) -> dict[str, Any]:
    """Scores of the unit's subtree (default: the user's unit or the campaign's root), with
    every group under k withheld; ``depth`` keeps the groups of that many levels below the
    unit (1: its children; default: all). 401 without a session, 404 outside the user's scope."""
    if not session.scope.sees_scores:
        raise Forbidden()
    campaign, target = await campaign_in_scope(session.scope, code, unit)
    return await campaign_scores(campaign["code"], target["code"], depth=depth)


@get(
    "/api/v1/campaigns/{code:str}/progress",
    dependencies=SIGNED_IN,
    summary="Số phiếu đã nhận theo đơn vị, kênh, đối tác và ngày",
    tags=["monitoring"],
)
async def campaign_progress(
    code: FromPath[str], session: SignedIn, unit: FromQuery[str | None] = None
) -> dict[str, Any]:
    """Counts of responses (never answers) for the unit's subtree; a partner account sees its
    own organisation's only. Polled by the monitoring page while a campaign is open."""
    return as_json(await progress(session.scope, code, unit))


ROUTES = [scores, campaign_progress]
