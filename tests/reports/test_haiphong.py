"""The section in a real office draft with 20 real footnotes (the Hải Phòng report, 2022).

The draft's notes 1–18 come before the section and 19–20 after it. Word numbers notes by
their place in the text and LibreOffice pairs references with notes by id, so both agree only
if, after the insertion, ids follow the text and every reference still points to its own
note: checked on the document itself and on LibreOffice's rendering.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from copy import deepcopy
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from survey_server.reports import insert
from survey_server.reports.insert import insert_section, w
from survey_server.reports.model import Heading, Note, Paragraph, Report, Span, Table
from tests.reports.draft import body_children, canonical
from tests.reports.haiphong import (
    NOTE_COUNT,
    TOPIC_HEADING,
    build_haiphong_draft,
    note_texts,
    read_data,
    visible,
)
from tests.reports.office import convert_to_pdf
from tests.reports.test_insert import _notes_in_reading_order, entries, marked, section
from tests.reports.test_insert import notes as footnote_elements

#: The section's notes: each names what it is about in its first words, so that a note shown
#: under another's number cannot pass for its own in the PDF's text.
SECTION_NOTES = (
    "Phiếu giấy được nhập lại trên hệ thống Lắng nghe trước khi cộng vào tổng số.",
    "Chỉ số hài lòng tính trên các phiếu trả lời đủ mọi câu hỏi của thành phần đó.",
    "Ý kiến nêu tên người hoặc trường đã được che trước khi đưa vào báo cáo.",
)
DRAFTS = pytest.mark.parametrize("placeholder", [True, False], ids=["placeholder", "heading"])


def hai_phong_section() -> Report:
    """The section of test_insert (its letterhead is not used here) with three distinctive
    notes, two of them in one paragraph, and a table between paragraphs with notes."""
    return replace(
        section(),
        blocks=(
            Paragraph.of("Kết quả lấy ý kiến qua hệ thống Lắng nghe như sau:"),
            Heading(1, "CÔNG TÁC TỔ CHỨC LẤY Ý KIẾN"),
            Paragraph.of("Tổng số phiếu thu về: 4.321 phiếu", Note(SECTION_NOTES[0]), "."),
            Heading(1, "KẾT QUẢ KHẢO SÁT, LẤY Ý KIẾN"),
            Table("Bảng 1. Chỉ số", ("TT", "Thành phần", "Chỉ số"), (("1", "Chung", "82,4%"),)),
            Paragraph.of(
                "Chỉ số hài lòng chung đạt ",
                Span("82,4%", bold=True),
                Note(SECTION_NOTES[1]),
                "; có 17 ý kiến cần trả lời",
                Note(SECTION_NOTES[2]),
                ".",
            ),
        ),
    )


def expected_order() -> list[str]:
    """The notes in reading order: the draft's up to 18, the section's, the draft's 19–20."""
    draft = note_texts()
    return [*draft[:18], *SECTION_NOTES, *draft[18:]]


def test_the_draft_is_the_real_report_with_its_place_before_notes_19_and_20() -> None:
    """What the other tests rely on: 20 real footnotes, ids in reading order, their texts from
    the data file, and the placeholder between the paragraphs of notes 18 and 19."""
    draft = build_haiphong_draft()
    assert len(note_texts()) == NOTE_COUNT
    assert _notes_in_reading_order(draft) == [
        (str(number), text) for number, text in enumerate(note_texts(), start=1)
    ]
    children = [c for c in body_children(draft) if c.tag == w("p")]  # not the sectPr
    texts = [insert.text_of(c) for c in children]
    body, _ = read_data()
    assert [t for t in texts if t not in (TOPIC_HEADING, insert.PLACEHOLDER)] == [
        visible(line) for line in body
    ]
    place = texts.index(insert.PLACEHOLDER)
    assert texts[place - 1] == TOPIC_HEADING

    def holder(number: int) -> int:
        return next(
            i
            for i, child in enumerate(children)
            for r in child.iter(w("footnoteReference"))
            if r.get(w("id")) == str(number)
        )

    assert holder(18) < place - 1 and place < holder(19) < holder(20)


@DRAFTS
def test_notes_are_numbered_in_reading_order_and_keep_their_texts(placeholder: bool) -> None:
    """Ids 1..N follow the text, and each reference shows its own note: the draft's with their
    texts from the data file, the section's with the section's texts, in reading order."""
    result = insert_section(build_haiphong_draft(placeholder), hai_phong_section())
    order = _notes_in_reading_order(result)
    count = NOTE_COUNT + len(SECTION_NOTES)
    assert [number for number, _ in order] == [str(n) for n in range(1, count + 1)]
    assert [text for _, text in order] == expected_order()
    assert [n.get(w("id")) for n in footnote_elements(result)] == [
        str(n) for n in range(-1, count + 1)
    ]  # the separators, then the notes in the order of their ids


@DRAFTS
def test_nothing_else_of_the_draft_changes(placeholder: bool) -> None:
    """Outside the inserted range the body is the draft's, but for the ids of its footnote
    references; its notes are all there, unchanged but for their ids; other parts are the
    draft's bytes."""
    draft = build_haiphong_draft(placeholder)
    result = insert_section(draft, hai_phong_section())
    before, after = entries(draft), entries(result)
    assert set(before) == set(after)
    for name in set(before) - {insert.DOCUMENT, insert.FOOTNOTES}:
        assert after[name] == before[name], name
    old = [c for c in body_children(draft) if insert.text_of(c) != insert.PLACEHOLDER]
    new = body_children(result)
    start, end = marked(new)
    kept = new[:start] + new[end + 1 :]
    assert [insert.text_of(c) for c in kept] == [insert.text_of(c) for c in old]
    assert [_without_ids(c, "footnoteReference") for c in kept] == [
        _without_ids(c, "footnoteReference") for c in old
    ]
    old_notes = [n for n in footnote_elements(draft) if _normal(n)]
    new_notes = [n for n in footnote_elements(result) if _normal(n)]
    texts = Counter(insert.text_of(n).strip() for n in new_notes)
    assert texts == Counter(insert.text_of(n).strip() for n in old_notes) + Counter(SECTION_NOTES)
    drafts_own = [n for n in new_notes if insert.text_of(n).strip() not in SECTION_NOTES]
    assert Counter(_without_ids(n, "footnote") for n in drafts_own) == Counter(
        _without_ids(n, "footnote") for n in old_notes
    )


def test_libreoffice_shows_each_number_with_its_own_note(tmp_path: Path) -> None:
    """In the PDF LibreOffice makes, each number 1..N at the foot of a page is followed by the
    start of its own note (long enough to tell notes apart), and in that order. Skipped
    without LibreOffice, failed in CI (convert_to_pdf)."""
    result = insert_section(build_haiphong_draft(), hai_phong_section())
    rendered = _normalised(convert_to_pdf(result, tmp_path))
    expected = [_normalised(text) for text in expected_order()]
    positions = []
    for number, text in enumerate(expected, start=1):
        start = _distinctive_start(text, expected)
        found = re.search(rf"(?<![\d/.,]){number} {re.escape(start)}", rendered)
        assert found, f"note {number} is not shown as {number} {start!r}"
        positions.append(found.start())
    assert positions == sorted(positions)


@DRAFTS
def test_a_second_run_numbers_the_notes_the_same_way(placeholder: bool) -> None:
    """Re-running the report replaces the section: ids still follow the text and every
    reference keeps its note; the document is the same as after the first run."""
    once = insert_section(build_haiphong_draft(placeholder), hai_phong_section())
    twice = insert_section(once, hai_phong_section())
    order = _notes_in_reading_order(twice)
    assert [number for number, _ in order] == [str(n) for n in range(1, len(order) + 1)]
    assert [text for _, text in order] == expected_order()
    assert order == _notes_in_reading_order(once)
    assert [canonical(c) for c in body_children(twice)] == [
        canonical(c) for c in body_children(once)
    ]
    assert entries(twice)[insert.FOOTNOTES] == entries(once)[insert.FOOTNOTES]


def _normal(note: etree._Element) -> bool:
    return note.get(w("type")) in (None, "normal")


def _without_ids(node: etree._Element, tag: str) -> bytes:
    """The canonical XML of ``node`` with the ``w:id`` of its ``tag`` elements left out: the
    only thing the renumbering may change."""
    copy = deepcopy(node)
    for element in copy.iter(w(tag)):
        element.attrib.pop(w("id"), None)
    return canonical(copy)


def _normalised(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _distinctive_start(text: str, others: list[str], least: int = 30) -> str:
    """The shortest start of ``text``, at least ``least`` characters, that no other note
    starts with (notes 14 and 19 share their first 40 characters)."""
    length = least
    while length < len(text) and any(o != text and o.startswith(text[:length]) for o in others):
        length += 1
    return text[:length]
