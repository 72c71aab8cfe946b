"""Letterheads: the chain of issuing authorities (not the education tree), edited by the unit's
own office, printed per Nghị định 30/2020 — checked on LibreOffice's rendering, line by line
and, for the rules under the names, pixel by pixel."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import numpy as np
import pytest
from lxml import etree
from PIL import Image

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.reports.docx import render_docx
from survey_server.reports.letterheads import LetterheadData, defaults, letterhead_of
from survey_server.reports.model import Letterhead, Paragraph, Report
from survey_server.staff.services import create_user
from survey_server.units.services import get_unit
from survey_server.units.tables import Unit
from tests.conftest import Database, count_rows
from tests.reports.office import pdf_of
from tests.staff import PASSWORD, csrf_of, sign_in

DISTRICT = "PGD-ANLAO"
DISTRICT_SCHOOL = "TH-ANLAO-CU"


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    """The demo tree, plus a former district Phòng with a school (trees kept from before
    1/7/2025 still have them)."""
    await prepare_demo(settings)
    root = await get_unit("SO-HP")
    parent = root
    for code, name, kind, level in (
        (DISTRICT, "Phòng Giáo dục và Đào tạo huyện An Lão", "district_office", None),
        (DISTRICT_SCHOOL, "Trường Tiểu học Quang Trung", "school", "tieu_hoc"),
    ):
        row = Unit(code=code, name=name, kind=kind, level=level, parent=parent["id"])
        await row.save()
        path = f"{parent['path']}{row.id}/"
        await Unit.update({Unit.path: path, Unit.depth: path.count("/") - 2}).where(
            Unit.id == row.id
        )
        parent = await get_unit(code)
    for username, role, unit in (
        ("so.admin", "admin", "SO-HP"),
        ("vhxh.lechan", "staff", "XA-LECHAN"),
        ("ht.th-lc1", "principal", "TH-LC1"),
    ):
        await create_user(username, role, unit, PASSWORD)
    await create_user("mttq.lechan", "partner", "XA-LECHAN", PASSWORD, "Ủy ban MTTQ phường Lê Chân")


#: unit → (governing body, issuer, symbol, place, signer's title)
EXPECTED = {
    "SO-HP": ("UBND thành phố Hải Phòng", "Sở Giáo dục và Đào tạo", "SGDĐT", "Hải Phòng", "Giám đốc"),
    "XA-LECHAN": ("UBND phường Lê Chân", "Phòng Văn hóa - Xã hội", "VHXH", "Lê Chân", "Trưởng phòng"),
    "XA-CATHAI": ("UBND đặc khu Cát Hải", "Phòng Văn hóa - Xã hội", "VHXH", "Cát Hải", "Trưởng phòng"),
    "TH-NQ1": ("UBND phường Ngô Quyền", "Trường Tiểu học Kim Đồng", "THKĐ", "Ngô Quyền", "Hiệu trưởng"),
    "THPT-NQ": ("Sở GD&ĐT Hải Phòng", "Trường THPT Ngô Quyền", "THPTNQ", "Hải Phòng", "Hiệu trưởng"),
    DISTRICT: ("UBND huyện An Lão", "Phòng Giáo dục và Đào tạo", "PGDĐT", "An Lão", "Trưởng phòng"),
    DISTRICT_SCHOOL: ("Phòng GD&ĐT An Lão", "Trường Tiểu học Quang Trung", "THQT", "Hải Phòng", "Hiệu trưởng"),
}  # fmt: skip
#: The filing line where the unit's kind names the drafting unit; "Lưu: VT" elsewhere.
FILED = {"SO-HP": "Lưu: VT, VP", "XA-LECHAN": "Lưu: VT, VHXH", "XA-CATHAI": "Lưu: VT, VHXH"}


@pytest.mark.parametrize("code", list(EXPECTED))
async def test_defaults_follow_the_issuing_authorities_not_the_education_tree(
    province: None, code: str
) -> None:
    """A commune's report is issued by its Phòng Văn hóa - Xã hội under the commune's People's
    Committee, never under the Sở; a Sở's under the province's."""
    head = await defaults(await get_unit(code))
    assert (head.governing, head.issuer, head.symbol, head.place, head.signer_title) == (
        EXPECTED[code]
    )
    assert head.recipients[-1] == FILED.get(code, "Lưu: VT") and not head.stored
    if head.governing:
        assert head.recipients[0] == f"{head.governing} (để báo cáo)"
    # every recipient but the file says why it receives the report
    assert all(re.search(r"\(để [^)]+\)$", line) for line in head.recipients[:-1])


async def test_the_defaults_name_the_purpose_and_the_drafting_unit(province: None) -> None:
    """The Sở reports to the Party's Ban Dân vận and files with its Văn phòng; a commune's
    office sends the Sở its report to compile, under the Sở's own name."""
    department = await defaults(await get_unit("SO-HP"))
    assert department.recipients == (
        "UBND thành phố Hải Phòng (để báo cáo)",
        "Ban Dân vận Thành ủy (để báo cáo)",
        "Sở Nội vụ (để tổng hợp)",
        "Lưu: VT, VP",
    )
    commune = await defaults(await get_unit("XA-LECHAN"))
    assert commune.recipients == (
        "UBND phường Lê Chân (để báo cáo)",
        "Sở Giáo dục và Đào tạo (để tổng hợp)",
        "Lưu: VT, VHXH",
    )
    assert not [line for line in commune.recipients if "GD&ĐT" in line]


def report_with(head: LetterheadData, day: date = date(2027, 1, 5)) -> Report:
    return Report(
        letterhead=Letterhead(
            governing=head.governing,
            issuer=head.issuer,
            symbol=head.symbol,
            place=head.place,
            issued_on=day,
            signer_title=head.signer_title,
            signer_authority=head.signer_authority,
            signer_name=head.signer_name,
            recipients=head.recipients,
        ),
        title="BÁO CÁO",
        subtitle="Kết quả thực hiện mô hình “Ngành Giáo dục lắng nghe ý kiến nhân dân” năm 2026",
        blocks=(Paragraph.of("Kết quả cụ thể như sau."),),
        closing=(Paragraph.of("Trên đây là kết quả./."),),
    )


@dataclass(frozen=True)
class Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def lines_of(pdf: Path) -> list[Line]:
    """Every line of the first page with its box (pdftotext's bbox layout, in points)."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    root = etree.fromstring(xhtml)
    out = []
    for line in root.iter("{*}line"):
        words = [word.text or "" for word in line.iter("{*}word")]
        box = [float(line.get(name)) for name in ("xMin", "yMin", "xMax", "yMax")]
        out.append(Line(" ".join(words), *box))
    return out


def find(lines: list[Line], pattern: str) -> Line:
    found = [line for line in lines if re.fullmatch(pattern, line.text)]
    assert len(found) == 1, (pattern, [line.text for line in lines[:25]])
    return found[0]


def block(lines: list[Line], text: str) -> Line:
    """A name, on one line or wrapped over the next ones (a long school name is)."""
    for start in range(len(lines)):
        for end in range(start + 1, min(start + 4, len(lines)) + 1):
            run = lines[start:end]
            if " ".join(line.text for line in run) == text:
                return Line(
                    text,
                    min(line.x0 for line in run),
                    run[0].y0,
                    max(line.x1 for line in run),
                    run[-1].y1,
                )
    raise AssertionError((text, [line.text for line in lines[:25]]))


def spaced(lines: list[Line], first: str, second: str) -> Line:
    """A line with a blank left in it for the registry (the number, the day), which the PDF's
    text may split in two pieces on one row."""
    whole = [line for line in lines if re.fullmatch(f"{first} {second}", line.text)]
    if whole:
        return whole[0]
    left, right = find(lines, first), find(lines, second)
    assert abs(left.y0 - right.y0) < 1 and 0 < right.x0 - left.x1 < 60
    return Line(f"{left.text} {right.text}", left.x0, left.y0, right.x1, right.y1)


def rule_between(image: np.ndarray, top: float, bottom: float, left: float, right: float) -> int:
    """The longest run of dark pixels on one row of the page image between two lines of text
    (coordinates in points; the image is at 144 dpi, two pixels a point)."""
    band = image[int(top * 2) : int(bottom * 2), int(left * 2) : int(right * 2)] < 128
    longest = 0
    for row in band:
        runs = np.diff(np.flatnonzero(np.diff(np.r_[0, row.astype(np.int8), 0])))[::2]
        longest = max(longest, int(runs.max()) if runs.size else 0)
    return longest // 2


@pytest.mark.parametrize("code", ["SO-HP", "XA-LECHAN", "TH-NQ1", DISTRICT])
async def test_libreoffice_prints_the_letterhead_per_decree_30(
    province: None, code: str, tmp_path: Path
) -> None:
    """Ô 2 (left): governing body, issuer in bold with a short rule under it, the number; ô 1
    (right): Quốc hiệu on one line, Tiêu ngữ with its rule, the place and date; then the
    title. Read back from LibreOffice's PDF and its PNG."""
    head = await defaults(await get_unit(code))
    pdf = pdf_of(render_docx(report_with(head)), tmp_path)
    lines = lines_of(pdf)
    governing = block(lines, head.governing.upper())
    issuer = block(lines, head.issuer.upper())
    number = spaced(lines, "Số:", rf"/BC-{re.escape(head.symbol)}")
    nation = find(lines, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto = find(lines, "Độc lập - Tự do - Hạnh phúc")
    dated = spaced(lines, rf"{re.escape(head.place)}, ngày", "tháng 01 năm 2027")
    title = find(lines, "BÁO CÁO")
    assert governing.y0 + 10 < issuer.y0 and issuer.y1 < number.y0
    assert nation.y0 + 10 < motto.y0 and motto.y1 < dated.y0
    assert abs(governing.y0 - nation.y0) < 3  # the two columns start on the same line
    assert max(governing.x1, issuer.x1, number.x1) < min(nation.x0, motto.x0, dated.x0)
    assert max(number.y1, dated.y1) < title.y0
    # centred in their columns: the governing body and the issuer share a centre
    assert abs((governing.x0 + governing.x1) - (issuer.x0 + issuer.x1)) < 6
    png = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", "144", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png)],
        check=True,
        timeout=60,
    )
    image = np.asarray(Image.open(f"{png}.png").convert("L"))
    issuer_width = issuer.x1 - issuer.x0
    under_issuer = rule_between(image, issuer.y1 + 1, number.y0 - 1, issuer.x0 - 20, issuer.x1 + 20)
    assert issuer_width / 3 - 6 <= under_issuer <= issuer_width / 2 + 6 or under_issuer >= 42
    under_motto = rule_between(image, motto.y1 + 1, dated.y0 - 1, motto.x0 - 20, motto.x1 + 20)
    assert abs(under_motto - (motto.x1 - motto.x0)) < 0.12 * (motto.x1 - motto.x0)


async def test_the_unit_edits_its_letterhead_and_its_reports_carry_it(
    client: httpx.AsyncClient, province: None, settings: Settings
) -> None:
    await sign_in(client, "so.admin")
    unchecked = "Tiêu đề văn bản của đơn vị chưa được kiểm tra"
    assert unchecked in (await client.get("/staff/reports")).text
    form = await client.get("/staff/letterhead")
    assert form.status_code == 200 and "UBND thành phố Hải Phòng" in form.text
    fields = {
        "csrf": csrf_of(form.text),
        "unit": "SO-HP",
        "governing": "UBND thành phố Hải Phòng",
        "issuer": "Sở Giáo dục và Đào tạo",
        "symbol": "sgdđt",
        "place": "Hải Phòng",
        "signer_authority": "KT. Giám đốc",
        "signer_title": "Phó Giám đốc",
        "signer_name": "Nguyễn Văn An",
        "recipients": "- Ban Dân vận Thành ủy;\n- Sở Nội vụ;\n\n- Lưu: VT, VP.",
    }
    saved = await client.post("/staff/letterhead", data=fields)
    assert saved.status_code == 303
    assert unchecked not in (await client.get("/staff/reports")).text
    stored = await letterhead_of(await get_unit("SO-HP"))
    assert stored.symbol == "SGDĐT" and stored.stored
    assert stored.recipients == ("Ban Dân vận Thành ủy", "Sở Nội vụ", "Lưu: VT, VP")
    report = await client.get(
        "/api/v1/reports", params={"campaign": "HL-PT-2026", "format": "md", "unit": "SO-HP"}
    )
    text = report.text
    assert "Số:        /BC-SGDĐT" in text and "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text
    assert "- Ban Dân vận Thành ủy;" in text and "- Lưu: VT, VP." in text
    assert "**Nguyễn Văn An**" in text
    back = await client.post(
        "/staff/letterhead", data={"csrf": fields["csrf"], "unit": "SO-HP", "action": "reset"}
    )
    assert back.status_code == 303
    assert not (await letterhead_of(await get_unit("SO-HP"))).stored


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("symbol", "../../etc", "ký hiệu chỉ gồm chữ in hoa"),
        ("issuer", "   ", "cần điền “Cơ quan ban hành”"),
        ("place", "Hải Phòng\u202e", "có ký tự không in được"),
        ("signer_title", "x" * 81, "dài quá 80 ký tự"),
        ("recipients", "\n".join(f"Nơi {n}" for n in range(16)), "tối đa 15 dòng"),
    ],
)
async def test_bad_input_gets_a_message_and_stores_nothing(
    client: httpx.AsyncClient, province: None, field: str, value: str, message: str
) -> None:
    await sign_in(client, "ht.th-lc1")
    form = await client.get("/staff/letterhead")
    fields = {
        "csrf": csrf_of(form.text),
        "unit": "TH-LC1",
        "issuer": "Trường Tiểu học Trần Quốc Toản",
        "symbol": "THTQT",
        "place": "Lê Chân",
        "signer_title": "Hiệu trưởng",
        field: value,
    }
    refused = await client.post("/staff/letterhead", data=fields)
    assert refused.status_code == 422 and message in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert await count_rows("letterhead") == 0


async def test_a_school_cannot_write_its_commune_or_another_school_letterhead(
    client: httpx.AsyncClient, province: None
) -> None:
    """Posting to another unit is refused as reading it is: a principal never sees its
    commune's or the Sở's, a commune office never writes a school's, a partner none."""
    attempts = {
        "ht.th-lc1": (("SO-HP", 404), ("XA-LECHAN", 404), ("TH-LC2", 404)),
        "vhxh.lechan": (("TH-LC1", 403), ("SO-HP", 404)),
        "mttq.lechan": (("XA-LECHAN", 403),),
    }
    for username, targets in attempts.items():
        client.cookies.clear()
        await sign_in(client, username)
        csrf = csrf_of((await client.get("/staff/password")).text)
        for unit, status in targets:
            posted = await client.post(
                "/staff/letterhead",
                data={"csrf": csrf, "unit": unit, "issuer": "Giả mạo", "symbol": "GM",
                      "place": "X", "signer_title": "Y"},
            )  # fmt: skip
            assert posted.status_code == status, (username, unit)
    assert await count_rows("letterhead") == 0
    forged = await client.post("/staff/letterhead", data={"unit": "XA-LECHAN", "issuer": "x"})
    assert forged.status_code == 403


async def test_two_offices_saving_at_once_leave_one_whole_letterhead(province: None) -> None:
    """Saves race (two tabs, two administrators): one row stays, the last one written, whole."""
    import asyncio

    from survey_server.reports.gather import operator_scope
    from survey_server.reports.letterheads import parse, save

    unit = await get_unit("XA-LECHAN")
    scope = operator_scope(await get_unit("SO-HP"))
    versions = [
        parse({"issuer": f"Phòng Văn hóa - Xã hội {n}", "symbol": "VHXH", "place": "Lê Chân",
               "signer_title": "Trưởng phòng", "signer_name": f"Người ký {n}"})
        for n in range(8)
    ]  # fmt: skip
    await asyncio.gather(*(save(scope, unit, version) for version in versions))
    assert await count_rows("letterhead") == 1
    stored = await letterhead_of(unit)
    number = stored.issuer.rsplit(" ", 1)[1]
    assert stored.signer_name == f"Người ký {number}"  # never one save's issuer with another's name
