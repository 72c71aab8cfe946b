"""An office's own draft report, built from an excerpt of a real one (tests/data): numbered
bold headings typed as text (as most offices do), body paragraphs, a bulleted list (numbering
part), a table, a page header and two real footnotes."""

from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from lxml import etree

from survey_server.reports import insert

EXCERPT = Path(__file__).parent.parent / "data" / "bao-cao-dan-van-trich.txt"
HEADING = re.compile(r"([IVX]+\.|\d+\.|[a-z]\))\s")
TOPIC_HEADING = "2. Kết quả thực hiện mô hình “Ngành Giáo dục lắng nghe ý kiến nhân dân”"


def build_draft(*, placeholder: bool, topic_heading: bool = True) -> bytes:
    lines = EXCERPT.read_text(encoding="utf-8").splitlines()
    notes = dict(
        re.match(r"\[\^(\d)\]: (.*)", line).groups() for line in lines if line.startswith("[^")
    )  # type: ignore[union-attr]
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(14)
    normal.paragraph_format.first_line_indent = Cm(1.27)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    document.sections[0].header.paragraphs[0].text = "Báo cáo công tác dân vận năm 2022"
    for line in lines:
        if line.startswith("[^"):
            continue
        if line == TOPIC_HEADING and not topic_heading:
            continue
        if line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        elif HEADING.match(line) and len(line) < 300:
            document.add_paragraph().add_run(line).bold = True
        else:
            document.add_paragraph(line)
        if line == TOPIC_HEADING and placeholder:
            document.add_paragraph(insert.PLACEHOLDER)
    table = document.add_table(rows=2, cols=2, style="Table Grid")
    for cell, text in zip(table._cells, ("Nội dung", "Số lượng", "Đơn thư", "22"), strict=True):
        cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_footnotes(buffer.getvalue(), notes)


def _with_footnotes(content: bytes, notes: dict[str, str]) -> bytes:
    """Turn the ``[^n]`` markers of the excerpt into real footnotes."""
    package = insert.Package.read(content, "draft")
    root = package.xml(insert.DOCUMENT, "draft")
    styles = insert.Styles.of(package.xml(insert.STYLES, "draft"))
    footnotes = insert.Footnotes.of(package, root, styles, "draft")
    for text_node in list(root.iter(insert.w("t"))):
        match = re.search(r"\[\^(\d)\]$", text_node.text or "")
        if not match:
            continue
        text_node.text = text_node.text[: match.start()]
        number = footnotes.add(notes[match.group(1)])
        reference = insert.element("r")
        reference.append(insert.element("rPr"))
        reference[0].append(insert.element("vertAlign", val="superscript"))
        reference.append(insert.element("footnoteReference", id=str(number)))
        text_node.getparent().addnext(reference)
    package.put(insert.DOCUMENT, root)
    footnotes.save(package)
    return package.write()


def body_children(content: bytes) -> list[etree._Element]:
    package = insert.Package.read(content, "x")
    return list(package.xml(insert.DOCUMENT, "x").find(insert.w("body")))


def canonical(node: etree._Element) -> bytes:
    return etree.tostring(node, method="c14n")
