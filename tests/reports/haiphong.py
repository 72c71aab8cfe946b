"""A real office draft with many real footnotes: the 2022 dân vận report of the Sở GD&ĐT Hải Phòng.

The text is tests/data/bao-cao-dan-van-hai-phong-2022.txt, a cleaned copy of the published
report (an administrative document, not protected by copyright: Luật SHTT, art. 15). Its 20
footnotes stand on both sides of the place where the section goes, which is what broke
LibreOffice before: notes added after the draft's own must still be numbered, and paired with
their references, in reading order.

Format of the data file, one paragraph a line, in reading order:

- ``# text``: a line typed in bold, as offices type their headings ("II. …", "3. …", "b) …")
  and the title; every other line is a body paragraph;
- ``*text*``: italic, as the report writes the slogans it quotes;
- ``[^n]``: the reference of footnote n (1 to 20), where the report has its superscript;
- ``[^n]: text``: the text of footnote n (plain text, on one line), after the body.

Cleanup from the reference text: paragraphs and footnote texts cut by page breaks are joined
again (a footnote's continuation, found after text of the next page, is put back at its end),
the lines of a multi-line footnote are joined with spaces, and in note 18 the private citizens
who came to the office are given by their initials (officials and schools are kept).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from survey_server.reports import insert
from tests.reports.draft import _with_footnotes

DATA = Path(__file__).parent.parent / "data" / "bao-cao-dan-van-hai-phong-2022.txt"
#: The report has no heading for the model: an office adds one, as item c) of II.3 (the
#: dialogue with the people and their complaints), right before II.4 — so the report's notes
#: 19 (II.4) and 20 (II.7) come after the section in reading order.
TOPIC_HEADING = "c) Kết quả thực hiện mô hình “Ngành Giáo dục lắng nghe ý kiến nhân dân”"
BEFORE = "4. Công tác chăm lo nâng cao đời sống vật chất"
NOTE_COUNT = 20
MARKER = re.compile(r"\[\^(\d+)\]")
NOTE_LINE = re.compile(r"\[\^(\d+)\]: (.*)")
#: _with_footnotes reads one-digit markers; this many notes are turned into footnotes at once.
BATCH = 9


def read_data() -> tuple[list[str], dict[int, str]]:
    """The body lines (with their marks) and the footnote texts by number."""
    lines = DATA.read_text(encoding="utf-8").splitlines()
    notes = {int(match[1]): match[2] for line in lines if (match := NOTE_LINE.fullmatch(line))}
    body = [line for line in lines if not NOTE_LINE.fullmatch(line)]
    return body, notes


def note_texts() -> list[str]:
    """The report's footnote texts in the order of their numbers (reading order)."""
    _, notes = read_data()
    return [notes[number] for number in sorted(notes)]


def visible(line: str) -> str:
    """What a body line shows in Word: its text without marks and references."""
    return MARKER.sub("", line.removeprefix("# ")).replace("*", "")


def build_haiphong_draft(placeholder: bool = True) -> bytes:
    """The report as an office's draft DOCX: Times New Roman 14, bold typed headings, its 20
    notes as real Word footnotes (ids 1–20 in reading order, as Word writes them), and, in part
    II before the paragraphs that carry notes 19 and 20, ``TOPIC_HEADING`` followed (when
    ``placeholder``) by a paragraph holding ``insert.PLACEHOLDER``."""
    body, notes = read_data()
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(14)
    normal.paragraph_format.first_line_indent = Cm(1.27)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for line in body:
        if line.startswith(f"# {BEFORE}"):
            _add_line(document, f"# {TOPIC_HEADING}")
            if placeholder:
                document.add_paragraph(insert.PLACEHOLDER)
        _add_line(document, line)
    buffer = io.BytesIO()
    document.save(buffer)
    return _footnoted(buffer.getvalue(), notes)


def _add_line(document: WordDocument, line: str) -> None:
    """One paragraph, split into runs so that each ``[^n]`` ends a run: _with_footnotes puts
    the reference right after the run whose text ends with the marker."""
    bold = line.startswith("# ")
    paragraph = document.add_paragraph()
    run = None
    for token in re.split(r"(\*[^*]+\*|\[\^\d+\])", line.removeprefix("# ")):
        if MARKER.fullmatch(token):
            if run is None:
                run = paragraph.add_run("")
            run.text += token
        elif token:
            italic = token.startswith("*") and token.endswith("*") and len(token) > 1
            run = paragraph.add_run(token[1:-1] if italic else token)
            run.bold, run.italic = bold or None, italic or None


def _footnoted(content: bytes, notes: dict[int, str]) -> bytes:
    """The ``[^n]`` markers made real footnotes by _with_footnotes (tests/reports/draft.py).

    It reads one-digit markers only, so the notes are done nine at a time in reading order,
    each batch relabelled ``[^1]``… first (the earlier batches are gone by then): footnote ids
    then follow the text, 1 to 20."""
    numbers = sorted(notes)
    for start in range(0, len(numbers), BATCH):
        labels = {number: str(i + 1) for i, number in enumerate(numbers[start : start + BATCH])}
        content = _relabelled(content, labels)
        content = _with_footnotes(content, {labels[n]: notes[n] for n in labels})
    return content


def _relabelled(content: bytes, labels: dict[int, str]) -> bytes:
    """The document with the markers ``[^n]`` of ``labels`` renamed ``[^label]``."""
    package = insert.Package.read(content, "draft")
    root = package.xml(insert.DOCUMENT, "draft")
    for node in root.iter(insert.w("t")):
        node.text = MARKER.sub(
            lambda m: f"[^{labels[int(m[1])]}]" if int(m[1]) in labels else m[0], node.text or ""
        )
    package.put(insert.DOCUMENT, root)
    return package.write()
