"""The section on its own: a DOCX laid out per Nghị định 30/2020/NĐ-CP, with real footnotes,
that python-docx reads and LibreOffice converts; Markdown and HTML of the same content."""

from __future__ import annotations

import io
import random
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt
from lxml import etree

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.i18n import format_share
from survey_server.reports.compose import compose, unbroken
from survey_server.reports.docx import render_docx
from survey_server.reports.gather import gather, operator_scope
from survey_server.reports.html import render_html
from survey_server.reports.insert import w
from survey_server.reports.markdown import render_markdown
from survey_server.reports.model import Report
from survey_server.scoring.services import campaign_scores
from survey_server.timekeeping import today
from survey_server.units.services import get_unit
from tests.conftest import Database
from tests.releases import meeting_answers
from tests.reports.office import convert_to_pdf, pdf_of


@pytest.fixture
async def report(settings: Settings, db: Database) -> Report:
    await prepare_demo(settings)
    await add_synthetic_responses(settings, 1500, random.Random(11))
    await meeting_answers(settings, "HL-PT-2026", ["TH-LC1", "TH-LC2", "THCS-LC1"], 90)
    unit = await get_unit("XA-LECHAN")
    facts = await gather(
        operator_scope(unit), "XA-LECHAN", None, ("HL-PT-2026", "DT-2026"), today(settings.timezone)
    )
    return compose(facts)


def part(content: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return etree.fromstring(archive.read(name))


async def test_layout_follows_decree_30(report: Report) -> None:
    content = render_docx(report)
    document = Document(io.BytesIO(content))
    section = document.sections[0]
    size = (section.page_width, section.page_height)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(length.mm) for length in size] == [210, 297]  # A4
    assert [round(length.mm) for length in margins] == [20, 20, 30, 15]
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    assert section.different_first_page_header_footer
    header_xml = b"".join(
        zipfile.ZipFile(io.BytesIO(content)).read(name)
        for name in zipfile.ZipFile(io.BytesIO(content)).namelist()
        if name.startswith("word/header")
    )
    assert b" PAGE " in header_xml
    texts = [p.text for p in document.paragraphs]
    labels = [t.split(" ", 1)[0] for t in texts if re.match(r"([IVX]+\.|\d+\.|[a-z]\)) ", t)]
    assert labels[:2] == ["I.", "II."] and "1." in labels and "IV." in labels
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            assert run.font.name in (None, "Times New Roman")


async def test_footnotes_are_real_and_numbered_in_order(report: Report) -> None:
    content = render_docx(report)
    notes = part(content, "word/footnotes.xml")
    bodies = [n for n in notes.iter(w("footnote")) if n.get(w("type")) is None]
    references = [
        r.get(w("id")) for r in part(content, "word/document.xml").iter(w("footnoteReference"))
    ]
    assert len(references) == len(bodies) == len(report.notes()) >= 3
    assert references == [n.get(w("id")) for n in bodies]
    assert references == [str(number) for number in range(1, len(references) + 1)]
    first = "".join(t.text or "" for t in bodies[0].iter(w("t"))).strip()
    assert first == report.notes()[0].text


async def test_libreoffice_opens_it_and_the_figures_are_vietnamese(
    report: Report, tmp_path: Path
) -> None:
    text = convert_to_pdf(render_docx(report), tmp_path)
    view = await campaign_scores("HL-PT-2026", "XA-LECHAN")
    assert format_share(view["overall"]["index"] / 100) in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Kết quả thực hiện mô hình “Ngành Giáo dục lắng nghe ý kiến nhân dân”" in text
    assert re.search(r"Lê Chân, ngày tháng \d{1,2} năm \d{4}", text)  # the day: when signed
    assert "Bảng 1. Chỉ số hài lòng theo thành phần" in text


async def test_markdown_and_html_carry_the_same_content(report: Report) -> None:
    markdown = render_markdown(report).decode("utf-8")
    html = render_html(report).decode("utf-8")
    notes = report.notes()
    assert f"[^{len(notes)}]:" in markdown and f'id="fn-{len(notes)}"' in html
    for heading in ("I. CÔNG TÁC TỔ CHỨC LẤY Ý KIẾN", "IV. ĐÁNH GIÁ VIỆC LẤY Ý KIẾN"):
        assert heading in markdown and heading in html
    assert "http://" not in html.replace('href="#', "") and "https://" not in html
    assert "<script" not in html


async def test_tables_keep_their_rows_together(report: Report, tmp_path: Path) -> None:
    """No row split across pages and every row kept with the next, so a table's last row (the
    composite index) never stands alone on a page; the letterhead and signature (layout
    tables, no header row) are left alone. LibreOffice puts the composite row on the page of
    its caption."""
    content = render_docx(report)
    body = part(content, "word/document.xml")
    tables = [
        t
        for t in body.iter(w("tbl"))
        if t.find(f"{w('tr')}/{w('trPr')}/{w('tblHeader')}") is not None
    ]
    assert len(tables) >= 2
    for table in tables:
        rows = table.findall(w("tr"))
        assert all(row.find(f"{w('trPr')}/{w('cantSplit')}") is not None for row in rows)
        kept = [
            all(p.find(f"{w('pPr')}/{w('keepNext')}") is not None for p in row.iter(w("p")))
            for row in rows
        ]
        assert kept == [True] * (len(rows) - 1) + [False]
    layout = [t for t in body.iter(w("tbl")) if t not in tables]
    assert layout and not [row for t in layout for row in t.iter(w("cantSplit"))]
    pdf = pdf_of(content, tmp_path)
    pages = (
        subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
        )
        .stdout.decode("utf-8")
        .split("\f")
    )
    composite = [page for page in pages if re.search(r"Chỉ số hài lòng tổng hợp\s+[\d.]+\s", page)]
    assert composite and all(
        "Bảng 1. Chỉ số hài lòng theo thành phần" in page for page in composite
    )


async def test_the_title_never_leaves_its_last_words_alone(report: Report) -> None:
    """The title's end ("… ý kiến nhân dân” năm 2026") is held together by no-break spaces."""
    document = Document(io.BytesIO(render_docx(report)))
    title = next(p.text for p in document.paragraphs if p.text.startswith("Kết quả thực hiện"))
    assert title.replace("\u00a0", " ") == report.subtitle.replace("\u00a0", " ")
    tail = title.rsplit(" ", 1)[-1]
    assert "\u00a0" in tail and len(tail) <= 25
    assert unbroken("năm 2026") == "năm\u00a02026"  # a year's period is never split
    assert unbroken("quý IV năm 2026") == "quý IV năm\u00a02026"
