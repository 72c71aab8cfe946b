"""The section as a Word document of its own, laid out per Nghị định 30/2020/NĐ-CP.

A4; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 14 pt, justified,
first line indented 1 cm, 6 pt between paragraphs; page numbers centred at the top from the
second page; the letterhead (issuing body, number, national motto, place and date), the
title, then the section and the signature block. The page is built with python-docx and holds
a placeholder where the section goes; the section itself is written by ``insert`` — the same
code that puts it into an office's own report — so both outputs are the same document.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from survey_server.i18n import format_day, gettext
from survey_server.reports.insert import PLACEHOLDER, insert_section
from survey_server.reports.model import Report

FONT = "Times New Roman"
BODY = Pt(14)
SMALL = Pt(13)


def render_docx(report: Report, lang: str = "vi") -> bytes:
    document = Document()
    _page(document)
    _styles(document)
    _letterhead(document, report, lang)
    title = document.add_paragraph()
    _centred(title, report.title, bold=True, size=Pt(14))
    title.paragraph_format.space_before = Pt(12)
    subtitle = document.add_paragraph()
    _centred(subtitle, report.subtitle, bold=True, size=Pt(14))
    subtitle.paragraph_format.space_after = Pt(12)
    document.add_paragraph(PLACEHOLDER)
    for paragraph in report.closing:
        document.add_paragraph(paragraph.text)
    _signature(document, report, lang)
    buffer = io.BytesIO()
    document.save(buffer)
    return insert_section(buffer.getvalue(), report)


def _page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = section.footer_distance = Mm(10)
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.paragraph_format.first_line_indent = Cm(0)
    _page_number(header)


def _page_number(paragraph: DocxParagraph) -> None:
    """A PAGE field (Word and LibreOffice fill it in when they lay the page out)."""
    start = paragraph.add_run()
    start._r.append(_field_char("begin"))
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    start._r.append(instruction)
    start._r.append(_field_char("separate"))
    paragraph.add_run("1")
    paragraph.add_run()._r.append(_field_char("end"))


def _field_char(kind: str) -> OxmlElement:
    mark = OxmlElement("w:fldChar")
    mark.set(qn("w:fldCharType"), kind)
    return mark


def _styles(document: DocumentObject) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _font(normal, BODY)
    body = normal.paragraph_format
    body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.first_line_indent = Cm(1)
    body.space_before, body.space_after = Pt(0), Pt(6)
    body.line_spacing = 1.1
    for level in (1, 2, 3):
        heading = styles[f"Heading {level}"]
        _font(heading, BODY)
        heading.font.bold = True
        heading.font.italic = level == 3
        heading.font.color.rgb = RGBColor(0, 0, 0)
        form = heading.paragraph_format
        form.first_line_indent = Cm(1)
        form.space_before, form.space_after = Pt(6), Pt(6)
        form.keep_with_next = True
    note = styles.add_style("footnote text", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    _font(note, Pt(12))
    note.paragraph_format.first_line_indent = Cm(0)
    note.paragraph_format.space_after = Pt(2)
    note.paragraph_format.line_spacing = 1.0
    mark = styles.add_style("footnote reference", WD_STYLE_TYPE.CHARACTER)
    mark.font.superscript = True


def _font(style: object, size: Pt) -> None:
    font = style.font  # type: ignore[attr-defined]
    font.name = FONT
    font.size = size
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    for attribute in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _centred(
    paragraph: DocxParagraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: Pt = SMALL,
) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    form = paragraph.paragraph_format
    form.first_line_indent = Cm(0)
    form.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, size


def _cell_lines(cell: _Cell, lines: list[tuple[str, bool, bool, Pt]]) -> None:
    first = True
    for text, bold, italic, size in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        _centred(paragraph, text, bold=bold, italic=italic, size=size)


def _columns(table: DocxTable, *widths: Cm) -> list[_Cell]:
    """Fix a borderless layout table's column widths (grid and cells: Word reads one,
    LibreOffice the other)."""
    table.autofit = False
    cells = table.rows[0].cells
    for column, cell, width in zip(table.columns, cells, widths, strict=True):
        column.width = width
        cell.width = width
    return cells


def _letterhead(document: DocumentObject, report: Report, lang: str) -> None:
    head = report.letterhead
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = _columns(table, Cm(6), Cm(10.4))
    lines: list[tuple[str, bool, bool, Pt]] = []
    if head.authority:
        lines.append((head.authority.upper(), False, False, Pt(12)))
    lines += [(head.issuer.upper(), True, False, Pt(12)), ("──────", False, False, Pt(10))]
    lines.append((head.number, False, False, Pt(13)))
    _cell_lines(left, lines)
    _cell_lines(
        right,
        [
            (gettext("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", lang), True, False, Pt(12)),
            (gettext("Độc lập - Tự do - Hạnh phúc", lang), True, False, Pt(13)),
            ("────────────", False, False, Pt(10)),
            (f"……………, {format_day(head.issued_on, lang)}", False, True, Pt(14)),
        ],
    )


def _signature(document: DocumentObject, report: Report, lang: str) -> None:
    table = document.add_table(rows=1, cols=2)
    left, right = _columns(table, Cm(8), Cm(8))
    recipients = [(gettext("Nơi nhận:", lang), True, True, Pt(12))]
    if report.letterhead.authority:
        recipients.append((f"- {report.letterhead.authority};", False, False, Pt(11)))
    recipients.append((gettext("- Lưu: VT.", lang), False, False, Pt(11)))
    _cell_lines(left, recipients)
    for paragraph in left.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _cell_lines(
        right,
        [
            (gettext("THỦ TRƯỞNG ĐƠN VỊ", lang), True, False, Pt(14)),
            (gettext("(Ký, ghi rõ họ tên và đóng dấu)", lang), False, True, Pt(13)),
        ],
    )
