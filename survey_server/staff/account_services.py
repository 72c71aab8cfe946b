"""Who may manage which account, and what managing one does: list, deactivate, reactivate,
reset, change role and scope.

Administrators manage every account whose unit lies in their subtree. A Phòng or commune
office (``staff``) is the help desk of its schools: it manages the principal accounts of the
schools of its subtree (list, set up, deactivate, reactivate, reset) and nothing else.
Principals and partners manage no account. An account out of reach is reported as not found,
exactly like one that does not exist.

Every change is audited without any secret; ``actor`` ``None`` is the command line (the
server's operator), which may touch any account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_
from survey_server.staff.services import ROLES, Scope, audit
from survey_server.staff.sign_in_codes import IssuedCode, code_digest, expiry, new_code
from survey_server.staff.tables import StaffSession, StaffUser
from survey_server.staff.web import Forbidden
from survey_server.units.services import get_unit
from survey_server.units.tables import Unit

MANAGERS = ("admin", "staff")
PAGE_SIZE = 50
COMMAND_LINE = "(dòng lệnh)"
#: Units that head a printed sheet of codes: the nearest office above an account's unit.
OFFICE_KINDS = ("commune", "district_office", "department")


class AccountRefused(AppError):
    status_code = 422
    code = "account_refused"
    message = N_("Chưa thực hiện được: {detail}")


@dataclass(frozen=True)
class AccountPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def page_number(text: str | None) -> int:
    """The page asked for in a query string; anything but a plain number is the first page."""
    return int(text) if text and text.isdigit() and len(text) < 7 else 1


def require_account_manager(scope: Scope) -> None:
    if scope.role not in MANAGERS:
        raise Forbidden()


def require_admin(scope: Scope) -> None:
    if scope.role != "admin":
        raise Forbidden()


def _account_columns() -> tuple[Any, ...]:
    return (
        StaffUser.id,
        StaffUser.username,
        StaffUser.role,
        StaffUser.partner,
        StaffUser.active,
        StaffUser.must_change_password,
        StaffUser.code_hash,
        StaffUser.code_expires_at,
        StaffUser.created_on,
        StaffUser.unit.id.as_alias("unit_id"),
        StaffUser.unit.code.as_alias("unit_code"),
        StaffUser.unit.name.as_alias("unit_name"),
        StaffUser.unit.path.as_alias("unit_path"),
        StaffUser.unit.depth.as_alias("unit_depth"),
    )


def _reach(scope: Scope) -> Any:
    """The accounts ``scope`` manages, as a query condition."""
    inside = StaffUser.unit.path.like(f"{scope.unit_path}%")
    return inside if scope.role == "admin" else inside & (StaffUser.role == "principal")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """An account as pages show it: whether a code is waiting, never its hash."""
    row = dict(row)
    row["code_pending"] = bool(row.pop("code_hash"))
    return row


def _name_contains(pattern: str) -> Any:
    """Unit names in any case: ``ILIKE`` on PostgreSQL; SQLite's ``LIKE`` already ignores the
    case (of unaccented letters) and has no ``ILIKE``."""
    name = StaffUser.unit.name
    postgres = StaffUser._meta.db.engine_type == "postgres"
    return name.ilike(pattern) if postgres else name.like(pattern)


async def list_accounts(
    scope: Scope, search: str = "", role: str = "", active: str = "", page: int = 1
) -> AccountPage:
    """The accounts ``scope`` manages, matching ``search`` (username, unit name or code),
    ``role`` and ``active`` (``"1"``/``"0"``), by username, one page of ``PAGE_SIZE``."""
    require_account_manager(scope)
    where = _reach(scope)
    text = search.strip().replace("%", "")[:80]
    if text:
        pattern = f"%{text}%"
        where &= (
            StaffUser.username.like(pattern.lower())
            | _name_contains(pattern)
            | StaffUser.unit.code.like(pattern.upper())
        )
    if role in ROLES:
        where &= StaffUser.role == role
    if active in ("0", "1"):
        where &= StaffUser.active == (active == "1")
    total = await StaffUser.count().where(where)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = await (
        StaffUser.select(*_account_columns())
        .where(where)
        .order_by(StaffUser.username)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return AccountPage([_public(row) for row in rows], total, page, pages)


async def account_in_reach(scope: Scope | None, username: str) -> dict[str, Any]:
    """The account ``username`` if ``scope`` manages it (any account for the command line),
    else ``NotFound``."""
    where = StaffUser.username == username.strip().lower()[:64]
    if scope is not None:
        require_account_manager(scope)
        where &= _reach(scope)
    row = await StaffUser.select(*_account_columns()).where(where).first()
    if row is None:
        raise NotFound()
    return _public(row)


def _who(actor: Scope | None) -> tuple[int | None, str]:
    return (actor.user_id, actor.username) if actor else (None, COMMAND_LINE)


def _not_self(actor: Scope | None, account: dict[str, Any]) -> None:
    if actor is not None and actor.user_id == account["id"]:
        raise AccountRefused(
            detail=N_(
                "không thể tự khóa, tự cấp lại mã hay tự đổi vai trò của chính mình; "
                "hãy nhờ một quản trị viên khác"
            )
        )


async def _guard_last_root_admin(account: dict[str, Any]) -> None:
    """The province keeps at least one active administrator at its root unit: without one,
    nobody could manage accounts from a browser any more."""
    if not (account["role"] == "admin" and account["active"] and account["unit_depth"] == 0):
        return
    others = await StaffUser.count().where(
        (StaffUser.role == "admin")
        & (StaffUser.active == True)  # noqa: E712
        & (StaffUser.unit == account["unit_id"])
        & (StaffUser.id != account["id"])
    )
    if not others:
        raise AccountRefused(
            detail=N_("đây là quản trị viên cuối cùng còn hoạt động của đơn vị cấp cao nhất")
        )


async def _close_sessions(account_id: int) -> None:
    await StaffSession.delete().where(StaffSession.user == account_id)


async def set_active(actor: Scope | None, username: str, active: bool) -> dict[str, Any]:
    """Deactivate (its open sessions end with their next request) or reactivate an account."""
    account = await account_in_reach(actor, username)
    if not active:
        _not_self(actor, account)
        await _guard_last_root_admin(account)
    async with StaffUser._meta.db.transaction():
        await StaffUser.update({StaffUser.active: active}).where(StaffUser.id == account["id"])
        if not active:
            await _close_sessions(account["id"])
        user_id, who = _who(actor)
        action = "account_reactivated" if active else "account_deactivated"
        await audit(user_id, who, action, {"account": account["username"]})
    return account


async def reset(actor: Scope | None, username: str, secret: str) -> IssuedCode:
    """A new one-time code for the account (returned once, in clear): its password stops
    working, its sessions are closed and it must choose a new password at its next sign-in."""
    account = await account_in_reach(actor, username)
    _not_self(actor, account)
    code, until = new_code(), expiry()
    async with StaffUser._meta.db.transaction():
        await StaffUser.update(
            {
                StaffUser.password_hash: "",
                StaffUser.code_hash: code_digest(secret, account["username"], code),
                StaffUser.code_expires_at: until,
                StaffUser.must_change_password: True,
            }
        ).where(StaffUser.id == account["id"])
        await _close_sessions(account["id"])
        user_id, who = _who(actor)
        await audit(user_id, who, "account_reset", {"account": account["username"]})
    return IssuedCode(
        account["username"], account["unit_code"], account["unit_name"], "", code, until
    )


async def change_role(
    actor: Scope | None, username: str, role: str, unit_code: str, partner: str = ""
) -> dict[str, Any]:
    """Give the account another role and scope (administrators only). The new unit must lie in
    the administrator's own subtree, so no one can hand out more than they hold; the account's
    sessions are closed so that the change is whole from its next request."""
    if actor is not None:
        require_admin(actor)
    account = await account_in_reach(actor, username)
    _not_self(actor, account)
    if role not in ROLES:
        raise AccountRefused(detail=N_("vai trò phải là admin, staff, principal hoặc partner"))
    partner = partner.strip()
    if role == "partner" and not partner:
        raise AccountRefused(detail=N_("tài khoản đối tác cần tên tổ chức"))
    if len(partner) > 120:
        raise AccountRefused(detail=N_("tên tổ chức dài quá 120 ký tự"))
    unit = await actor.unit(unit_code.strip().upper()) if actor else await get_unit(unit_code)
    if role == "principal" and unit["kind"] != "school":
        raise AccountRefused(detail=N_("tài khoản hiệu trưởng phải gắn với một trường"))
    if role != "admin" or unit["id"] != account["unit_id"]:
        await _guard_last_root_admin(account)
    async with StaffUser._meta.db.transaction():
        await StaffUser.update(
            {
                StaffUser.role: role,
                StaffUser.unit: unit["id"],
                StaffUser.partner: partner if role == "partner" else None,
            }
        ).where(StaffUser.id == account["id"])
        await _close_sessions(account["id"])
        user_id, who = _who(actor)
        await audit(
            user_id,
            who,
            "account_role_changed",
            {
                "account": account["username"],
                "from": f"{account['role']} {account['unit_code']}",
                "to": f"{role} {unit['code']}",
            },
        )
    return account


async def office_names(units: list[dict[str, Any]]) -> dict[int, str]:
    """For each unit (with ``id``, ``kind`` and ``path``), the name of the office whose sheet
    lists it: the nearest commune, district office or department above it (an office's own
    account is listed under that office)."""
    ids = {int(part) for unit in units for part in str(unit["path"]).strip("/").split("/") if part}
    offices = {
        row["id"]: row["name"]
        for row in await Unit.select(Unit.id, Unit.name).where(
            Unit.id.is_in(list(ids) or [0]) & Unit.kind.is_in(list(OFFICE_KINDS))
        )
    }
    names = {}
    for unit in units:
        chain = [int(part) for part in str(unit["path"]).strip("/").split("/") if part]
        found = [offices[unit_id] for unit_id in reversed(chain) if unit_id in offices]
        names[unit["id"]] = found[0] if found else unit["name"]
    return names
