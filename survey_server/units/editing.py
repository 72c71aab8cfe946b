"""Who may change what in the unit tree, and editing a unit's name and expected respondents.

The expected respondents of a school are the denominator of its response rate, which counts in
the evaluation of the school and its principal, and, summed, of the commune office above it: so
only administrators change them, nobody edits their own unit (the office above does),
principals and partners edit nothing, and every change is in the audit trail.
A unit that is no longer valid is left as it is: old campaigns show it."""

from __future__ import annotations

import re
from typing import Any

from survey_server.errors import AppError, FieldError
from survey_server.i18n import N_, gettext
from survey_server.staff.services import Scope, audit
from survey_server.units.tables import Unit

EDITORS = ("admin", "staff")
MAX_EXPECTED_DIGITS = 9

EDIT_PROBLEMS = {
    "name_required": N_("Tên đơn vị không được để trống."),
    "name_too_long": N_("Tên đơn vị dài quá 255 ký tự."),
    "bad_number": N_(
        "Số người dự kiến trả lời phải là số nguyên không âm, tối đa 9 chữ số "
        "(có thể tách nhóm ba chữ số: 1.250 hoặc 1 250)."
    ),
    "admin_only": N_(
        "Chỉ quản trị viên sửa được số người dự kiến trả lời: đó là mẫu số của tỉ lệ trả lời, "
        "kể cả của đơn vị cấp trên."
    ),
    "retired": N_(
        "Đơn vị đã hết hiệu lực nên được giữ nguyên, để các đợt khảo sát cũ không thay đổi."
    ),
}


class UnitEditInvalid(AppError):
    status_code = 422
    code = "unit_edit_invalid"
    message = N_("Chưa lưu được; hãy sửa các ô được đánh dấu.")

    def problems(self, lang: str) -> dict[str, str]:
        return {item.field: gettext(EDIT_PROBLEMS[item.code], lang) for item in self.errors}


def may_edit(scope: Scope, unit: dict[str, Any]) -> bool:
    """An administrator edits its subtree; unit staff the units below their own; nobody else."""
    if scope.role not in EDITORS or not scope.contains(unit):
        return False
    return scope.role == "admin" or str(unit["path"]) != scope.unit_path


#: A count as people type it: plain digits, or groups of three after a dot or a space.
COUNT = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+)$")


def parse_expected(value: str) -> int | None:
    """A count as typed ("1.250", "1 250", "1250"), ``None`` when blank; ``ValueError`` else
    ("98.0" or "5 5" are slips, not 980 or 55)."""
    typed = value.strip()
    if not typed:
        return None
    if not COUNT.match(typed):
        raise ValueError(value)
    digits = typed.replace(".", "").replace(" ", "")
    if len(digits) > MAX_EXPECTED_DIGITS:
        raise ValueError(value)
    return int(digits)


async def edit_unit(scope: Scope, unit: dict[str, Any], name: str, expected: str) -> None:
    """Save a unit's name and expected respondents (the caller checked ``may_edit``)."""
    problems: list[FieldError] = []
    name = " ".join(name.split())
    if not name:
        problems.append(FieldError("name", "name_required"))
    elif len(name) > 255:
        problems.append(FieldError("name", "name_too_long"))
    count: int | None = None
    try:
        count = parse_expected(expected)
    except ValueError:
        problems.append(FieldError("expected", "bad_number"))
    if (
        count != unit["expected_respondents"]
        and scope.role != "admin"
        and "expected" not in {item.field for item in problems}
    ):
        problems.append(FieldError("expected", "admin_only"))
    if unit["valid_to"] is not None:
        problems.append(FieldError("name", "retired"))
    if problems:
        raise UnitEditInvalid(problems)
    changes = {
        key: {"old": unit[column], "new": value}
        for key, column, value in (
            ("name", "name", name),
            ("expected", "expected_respondents", count),
        )
        if unit[column] != value
    }
    if not changes:
        return
    async with Unit._meta.db.transaction():
        await Unit.update({Unit.name: name, Unit.expected_respondents: count}).where(
            Unit.id == unit["id"]
        )
        await audit(scope.user_id, scope.username, "unit.edit", {"unit": unit["code"], **changes})
