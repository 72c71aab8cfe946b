"""Setting up many accounts at once: a principal for every school of a subtree, or the rows
of a CSV file. Each new account gets a one-time code (``sign_in_codes``), returned once for
the printed sheets (``codes_pdf``) and never stored in clear. All or nothing: one transaction,
and a file with one bad row creates no account at all.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any

from asyncpg.exceptions import UniqueViolationError

from survey_server.bounded import WorkRefused, run_bounded
from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_, gettext
from survey_server.spreadsheet import TableUnreadable, read_csv
from survey_server.staff.account_services import (
    COMMAND_LINE,
    AccountRefused,
    office_names,
    require_account_manager,
    require_admin,
)
from survey_server.staff.services import ROLES, USERNAME, Scope, audit
from survey_server.staff.sign_in_codes import IssuedCode, code_digest, expiry, new_code
from survey_server.staff.tables import StaffUser
from survey_server.timekeeping import today
from survey_server.units.tables import Unit

PRINCIPAL_PREFIX = "ht."
#: Limits of an accounts file: a province has a few thousand accounts at most.
MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 5000
PARSE_SECONDS = 30.0
PARSE_MEMORY_MB = 512
PROBLEMS_SHOWN = 200
COLUMNS = ("username", "role", "unit", "partner")
REQUIRED_COLUMNS = ("username", "role", "unit")

UNREADABLE = {
    "encoding": N_("Dòng 1: tệp không phải văn bản UTF-8; hãy lưu lại dạng CSV UTF-8."),
    "empty": N_("Dòng 1: tệp trống, cần dòng tiêu đề và ít nhất một tài khoản."),
    "rows": N_("Tệp có quá 5.000 tài khoản; hãy chia thành nhiều tệp."),
    "columns": N_("Dòng 1: tệp có quá nhiều cột."),
    "cell": N_("Tệp có ô quá dài."),
    "size": N_("Tệp lớn quá 1 MB; hãy chia thành nhiều tệp."),
    "time": N_("Đọc tệp mất quá nhiều thời gian nên đã dừng; hãy chia thành nhiều tệp nhỏ hơn."),
    "memory": N_("Tệp cần quá nhiều bộ nhớ để đọc nên đã dừng; hãy chia thành nhiều tệp nhỏ hơn."),
    "tcvn3": N_("Dòng 1: văn bản được gõ bằng bảng mã cũ TCVN3 (ABC); hãy chuyển sang Unicode."),
    "vni": N_("Dòng 1: văn bản được gõ bằng bảng mã cũ VNI; hãy chuyển sang Unicode."),
}
ROW_PROBLEMS = {
    "missing_column": N_("Dòng 1: thiếu cột '{column}' (các cột: username, role, unit, partner)."),
    "unknown_column": N_("Dòng 1: cột '{column}' không được hỗ trợ (các cột: {columns})."),
    "field_count": N_("Dòng {row}: dòng có {found} ô, dòng tiêu đề có {expected} ô."),
    "username": N_(
        "Dòng {row}: tên đăng nhập '{value}' không hợp lệ (3–64 chữ thường không dấu, số, "
        "'.', '-' hoặc '_')."
    ),
    "duplicate": N_("Dòng {row}: tên đăng nhập '{value}' đã có ở dòng {first}."),
    "taken": N_("Dòng {row}: tên đăng nhập '{value}' đã có trong hệ thống."),
    "role": N_(
        "Dòng {row}: vai trò '{value}' không hợp lệ; chọn admin, staff, principal hoặc partner."
    ),
    "unit": N_("Dòng {row}: không tìm thấy đơn vị '{value}' trong phạm vi của tài khoản."),
    "not_school": N_(
        "Dòng {row}: tài khoản hiệu trưởng phải gắn với một trường ('{value}' không phải trường)."
    ),
    "partner_missing": N_("Dòng {row}: tài khoản đối tác cần tên tổ chức (cột partner)."),
    "partner_unexpected": N_(
        "Dòng {row}: chỉ tài khoản đối tác mới ghi tên tổ chức (cột partner)."
    ),
    "partner_long": N_("Dòng {row}: tên tổ chức dài quá 120 ký tự."),
}


class AccountsFileInvalid(AppError):
    status_code = 422
    code = "accounts_file_invalid"
    message = N_("Tệp tài khoản có lỗi; chưa tạo tài khoản nào.")

    def __init__(self, problems: list[str]) -> None:
        super().__init__()
        self.problems = problems


class NoSchoolWithoutAccount(AppError):
    status_code = 422
    code = "no_school_without_account"
    message = N_("Mọi trường của {unit} đã có tài khoản hiệu trưởng; không tạo thêm tài khoản nào.")


@dataclass(frozen=True)
class AccountRow:
    """One row of an accounts file as read in the child process (strings only)."""

    row: int
    username: str
    role: str
    unit: str
    partner: str


@dataclass(frozen=True)
class NewAccount:
    username: str
    role: str
    unit: dict[str, Any]
    partner: str | None


async def find_unit(scope: Scope, text: str) -> dict[str, Any]:
    """The unit of ``scope`` whose code, or else whose exact name (any case), is ``text``;
    ``NotFound`` for a unit outside the scope, as for one that does not exist."""
    wanted = unicodedata.normalize("NFC", text.strip())
    if not wanted:
        raise NotFound()
    units = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.path).where(
        Unit.path.like(f"{scope.unit_path}%") & (Unit.kind != "class")
    )
    by_code = [unit for unit in units if unit["code"] == wanted.upper()]
    by_name = [unit for unit in units if unit["name"].casefold() == wanted.casefold()]
    found = by_code or by_name
    if len(found) != 1:
        raise NotFound()
    return found[0]


def principal_username(unit_code: str, taken: set[str]) -> str:
    """``ht.th-lc1`` for school ``TH-LC1``; ``ht.th-lc1-2``, ``-3``… when the name is taken."""
    base = f"{PRINCIPAL_PREFIX}{unit_code.lower()}"
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


async def bulk_create_principals(
    actor: Scope | None, unit_text: str, secret: str, timezone: str = "Asia/Ho_Chi_Minh"
) -> list[IssuedCode]:
    """A principal account for every current school of the unit's subtree that has none
    (active or not: a deactivated account was deactivated on purpose). ``actor`` ``None`` is
    the command line, which finds the unit by code anywhere in the tree."""
    if actor is not None:
        require_account_manager(actor)
        unit = await find_unit(actor, unit_text)
    else:
        units = await Unit.select().where(Unit.code == unit_text.strip().upper()[:40])
        if not units:
            raise NotFound()
        unit = units[0]
    day = today(timezone)
    schools = await (
        Unit.select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.path, Unit.valid_to)
        .where(Unit.path.like(f"{unit['path']}%") & (Unit.kind == "school"))
        .order_by(Unit.path)
    )
    staffed = {
        row["unit"]
        for row in await StaffUser.select(StaffUser.unit).where(
            (StaffUser.role == "principal") & StaffUser.unit.path.like(f"{unit['path']}%")
        )
    }
    waiting = [
        school
        for school in schools
        if school["id"] not in staffed and (school["valid_to"] is None or school["valid_to"] > day)
    ]
    if not waiting:
        raise NoSchoolWithoutAccount(unit=unit["name"])
    taken = {row["username"] for row in await StaffUser.select(StaffUser.username)}
    accounts = []
    for school in waiting:
        name = principal_username(school["code"], taken)
        taken.add(name)
        accounts.append(NewAccount(name, "principal", school, None))
    return await _create(actor, accounts, secret, day, {"unit": unit["code"], "source": "tree"})


def read_accounts(data: bytes) -> tuple[list[AccountRow], list[tuple[str, dict[str, Any]]]]:
    """The rows of an accounts file and the problems of its shape (run in a child process:
    ``survey_server.bounded``). ``TableUnreadable`` for a file that is not a table."""
    table = read_csv(data)
    if len(table.rows) > MAX_ROWS:
        raise TableUnreadable("rows")
    header = [cell.strip().lower() for cell in table.header]
    problems: list[tuple[str, dict[str, Any]]] = [
        ("unknown_column", {"column": column[:40], "columns": ", ".join(COLUMNS)})
        for column in header
        if column not in COLUMNS
    ]
    problems += [
        ("missing_column", {"column": column})
        for column in REQUIRED_COLUMNS
        if column not in header
    ]
    if problems:
        return [], problems
    rows = []
    for number, cells in table.rows:
        if len(cells) != len(header):
            problems.append(
                ("field_count", {"row": number, "found": len(cells), "expected": len(header)})
            )
            continue
        values = {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
        rows.append(
            AccountRow(
                number,
                values["username"].lower(),
                values["role"].lower(),
                values["unit"].upper(),
                values.get("partner", ""),
            )
        )
    return rows, problems


async def import_accounts(
    actor: Scope | None,
    data: bytes,
    secret: str,
    timezone: str = "Asia/Ho_Chi_Minh",
    lang: str = "vi",
) -> list[IssuedCode]:
    """Create every account of a CSV file (administrators only), or none: the problems of
    every row are listed in ``AccountsFileInvalid``."""
    if actor is not None:
        require_admin(actor)
    if len(data) > MAX_FILE_BYTES:
        raise AccountsFileInvalid([gettext(UNREADABLE["size"], lang)])
    try:
        rows, shape = await run_bounded(
            read_accounts, data, seconds=PARSE_SECONDS, memory_mb=PARSE_MEMORY_MB
        )
    except TableUnreadable as error:
        raise AccountsFileInvalid([gettext(UNREADABLE[error.code], lang)]) from None
    except WorkRefused as error:
        raise AccountsFileInvalid([gettext(UNREADABLE[error.reason], lang)]) from None
    problems = [gettext(ROW_PROBLEMS[code], lang, **params) for code, params in shape]
    accounts, row_problems = await _check_rows(actor, rows, lang)
    problems += row_problems
    if problems:
        raise AccountsFileInvalid(problems[:PROBLEMS_SHOWN])
    if not accounts:
        raise AccountsFileInvalid([gettext(UNREADABLE["empty"], lang)])
    return await _create(actor, accounts, secret, today(timezone), {"source": "file"})


async def _check_rows(
    actor: Scope | None, rows: list[AccountRow], lang: str
) -> tuple[list[NewAccount], list[str]]:
    path = actor.unit_path if actor else ""
    codes = list({row.unit[:40] for row in rows})
    units = {
        unit["code"]: unit
        for unit in await Unit.select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.path).where(
            Unit.code.is_in(codes or [""]) & Unit.path.like(f"{path}%")
        )
    }
    names = [row.username[:64] for row in rows]
    taken = {
        row["username"]
        for row in await StaffUser.select(StaffUser.username).where(
            StaffUser.username.is_in(names or [""])
        )
    }
    first: dict[str, int] = {}
    accounts, problems = [], []

    def problem(code: str, row: AccountRow, **params: Any) -> None:
        problems.append(gettext(ROW_PROBLEMS[code], lang, row=row.row, **params))

    for row in rows:
        before = len(problems)
        if not USERNAME.match(row.username):
            problem("username", row, value=row.username[:64])
        elif row.username in first:
            problem("duplicate", row, value=row.username, first=first[row.username])
        elif row.username in taken:
            problem("taken", row, value=row.username)
        first.setdefault(row.username, row.row)
        if row.role not in ROLES:
            problem("role", row, value=row.role[:20])
        unit = units.get(row.unit)
        if unit is None:
            problem("unit", row, value=row.unit[:40])
        elif row.role == "principal" and unit["kind"] != "school":
            problem("not_school", row, value=row.unit)
        if row.role == "partner" and not row.partner:
            problem("partner_missing", row)
        elif row.role != "partner" and row.partner:
            problem("partner_unexpected", row)
        elif len(row.partner) > 120:
            problem("partner_long", row)
        if len(problems) == before and unit is not None:
            accounts.append(NewAccount(row.username, row.role, unit, row.partner or None))
    return accounts, problems


async def _create(
    actor: Scope | None,
    accounts: list[NewAccount],
    secret: str,
    day: Any,
    detail: dict[str, Any],
) -> list[IssuedCode]:
    """Insert the accounts with their codes' hashes, in one transaction with its audit."""
    until = expiry()
    codes = [new_code() for _ in accounts]
    offices = await office_names([account.unit for account in accounts])
    rows = [
        StaffUser(
            username=account.username,
            password_hash="",
            role=account.role,
            unit=account.unit["id"],
            partner=account.partner,
            created_on=day,
            must_change_password=True,
            code_hash=code_digest(secret, account.username, code),
            code_expires_at=until,
        )
        for account, code in zip(accounts, codes, strict=True)
    ]
    user_id, who = (actor.user_id, actor.username) if actor else (None, COMMAND_LINE)
    try:
        async with StaffUser._meta.db.transaction():
            for start in range(0, len(rows), 500):
                await StaffUser.insert(*rows[start : start + 500])
            await audit(user_id, who, "accounts_created", {**detail, "accounts": len(rows)})
    except (sqlite3.IntegrityError, UniqueViolationError):
        # The same names created meanwhile by another request (a double submit): nothing of
        # this one was stored.
        raise AccountRefused(
            detail=N_("các tài khoản này vừa được tạo trong một yêu cầu khác; hãy tải lại trang")
        ) from None
    return [
        IssuedCode(
            account.username,
            account.unit["code"],
            account.unit["name"],
            offices[account.unit["id"]],
            code,
            until,
        )
        for account, code in zip(accounts, codes, strict=True)
    ]
