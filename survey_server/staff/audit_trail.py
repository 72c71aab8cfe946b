"""The audit view: who did what sensitive thing and when, for administrators.

An administrator reads the events of the accounts of their subtree; events of the command line
(no account) are the server operator's and are shown to the administrators of a root unit only.
The events hold no secret to begin with (``staff.services.audit`` is never given a password or
a code), so the view shows their details as stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from survey_server.i18n import N_
from survey_server.rendering import OFFICE_ZONE
from survey_server.staff.account_services import page_number, require_admin
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import Scope
from survey_server.staff.tables import AuditEvent
from survey_server.staff.web import SignedIn, page

PAGE_SIZE = 50
ACTION_LABELS = {
    "account_created": N_("Tạo tài khoản"),
    "accounts_created": N_("Tạo tài khoản hàng loạt"),
    "account_deactivated": N_("Khóa tài khoản"),
    "account_reactivated": N_("Mở lại tài khoản"),
    "account_reset": N_("Cấp lại mã đăng nhập"),
    "account_role_changed": N_("Đổi vai trò, phạm vi"),
    "codes_printed": N_("In mã đăng nhập lần đầu"),
    "password_changed": N_("Đổi mật khẩu"),
    "responses_exported": N_("Tải phiếu trả lời"),
    "report": N_("Viết báo cáo"),
    "campaign.status": N_("Đổi trạng thái đợt khảo sát"),
    "campaign.reopen": N_("Mở lại đợt khảo sát"),
    "case_updated": N_("Xử lý ý kiến"),
    "integrity.decision": N_("Quyết định về phiếu bị đánh dấu"),
    "letterhead": N_("Sửa tiêu đề văn bản"),
    "letterhead.reset": N_("Dùng lại tiêu đề gợi ý"),
    "paper.approve": N_("Duyệt lô phiếu giấy"),
    "paper.batch": N_("Nhập lô phiếu giấy"),
    "paper.import": N_("Nhập phiếu từ tệp"),
}


@dataclass(frozen=True)
class AuditPage:
    rows: list[dict[str, Any]]
    page: int
    pages: int


def _visible(scope: Scope) -> Any:
    inside = AuditEvent.user.unit.path.like(f"{scope.unit_path}%")
    if scope.unit_path.count("/") <= 2:  # a root unit ("/1/"): also the command line's events
        return inside | AuditEvent.user.is_null()
    return inside


async def audit_events(scope: Scope, user: str = "", action: str = "", page: int = 1) -> AuditPage:
    """The events ``scope`` may read, newest first, by exact username and action."""
    require_admin(scope)
    where = _visible(scope)
    if user:
        where &= AuditEvent.username == user.strip().lower()[:64]
    if action:
        where &= AuditEvent.action == action[:40]
    total = await AuditEvent.count().where(where)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = await (
        AuditEvent.select(AuditEvent.username, AuditEvent.action, AuditEvent.detail, AuditEvent.at)
        .where(where)
        .order_by(AuditEvent.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    for row in rows:
        detail = json.loads(row["detail"] or "{}")
        row["detail"] = [(str(key), str(value)) for key, value in detail.items()]
        row["when"] = datetime.fromtimestamp(row["at"], OFFICE_ZONE).strftime("%H:%M %d/%m/%Y")
    return AuditPage(rows, page, pages)


@get("/staff/audit", dependencies=SIGNED_IN, include_in_schema=False)
async def audit_view(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    params = request.query_params
    user = (params.get("user") or "")[:64]
    action = params.get("action") or ""
    action = action if action in ACTION_LABELS else ""
    events = await audit_events(session.scope, user, action, page_number(params.get("page")))
    return page(
        state,
        request,
        "staff/audit.html",
        session,
        events=events,
        user=user,
        action=action,
        labels=ACTION_LABELS,
    )


ROUTES = [audit_view]
