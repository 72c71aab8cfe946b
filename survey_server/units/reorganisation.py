"""Reorganising the unit tree from a date: merging units into one, and renaming a unit.

Every roll-up — account scopes, scores, dashboards, reports — files a response under the
``path`` of its unit, and a campaign's stored scores are checked against the paths of the units
it reached. Moving a school under its new commune would rewrite that path and re-file every old
campaign's numbers under the new commune. So a reorganisation never moves a row: the old units
keep their place and get ``valid_to`` (the day before the date) and ``successor``, and every unit
still valid below them is continued by a new row under the successor, coded ``OLD.YYMMDD``,
which campaigns opened from then on reach (docs/UNITS.md).

A plan is computed first and shown (``--dry-run``, the preview page); applying it computes it
again in the same transaction and refuses if it is no longer what was shown.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from survey_server.errors import AppError, FieldError, NotFound
from survey_server.i18n import N_, gettext
from survey_server.staff.services import audit
from survey_server.staff.tables import StaffUser
from survey_server.units.labels import KIND_LABELS
from survey_server.units.services import CODE_PATTERN, get_unit, rebuild_paths
from survey_server.units.tables import Unit
from survey_server.units.usage import campaigns_concerning

#: Kinds that merge with each other: offices with offices, schools with schools.
FAMILIES = {"district_office": "office", "commune": "office", "school": "school"}
MAX_OLD_UNITS = 50

PROBLEMS = {
    "no_old": N_("cần ít nhất một đơn vị bị sáp nhập"),
    "too_many": N_("mỗi lần sáp nhập tối đa {max} đơn vị"),
    "repeated": N_("đơn vị '{code}' được ghi hai lần"),
    "unknown": N_("không tìm thấy đơn vị '{code}'"),
    "own_unit": N_("không thể sáp nhập đơn vị của chính tài khoản ('{code}')"),
    "not_mergeable": N_(
        "đơn vị '{code}' thuộc loại {kind}; chỉ sáp nhập được Phòng, xã/phường hoặc trường học"
    ),
    "mixed_kinds": N_("'{code}' khác loại với các đơn vị còn lại; chỉ sáp nhập đơn vị cùng loại"),
    "retired": N_("đơn vị '{code}' đã hết hiệu lực ngày {valid_to}"),
    "nested": N_("'{code}' nằm trong '{other}'; chỉ ghi đơn vị ở cấp cao hơn"),
    "code_taken": N_("mã '{code}' đã được dùng; chọn mã khác cho đơn vị mới"),
    "into_itself": N_("không thể sáp nhập '{code}' vào chính nó"),
    "into_child": N_("'{code}' nằm trong đơn vị bị sáp nhập '{other}'"),
    "target_kind": N_(
        "đơn vị nhận sáp nhập '{code}' thuộc loại {kind}, khác loại với đơn vị bị sáp nhập"
    ),
    "bad_code": N_(
        "mã '{code}' không hợp lệ (chữ in hoa không dấu, số, '-', '_' hoặc '.', tối đa 40 ký tự)"
    ),
    "name_required": N_("đơn vị mới cần có tên"),
    "name_too_long": N_("tên dài quá 255 ký tự"),
    "name_unchanged": N_("tên mới giống tên hiện tại"),
    "different_parents": N_(
        "các đơn vị không cùng cấp trên; hãy sáp nhập vào một đơn vị đã có, hoặc tạo đơn vị mới "
        "trước bằng tệp CSV"
    ),
    "different_levels": N_(
        "các trường khác cấp học; hãy sáp nhập vào một trường đã có, hoặc tạo trường mới trước "
        "bằng tệp CSV"
    ),
    "bad_date": N_("'{value}' không phải ngày hợp lệ (dạng 2025-07-01)"),
    "before_start": N_("ngày hiệu lực phải sau ngày bắt đầu hiệu lực của '{code}' ({valid_from})"),
    "campaign_runs": N_(
        "đợt khảo sát {campaign} kết thúc ngày {closes}, vào hoặc sau ngày hiệu lực: nó phải dùng "
        "trọn một cây đơn vị; chọn ngày sau khi đợt kết thúc"
    ),
    "continued_code": N_(
        "mã '{code}' cho đơn vị nối tiếp của '{old}' đã có hoặc quá 40 ký tự; hãy đổi mã '{old}' "
        "trước"
    ),
    "rename_future": N_(
        "ngày đổi tên {value} chưa đến; đổi tên giữ nguyên mã có hiệu lực ngay, hãy thực hiện vào "
        "ngày đó (hoặc ghi mã mới)"
    ),
    "stale": N_("cây đơn vị đã thay đổi sau khi xem trước; hãy xem trước lại rồi xác nhận"),
}


class ReorganisationInvalid(AppError):
    """A merge or rename that cannot be done; ``errors`` names the field of each problem."""

    status_code = 422
    code = "reorganisation_invalid"
    message = N_("Chưa thực hiện được; chưa có thay đổi nào được lưu.")

    def problems(self, lang: str) -> dict[str, list[str]]:
        """Each field's problems as text, in ``lang``."""
        shown: dict[str, list[str]] = {}
        for item in self.errors:
            params = dict(item.params)
            if "kind" in params:
                params["kind"] = gettext(KIND_LABELS.get(params["kind"], params["kind"]), lang)
            text = gettext(PROBLEMS[item.code], lang, **params)
            shown.setdefault(item.field, []).append(text)
        return shown


@dataclass(frozen=True)
class Continued:
    """A unit still valid below a merged one, and the code of the row that continues it."""

    code: str
    name: str
    new_code: str


@dataclass(frozen=True)
class MergePlan:
    """What a merge will do; ``digest`` identifies it (the confirmation must carry it)."""

    olds: list[dict[str, Any]]
    target_code: str
    target_name: str
    target_exists: bool
    effective: date
    continued: list[Continued]
    campaigns: list[dict[str, Any]]
    accounts: list[str]
    digest: str
    # the new unit's kind, level and parent (when it does not exist yet)
    kind: str = ""
    level: str | None = None
    parent: int | None = None
    # the units continued, as read (``continued`` in the same order)
    rows: list[dict[str, Any]] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class MergeRequest:
    """What a person asks: merge ``olds`` into ``target`` (new when it does not exist, then
    named ``name``) from ``effective`` (text, as typed), within the subtree ``scope_path``."""

    olds: list[str]
    target: str
    effective: str
    name: str = ""
    scope_path: str = "/"
    scope_unit: str | None = None


@dataclass(frozen=True)
class RenamePlan:
    unit: dict[str, Any]
    name: str
    effective: date
    campaigns: list[dict[str, Any]]
    digest: str


def parse_effective(value: str, problems: list[FieldError]) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems.append(FieldError("effective", "bad_date", {"value": value.strip()[:20]}))
        return None


async def _unit_in_scope(code: str, scope_path: str) -> dict[str, Any] | None:
    """The unit ``code`` inside the subtree, or ``None`` (absent and outside look the same)."""
    try:
        unit = await get_unit(code)
    except NotFound:
        return None
    return unit if str(unit["path"]).startswith(scope_path) else None


def _check_name(name: str, problems: list[FieldError]) -> str:
    name = name.strip()
    if not name:
        problems.append(FieldError("name", "name_required"))
    elif len(name) > 255:
        problems.append(FieldError("name", "name_too_long"))
    return name


async def plan_merge(request: MergeRequest) -> MergePlan:
    """Check a merge and say everything it will change; ``ReorganisationInvalid`` otherwise."""
    problems: list[FieldError] = []
    effective = parse_effective(request.effective, problems)
    olds = await _olds(request, problems)
    target_code = request.target.strip().upper()
    target: dict[str, Any] | None = None
    if not CODE_PATTERN.match(target_code):
        problems.append(FieldError("target", "bad_code", {"code": request.target.strip()[:40]}))
    elif any(old["code"] == target_code for old in olds):
        problems.append(FieldError("target", "into_itself", {"code": target_code}))
    else:
        target = await _unit_in_scope(target_code, request.scope_path)
        if target is None and await Unit.exists().where(Unit.code == target_code):
            problems.append(FieldError("target", "code_taken", {"code": target_code}))
    families = {FAMILIES.get(old["kind"]) for old in olds}
    kind = olds[0]["kind"] if olds else ""
    name = request.name.strip()
    parent: int | None = None
    if target is not None:
        name = name or target["name"]
        _check_target(target, olds, families, problems)
    elif olds:
        name = _check_name(request.name, problems)
        parents = {old["parent"] for old in olds}
        if len(parents) > 1:
            problems.append(FieldError("olds", "different_parents"))
        if len({old["level"] for old in olds}) > 1:
            problems.append(FieldError("olds", "different_levels"))
        parent = next(iter(parents))
    if problems or effective is None:
        raise ReorganisationInvalid(problems)
    for old in olds:
        if old["valid_from"] and old["valid_from"] >= effective:
            problems.append(
                FieldError(
                    "effective",
                    "before_start",
                    {"code": old["code"], "valid_from": old["valid_from"].isoformat()},
                )
            )
    rows, continued = await _continued(olds, effective, target_code, problems)
    campaigns = await campaigns_concerning([str(old["path"]) for old in olds])
    problems += [
        FieldError(
            "effective",
            "campaign_runs",
            {"campaign": row["code"], "closes": row["closes_on"].isoformat()},
        )
        for row in campaigns
        if row["closes_on"] >= effective
    ]
    if problems:
        raise ReorganisationInvalid(problems)
    accounts = await _accounts([str(old["path"]) for old in olds])
    digest = _digest(
        [old["code"] for old in olds],
        target_code,
        name,
        effective.isoformat(),
        [item.new_code for item in continued],
        [row["code"] for row in campaigns],
        [(row["id"], row["path"], row["valid_to"] and row["valid_to"].isoformat()) for row in rows],
    )
    return MergePlan(
        olds=olds,
        target_code=target_code,
        target_name=name,
        target_exists=target is not None,
        effective=effective,
        continued=continued,
        campaigns=campaigns,
        accounts=accounts,
        digest=digest,
        kind=kind,
        level=olds[0]["level"] if olds else None,
        parent=parent,
        rows=rows,
    )


async def _olds(request: MergeRequest, problems: list[FieldError]) -> list[dict[str, Any]]:
    codes = [code.strip().upper() for code in request.olds if code.strip()]
    if not codes:
        problems.append(FieldError("olds", "no_old"))
    if len(codes) > MAX_OLD_UNITS:
        problems.append(FieldError("olds", "too_many", {"max": MAX_OLD_UNITS}))
        return []
    olds: list[dict[str, Any]] = []
    for code in codes:
        if not CODE_PATTERN.match(code):
            problems.append(FieldError("olds", "unknown", {"code": code[:40]}))
            continue
        if any(old["code"] == code for old in olds):
            problems.append(FieldError("olds", "repeated", {"code": code}))
            continue
        unit = await _unit_in_scope(code, request.scope_path)
        if unit is None:
            problems.append(FieldError("olds", "unknown", {"code": code}))
        elif code == request.scope_unit:
            problems.append(FieldError("olds", "own_unit", {"code": code}))
        elif unit["kind"] not in FAMILIES:
            problems.append(
                FieldError("olds", "not_mergeable", {"code": code, "kind": unit["kind"]})
            )
        elif unit["valid_to"] is not None:
            problems.append(
                FieldError(
                    "olds", "retired", {"code": code, "valid_to": unit["valid_to"].isoformat()}
                )
            )
        else:
            olds.append(unit)
    for old in olds:
        if FAMILIES[old["kind"]] != FAMILIES[olds[0]["kind"]]:
            problems.append(FieldError("olds", "mixed_kinds", {"code": old["code"]}))
        for other in olds:
            if other is not old and str(old["path"]).startswith(str(other["path"])):
                problems.append(
                    FieldError("olds", "nested", {"code": old["code"], "other": other["code"]})
                )
    return olds


def _check_target(
    target: dict[str, Any],
    olds: list[dict[str, Any]],
    families: set[str | None],
    problems: list[FieldError],
) -> None:
    code = target["code"]
    inside = next((o for o in olds if str(target["path"]).startswith(str(o["path"]))), None)
    if inside is not None:
        problems.append(FieldError("target", "into_child", {"code": code, "other": inside["code"]}))
    elif target["valid_to"] is not None:
        problems.append(
            FieldError(
                "target", "retired", {"code": code, "valid_to": target["valid_to"].isoformat()}
            )
        )
    elif {FAMILIES.get(target["kind"])} != families and olds:
        problems.append(FieldError("target", "target_kind", {"code": code, "kind": target["kind"]}))


async def _continued(
    olds: list[dict[str, Any]], effective: date, target_code: str, problems: list[FieldError]
) -> tuple[list[dict[str, Any]], list[Continued]]:
    """The units still valid below the old ones (tree order) and the codes continuing them."""
    rows: list[dict[str, Any]] = []
    for old in olds:
        kept = {old["id"]}
        below = await (
            Unit.select()
            .where(Unit.path.like(f"{old['path']}%") & (Unit.id != old["id"]))
            .order_by(Unit.path)
        )
        for row in below:
            if row["parent"] in kept and (row["valid_to"] is None or row["valid_to"] >= effective):
                kept.add(row["id"])
                rows.append(row)
    suffix = effective.strftime(".%y%m%d")
    wanted = [row["code"] + suffix for row in rows]
    taken = {
        row["code"]
        for row in await Unit.select(Unit.code).where(
            Unit.code.is_in([code for code in wanted if len(code) <= 40] or [""])
        )
    }
    continued = []
    for row, code in zip(rows, wanted, strict=True):
        if len(code) > 40 or code in taken or code == target_code:
            problems.append(
                FieldError("olds", "continued_code", {"code": code, "old": row["code"]})
            )
        continued.append(Continued(row["code"], row["name"], code))
    return rows, continued


async def _accounts(paths: list[str]) -> list[str]:
    """Accounts whose unit is inside the merged subtrees: they keep it (docs/UNITS.md)."""
    names: list[str] = []
    for path in paths:
        rows = await StaffUser.select(StaffUser.username).where(
            StaffUser.unit.path.like(f"{path}%")
        )
        names += [row["username"] for row in rows]
    return sorted(names)


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


async def merge(
    request: MergeRequest, digest: str | None, *, user_id: int | None, username: str
) -> MergePlan:
    """Apply a merge in one transaction, if it is still the plan whose ``digest`` was shown
    (``None``: whatever it is now, for the command line)."""
    async with Unit._meta.db.transaction():
        plan = await plan_merge(request)
        if digest is not None and digest != plan.digest:
            raise ReorganisationInvalid([FieldError("olds", "stale")])
        await _apply_merge(plan)
        await audit(
            user_id,
            username,
            "unit.merge",
            {
                "olds": [old["code"] for old in plan.olds],
                "into": plan.target_code,
                "from": plan.effective.isoformat(),
                "continued": len(plan.continued),
            },
        )
    return plan


async def _apply_merge(plan: MergePlan) -> None:
    last_day = plan.effective - timedelta(days=1)
    target = await Unit.select(Unit.id).where(Unit.code == plan.target_code).first()
    if target is None:
        created = Unit(
            code=plan.target_code,
            name=plan.target_name,
            kind=plan.kind,
            level=plan.level,
            parent=plan.parent,
            valid_from=plan.effective,
        )
        await created.save()
        target_id = created.id
    else:
        target_id = target["id"]
    successor = {old["id"]: target_id for old in plan.olds}
    for row, item in zip(plan.rows, plan.continued, strict=True):
        copy = Unit(
            code=item.new_code,
            name=row["name"],
            kind=row["kind"],
            level=row["level"],
            parent=successor[row["parent"]],
            expected_respondents=row["expected_respondents"],
            valid_from=plan.effective,
            valid_to=row["valid_to"],
            successor=row["successor"],
        )
        await copy.save()
        successor[row["id"]] = copy.id
    for unit_id, next_id in successor.items():
        await Unit.update({Unit.valid_to: last_day, Unit.successor: next_id}).where(
            Unit.id == unit_id
        )
    await rebuild_paths()


async def plan_rename(
    code: str, name: str, effective: str, *, scope_path: str, today: date
) -> RenamePlan:
    """Check a rename that keeps the unit's code: the new name applies from today on every page,
    its stored numbers stay as they are."""
    problems: list[FieldError] = []
    day = parse_effective(effective, problems)
    unit = await _unit_in_scope(code.strip().upper(), scope_path)
    if unit is None:
        problems.append(FieldError("unit", "unknown", {"code": code.strip()[:40]}))
    elif unit["valid_to"] is not None:
        problems.append(
            FieldError(
                "unit", "retired", {"code": unit["code"], "valid_to": unit["valid_to"].isoformat()}
            )
        )
    new_name = _check_name(name, problems)
    if unit is not None and new_name == unit["name"]:
        problems.append(FieldError("name", "name_unchanged"))
    if day is not None and day > today:
        problems.append(FieldError("effective", "rename_future", {"value": day.isoformat()}))
    if problems or unit is None or day is None:
        raise ReorganisationInvalid(problems)
    campaigns = await campaigns_concerning([str(unit["path"])])
    digest = _digest(unit["code"], unit["name"], new_name, day.isoformat())
    return RenamePlan(unit, new_name, day, campaigns, digest)


async def rename(
    code: str,
    name: str,
    effective: str,
    digest: str | None,
    *,
    scope_path: str,
    today: date,
    user_id: int | None,
    username: str,
) -> RenamePlan:
    """Rename a unit keeping its code, in one transaction, if it is still the plan shown."""
    async with Unit._meta.db.transaction():
        plan = await plan_rename(code, name, effective, scope_path=scope_path, today=today)
        if digest is not None and digest != plan.digest:
            raise ReorganisationInvalid([FieldError("unit", "stale")])
        await Unit.update({Unit.name: plan.name}).where(Unit.id == plan.unit["id"])
        await audit(
            user_id,
            username,
            "unit.rename",
            {
                "unit": plan.unit["code"],
                "old_name": plan.unit["name"],
                "name": plan.name,
                "from": plan.effective.isoformat(),
            },
        )
    return plan
