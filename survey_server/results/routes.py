"""The imported results in the workspace (docs/RESULTS-PACKAGE.md): read by the staff of the
installation's top unit — the office that rolls the provinces (or communes) up."""

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import FromQuery

from survey_server.results.merge import NoPackages, questionnaire_of, stored_rollup
from survey_server.results.views import results_view
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.web import Forbidden, SignedIn, page, staff_lang
from survey_server.units.services import get_unit


@get("/staff/results", dependencies=SIGNED_IN, include_in_schema=False)
async def results_page(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    sort: FromQuery[str] = "name",
) -> Response[str]:
    """The roll-up of every imported package, or one unit of it, with the units below."""
    scope = session.scope
    if not scope.sees_scores or (await get_unit(scope.unit_code))["parent"] is not None:
        raise Forbidden()  # the packages of the provinces are the top office's to read
    try:
        rollup = await stored_rollup()  # made by the import; never assembled in a request
    except NoPackages:
        rollup = None
    if rollup is None:  # none imported, or the roll-up is older than the packages
        return page(state, request, "staff/results.html", session, packages=[])
    context = results_view(
        rollup, await questionnaire_of(rollup), unit or None, sort, staff_lang(request)
    )
    return page(state, request, "staff/results.html", session, **context)


ROUTES = [results_page]
