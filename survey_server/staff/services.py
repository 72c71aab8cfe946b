"""Accounts, sign-in, sessions and the scope of a signed-in user.

The scope is decided here and only here: every staff query goes through :class:`Scope`, which
knows the user's unit subtree (and, for a partner, its organisation). A unit outside the scope
is reported as not found, so a user learns nothing about units it may not see.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from survey_server.campaigns.services import get_campaign
from survey_server.campaigns.tables import Campaign
from survey_server.errors import AppError, FieldError, NotFound
from survey_server.i18n import N_
from survey_server.staff import throttle
from survey_server.staff.passwords import MIN_LENGTH, hash_password, verify_password
from survey_server.staff.sign_in_codes import code_matches
from survey_server.staff.tables import AuditEvent, StaffSession, StaffUser
from survey_server.timekeeping import today
from survey_server.units.services import get_unit
from survey_server.units.tables import Unit

ROLES = ("admin", "staff", "principal", "partner")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
SESSION_SECONDS = 8 * 3600


class AccountInvalid(AppError):
    status_code = 422
    code = "account_invalid"
    message = N_("Chưa tạo được tài khoản: {detail}")


class SignInFailed(AppError):
    status_code = 401
    code = "sign_in_failed"
    message = N_("Tên đăng nhập hoặc mật khẩu không đúng.")


class SignInLocked(AppError):
    status_code = 429
    code = "sign_in_locked"
    message = N_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {seconds} giây.")


class CodeExpired(AppError):
    status_code = 401
    code = "sign_in_code_expired"
    message = N_("Mã đăng nhập lần đầu này đã hết hạn. Vui lòng đề nghị quản trị viên cấp mã mới.")


class PasswordInvalid(AppError):
    status_code = 422
    code = "password_invalid"
    message = N_("Chưa đổi được mật khẩu: {detail}")


@dataclass(frozen=True)
class Scope:
    """What a signed-in user may see: a unit subtree, and for a partner its own channel."""

    user_id: int
    username: str
    role: str
    unit_id: int
    unit_code: str
    unit_name: str
    unit_path: str
    partner: str | None

    def contains(self, unit: dict[str, Any]) -> bool:
        return str(unit["path"]).startswith(self.unit_path)

    @property
    def sees_scores(self) -> bool:
        """Partners follow counts of their own channel; the other roles read scores."""
        return self.role != "partner"

    @property
    def sees_individual_responses(self) -> bool:
        return self.role == "admin"

    async def unit(self, code: str | None) -> dict[str, Any]:
        """The unit ``code`` (the user's own unit when ``None``), or ``NotFound`` when it is
        outside the scope — the same answer as for a unit that does not exist."""
        if code is None:
            return await get_unit(self.unit_code)
        unit = await get_unit(code)
        if not self.contains(unit):
            raise NotFound()
        return unit


@dataclass(frozen=True)
class Session:
    """``must_change_password``: signed in with a one-time code or after a reset; only the
    password page and sign-out are open to it (``staff.routes``)."""

    token: str
    csrf: str
    scope: Scope
    must_change_password: bool = False


async def create_user(
    username: str, role: str, unit_code: str, password: str, partner: str | None = None
) -> int:
    """Create an account; ``AccountInvalid`` says why it cannot be."""
    name = username.strip().lower()
    problems = []
    if not USERNAME.match(name):
        problems.append(N_("tên đăng nhập gồm 3–64 chữ thường không dấu, số, '.', '-' hoặc '_'"))
    if role not in ROLES:
        problems.append(N_("vai trò phải là admin, staff, principal hoặc partner"))
    if role == "partner" and not (partner or "").strip():
        problems.append(N_("tài khoản đối tác cần tên tổ chức (--partner)"))
    if len(password) < MIN_LENGTH:
        problems.append(N_("mật khẩu cần ít nhất 10 ký tự"))
    if await StaffUser.exists().where(StaffUser.username == name):
        problems.append(N_("tên đăng nhập đã có"))
    if problems:
        raise AccountInvalid(
            [FieldError("username", "bad_value", {"name": name})], detail="; ".join(problems)
        )
    unit = await get_unit(unit_code)
    user = StaffUser(
        username=name,
        password_hash=hash_password(password),
        role=role,
        unit=unit["id"],
        partner=(partner or "").strip() or None,
        created_on=today("Asia/Ho_Chi_Minh"),
    )
    await user.save()
    await audit(None, name, "account_created", {"role": role, "unit": unit["code"]})
    return user.id


async def sign_in(
    username: str, password: str, *, device: str | None = None, secret: str = ""
) -> Session:
    """Check the password (throttled per account, or per trusted browser: ``staff.throttle``)
    and open a session. ``device`` is the browser's device cookie, ``secret`` the server's."""
    name = username.strip().lower()[:64]
    user = await StaffUser.select().where(StaffUser.username == name).first()
    trusted = user is not None and throttle.trusted_device(device, name, secret)
    key = throttle.device_key(device or "") if trusted else throttle.account_key(name)
    if user is not None:
        wait = await throttle.wait_seconds(key)
        if wait:
            raise SignInLocked(seconds=wait)
    if not await _credentials_match(user, name, password, secret) or not (user and user["active"]):
        if user is not None:
            await throttle.failed(key)
        raise SignInFailed()
    await throttle.succeeded(key)
    if user["code_hash"] and user["code_expires_at"] < time.time():
        raise CodeExpired()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    await StaffSession(
        token_hash=_digest(token),
        user=user["id"],
        csrf=csrf,
        expires_at=int(time.time()) + SESSION_SECONDS,
    ).save()
    session = await load_session(token)
    assert session is not None
    return session


async def _credentials_match(
    user: dict[str, Any] | None, name: str, password: str, secret: str
) -> bool:
    """The password, or for an account that has one the one-time code (``sign_in_codes``).
    A code is checked after an Argon2 check of the dummy hash, so that its answer takes as
    long as a password's and does not tell which accounts are still waiting for their first
    sign-in."""
    if user is None or not user["code_hash"]:
        return await throttle.check_password(user["password_hash"] if user else None, password)
    await throttle.check_password(None, password)
    return code_matches(secret, name, password, user["code_hash"])


async def load_session(token: str | None) -> Session | None:
    """The live session of a cookie value, or ``None``."""
    if not token or len(token) > 100:
        return None
    row = await (
        StaffSession.select(
            StaffSession.csrf,
            StaffSession.expires_at,
            StaffSession.user.id.as_alias("user_id"),
            StaffSession.user.username.as_alias("username"),
            StaffSession.user.role.as_alias("role"),
            StaffSession.user.partner.as_alias("partner"),
            StaffSession.user.active.as_alias("active"),
            StaffSession.user.must_change_password.as_alias("must_change_password"),
            StaffSession.user.unit.id.as_alias("unit_id"),
            StaffSession.user.unit.code.as_alias("unit_code"),
            StaffSession.user.unit.name.as_alias("unit_name"),
            StaffSession.user.unit.path.as_alias("unit_path"),
        )
        .where(StaffSession.token_hash == _digest(token))
        .first()
    )
    if row is None or row["expires_at"] < time.time() or not row["active"]:
        return None
    scope = Scope(
        user_id=row["user_id"],
        username=row["username"],
        role=row["role"],
        unit_id=row["unit_id"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        unit_path=row["unit_path"],
        partner=row["partner"],
    )
    return Session(token, row["csrf"], scope, row["must_change_password"])


async def sign_out(token: str) -> None:
    await StaffSession.delete().where(StaffSession.token_hash == _digest(token))


async def change_password(
    session: Session, current: str, new: str, repeated: str, secret: str
) -> None:
    """Change the user's password; every other session of the user is closed.

    A session that must change its password (first sign-in with a one-time code, or after a
    reset) has just proven what it knows, so it is not asked for it again; the new password
    may not be the code, which is spent here."""
    scope = session.scope
    user = await StaffUser.select().where(StaffUser.id == scope.user_id).first()
    if user is None:
        raise PasswordInvalid(detail=N_("mật khẩu hiện tại không đúng"))
    if not session.must_change_password and not verify_password(user["password_hash"], current):
        raise PasswordInvalid(detail=N_("mật khẩu hiện tại không đúng"))
    if len(new) < MIN_LENGTH:
        raise PasswordInvalid(detail=N_("mật khẩu mới cần ít nhất 10 ký tự"))
    if new != repeated:
        raise PasswordInvalid(detail=N_("hai lần nhập mật khẩu mới không giống nhau"))
    if code_matches(secret, scope.username, new, user["code_hash"]):
        raise PasswordInvalid(detail=N_("mật khẩu mới không được trùng mã đăng nhập lần đầu"))
    await StaffUser.update(
        {
            StaffUser.password_hash: hash_password(new),
            StaffUser.must_change_password: False,
            StaffUser.code_hash: "",
            StaffUser.code_expires_at: 0,
        }
    ).where(StaffUser.id == scope.user_id)
    await StaffSession.delete().where(
        (StaffSession.user == scope.user_id) & (StaffSession.token_hash != _digest(session.token))
    )
    await audit(scope.user_id, scope.username, "password_changed", {})


async def audit(user_id: int | None, username: str, action: str, detail: dict[str, Any]) -> None:
    await AuditEvent(
        user=user_id,
        username=username,
        action=action,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        at=int(time.time()),
    ).save()


async def campaigns_in_scope(scope: Scope) -> list[dict[str, Any]]:
    """Campaigns that reach the user's subtree: run inside it, or above it (a province campaign
    seen by a school's principal is that school's part of it), newest first."""
    rows = await Campaign.select(
        Campaign.code,
        Campaign.title,
        Campaign.status,
        Campaign.opens_on,
        Campaign.closes_on,
        Campaign.questionnaire.slug.as_alias("questionnaire"),
        Campaign.root_unit.code.as_alias("unit"),
        Campaign.root_unit.name.as_alias("unit_name"),
        Campaign.root_unit.path.as_alias("unit_path"),
    ).order_by(Campaign.opens_on, ascending=False)
    visible = []
    for row in rows:
        path = row.pop("unit_path")
        if path.startswith(scope.unit_path) or scope.unit_path.startswith(path):
            row["title"] = json.loads(row["title"])
            visible.append(row)
    return visible


async def campaign_in_scope(
    scope: Scope, code: str, unit_code: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A campaign and the unit whose part of it the user asks for: ``unit_code``, or by
    default the user's own unit (inside the campaign) or the campaign's root (inside the scope).

    The unit must be inside both the scope and the campaign. Anything else — an unknown
    campaign or unit, or one outside the scope — is the same plain ``NotFound``, so a user
    learns nothing about what lies outside its scope.
    """
    try:
        campaign = await get_campaign(code)
        root_path = str(campaign["root_unit_path"])
        if unit_code is not None:
            unit = await get_unit(unit_code)
        elif scope.unit_path.startswith(root_path):
            unit = await get_unit(scope.unit_code)
        else:
            unit = await get_unit(campaign["root_unit_code"])
    except NotFound:
        raise NotFound() from None
    if not (scope.contains(unit) and str(unit["path"]).startswith(root_path)):
        raise NotFound()
    return campaign, unit


async def subtree_units(scope: Scope, root: dict[str, Any]) -> list[dict[str, Any]]:
    """Units of ``root``'s subtree (``root`` must be in the scope), in tree order."""
    if not scope.contains(root):
        raise NotFound()
    return await Unit.select().where(Unit.path.like(f"{root['path']}%")).order_by(Unit.path)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
