"""Who manages a campaign: administrators and unit staff, for campaigns rooted in their subtree.

Principals and partners never manage one: they are among the people its results measure.
"""

from typing import Any

from survey_server.campaigns.services import get_campaign
from survey_server.errors import NotFound
from survey_server.staff.services import Scope
from survey_server.staff.web import Forbidden

MANAGERS = ("admin", "staff")


def require_manager(scope: Scope) -> None:
    if scope.role not in MANAGERS:
        raise Forbidden()


async def managed(scope: Scope, code: str) -> dict[str, Any]:
    """A campaign the user manages: rooted inside the user's subtree (else not found)."""
    require_manager(scope)
    campaign = await get_campaign(code)
    if not str(campaign["root_unit_path"]).startswith(scope.unit_path):
        raise NotFound()
    return campaign
