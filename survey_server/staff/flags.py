"""Deciding on an integrity flag: the campaign's administrator excludes a flagged link-day's
responses from the numbers, or keeps them, with a reason (audited, and reversible while those
responses are unpublished; see ``integrity.services``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect

from survey_server.integrity.services import DecisionRefused, decide
from survey_server.staff.managers import managed
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import audit
from survey_server.staff.web import Forbidden, SignedIn, check_csrf, form_fields, page, staff_lang


@post(
    "/staff/campaigns/{code:str}/flags/{flag_id:int}",
    dependencies=SIGNED_IN,
    include_in_schema=False,
    status_code=200,
)
async def decide_flag(
    code: FromPath[str],
    flag_id: FromPath[int],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[Any]:
    scope = session.scope
    campaign = await managed(scope, code)
    if scope.role != "admin":
        raise Forbidden()
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    decision = fields.get("decision", "")
    try:
        flag = await decide(
            campaign["id"], flag_id, decision, fields.get("reason", "")[:2000],
            username=scope.username,
        )  # fmt: skip
    except DecisionRefused as error:
        return page(
            state, request, "staff/message.html", session,
            status_code=error.status_code, status=error.status_code,
            message=error.text(staff_lang(request)),
        )  # fmt: skip
    await audit(
        scope.user_id,
        scope.username,
        "integrity.decision",
        {"campaign": campaign["code"], "flag": flag_id, "link": flag["link"],
         "day": flag["day"].isoformat(), "decision": decision},
    )  # fmt: skip
    query = urlencode({"unit": scope.unit_code})
    return Redirect(f"/staff/campaigns/{campaign['code']}/monitor?{query}#flags", status_code=303)


ROUTES = [decide_flag]
