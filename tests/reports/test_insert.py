"""``--into``: the section goes into an office's own report and nothing else changes."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from survey_server.reports import insert
from survey_server.reports.insert import DocumentUnreadable, PlaceNotFound, insert_section, w
from survey_server.reports.model import Heading, Letterhead, Note, Paragraph, Report, Span, Table
from tests.reports.draft import (
    TOPIC_HEADING,
    _with_footnotes,
    body_children,
    build_draft,
    canonical,
)
from tests.reports.office import convert_to_pdf


def section() -> Report:
    return Report(
        letterhead=Letterhead(
            "", "Sở Giáo dục và Đào tạo", "SGDĐT", "Hải Phòng", date(2026, 11, 20)
        ),
        title="BÁO CÁO",
        subtitle="Kết quả thực hiện mô hình năm 2026",
        blocks=(
            Paragraph.of("Kết quả cụ thể như sau:"),
            Heading(1, "CÔNG TÁC TỔ CHỨC LẤY Ý KIẾN"),
            Paragraph.of("Tổng số phiếu thu về: 12.345 phiếu", Note("Chi tiết theo đơn vị."), "."),
            Heading(1, "KẾT QUẢ KHẢO SÁT, LẤY Ý KIẾN"),
            Heading(2, "Khảo sát sự hài lòng"),
            Paragraph.of("Chỉ số đạt ", Span("87,5%", bold=True), Note("Phương pháp."), "."),
            Table(
                "Bảng 1. Chỉ số",
                ("TT", "Thành phần", "Chỉ số"),
                (("1", "Tiếp cận", "87,5%"),),
                numeric=frozenset({2}),
            ),
            Paragraph.of("Một số ý kiến: ", Span("“Đề nghị sửa nhà vệ sinh”", italic=True), "."),
        ),
    )


def entries(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def notes(content: bytes) -> list[etree._Element]:
    root = etree.fromstring(entries(content)[insert.FOOTNOTES])
    return list(root.iter(w("footnote")))


def marked(children: list[etree._Element]) -> tuple[int, int]:
    """The indexes of the first and last body children of the inserted section."""
    start = next(
        i for i, c in enumerate(children) if c.find(f".//{w('bookmarkStart')}") is not None
    )
    end = next(i for i, c in enumerate(children) if c.find(f".//{w('bookmarkEnd')}") is not None)
    return start, end


def test_placeholder_is_replaced_and_nothing_else_changes() -> None:
    draft = build_draft(placeholder=True)
    result = insert_section(draft, section())
    before, after = entries(draft), entries(result)
    assert set(before) == set(after)
    for name in before:
        if name not in (insert.DOCUMENT, insert.FOOTNOTES):
            assert after[name] == before[name], name
    old, new = body_children(draft), body_children(result)
    place = next(i for i, c in enumerate(old) if insert.text_of(c) == insert.PLACEHOLDER)
    start, end = marked(new)
    assert start == place
    assert [canonical(c) for c in new[:start]] == [canonical(c) for c in old[:place]]
    assert [canonical(c) for c in new[end + 1 :]] == [canonical(c) for c in old[place + 1 :]]
    assert insert.PLACEHOLDER not in "".join(insert.text_of(c) for c in new)
    old_notes, new_notes = notes(draft), notes(result)
    assert [canonical(n) for n in new_notes[: len(old_notes)]] == [canonical(n) for n in old_notes]
    added = new_notes[len(old_notes) :]
    assert [insert.text_of(n).strip() for n in added] == ["Chi tiết theo đơn vị.", "Phương pháp."]
    referenced = [r.get(w("id")) for c in new for r in c.iter(w("footnoteReference"))]
    assert len(referenced) == len(set(referenced)) == len(new_notes) - 2  # minus the separators


def test_section_is_numbered_under_the_office_heading() -> None:
    result = insert_section(build_draft(placeholder=True), section())
    texts = [insert.text_of(c) for c in body_children(result)]
    topic = texts.index(TOPIC_HEADING)
    assert texts[topic + 1] == "Kết quả cụ thể như sau:"
    assert "a) Công tác tổ chức lấy ý kiến" in texts  # the draft writes its headings so
    assert "b) Kết quả khảo sát, lấy ý kiến" in texts
    assert "- Khảo sát sự hài lòng" in texts


def test_section_copies_the_documents_formatting() -> None:
    result = insert_section(build_draft(placeholder=True), section())
    document = Document(io.BytesIO(result))
    inserted = next(p for p in document.paragraphs if p.text.startswith("Tổng số phiếu"))
    typed = next(p for p in document.paragraphs if p.text.startswith("Bám sát"))
    assert inserted.style.name == typed.style.name
    heading = next(p for p in document.paragraphs if p.text.startswith("a) Công tác"))
    assert all(run.bold for run in heading.runs if run.text)
    table = document.tables[0]
    assert table.style is not None and table.style.name == "Table Grid"
    assert table.cell(1, 2).text == "87,5%"


def test_heading_without_placeholder_gets_the_section_right_under_it() -> None:
    draft = build_draft(placeholder=False)
    result = insert_section(draft, section())
    old, new = body_children(draft), body_children(result)
    topic = next(i for i, c in enumerate(old) if insert.text_of(c) == TOPIC_HEADING)
    start, end = marked(new)
    assert start == topic + 1
    assert [canonical(c) for c in new[:start]] == [canonical(c) for c in old[:start]]
    assert [canonical(c) for c in new[end + 1 :]] == [canonical(c) for c in old[topic + 1 :]]


def test_a_second_run_replaces_the_first() -> None:
    once = insert_section(build_draft(placeholder=False), section())
    twice = insert_section(once, section())
    assert [canonical(c) for c in body_children(twice)] == [
        canonical(c) for c in body_children(once)
    ]
    assert len(notes(twice)) == len(notes(once))
    assert entries(twice)[insert.FOOTNOTES] == entries(once)[insert.FOOTNOTES]


def test_no_place_lists_the_headings_it_saw() -> None:
    draft = build_draft(placeholder=False, topic_heading=False)
    with pytest.raises(PlaceNotFound) as caught:
        insert_section(draft, section(), "du-thao.docx")
    message = caught.value.text("vi")
    assert "du-thao.docx" in message and "{{LANG_NGHE_Y_KIEN}}" in message
    assert "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, TRIỂN KHAI" in message
    assert "2. Một số tồn tại, hạn chế" in message


def test_a_document_without_footnotes_gets_a_footnotes_part() -> None:
    plain = Document()
    plain.add_paragraph("I. KẾT QUẢ").runs[0].bold = True
    plain.add_paragraph(insert.PLACEHOLDER)
    buffer = io.BytesIO()
    plain.save(buffer)
    result = insert_section(buffer.getvalue(), section())
    parts = entries(result)
    assert b"/word/footnotes.xml" in parts[insert.CONTENT_TYPES]
    assert b"footnotes.xml" in parts[insert.DOCUMENT_RELS]
    assert [n.get(w("id")) for n in notes(result)] == ["-1", "0", "1", "2"]
    reopened = Document(io.BytesIO(result))
    texts = [p.text for p in reopened.paragraphs]
    assert "1. CÔNG TÁC TỔ CHỨC LẤY Ý KIẾN" in texts and "a) Khảo sát sự hài lòng" in texts


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip at all", b"PK\x03\x04broken", b"\xff" * 100],
    ids=["empty", "text", "broken-zip", "bytes"],
)
def test_something_else_than_a_docx_is_refused(content: bytes) -> None:
    with pytest.raises(DocumentUnreadable) as caught:
        insert_section(content, section(), "bao-cao.docx")
    assert "bao-cao.docx" in caught.value.text("vi")


def test_a_zip_without_a_document_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    with pytest.raises(DocumentUnreadable):
        insert_section(buffer.getvalue(), section())


def test_the_result_opens_in_libreoffice(tmp_path: pytest.TempPathFactory) -> None:
    result = insert_section(build_draft(placeholder=True), section())
    text = convert_to_pdf(result, tmp_path)  # type: ignore[arg-type]
    assert "Tổng số phiếu thu về: 12.345 phiếu" in text
    assert "Kết quả thực hiện mô hình" in text


def _draft_with_notes_around_the_section() -> bytes:
    """A draft whose notes stand before and after the place of the section, as the Hải Phòng
    report's notes 19–20 stand after its part II.4."""
    document = Document()
    for text in ("Mở đầu báo cáo[^1]", TOPIC_HEADING, insert.PLACEHOLDER, "Phần sau cùng[^2]"):
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_footnotes(buffer.getvalue(), {"1": "Ghi chú đầu.", "2": "Ghi chú cuối."})


def _notes_in_reading_order(content: bytes) -> list[tuple[str, str]]:
    """(id, note text) of each reference, in the order of the text."""
    texts = {n.get(w("id")): insert.text_of(n).strip() for n in notes(content)}
    package = insert.Package.read(content, "x")
    document = package.xml(insert.DOCUMENT, "x")
    return [(r.get(w("id")), texts[r.get(w("id"))]) for r in document.iter(w("footnoteReference"))]


def test_notes_are_numbered_in_reading_order_for_every_word_processor(tmp_path: Path) -> None:
    """LibreOffice pairs references with notes in id order, Word by position: both agree only
    when ids follow the text. The draft's last note comes after the section's notes."""
    result = insert_section(_draft_with_notes_around_the_section(), section())
    order = _notes_in_reading_order(result)
    assert [text for _, text in order] == [
        "Ghi chú đầu.", "Chi tiết theo đơn vị.", "Phương pháp.", "Ghi chú cuối.",
    ]  # fmt: skip
    assert [int(number) for number, _ in order] == [1, 2, 3, 4]
    assert [n.get(w("id")) for n in notes(result)] == ["-1", "0", "1", "2", "3", "4"]
    again = insert_section(result, section())  # a second run renumbers the same way
    assert [text for _, text in _notes_in_reading_order(again)] == [t for _, t in order]
    rendered = convert_to_pdf(result, tmp_path)
    tail = rendered[rendered.index("Phần sau cùng") :]
    assert re.search(r"1 Ghi chú đầu\.", tail) and re.search(r"4 Ghi chú cuối\.", tail)
    assert re.search(r"3 Phương pháp\.", tail)


def test_the_sections_tables_move_whole_in_the_draft_too() -> None:
    """Every row of an inserted table is unsplittable and every row but the last keeps with
    the next, as in the report's own DOCX: the composite row never stands alone on a page."""
    result = insert_section(build_draft(placeholder=True), section())
    table = next(c for c in body_children(result) if c.tag == w("tbl"))
    rows = table.findall(w("tr"))
    assert len(rows) == 2
    for number, row in enumerate(rows, start=1):
        assert row.find(f"{w('trPr')}/{w('cantSplit')}") is not None
        kept = [p.find(f"{w('pPr')}/{w('keepNext')}") is not None for p in row.iter(w("p"))]
        assert kept == [number < len(rows)] * len(kept)
