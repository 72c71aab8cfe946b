"""``GET /r/{code}``: a unit's aggregate results for a campaign, once the campaign has ended.

The code is the one printed on the unit's poster. The page shows the numbers of the scoring
library for the unit — the same view staff see, so the same groups are withheld — and nothing
about any single response.
"""

import json
from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from litestar.enums import MediaType
from litestar.params import FromPath, FromQuery

from survey_server.campaigns.services import get_campaign
from survey_server.config import Settings
from survey_server.distribution.services import resolve_link
from survey_server.i18n import gettext, localize, pick_lang
from survey_server.rendering import Renderer
from survey_server.scoring.services import campaign_form, campaign_scores
from survey_server.staff.charts import Bar, interval_bars
from survey_server.staff.comments import case_of_receipt
from survey_server.staff.dashboard import TARGET, percent_note
from survey_server.timekeeping import today
from survey_server.units.services import get_unit_by_id


@get("/r/{code:str}", include_in_schema=False)
async def public_results(
    code: FromPath[str], state: State, lang: FromQuery[str | None] = None
) -> Response[str]:
    language = pick_lang(lang)
    settings: Settings = state.settings
    link = await resolve_link(code)
    ended = link.status == "closed" or link.closes_on < today(settings.timezone)
    context: dict[str, Any] = {"link": link, "ended": ended, "title": link.campaign_title}
    if ended:
        campaign = await get_campaign(link.campaign_code)
        unit = await get_unit_by_id(link.unit_id)
        view = await campaign_scores(campaign["code"], unit["code"])
        context["view"] = view
        if not view.get("suppressed"):
            questionnaire = (await campaign_form(campaign)).questionnaire
            titles = {s.id: localize(s.title, language) for s in questionnaire.sections}
            context["titles"] = titles
            context["chart"] = interval_bars(
                [
                    Bar(
                        titles.get(d["id"], d["id"]),
                        d["index"],
                        *(d["ci"] or (None, None)),
                        note=percent_note(d["index"], language),
                    )
                    for d in view["dimensions"]
                ],
                gettext("Chỉ số hài lòng theo từng thành phần, khoảng tin cậy 95%", language),
                TARGET,
            )
    renderer: Renderer = state.renderer
    return Response(
        renderer.render("public/results.html", language, **context),
        media_type=MediaType.HTML,
        headers={"Cache-Control": "public, max-age=300"},
    )


@get("/theo-doi", include_in_schema=False)
async def follow_up(
    state: State, ma: FromQuery[str | None] = None, lang: FromQuery[str | None] = None
) -> Response[str]:
    """A respondent follows up a comment with the receipt code: its status and the reply."""
    language = pick_lang(lang)
    receipt = (ma or "").strip()[:32]
    case = await case_of_receipt(receipt) if receipt else None
    if case is not None:
        case["title"] = json.loads(case["title"])
    renderer: Renderer = state.renderer
    return Response(
        renderer.render("public/follow_up.html", language, receipt=receipt, case=case),
        status_code=404 if receipt and case is None else 200,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store"},
    )


ROUTES = [public_results, follow_up]
