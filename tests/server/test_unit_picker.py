"""The report form's choice of unit: by name, inside the account's scope only (both engines)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.reports.routes import PICK_FROM_LIST, folded
from survey_server.staff.services import create_user
from survey_server.units.services import COLUMNS, import_units
from tests.conftest import Database
from tests.staff import PASSWORD, csrf_of, sign_in

NOT_FOUND = "Không tìm thấy đơn vị này trong phạm vi của tài khoản."
HEADER = ",".join(COLUMNS)


@pytest.fixture
async def province(settings: Settings, db: Database, tmp_path: Path) -> Settings:
    await prepare_demo(settings)
    # a second "Hoa Sen" preschool, in another commune: the name alone no longer says which
    extra = tmp_path / "hoa-sen.csv"
    extra.write_text(
        f"{HEADER}\nMN-AL3,Trường Mầm non Hoa Sen,school,mam_non,XA-ANLAO,150,2025-07-01,,\n",
        encoding="utf-8",
    )
    await import_units(extra)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    return settings


def unit_error(html: str) -> str:
    """The text of the unit field's error, tags and spacing removed."""
    match = re.search(r'<div class="message error unit-error"[^>]*>(.*?)</div>', html, re.S)
    assert match, html
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def unit_field(html: str) -> str:
    match = re.search(r'<select id="unit".*?</select>', html, re.S)
    assert match, html
    return match.group(0)


async def post(client: httpx.AsyncClient, unit: str, **fields: str) -> httpx.Response:
    token = csrf_of((await client.get("/staff/reports")).text)
    data = {"csrf": token, "unit": unit, "period": "2026", "format": "md", **fields}
    return await client.post("/staff/reports", data=data)


def test_names_are_compared_without_case_diacritics_or_extra_spaces() -> None:
    assert folded("  Trường Tiểu học  Lê Văn Tám ") == "truong tieu hoc le van tam"
    assert folded("ĐẰNG GIANG") == folded("đằng giang") == "dang giang"
    assert folded("Trường Mầm non Họa Mi") != folded("Trường Mầm non Hoa Mai")


async def test_a_principal_reports_on_its_school_and_nothing_else(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "ht.th-lc1")
    page = await client.get("/staff/reports")
    assert page.status_code == 200
    assert "Đơn vị báo cáo" in page.text and "Đơn vị báo cáo (mã)" not in page.text
    field = unit_field(page.text)
    assert re.findall(r"<option [^>]*>", field) == ['<option value="TH-LC1" selected>']
    assert "Trường Tiểu học Trần Quốc Toản" in field and "Lê Văn Tám" not in field

    own = await post(client, "truong tieu hoc tran quoc toan")
    assert own.status_code == 200 and own.headers["content-type"].startswith("text/markdown")

    refused = {}
    for typed in (
        "TH-LC2",  # another school of the same commune, by its code
        "TH-LC9",  # a code nobody has
        "Trường Tiểu học Lê Văn Tám",  # another school, by its name
        "Trường Tiểu học Lê Văn Tâm",  # a school that does not exist
        "th-al1",
        "TH-AL8",
    ):
        response = await post(client, typed)
        assert response.status_code == 422, (typed, response.text[:300])
        assert NOT_FOUND in unit_error(response.text)
        assert f'value="{typed}"' not in unit_field(response.text)  # never offered
        refused[typed] = unit_error(response.text)
    # a unit of another school reads exactly as one that does not exist
    assert refused["TH-LC2"] == refused["TH-LC9"]
    assert refused["Trường Tiểu học Lê Văn Tám"] == refused["Trường Tiểu học Lê Văn Tâm"]
    assert refused["th-al1"] == refused["TH-AL8"]
    assert "Lê Văn Tám" not in refused["Trường Tiểu học Lê Văn Tám"]


async def test_an_office_picks_by_name_grouped_by_parent(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "so.admin")
    page = await client.get("/staff/reports")
    field = unit_field(page.text)
    assert '<option value="SO-HP" selected>Sở Giáo dục và Đào tạo thành phố Hải Phòng' in field
    lechan = re.search(
        r'<optgroup label="Ủy ban nhân dân phường Lê Chân">(.*?)</optgroup>', field, re.S
    )
    assert lechan, field
    assert '<option value="TH-LC1">Trường Tiểu học Trần Quốc Toản</option>' in lechan.group(1)
    assert "TH-AL1" not in lechan.group(1) and "TH-LC1-1A" not in field  # no classes
    province_group = re.search(
        r'<optgroup label="Sở Giáo dục và Đào tạo thành phố Hải Phòng">(.*?)</optgroup>',
        field,
        re.S,
    )
    assert province_group and 'value="XA-LECHAN"' in province_group.group(1)
    assert "Phòng Giáo dục và Đào tạo quận Lê Chân (hoạt động đến 30/06/2025)" in field
    # two schools share a name: each is shown with its code
    assert (
        ">Trường Mầm non Hoa Sen (MN-LC1)<" in field
        and ">Trường Mầm non Hoa Sen (MN-AL3)<" in field
    )
    assert 'list="units"' not in page.text

    kept = await client.get("/staff/reports", params={"unit": "TH-LC1", "campaign": "HL-PT-2026"})
    assert '<option value="TH-LC1" selected>' in unit_field(kept.text)
    assert 'value="HL-PT-2026" checked' in kept.text
    assert "/staff/letterhead?unit=TH-LC1" in kept.text

    for typed in ("TRƯỜNG TIỂU HỌC ĐẰNG GIANG", "truong tieu hoc dang giang", " th-nq2 "):
        made = await post(client, typed)
        assert made.status_code == 200, (typed, made.text[:300])
        assert "bao-cao-lang-nghe-th-nq2-2026.md" in made.headers["content-disposition"]

    wrong_period = await post(client, "truong tieu hoc dang giang", period="2026-H7")
    assert wrong_period.status_code == 422 and "Kỳ báo cáo" in wrong_period.text
    assert '<option value="TH-NQ2" selected>' in unit_field(wrong_period.text)


async def test_a_shared_name_lists_the_units_that_bear_it(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "so.admin")
    ambiguous = await post(client, "truong mam non hoa sen")
    assert ambiguous.status_code == 422
    error = unit_error(ambiguous.text)
    assert "Có 2 đơn vị cùng tên này" in error
    assert "Trường Mầm non Hoa Sen (MN-LC1) — Ủy ban nhân dân phường Lê Chân" in error
    assert "Trường Mầm non Hoa Sen (MN-AL3) — Ủy ban nhân dân xã An Lão" in error
    assert '<option value="" disabled selected>' in unit_field(ambiguous.text)
    by_label = await post(client, "Trường Mầm non Hoa Sen (MN-LC1)")
    assert by_label.status_code == 200, by_label.text[:300]
    assert "mn-lc1" in by_label.headers["content-disposition"]
    mismatched = await post(client, "Trường Mầm non Hoa Mai (MN-LC1)")
    assert mismatched.status_code == 422 and NOT_FOUND in unit_error(mismatched.text)

    close = await post(client, "hoa phuong")
    assert close.status_code == 422
    error = unit_error(close.text)
    assert NOT_FOUND in error and "Trường Mầm non Hoa Phượng (MN-LC2)" in error

    many = await post(client, "hoa")
    listed = re.findall(r"<li>", many.text)
    assert many.status_code == 422 and len(listed) == 5

    client.cookies.clear()
    await sign_in(client, "pgd.lechan")  # only one "Hoa Sen" in Lê Chân
    own = await post(client, "Trường Mầm non Hoa Sen")
    assert own.status_code == 200 and "mn-lc1" in own.headers["content-disposition"]


async def test_a_large_scope_types_a_name_with_suggestions(
    client: httpx.AsyncClient, province: Settings, tmp_path: Path
) -> None:
    rows = [
        f"TH-X{number:03d},Trường Tiểu học Số {number},school,tieu_hoc,XA-NGOQUYEN,100,,,"
        for number in range(1, 201)
    ]
    many = tmp_path / "many.csv"
    many.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    await import_units(many)
    await sign_in(client, "so.admin")
    page = await client.get("/staff/reports")
    assert page.status_code == 200
    assert '<select id="unit"' not in page.text
    box = re.search(r'<input id="unit"[^>]*>', page.text)
    assert box and 'list="units"' in box.group(0)
    assert 'value="Sở Giáo dục và Đào tạo thành phố Hải Phòng"' in box.group(0)
    options = re.findall(r'<option value="([^"]*)">', page.text.split('<datalist id="units">')[1])
    assert len(options) > PICK_FROM_LIST
    assert "Trường Tiểu học Số 137" in options and "TH-X137" not in options
    assert "Trường Mầm non Hoa Sen (MN-AL3)" in options

    made = await post(client, "  TRUONG TIEU HOC  dang giang")
    assert made.status_code == 200 and "th-nq2" in made.headers["content-disposition"]
    newcomer = await post(client, "trường tiểu học số 137")  # found; no campaign reached it yet
    assert newcomer.status_code == 404 and "Trường Tiểu học Số 137" in newcomer.text
    unknown = await post(client, "Trường Tiểu học Số 999")
    assert unknown.status_code == 422 and NOT_FOUND in unit_error(unknown.text)
    assert 'value="Trường Tiểu học Số 999"' in unknown.text  # what was typed stays
    preselected = await client.get("/staff/reports", params={"unit": "TH-X042"})
    box = re.search(r'<input id="unit"[^>]*>', preselected.text)
    assert box and 'value="Trường Tiểu học Số 42"' in box.group(0)

    from_a_class = await client.get("/staff/reports", params={"unit": "th-lc1-1a"})
    box = re.search(r'<input id="unit"[^>]*>', from_a_class.text)
    assert box and 'value="Lớp 1A (TH-LC1-1A)"' in box.group(0)
    again = await post(client, "Lớp 1A (TH-LC1-1A)")  # found; nothing to report for a class yet
    assert again.status_code == 404 and "Lớp 1A" in again.text

    client.cookies.clear()
    await sign_in(client, "ht.th-lc1")  # the principal's scope is still one school
    page = await client.get("/staff/reports", params={"unit": "TH-LC1-1A"})
    class_group = re.search(
        r'<optgroup label="Trường Tiểu học Trần Quốc Toản">\s*<option value="TH-LC1-1A" selected>',
        unit_field(page.text),
    )
    assert class_group, unit_field(page.text)


async def test_forged_or_odd_values_are_answered_not_crashed(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "pgd.lechan")
    for typed in ("\x00", "%", "_", "(", "A" * 500, "Trường ( TH-LC1 )", "()"):
        response = await post(client, typed)
        assert response.status_code == 422, (typed, response.text[:300])
    blank = await post(client, "   ")  # left blank: the account's own unit
    assert blank.status_code == 200 and "xa-lechan" in blank.headers["content-disposition"]
    odd = await client.get("/staff/reports", params={"unit": "SO-HP"})
    assert odd.status_code == 200 and NOT_FOUND in unit_error(odd.text)
