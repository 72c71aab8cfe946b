"""The report as a document model: what every renderer (DOCX, Markdown, HTML) receives.

Headings carry a level relative to the section (1 = "I.", 2 = "1.", 3 = "a)"); renderers number
them, and shift the levels when the section goes under an office's own heading. Footnotes are
inline parts of a paragraph, numbered by the renderer in reading order, as Word does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from survey_server.i18n import gettext


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Note:
    """A footnote: its reference stands where it is in the paragraph, its text at the foot."""

    text: str


Inline = Span | Note


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]

    @classmethod
    def of(cls, *parts: Inline | str) -> Paragraph:
        return cls(tuple(Span(part) if isinstance(part, str) else part for part in parts))

    @property
    def text(self) -> str:
        """The paragraph's visible text, footnote references left out."""
        return "".join(part.text for part in self.parts if isinstance(part, Span))


@dataclass(frozen=True)
class Heading:
    level: int
    title: str


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""
    numeric: frozenset[int] = frozenset()  # columns aligned right


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class Letterhead:
    """What a standalone report carries above its title and under its text (Nghị định
    30/2020, Phụ lục I), as the office writes it: renderers set the capitals."""

    governing: str  # cơ quan chủ quản, may be empty
    issuer: str  # cơ quan ban hành
    symbol: str  # "SGDĐT" in "Số:     /BC-SGDĐT"
    place: str  # địa danh
    issued_on: date
    signer_title: str = "Thủ trưởng đơn vị"
    signer_authority: str = ""  # "KT. GIÁM ĐỐC"
    signer_name: str = ""
    recipients: tuple[str, ...] = ("Lưu: VT",)

    @property
    def number(self) -> str:
        """The number is the registry's to give when the report is issued."""
        return f"Số:        /BC-{self.symbol}" if self.symbol else "Số:        /BC"

    def dateline(self, lang: str) -> str:
        """``Hải Phòng, ngày      tháng 12 năm 2026``: the day is written when the report is
        signed and issued, as in the offices' own reports."""
        month = f"{self.issued_on.month:02d}" if self.issued_on.month < 3 else self.issued_on.month
        text = gettext(
            "ngày      tháng {month} năm {year}", lang, month=month, year=self.issued_on.year
        )
        return f"{self.place}, {text}" if self.place else text

    def recipient_lines(self) -> list[str]:
        """``- …;`` for each, the last ending with a full stop."""
        lines = [item.rstrip(" ;.") for item in self.recipients]
        return [
            f"- {line}{'.' if number == len(lines) else ';'}"
            for number, line in enumerate(lines, start=1)
        ]


@dataclass(frozen=True)
class Report:
    letterhead: Letterhead
    title: str  # BÁO CÁO
    subtitle: str  # what it reports on, for which period
    blocks: tuple[Block, ...]
    closing: tuple[Paragraph, ...] = field(default=())

    def notes(self) -> list[Note]:
        """Every footnote in reading order (renderers number them 1, 2, …)."""
        return [
            part
            for block in self.blocks
            if isinstance(block, Paragraph)
            for part in block.parts
            if isinstance(part, Note)
        ]


def numbering(level: int, index: int) -> str:
    """The label of the ``index``-th (1-based) heading of an absolute ``level``: I. 1. a) -."""
    if level <= 1:
        return f"{roman(index)}."
    if level == 2:
        return f"{index}."
    if level == 3:
        return f"{chr(ord('a') + (index - 1) % 26)})"
    return "-"


def roman(number: int) -> str:
    """>>> roman(14)
    'XIV'
    """
    numerals = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    out = []
    for value, letters in numerals:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


class Numberer:
    """Labels headings in order, restarting each level under a new parent."""

    def __init__(self, base: int = 0) -> None:
        self.base = base
        self.counts: list[int] = []

    def label(self, heading: Heading) -> tuple[int, str]:
        """The heading's absolute level and its label."""
        depth = heading.level
        del self.counts[depth:]
        while len(self.counts) < depth:
            self.counts.append(0)
        self.counts[depth - 1] += 1
        level = self.base + depth
        return level, numbering(level, self.counts[-1])
