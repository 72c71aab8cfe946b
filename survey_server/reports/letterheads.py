"""A unit's letterhead: who issues its reports, under whom, where, and who signs.

The education unit tree is not the chain of issuing authorities. A Sở reports under the
province's People's Committee ("UBND THÀNH PHỐ HẢI PHÒNG" above "SỞ GIÁO DỤC VÀ ĐÀO TẠO");
since 1/7/2025 a commune's education work is done by its Phòng Văn hóa - Xã hội under "UBND
PHƯỜNG …", and a school reports under the body that runs it. So each unit that issues reports
has its own letterhead, stored once its office edits it, and until then derived from its kind,
its name and its place in the tree (``defaults``) — what Nghị định 30/2020 asks for, in the
words offices use, for the office to correct rather than to type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from survey_server.errors import AppError, FieldError
from survey_server.i18n import N_
from survey_server.reports.tables import UnitLetterhead
from survey_server.staff.services import Scope, audit
from survey_server.units.services import get_unit_by_id

#: Field → (longest length, required).
FIELDS: dict[str, tuple[int, bool]] = {
    "governing": (160, False),
    "issuer": (160, True),
    "symbol": (30, True),
    "place": (80, True),
    "signer_authority": (80, False),
    "signer_title": (80, True),
    "signer_name": (80, False),
}
MAX_RECIPIENTS = 15
RECIPIENT_LENGTH = 200
#: A symbol as ND 30 writes it: capitals, digits, "&", "." and "-" (``SGDĐT``, ``UBND-VHXH``).
SYMBOL = re.compile(r"^[A-ZĐ0-9][A-ZĐ0-9&.\-]*$")
KEEP = "Lưu: VT"

EDUCATION = r"(?:Giáo dục và Đào tạo|Giáo dục - Đào tạo|GD&ĐT|GDĐT)"
DEPARTMENT = re.compile(rf"^Sở {EDUCATION}\s+(?P<area>.+)$", re.IGNORECASE)
DISTRICT_OFFICE = re.compile(rf"^Phòng {EDUCATION}\s+(?P<area>.+)$", re.IGNORECASE)
COMMUNE = re.compile(
    r"^(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+(?P<area>(?P<level>xã|phường|thị trấn|đặc khu)"
    r"\s+(?P<name>.+))$",
    re.IGNORECASE,
)
#: Leading words of a province's or district's name that the place name leaves out.
AREA_WORDS = re.compile(r"^(?:thành phố|tỉnh|quận|huyện|thị xã)\s+", re.IGNORECASE)


class LetterheadInvalid(AppError):
    status_code = 422
    code = "letterhead_invalid"
    message = N_("Chưa lưu được tiêu đề văn bản; hãy sửa các ô được đánh dấu.")


MESSAGES = {
    "required": N_("cần điền “{label}”"),
    "too_long": N_("“{label}” dài quá {limit} ký tự"),
    "control": N_("“{label}” có ký tự không in được"),
    "symbol": N_("ký hiệu chỉ gồm chữ in hoa, chữ số và các dấu & . - (ví dụ SGDĐT)"),
    "recipients": N_("“Nơi nhận” có tối đa {limit} dòng, mỗi dòng tối đa {length} ký tự"),
}
LABELS = {
    "governing": N_("Cơ quan chủ quản"),
    "issuer": N_("Cơ quan ban hành"),
    "symbol": N_("Ký hiệu"),
    "place": N_("Địa danh"),
    "signer_authority": N_("Quyền hạn ký"),
    "signer_title": N_("Chức vụ người ký"),
    "signer_name": N_("Họ và tên người ký"),
    "recipients": N_("Nơi nhận"),
}


@dataclass(frozen=True)
class LetterheadData:
    """What the report prints, as the office writes it (the renderer sets the capitals)."""

    governing: str
    issuer: str
    symbol: str
    place: str
    signer_authority: str
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...]
    stored: bool = False  # edited by the office (else: the defaults)


async def letterhead_of(unit: dict[str, Any]) -> LetterheadData:
    """The unit's stored letterhead, or the defaults for it."""
    row = await UnitLetterhead.select().where(UnitLetterhead.unit == unit["id"]).first()
    if row is None:
        return await defaults(unit)
    return LetterheadData(
        **{name: row[name] for name in FIELDS},
        recipients=tuple(line for line in row["recipients"].splitlines() if line),
        stored=True,
    )


async def defaults(unit: dict[str, Any]) -> LetterheadData:
    """What ND 30 and the unit's kind suggest, from its name, its parent and its province."""
    parent = await get_unit_by_id(unit["parent"]) if unit["parent"] else None
    root = await _root(unit)
    province = _area(root["name"], DEPARTMENT) if root["kind"] == "department" else None
    place = _place(province) if province else ""
    kind = unit["kind"]
    if kind == "department":
        party = "Tỉnh ủy" if province and province.lower().startswith("tỉnh") else "Thành ủy"
        return _made(
            governing=f"UBND {province}" if province else "",
            issuer="Sở Giáo dục và Đào tạo" if province else unit["name"],
            symbol="SGDĐT",
            place=place,
            title="Giám đốc",
            report_to=f"UBND {province}" if province else "",
            also=(f"Ban Dân vận {party} (để báo cáo)", "Sở Nội vụ (để tổng hợp)"),
            drafter="VP",
        )
    if kind == "district_office":
        district = _area(unit["name"], DISTRICT_OFFICE)
        return _made(
            governing=f"UBND {district}" if district else "",
            issuer="Phòng Giáo dục và Đào tạo" if district else unit["name"],
            symbol="PGDĐT",
            place=_place(district) if district else place,
            title="Trưởng phòng",
            report_to=f"UBND {district}" if district else "",
        )
    if kind == "commune":
        found = COMMUNE.match(unit["name"].strip())
        commune = f"UBND {found['area']}" if found else unit["name"]
        return _made(
            governing=commune,
            issuer="Phòng Văn hóa - Xã hội",
            symbol="VHXH",
            place=_commune_place(found) if found else place,
            title="Trưởng phòng",
            report_to=commune,
            also=("Sở Giáo dục và Đào tạo (để tổng hợp)",) if place else (),
            drafter="VHXH",
        )
    governing = _school_governing(parent) if parent else ""
    return _made(
        governing=governing,
        issuer=unit["name"],
        symbol=_initials(unit["name"]),
        place=_commune_place(COMMUNE.match(parent["name"].strip()))
        if parent and parent["kind"] == "commune" and COMMUNE.match(parent["name"].strip())
        else place,
        title="Giám đốc" if unit["name"].lower().startswith("trung tâm") else "Hiệu trưởng",
        report_to=governing,
    )


def _made(
    *,
    governing: str,
    issuer: str,
    symbol: str,
    place: str,
    title: str,
    report_to: str,
    also: tuple[str, ...] = (),
    drafter: str = "",
) -> LetterheadData:
    """Every recipient with its purpose, and the filing line with the drafting unit's
    abbreviation when the unit's kind tells it (the Sở's Văn phòng, the commune's Phòng Văn
    hóa - Xã hội), as Nghị định 30/2020 asks."""
    recipients = [f"{report_to} (để báo cáo)"] if report_to else []
    recipients += [*also, f"{KEEP}, {drafter}" if drafter else KEEP]
    return LetterheadData(
        governing=governing,
        issuer=issuer,
        symbol=symbol,
        place=place,
        signer_authority="",
        signer_title=title,
        signer_name="",
        recipients=tuple(recipients),
    )


async def _root(unit: dict[str, Any]) -> dict[str, Any]:
    first = str(unit["path"]).strip("/").split("/")[0]
    return unit if not first or int(first) == unit["id"] else await get_unit_by_id(int(first))


def _area(name: str, pattern: re.Pattern[str]) -> str | None:
    """``thành phố Hải Phòng`` from ``Sở Giáo dục và Đào tạo thành phố Hải Phòng``."""
    found = pattern.match(name.strip())
    return found["area"].strip() if found else None


def _place(area: str) -> str:
    """The place name of a province or district: ``Hải Phòng``; ``Thành phố Hồ Chí Minh``,
    whose name is never written without its first words."""
    short = AREA_WORDS.sub("", area).strip()
    return "Thành phố Hồ Chí Minh" if short.lower() == "hồ chí minh" else short


def _commune_place(found: re.Match[str]) -> str:
    """A commune's place name: its name, or ``Phường 3`` when its name is a number."""
    name = found["name"].strip()
    return f"{found['level'].capitalize()} {name}" if name[:1].isdigit() else name


def _school_governing(parent: dict[str, Any]) -> str:
    """The body a school reports under: its commune's People's Committee, or the Sở (or a
    former Phòng) that runs it, in the short form offices print."""
    if parent["kind"] == "commune":
        found = COMMUNE.match(parent["name"].strip())
        return f"UBND {found['area']}" if found else parent["name"]
    if parent["kind"] == "department":
        province = _area(parent["name"], DEPARTMENT)
        return f"Sở GD&ĐT {_place(province)}" if province else parent["name"]
    if parent["kind"] == "district_office":
        district = _area(parent["name"], DISTRICT_OFFICE)
        return f"Phòng GD&ĐT {_place(district)}" if district else parent["name"]
    return parent["name"]


def _initials(name: str) -> str:
    """A school's usual symbol: ``THPTNQ`` for Trường THPT Ngô Quyền, ``THKĐ`` for Trường
    Tiểu học Kim Đồng (words in capitals kept whole, others by their first letter)."""
    words = re.sub(r"^(Trường|Trung tâm)\s+", "", name.strip(), flags=re.IGNORECASE).split()
    letters = "".join(
        word if word.isupper() else word[0] for word in words if word[0].isalnum()
    ).upper()
    cleaned = "".join(char for char in letters if SYMBOL.match(char) or char in "&.-")
    return cleaned[:20] or "TR"


def commune_area(name: str) -> str | None:
    """``phường Lê Chân`` from ``Ủy ban nhân dân phường Lê Chân``; ``None`` for another name."""
    found = COMMUNE.match(name.strip())
    return found["area"] if found else None


def speaker(unit: dict[str, Any], letterhead: LetterheadData) -> str:
    """Who the report's sentences speak for: the unit, or for a commune the office that issues
    its reports ("Phòng Văn hóa - Xã hội phường Lê Chân", not its People's Committee, to
    which the report goes)."""
    area = commune_area(unit["name"]) if unit["kind"] == "commune" else None
    if area is None or commune_area(letterhead.issuer) or area.lower() in letterhead.issuer.lower():
        return str(unit["name"]) if area is None else letterhead.issuer
    return f"{letterhead.issuer} {area}"


def parse(fields: dict[str, str]) -> LetterheadData:
    """A letterhead from a posted form; every problem is named with its field."""
    errors: list[FieldError] = []
    values: dict[str, str] = {}
    for name, (limit, required) in FIELDS.items():
        value = _clean(fields.get(name, ""))
        if name == "symbol":
            value = value.upper().replace(" ", "")
        if required and not value:
            errors.append(FieldError(name, "required"))
        elif len(value) > limit:
            errors.append(FieldError(name, "too_long", {"limit": limit}))
        elif _unprintable(value):
            errors.append(FieldError(name, "control"))
        elif name == "symbol" and not SYMBOL.match(value):
            errors.append(FieldError(name, "symbol"))
        values[name] = value
    # "- Sở Nội vụ;" as offices type it: the dash and the closing mark are the renderer's
    lines = [
        _clean(line).lstrip("-–•+ ").rstrip(";. ")
        for line in fields.get("recipients", "").splitlines()
    ]
    recipients = tuple(line for line in lines if line)
    if len(recipients) > MAX_RECIPIENTS or any(len(line) > RECIPIENT_LENGTH for line in recipients):
        errors.append(FieldError("recipients", "recipients"))
    elif any(_unprintable(line) for line in recipients):
        errors.append(FieldError("recipients", "control"))
    if errors:
        raise LetterheadInvalid(errors)
    return LetterheadData(**values, recipients=recipients or (KEEP,), stored=True)


def _clean(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def _unprintable(value: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs") for char in value)


async def save(scope: Scope, unit: dict[str, Any], letterhead: LetterheadData) -> None:
    """Store the unit's letterhead (one row per unit, replaced whole), audited."""
    values = {name: getattr(letterhead, name) for name in FIELDS}
    row = {
        **values,
        "recipients": "\n".join(letterhead.recipients),
        "updated_by": scope.username,
        "updated_at": datetime.now(UTC),
    }
    # one statement: two offices saving at once leave one whole letterhead, never an error
    await UnitLetterhead.insert(UnitLetterhead(unit=unit["id"], **row)).on_conflict(
        target=UnitLetterhead.unit,
        action="DO UPDATE",
        values=[getattr(UnitLetterhead, name) for name in row],
    )
    await audit(
        scope.user_id or None, scope.username, "letterhead", {"unit": unit["code"], **values}
    )


async def reset(scope: Scope, unit: dict[str, Any]) -> None:
    """Forget the unit's edits: its reports carry the defaults again."""
    await UnitLetterhead.delete().where(UnitLetterhead.unit == unit["id"])
    await audit(scope.user_id or None, scope.username, "letterhead.reset", {"unit": unit["code"]})


def may_edit(scope: Scope, unit: dict[str, Any]) -> bool:
    """The unit's own office (any account of the unit but a partner's), or an administrator
    above it. A school edits its own letterhead, never its commune's or the Sở's."""
    if scope.role == "partner" or not scope.contains(unit):
        return False
    return scope.role == "admin" or scope.unit_id == unit["id"]


def as_fields(letterhead: LetterheadData) -> dict[str, str]:
    """The form's values."""
    values = asdict(letterhead)
    values["recipients"] = "\n".join(letterhead.recipients)
    values.pop("stored")
    return values
