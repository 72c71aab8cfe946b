"""Importing and reading the unit tree."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_, gettext
from survey_server.spreadsheet import TableUnreadable, read_csv
from survey_server.units.tables import Unit

KINDS = ("department", "district_office", "commune", "school", "class")
LEVELS = ("mam_non", "tieu_hoc", "thcs", "thpt", "lien_cap", "gdtx")
COLUMNS = (
    "code",
    "name",
    "kind",
    "level",
    "parent_code",
    "expected_respondents",
    "valid_from",
    "valid_to",
    "successor_code",
)
REQUIRED_COLUMNS = ("code", "name", "kind")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,39}$")
MAX_ROWS = 200_000

ROW_MESSAGES = {
    "encoding": N_("tệp không phải văn bản UTF-8 (hãy lưu lại dạng CSV UTF-8)"),
    "empty": N_("tệp trống, cần dòng tiêu đề và ít nhất một đơn vị"),
    "too_many_rows": N_("tệp có quá {max} dòng"),
    "missing_column": N_("thiếu cột '{column}'"),
    "unknown_column": N_("cột '{column}' không được hỗ trợ (các cột: {columns})"),
    "wrong_field_count": N_("dòng có {found} ô, dòng tiêu đề có {expected} ô"),
    "missing_value": N_("cột '{column}' không được để trống"),
    "bad_code": N_(
        "mã '{value}' không hợp lệ (chữ in hoa không dấu, số, '-', '_' hoặc '.', tối đa 40 ký tự)"
    ),
    "duplicate_code": N_("mã '{value}' đã xuất hiện ở dòng {row}"),
    "name_too_long": N_("tên dài quá 255 ký tự"),
    "bad_kind": N_("loại đơn vị '{value}' không hợp lệ; chọn một trong: {choices}"),
    "bad_level": N_("cấp học '{value}' không hợp lệ; chọn một trong: {choices}"),
    "level_required": N_("trường học cần ghi cấp học (cột 'level')"),
    "level_not_allowed": N_("chỉ trường học và lớp mới có cấp học"),
    "parent_required": N_("đơn vị loại '{kind}' cần có đơn vị cấp trên (cột 'parent_code')"),
    "unknown_parent": N_(
        "không tìm thấy đơn vị cấp trên '{value}' (trong tệp hoặc trong hệ thống)"
    ),
    "unknown_successor": N_("không tìm thấy đơn vị kế thừa '{value}'"),
    "self_reference": N_("đơn vị không thể là cấp trên hoặc kế thừa của chính nó"),
    "cycle": N_("cấp trên '{value}' tạo thành vòng lặp trong cây đơn vị"),
    "bad_number": N_("'{value}' không phải số nguyên không âm"),
    "bad_date": N_("'{value}' không phải ngày hợp lệ (dạng 2025-07-01 hoặc 01/07/2025)"),
    "dates_reversed": N_("ngày hết hiệu lực trước ngày bắt đầu hiệu lực"),
}


@dataclass(frozen=True)
class RowError:
    row: int
    code: str
    params: dict[str, Any]

    def render(self, lang: str = "vi") -> str:
        text = gettext(ROW_MESSAGES[self.code], lang, **self.params)
        return gettext("Dòng {row}: {text}", lang, row=self.row, text=text)


class UnitFileInvalid(AppError):
    status_code = 422
    code = "unit_file_invalid"
    message = N_("Tệp đơn vị có lỗi; chưa có thay đổi nào được lưu.")

    def __init__(self, row_errors: list[RowError]) -> None:
        super().__init__()
        self.row_errors = row_errors


@dataclass(frozen=True)
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    level: str | None
    parent_code: str | None
    expected_respondents: int | None
    valid_from: date | None
    valid_to: date | None
    successor_code: str | None


#: Parses a units CSV against the known codes (``parse_units_csv``, maybe in another process).
ParseCsv = Callable[[bytes, set[str]], Awaitable[list["UnitRow"]]]


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    updated: int


def parse_units_csv(data: bytes, known_codes: set[str]) -> list[UnitRow]:
    """Parse a units CSV; raise ``UnitFileInvalid`` with every row-numbered problem."""
    try:
        table = read_csv(data)
    except TableUnreadable as error:
        raise UnitFileInvalid([RowError(1, error.code, {})]) from None
    header = [cell.lower() for cell in table.header]
    errors = [
        RowError(1, "missing_column", {"column": c}) for c in REQUIRED_COLUMNS if c not in header
    ]
    errors += [
        RowError(1, "unknown_column", {"column": c, "columns": ", ".join(COLUMNS)})
        for c in header
        if c not in COLUMNS
    ]
    if errors:
        raise UnitFileInvalid(errors)

    rows: list[UnitRow] = []
    first_seen: dict[str, int] = {}
    for number, cells in table.rows:
        if number > MAX_ROWS:
            raise UnitFileInvalid([RowError(number, "too_many_rows", {"max": MAX_ROWS})])
        if len(cells) != len(header):
            errors.append(
                RowError(
                    number, "wrong_field_count", {"found": len(cells), "expected": len(header)}
                )
            )
            continue
        record = {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
        row, row_errors = _parse_row(number, record)
        errors += row_errors
        if row is None:
            continue
        if row.code in first_seen:
            errors.append(
                RowError(number, "duplicate_code", {"value": row.code, "row": first_seen[row.code]})
            )
            continue
        first_seen[row.code] = number
        rows.append(row)
    if not rows and not errors:
        errors.append(RowError(1, "empty", {}))
    errors += _check_references(rows, known_codes)
    if errors:
        raise UnitFileInvalid(sorted(errors, key=lambda error: error.row))
    return rows


def _parse_row(number: int, record: dict[str, str]) -> tuple[UnitRow | None, list[RowError]]:
    errors: list[RowError] = []

    def text(column: str) -> str:
        return record.get(column, "")

    for column in REQUIRED_COLUMNS:
        if not text(column):
            errors.append(RowError(number, "missing_value", {"column": column}))
    code = text("code").upper()
    if code and not CODE_PATTERN.match(code):
        errors.append(RowError(number, "bad_code", {"value": text("code")}))
    if len(text("name")) > 255:
        errors.append(RowError(number, "name_too_long", {}))
    kind = text("kind").lower()
    if kind and kind not in KINDS:
        errors.append(
            RowError(number, "bad_kind", {"value": text("kind"), "choices": ", ".join(KINDS)})
        )
    level = text("level").lower() or None
    if level is not None and level not in LEVELS:
        errors.append(
            RowError(number, "bad_level", {"value": text("level"), "choices": ", ".join(LEVELS)})
        )
    elif kind == "school" and level is None:
        errors.append(RowError(number, "level_required", {}))
    elif kind in ("department", "district_office", "commune") and level is not None:
        errors.append(RowError(number, "level_not_allowed", {}))
    parent = text("parent_code").upper() or None
    if kind and kind != "department" and parent is None:
        errors.append(RowError(number, "parent_required", {"kind": kind}))
    expected = _parse_count(number, text("expected_respondents"), errors)
    valid_from = _parse_date(number, text("valid_from"), errors)
    valid_to = _parse_date(number, text("valid_to"), errors)
    if valid_from and valid_to and valid_to < valid_from:
        errors.append(RowError(number, "dates_reversed", {}))
    successor = text("successor_code").upper() or None
    if code and code in (parent, successor):
        errors.append(RowError(number, "self_reference", {}))
    if errors:
        return None, errors
    return UnitRow(
        number, code, text("name"), kind, level, parent, expected, valid_from, valid_to, successor
    ), []


def _parse_count(number: int, value: str, errors: list[RowError]) -> int | None:
    if not value:
        return None
    cleaned = value.replace(".", "").replace(" ", "")
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 9:
        errors.append(RowError(number, "bad_number", {"value": value}))
        return None
    return int(cleaned)


def _parse_date(number: int, value: str, errors: list[RowError]) -> date | None:
    if not value:
        return None
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        errors.append(RowError(number, "bad_date", {"value": value}))
        return None


def _check_references(rows: list[UnitRow], known_codes: set[str]) -> list[RowError]:
    errors: list[RowError] = []
    in_file = {row.code for row in rows}
    available = in_file | known_codes
    for row in rows:
        if row.parent_code and row.parent_code not in available:
            errors.append(RowError(row.row, "unknown_parent", {"value": row.parent_code}))
        if row.successor_code and row.successor_code not in available:
            errors.append(RowError(row.row, "unknown_successor", {"value": row.successor_code}))
    return errors


@dataclass(frozen=True)
class ImportPlan:
    """What an import will do, decided before anything is written: the parsed rows, which
    codes are new, and a digest of the file and of that decision (a preview shown to a person
    is confirmed only if the same file still leads to the same changes)."""

    rows: list[UnitRow]
    created: list[str]
    updated: list[str]
    moved: list[str]  # existing units the file puts under another parent
    digest: str


async def plan_import(data: bytes, *, parse: ParseCsv | None = None) -> ImportPlan:
    """Parse ``data`` against the units stored now and check the tree it would make.

    ``parse`` runs the parsing elsewhere (the workspace parses uploads in a bounded child
    process, ``survey_server.bounded``); by default it runs here."""
    existing = {
        row["code"]: row["parent_code"]
        for row in await Unit.select(Unit.code, Unit.parent.code.as_alias("parent_code"))
    }
    known = set(existing)
    rows = await parse(data, known) if parse else parse_units_csv(data, known)
    parents = dict(existing)
    parents.update({row.code: row.parent_code for row in rows})
    cycle_errors = [
        RowError(row.row, "cycle", {"value": row.parent_code})
        for row in rows
        if _in_cycle(row.code, parents)
    ]
    if cycle_errors:
        raise UnitFileInvalid(cycle_errors)
    created = [row.code for row in rows if row.code not in known]
    updated = [row.code for row in rows if row.code in known]
    moved = [code for code in updated if existing[code] != parents[code]]
    digest = hashlib.sha256(data)
    digest.update(json.dumps([created, updated, moved]).encode())
    return ImportPlan(rows, created, updated, moved, digest.hexdigest())


async def import_units(path: Path) -> ImportOutcome:
    """Create or update units from a CSV file, all or nothing (the API contract, /schema)."""
    return await apply_import(await plan_import(path.read_bytes()))


async def apply_import(plan: ImportPlan) -> ImportOutcome:
    """Write a planned import in one transaction."""
    created = updated = 0
    async with Unit._meta.db.transaction():
        ids = {row["code"]: row["id"] for row in await Unit.select(Unit.id, Unit.code)}
        for row in plan.rows:
            values = {
                Unit.name: row.name,
                Unit.kind: row.kind,
                Unit.level: row.level,
                Unit.expected_respondents: row.expected_respondents,
                Unit.valid_from: row.valid_from,
                Unit.valid_to: row.valid_to,
            }
            if row.code in ids:
                await Unit.update(values).where(Unit.id == ids[row.code])
                updated += 1
            else:
                unit = Unit(
                    code=row.code, **{column._meta.name: value for column, value in values.items()}
                )
                await unit.save()
                ids[row.code] = unit.id
                created += 1
        for row in plan.rows:
            await Unit.update(
                {
                    Unit.parent: ids[row.parent_code] if row.parent_code else None,
                    Unit.successor: ids[row.successor_code] if row.successor_code else None,
                }
            ).where(Unit.id == ids[row.code])
        await rebuild_paths()
    return ImportOutcome(created, updated)


def _in_cycle(code: str, parents: dict[str, str | None]) -> bool:
    seen = {code}
    current = parents.get(code)
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


async def rebuild_paths() -> None:
    """Recompute ``path`` and ``depth`` of every unit whose place in the tree changed."""
    units = await Unit.select(Unit.id, Unit.parent, Unit.path, Unit.depth)
    parent_of = {unit["id"]: unit["parent"] for unit in units}
    computed: dict[int, str] = {}

    def path_of(unit_id: int) -> str:
        if unit_id not in computed:
            parent = parent_of[unit_id]
            computed[unit_id] = (path_of(parent) if parent else "/") + f"{unit_id}/"
        return computed[unit_id]

    for unit in units:
        path = path_of(unit["id"])
        depth = path.count("/") - 2
        if unit["path"] != path or unit["depth"] != depth:
            await Unit.update({Unit.path: path, Unit.depth: depth}).where(Unit.id == unit["id"])


class UnitNotFound(NotFound):
    code = "unit_not_found"
    message = N_("Không tìm thấy đơn vị có mã '{unit}'.")


async def get_unit(code: str) -> dict[str, Any]:
    wanted = code.strip().upper()
    # a code that cannot exist never reaches the database (PostgreSQL refuses NUL in text)
    unit = (
        await Unit.select().where(Unit.code == wanted).first()
        if CODE_PATTERN.match(wanted)
        else None
    )
    if unit is None:
        raise UnitNotFound(unit=code.strip()[:40])
    return unit


async def get_unit_by_id(unit_id: int) -> dict[str, Any]:
    unit = await Unit.select().where(Unit.id == unit_id).first()
    if unit is None:
        raise UnitNotFound(unit=str(unit_id))
    return unit


async def list_subtree(
    root_path: str, kinds: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """The units whose path starts with ``root_path`` (the root included), in tree order."""
    query = Unit.select().where(Unit.path.like(f"{root_path}%"))
    if kinds:
        query = query.where(Unit.kind.is_in(list(kinds)))
    return await query.order_by(Unit.path)
