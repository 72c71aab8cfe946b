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
from dataclasses import dataclass

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

from survey_server.i18n import gettext
from survey_server.reports.insert import (
    DOCUMENT,
    PLACEHOLDER,
    PPR_ORDER,
    Package,
    element,
    insert_section,
    put,
    w,
)
from survey_server.reports.model import Report

FONT = "Times New Roman"
#: The title's last words kept on one line (``ý kiến nhân dân” năm 2026``), so that its second
#: line is never a word or a year alone.
TITLE_TAIL = 25
#: Schema order of the children of w:trPr (ECMA-376 Part 1, §17.4.82).
TRPR_ORDER = [
    "cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit",
    "trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden", "ins", "del", "trPrChange",
]  # fmt: skip
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
    _centred(subtitle, _kept_together(report.subtitle), bold=True, size=Pt(14))
    rule = document.add_paragraph()
    text_width = int(Mm(165))
    rule_length = min(_width(report.subtitle, Pt(14), capitals=False), text_width) // 3
    _rule(rule, text_width, max(int(Cm(2.5)), rule_length))
    rule.paragraph_format.space_after = Pt(12)
    document.add_paragraph(PLACEHOLDER)
    for paragraph in report.closing:
        document.add_paragraph(paragraph.text)
    _signature(document, report, lang)
    buffer = io.BytesIO()
    document.save(buffer)
    return _tables_kept_whole(insert_section(buffer.getvalue(), report))


def _kept_together(title: str) -> str:
    """The title with its last words (up to ``TITLE_TAIL`` characters) joined by no-break
    spaces: where it wraps, it wraps before them."""
    words = title.split(" ")
    tail = [words.pop()]
    while words and len(" ".join([words[-1], *tail])) <= TITLE_TAIL:
        tail.insert(0, words.pop())
    return " ".join([*words, "\u00a0".join(tail)])


def _tables_kept_whole(content: bytes) -> bytes:
    """No row of the section's tables split across pages, and each row kept with the next, so
    that a table's last row (the composite index) never stands alone on a page: Word and
    LibreOffice then move a table that fits on a page whole to the next one. Layout tables
    (letterhead, signature) have no header row and are left as they are."""
    package = Package.read(content, "báo cáo")
    root = package.xml(DOCUMENT, "báo cáo")
    for table in root.iter(w("tbl")):
        rows = table.findall(w("tr"))
        if not any(row.find(f"{w('trPr')}/{w('tblHeader')}") is not None for row in rows):
            continue
        for number, row in enumerate(rows, start=1):
            properties = row.find(w("trPr"))
            if properties is None:
                properties = element("trPr")
                row.insert(1 if row[:1] and row[0].tag == w("tblPrEx") else 0, properties)
            put(properties, element("cantSplit"), TRPR_ORDER)
            if number == len(rows):
                continue
            for paragraph in row.iter(w("p")):
                paragraph_properties = paragraph.find(w("pPr"))
                if paragraph_properties is None:
                    paragraph_properties = element("pPr")
                    paragraph.insert(0, paragraph_properties)
                put(paragraph_properties, element("keepNext"), PPR_ORDER)
    package.put(DOCUMENT, root)
    return package.write()


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
    form.line_spacing = 1.0
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, size


#: A line of the letterhead: its text, bold, italic and size (Nghị định 30/2020, Phụ lục I).
Line = tuple[str, bool, bool, Pt]


@dataclass(frozen=True)
class Rule:
    """A centred solid line of ``length`` (EMU) under the line above."""

    length: int


def _cell_lines(cell: _Cell, lines: list[Line | Rule]) -> None:
    """The cell's paragraphs, lines of text and rules."""
    first = True
    for line in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        if isinstance(line, Rule):
            _rule(paragraph, cell.width, line.length)
        else:
            text, bold, italic, size = line
            _centred(paragraph, text, bold=bold, italic=italic, size=size)


#: What follows ``w:pBdr`` in a paragraph's properties (ECMA-376 order; LibreOffice drops a
#: border that comes after them).
AFTER_BORDERS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _rule(paragraph: DocxParagraph, width: int, length: int) -> None:
    """A solid line under the line above: the bottom border of an empty paragraph indented
    from both sides, which Word and LibreOffice draw the same way."""
    form = paragraph.paragraph_format
    form.first_line_indent = Cm(0)
    margin = max(0, (width - length) // 2)
    form.left_indent = form.right_indent = margin
    form.space_before = form.space_after = Pt(0)
    form.line_spacing = Pt(4)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (
        ("w:val", "single"),
        ("w:sz", "6"),
        ("w:space", "1"),
        ("w:color", "000000"),
    ):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *AFTER_BORDERS)


def _width(text: str, size: Pt, *, capitals: bool) -> int:
    """A text's printed width in Times New Roman, near enough to size a rule under it."""
    per_char = 0.62 if capitals else 0.47
    return int(len(text) * size * per_char)


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
    """Ô 1 (right): Quốc hiệu, Tiêu ngữ and its rule, place and date; ô 2 (left): the
    governing body, the issuer and its rule (1/3 to 1/2 of the name), the number."""
    head = report.letterhead
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = _columns(table, Cm(7), Cm(10))
    issuer = head.issuer.upper()
    lines: list[Line | Rule] = []
    if head.governing:
        lines.append((head.governing.upper(), False, False, Pt(12)))
    lines.append((issuer, True, False, Pt(12)))
    name_width = min(_width(issuer, Pt(12), capitals=True), int(Cm(6.6)))
    lines += [Rule(max(int(Cm(1.5)), int(name_width * 0.4))), ("", False, False, Pt(6))]
    lines.append((head.number, False, False, Pt(13)))
    _cell_lines(left, lines)
    motto = gettext("Độc lập - Tự do - Hạnh phúc", lang)
    _cell_lines(
        right,
        [
            (gettext("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", lang), True, False, Pt(12)),
            (motto, True, False, Pt(13.5)),
            Rule(_width(motto, Pt(13.5), capitals=False)),
            ("", False, False, Pt(6)),
            (head.dateline(lang), False, True, Pt(14)),
        ],
    )


def _signature(document: DocumentObject, report: Report, lang: str) -> None:
    """Nơi nhận on the left; the signer's authority, title, room for the signature and seal,
    and name on the right."""
    head = report.letterhead
    table = document.add_table(rows=1, cols=2)
    left, right = _columns(table, Cm(8), Cm(8.5))
    recipients: list[Line | Rule] = [(gettext("Nơi nhận:", lang), True, True, Pt(12))]
    recipients += [(line, False, False, Pt(11)) for line in head.recipient_lines()]
    _cell_lines(left, recipients)
    for paragraph in left.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    signer: list[Line | Rule] = []
    if head.signer_authority:
        signer.append((head.signer_authority.upper(), True, False, Pt(14)))
    signer.append((head.signer_title.upper(), True, False, Pt(14)))
    signer += [("", False, False, Pt(14))] * 4
    signer.append((head.signer_name, True, False, Pt(14)))
    _cell_lines(right, signer)
