"""Putting the section into a Word document: an office's own draft report, or our template.

The place is a paragraph holding ``{{LANG_NGHE_Y_KIEN}}``, or else the heading that mentions
"lắng nghe ý kiến" (the section goes right under it), or else the section written there by an
earlier run (a bookmark around it), which is replaced. The section is written with the target's
own formatting: body paragraphs copy the paragraph they replace or follow, headings copy the
document's headings of the same level (or its "Heading N" styles), footnotes copy its
footnotes. Every other part of the package is copied byte for byte, and inside the document
part nothing outside the inserted range changes; footnotes are added after the existing ones.

Only the ``w:`` vocabulary of WordprocessingML is written, with child elements in the order
the schema requires, since Word (unlike LibreOffice) refuses a document that breaks it.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass, field

from lxml import etree

from survey_server.errors import AppError
from survey_server.i18n import N_
from survey_server.reports.model import (
    Block,
    Heading,
    Note,
    Numberer,
    Paragraph,
    Report,
    Span,
    Table,
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
PLACEHOLDER = "{{LANG_NGHE_Y_KIEN}}"
BOOKMARK = "LangNgheYKien"
TOPIC = "lắng nghe ý kiến"
DOCUMENT = "word/document.xml"
STYLES = "word/styles.xml"
FOOTNOTES = "word/footnotes.xml"
CONTENT_TYPES = "[Content_Types].xml"
DOCUMENT_RELS = "word/_rels/document.xml.rels"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
#: A DOCX larger than this once unpacked is refused (a report is a few megabytes at most).
UNPACKED_LIMIT = 200 * 1024 * 1024

#: Schema order of the children of w:pPr and w:rPr (ECMA-376 Part 1, §17.3.1.26 and §17.3.2.28).
PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
RPR_ORDER = [
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
]


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


class DocumentUnreadable(AppError):
    status_code = 422
    code = "document_unreadable"
    message = N_("Tệp {name} không phải là tệp Word (.docx) đọc được: {detail}.")


class PlaceNotFound(AppError):
    status_code = 422
    code = "place_not_found"
    message = N_(
        "Không tìm thấy chỗ chèn phần “lắng nghe ý kiến nhân dân” trong {name}: hãy thêm một "
        "đoạn chỉ có {{{{LANG_NGHE_Y_KIEN}}}} hoặc một đề mục có cụm từ “lắng nghe ý kiến”. "
        "Các đề mục đã thấy: {headings}"
    )


# -- the package --------------------------------------------------------------------------------


@dataclass
class Package:
    """The entries of a DOCX (a zip) in their order; changed entries are rewritten, others
    copied byte for byte with their original compression."""

    infos: list[zipfile.ZipInfo]
    data: dict[str, bytes]

    @classmethod
    def read(cls, content: bytes, name: str) -> Package:
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > UNPACKED_LIMIT:
                raise DocumentUnreadable(name=name, detail="quá lớn")
            data = {info.filename: archive.read(info) for info in infos}
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise DocumentUnreadable(name=name, detail=type(error).__name__) from None
        if DOCUMENT not in data:
            raise DocumentUnreadable(name=name, detail="thiếu word/document.xml")
        return cls(infos, data)

    def xml(self, part: str, name: str) -> etree._Element:
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
            return etree.fromstring(self.data[part], parser)
        except etree.XMLSyntaxError:
            raise DocumentUnreadable(name=name, detail=part) from None

    def put(self, part: str, root: etree._Element) -> None:
        if part not in self.data:
            self.infos.append(zipfile.ZipInfo(part, date_time=(1980, 1, 1, 0, 0, 0)))
            self.infos[-1].compress_type = zipfile.ZIP_DEFLATED
        self.data[part] = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )

    def write(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for info in self.infos:
                archive.writestr(info, self.data[info.filename])
        return out.getvalue()


# -- reading the target ------------------------------------------------------------------------


def text_of(element: etree._Element) -> str:
    return "".join(node.text or "" for node in element.iter(w("t")))


def folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@dataclass
class Styles:
    """What the target's styles say about headings, footnotes and tables."""

    levels: dict[str, int] = field(default_factory=dict)  # paragraph style id → heading level
    numbered: set[str] = field(default_factory=set)  # style ids with list numbering
    bold: set[str] = field(default_factory=set)
    by_name: dict[str, str] = field(default_factory=dict)  # lower-case name → style id

    @classmethod
    def of(cls, root: etree._Element | None) -> Styles:
        styles = cls()
        if root is None:
            return styles
        raw: dict[str, etree._Element] = {}
        for style in root.iter(w("style")):
            style_id = style.get(w("styleId"))
            if not style_id:
                continue
            raw[style_id] = style
            styles.by_name.setdefault(_style_name(style), style_id)
        for style_id in raw:
            chain = list(_chain(raw, style_id))
            names = [_style_name(style) for style in chain]
            level = next(
                (int(m[1]) for n in names if (m := re.fullmatch(r"heading (\d)", n))), None
            )
            if level is None:
                outline = next((s.find(f"{w('pPr')}/{w('outlineLvl')}") for s in chain), None)
                if outline is not None and (outline.get(w("val")) or "").isdigit():
                    level = int(outline.get(w("val"))) + 1
            if level is not None and level <= 9:
                styles.levels[style_id] = level
            if any(s.find(f"{w('pPr')}/{w('numPr')}") is not None for s in chain):
                styles.numbered.add(style_id)
            if any(_on(s.find(f"{w('rPr')}/{w('b')}")) for s in chain):
                styles.bold.add(style_id)
        return styles

    def named(self, name: str) -> str | None:
        return self.by_name.get(name.lower())


def _style_name(style: etree._Element) -> str:
    name = style.find(w("name"))
    return (name.get(w("val")) or "").lower() if name is not None else ""


def _chain(raw: dict[str, etree._Element], style_id: str) -> Iterator[etree._Element]:
    """A style and the styles it is based on (at most ten, against loops)."""
    seen = 0
    while style_id in raw and seen < 10:
        style = raw[style_id]
        yield style
        based = style.find(w("basedOn"))
        style_id = based.get(w("val")) if based is not None else ""
        seen += 1


def _on(toggle: etree._Element | None) -> bool:
    return toggle is not None and toggle.get(w("val"), "true") not in ("0", "false", "off")


def style_of(paragraph: etree._Element) -> str | None:
    style = paragraph.find(f"{w('pPr')}/{w('pStyle')}")
    return style.get(w("val")) if style is not None else None


def heading_level(paragraph: etree._Element, styles: Styles) -> int | None:
    """The level of a heading paragraph (1 = "I."), or None for a body paragraph.

    A heading is a paragraph with a heading style or an outline level, or a short paragraph
    in bold that starts with a label such as "II.", "3." or "b)" — how most Vietnamese
    offices type their reports.
    """
    if paragraph.tag != w("p"):
        return None
    style = style_of(paragraph)
    if style in styles.levels:
        return styles.levels[style]
    outline = paragraph.find(f"{w('pPr')}/{w('outlineLvl')}")
    if outline is not None and (outline.get(w("val")) or "").isdigit():
        value = int(outline.get(w("val")))
        if value < 9:
            return value + 1
    text = text_of(paragraph).strip()
    if not text or len(text) > 300 or not _emphasised(paragraph, styles):
        return None
    if re.match(r"[IVXLC]+\.\s", text):
        return 1
    if re.match(r"\d+(\.\d+)*\.\s", text):
        return 2
    if re.match(r"[a-zđ]\)\s", text):
        return 3
    return None


def _emphasised(paragraph: etree._Element, styles: Styles) -> bool:
    """Whether every run with text is bold (directly or by the paragraph's style)."""
    styled = style_of(paragraph) in styles.bold
    runs = [run for run in paragraph.iter(w("r")) if text_of(run).strip()]
    return bool(runs) and all(styled or _on(run.find(f"{w('rPr')}/{w('b')}")) for run in runs)


@dataclass(frozen=True)
class Place:
    """Where the section goes: body children ``start``..``end`` (exclusive) are replaced."""

    start: int
    end: int
    base: int  # the level of the heading the section sits under (0: none)
    template: etree._Element | None  # the body paragraph whose formatting the section copies
    keep: etree._Element | None = None  # a replaced paragraph that must stay (it ends a section)


def locate(body: etree._Element, styles: Styles, name: str) -> Place:
    children = list(body)
    levels = [heading_level(child, styles) for child in children]
    marked = _bookmarked(children)
    if marked is not None:
        start, end = marked
        return Place(start, end + 1, _base(levels, start), _body_after(children, levels, end + 1))
    for index, child in enumerate(children):
        if child.tag == w("p") and text_of(child).strip() == PLACEHOLDER:
            keep = child if child.find(f"{w('pPr')}/{w('sectPr')}") is not None else None
            return Place(index, index + 1, _base(levels, index), child, keep)
    for index, (child, level) in enumerate(zip(children, levels, strict=True)):
        if level is not None and TOPIC in folded(text_of(child)):
            return Place(index + 1, index + 1, level, _body_after(children, levels, index + 1))
    seen = [text_of(c).strip() for c, level in zip(children, levels, strict=True) if level]
    raise PlaceNotFound(name=name, headings="; ".join(seen[:40]) or "(không có)")


def _bookmarked(children: list[etree._Element]) -> tuple[int, int] | None:
    """The body children between our bookmark's start and end, from an earlier run."""
    start = end = None
    mark_id = None
    for index, child in enumerate(children):
        for mark in child.iter(w("bookmarkStart")):
            if mark.get(w("name")) == BOOKMARK:
                start, mark_id = index, mark.get(w("id"))
        for mark in child.iter(w("bookmarkEnd")):
            if start is not None and mark.get(w("id")) == mark_id:
                end = index
        if end is not None:
            return start, end  # type: ignore[return-value]
    return None


def _base(levels: list[int | None], index: int) -> int:
    return next((level for level in reversed(levels[:index]) if level), 0)


def _body_after(
    children: list[etree._Element], levels: list[int | None], index: int
) -> etree._Element | None:
    """The first body paragraph with text at or after ``index``, else anywhere."""
    candidates = [
        *zip(children[index:], levels[index:], strict=True),
        *zip(children, levels, strict=True),
    ]
    return next(
        (c for c, level in candidates if c.tag == w("p") and level is None and text_of(c).strip()),
        None,
    )


# -- writing ----------------------------------------------------------------------------------


def put(parent: etree._Element, child: etree._Element, order: list[str]) -> etree._Element:
    """Put ``child`` into ``parent`` in schema order, replacing one of the same tag."""
    local = etree.QName(child).localname
    for old in parent.findall(child.tag):
        parent.remove(old)
    rank = order.index(local)
    position = 0
    for position, existing in enumerate(parent):  # noqa: B007 - used after the loop
        name = etree.QName(existing).localname
        if name in order and order.index(name) > rank:
            break
    else:
        position = len(parent)
    parent.insert(position, child)
    return child


def element(tag: str, **attributes: str) -> etree._Element:
    node = etree.Element(w(tag))
    for key, value in attributes.items():
        node.set(w(key), value)
    return node


def _clean_ppr(ppr: etree._Element | None) -> etree._Element:
    ppr = deepcopy(ppr) if ppr is not None else element("pPr")
    for tag in ("sectPr", "pPrChange", "numPr", "pageBreakBefore", "outlineLvl"):
        for old in ppr.findall(w(tag)):
            ppr.remove(old)
    return ppr


def _first_rpr(paragraph: etree._Element | None) -> etree._Element:
    if paragraph is not None:
        for run in paragraph.iter(w("r")):
            if text_of(run).strip():
                rpr = run.find(w("rPr"))
                return deepcopy(rpr) if rpr is not None else element("rPr")
    return element("rPr")


def _styled_rpr(rpr: etree._Element, bold: bool, italic: bool) -> etree._Element:
    rpr = deepcopy(rpr)
    for tag in ("b", "bCs", "i", "iCs", "rPrChange"):
        for old in rpr.findall(w(tag)):
            rpr.remove(old)
    if bold:
        put(rpr, element("b"), RPR_ORDER)
    if italic:
        put(rpr, element("i"), RPR_ORDER)
    return rpr


def run(text: str, rpr: etree._Element, bold: bool = False, italic: bool = False) -> etree._Element:
    node = element("r")
    node.append(_styled_rpr(rpr, bold, italic))
    t = etree.SubElement(node, w("t"))
    t.text = text
    t.set(XML_SPACE, "preserve")
    return node


@dataclass
class Footnotes:
    """The target's footnotes part (created when it has none) and how its notes look."""

    root: etree._Element
    created: bool
    reference: etree._Element  # rPr of a reference mark in the body
    mark: etree._Element  # rPr of the mark at the start of a note
    ppr: etree._Element  # pPr of a note's paragraph
    rpr: etree._Element  # rPr of a note's text
    next_id: int = 1
    added: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, package: Package, document: etree._Element, styles: Styles, name: str) -> Footnotes:
        created = FOOTNOTES not in package.data
        root = _new_footnotes() if created else package.xml(FOOTNOTES, name)
        notes = [n for n in root.iter(w("footnote")) if n.get(w("type")) in (None, "normal")]
        ids = [int(n.get(w("id"), "0")) for n in root.iter(w("footnote"))]
        reference = _reference_rpr(document, styles)
        mark = ppr = rpr = None
        if notes:
            paragraph = notes[0].find(w("p"))
            if paragraph is not None:
                ppr = paragraph.find(w("pPr"))
                for node in paragraph.iter(w("r")):
                    if node.find(w("footnoteRef")) is not None and mark is None:
                        mark = node.find(w("rPr"))
                    elif text_of(node).strip() and rpr is None:
                        rpr = node.find(w("rPr"))
        text_style = styles.named("footnote text")
        if ppr is None:
            ppr = element("pPr")
            if text_style:
                put(ppr, element("pStyle", val=text_style), PPR_ORDER)
            else:
                put(ppr, element("spacing", after="60", line="240", lineRule="auto"), PPR_ORDER)
                put(ppr, element("jc", val="both"), PPR_ORDER)
        if rpr is None:
            rpr = element("rPr")
            if not text_style:
                put(rpr, element("sz", val="24"), RPR_ORDER)
                put(rpr, element("szCs", val="24"), RPR_ORDER)
        return cls(
            root=root,
            created=created,
            reference=reference,
            mark=deepcopy(mark) if mark is not None else deepcopy(reference),
            ppr=_clean_ppr(ppr),
            rpr=deepcopy(rpr),
            next_id=max([0, *ids]) + 1,
        )

    def add(self, text: str) -> int:
        number = self.next_id
        self.next_id += 1
        note = etree.SubElement(self.root, w("footnote"))
        note.set(w("id"), str(number))
        paragraph = etree.SubElement(note, w("p"))
        paragraph.append(deepcopy(self.ppr))
        marker = etree.SubElement(paragraph, w("r"))
        marker.append(deepcopy(self.mark))
        marker.append(element("footnoteRef"))
        paragraph.append(run(" " + text, self.rpr))
        self.added.append(number)
        return number

    def drop(self, numbers: Iterable[int]) -> None:
        """Remove notes that belonged to a section being replaced."""
        wanted = {str(n) for n in numbers}
        for note in list(self.root.iter(w("footnote"))):
            if note.get(w("id")) in wanted:
                self.root.remove(note)
        ids = [int(n.get(w("id"), "0")) for n in self.root.iter(w("footnote"))]
        self.next_id = max([0, *ids]) + 1

    def renumber(self, document: etree._Element) -> None:
        """Number the notes in reading order, and keep them in that order in the part.

        Word shows a note's number from its place in the text, but LibreOffice pairs references
        with notes in the order of their ids: a section put before the draft's last notes, with
        ids after theirs, showed the draft's notes under the section's references. So every
        normal note gets the id of its first reference's rank (after the separators' ids), the
        references follow, and notes nothing refers to keep their order at the end.
        """
        notes = list(self.root.iter(w("footnote")))
        special = [n for n in notes if n.get(w("type")) not in (None, "normal")]
        normal = [n for n in notes if n.get(w("type")) in (None, "normal")]
        start = max([0, *(int(n.get(w("id"), "0")) + 1 for n in special)])
        order: dict[str, int] = {}
        for reference in document.iter(w("footnoteReference")):
            order.setdefault(reference.get(w("id"), ""), start + len(order))
        unreferenced = [n for n in normal if n.get(w("id")) not in order]
        for note in unreferenced:
            order[note.get(w("id"), "")] = start + len(order)
        for reference in document.iter(w("footnoteReference")):
            reference.set(w("id"), str(order[reference.get(w("id"), "")]))
        for note in normal:
            note.set(w("id"), str(order[note.get(w("id"), "")]))
            self.root.remove(note)
        for note in sorted(normal, key=lambda n: int(n.get(w("id"), "0"))):
            self.root.append(note)
        self.added = [order.get(str(number), number) for number in self.added]

    def save(self, package: Package) -> None:
        package.put(FOOTNOTES, self.root)
        if not self.created:
            return
        types = etree.fromstring(package.data[CONTENT_TYPES])
        namespace = etree.QName(types).namespace
        override = etree.SubElement(types, f"{{{namespace}}}Override")
        override.set("PartName", "/word/footnotes.xml")
        override.set("ContentType", FOOTNOTES_TYPE)
        package.put(CONTENT_TYPES, types)
        rels = etree.fromstring(package.data[DOCUMENT_RELS])
        namespace = etree.QName(rels).namespace
        taken = {rel.get("Id") for rel in rels}
        number = 1
        while f"rId{number}" in taken:
            number += 1
        relation = etree.SubElement(rels, f"{{{namespace}}}Relationship")
        relation.set("Id", f"rId{number}")
        relation.set("Type", FOOTNOTES_REL)
        relation.set("Target", "footnotes.xml")
        package.put(DOCUMENT_RELS, rels)


def _new_footnotes() -> etree._Element:
    root = etree.Element(w("footnotes"), nsmap={"w": W_NS})
    for number, kind in ((-1, "separator"), (0, "continuationSeparator")):
        note = etree.SubElement(root, w("footnote"))
        note.set(w("type"), kind)
        note.set(w("id"), str(number))
        paragraph = etree.SubElement(note, w("p"))
        ppr = etree.SubElement(paragraph, w("pPr"))
        ppr.append(element("spacing", after="0", line="240", lineRule="auto"))
        etree.SubElement(etree.SubElement(paragraph, w("r")), w(kind))
    return root


def _reference_rpr(document: etree._Element, styles: Styles) -> etree._Element:
    for reference in document.iter(w("footnoteReference")):
        rpr = reference.getparent().find(w("rPr"))
        if rpr is not None:
            return deepcopy(rpr)
    rpr = element("rPr")
    style = styles.named("footnote reference")
    if style:
        put(rpr, element("rStyle", val=style), RPR_ORDER)
    else:
        put(rpr, element("vertAlign", val="superscript"), RPR_ORDER)
    return rpr


@dataclass
class HeadingFormat:
    ppr: etree._Element
    rpr: etree._Element
    numbered: bool  # the target numbers this level itself (list numbering): no typed label
    capitals: bool = True  # the target writes this level's headings in capitals


#: Words an administrative text capitalises inside a sentence-case heading.
_KEEP_CAPITALISED = (("nhân dân", "Nhân dân"),)


def sentence_case(title: str) -> str:
    """``CÔNG TÁC TỔ CHỨC LẤY Ý KIẾN`` → ``Công tác tổ chức lấy ý kiến``: how a draft that writes
    its ``a)`` headings in sentence case would write ours. A title not all in capitals (a
    campaign's name) is left as it is."""
    if title != title.upper():
        return title
    text = title.lower()
    for lower, kept in _KEEP_CAPITALISED:
        text = text.replace(lower, kept)
    return text[:1].upper() + text[1:]


class Writer:
    """Builds the section's elements with the target's formatting."""

    def __init__(
        self,
        document: etree._Element,
        styles: Styles,
        footnotes: Footnotes,
        place: Place,
    ) -> None:
        self.styles = styles
        self.footnotes = footnotes
        self.body_ppr = _clean_ppr(
            place.template.find(w("pPr")) if place.template is not None else None
        )
        self.body_rpr = _first_rpr(place.template)
        self.numberer = Numberer(place.base)
        self.styled_headings = False
        self.headings = self._heading_formats(document)
        self.table_style = styles.named("table grid")

    def _heading_formats(self, document: etree._Element) -> dict[int, HeadingFormat]:
        formats: dict[int, HeadingFormat] = {}
        body = document.find(w("body"))
        for child in body if body is not None else []:
            level = heading_level(child, self.styles)
            if level is None or level in formats:
                continue
            ppr = child.find(w("pPr"))
            numbered = (ppr is not None and ppr.find(w("numPr")) is not None) or (
                style_of(child) in self.styles.numbered
            )
            kept = deepcopy(ppr) if ppr is not None else element("pPr")
            for tag in ("sectPr", "pPrChange", "pageBreakBefore"):
                for old in kept.findall(w(tag)):
                    kept.remove(old)
            label = text_of(child)
            formats[level] = HeadingFormat(
                kept, _first_rpr(child), numbered, capitals=label == label.upper()
            )
            if style_of(child) in self.styles.levels:
                self.styled_headings = True
        return formats

    def heading_format(self, level: int) -> HeadingFormat:
        """How a heading of an absolute level looks: like the document's own heading of that
        level; else its "Heading N" style when its headings use styles (or it has none);
        else like its deepest heading, bold (and italic from "a)" down)."""
        if level in self.headings:
            return self.headings[level]
        style = self.styles.named(f"heading {level}")
        if style is not None and (self.styled_headings or not self.headings):
            ppr = element("pPr")
            put(ppr, element("pStyle", val=style), PPR_ORDER)
            return HeadingFormat(ppr, element("rPr"), style in self.styles.numbered)
        if self.headings:
            nearest = self.headings[max(self.headings)]
            ppr = deepcopy(nearest.ppr)
            for old in ppr.findall(w("numPr")):
                ppr.remove(old)
            return HeadingFormat(
                ppr, _styled_rpr(nearest.rpr, True, level >= 3), False, nearest.capitals
            )
        ppr = deepcopy(self.body_ppr)
        put(ppr, element("keepNext"), PPR_ORDER)
        put(ppr, element("outlineLvl", val=str(min(level, 9) - 1)), PPR_ORDER)
        return HeadingFormat(ppr, _styled_rpr(self.body_rpr, True, level >= 3), False)

    def blocks(self, blocks: Iterable[Block]) -> list[etree._Element]:
        out: list[etree._Element] = []
        for block in blocks:
            if isinstance(block, Heading):
                out.append(self.heading(block))
            elif isinstance(block, Paragraph):
                out.append(self.paragraph(block))
            elif isinstance(block, Table):
                out.extend(self.table(block))
        return out

    def heading(self, heading: Heading) -> etree._Element:
        level, label = self.numberer.label(heading)
        form = self.heading_format(level)
        node = element("p")
        node.append(deepcopy(form.ppr))
        title = heading.title if form.capitals else sentence_case(heading.title)
        text = title if form.numbered else f"{label} {title}"
        bold, italic = _on(form.rpr.find(w("b"))), _on(form.rpr.find(w("i")))
        node.append(run(text, form.rpr, bold=bold, italic=italic))
        return node

    def paragraph(self, paragraph: Paragraph, ppr: etree._Element | None = None) -> etree._Element:
        node = element("p")
        node.append(deepcopy(ppr if ppr is not None else self.body_ppr))
        for part in paragraph.parts:
            if isinstance(part, Note):
                number = self.footnotes.add(part.text)
                reference = element("r")
                reference.append(deepcopy(self.footnotes.reference))
                reference.append(element("footnoteReference", id=str(number)))
                node.append(reference)
            elif isinstance(part, Span) and part.text:
                node.append(run(part.text, self.body_rpr, part.bold, part.italic))
        return node

    def table(self, table: Table) -> list[etree._Element]:
        caption = element("p")
        caption_ppr = deepcopy(self.body_ppr)
        put(caption_ppr, element("keepNext"), PPR_ORDER)
        put(caption_ppr, element("ind", firstLine="0"), PPR_ORDER)
        put(caption_ppr, element("jc", val="center"), PPR_ORDER)
        caption.append(caption_ppr)
        caption.append(run(table.caption, self.body_rpr, bold=True))
        grid = element("tbl")
        tblpr = etree.SubElement(grid, w("tblPr"))
        if self.table_style:
            tblpr.append(element("tblStyle", val=self.table_style))
        tblpr.append(element("tblW", w="5000", type="pct"))
        if not self.table_style:
            borders = etree.SubElement(tblpr, w("tblBorders"))
            for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
                borders.append(element(side, val="single", sz="4", space="0", color="000000"))
        tblpr.append(element("tblLook", val="04A0"))
        widths = _widths(table)
        columns = etree.SubElement(grid, w("tblGrid"))
        for width in widths:
            columns.append(element("gridCol", w=str(width)))
        grid.append(self._row(table.header, widths, table, header=True, last=not table.rows))
        for number, row in enumerate(table.rows, start=1):
            last = number == len(table.rows)
            grid.append(self._row(row, widths, table, header=False, last=last))
        out = [caption, grid]
        if table.note:
            note = element("p")
            note_ppr = deepcopy(self.body_ppr)
            put(note_ppr, element("ind", firstLine="0"), PPR_ORDER)
            note.append(note_ppr)
            note.append(run(table.note, _sized(self.body_rpr, 24), italic=True))
            out.append(note)
        return out

    def _row(
        self,
        cells: tuple[str, ...],
        widths: list[int],
        table: Table,
        *,
        header: bool,
        last: bool,
    ) -> etree._Element:
        """A row never split across pages and, but for the last, kept with the next: a table
        that fits on a page moves whole, its composite row never alone (as in our own DOCX)."""
        row = element("tr")
        trpr = etree.SubElement(row, w("trPr"))
        trpr.append(element("cantSplit"))
        if header:
            trpr.append(element("tblHeader"))
        for index, (text, width) in enumerate(zip(cells, widths, strict=True)):
            cell = etree.SubElement(row, w("tc"))
            tcpr = etree.SubElement(cell, w("tcPr"))
            tcpr.append(element("tcW", w=str(width), type="dxa"))
            paragraph = etree.SubElement(cell, w("p"))
            ppr = deepcopy(self.body_ppr)
            put(ppr, element("spacing", before="20", after="20"), PPR_ORDER)
            put(ppr, element("ind", firstLine="0"), PPR_ORDER)
            align = "center" if header else ("right" if index in table.numeric else "left")
            put(ppr, element("jc", val=align), PPR_ORDER)
            if not last:
                put(ppr, element("keepNext"), PPR_ORDER)
            paragraph.append(ppr)
            paragraph.append(run(text, _sized(self.body_rpr, 24), bold=header))
        return row


def _sized(rpr: etree._Element, half_points: int) -> etree._Element:
    rpr = deepcopy(rpr)
    put(rpr, element("sz", val=str(half_points)), RPR_ORDER)
    put(rpr, element("szCs", val=str(half_points)), RPR_ORDER)
    return rpr


def _widths(table: Table, total: int = 9070) -> list[int]:
    """Column widths in twentieths of a point: the number column and the numeric ones as wide
    as their longest value or header word (12 pt digits are about 6 pt wide), the text columns
    sharing the rest — so a unit's name is not broken a word a line."""

    def fitted(index: int) -> int:
        longest = max(
            [len(row[index]) for row in table.rows if index < len(row)]
            + [len(word) for word in table.header[index].split()]
        )
        return min(1500, max(600, 125 * longest + 230))

    count = len(table.header)
    text_columns = [i for i in range(count) if i not in table.numeric and i != 0]
    fixed = {i: fitted(i) for i in range(count) if i not in text_columns}
    share = (total - sum(fixed.values())) // max(1, len(text_columns))
    return [fixed.get(i, share) for i in range(count)]


# -- the operation -----------------------------------------------------------------------------


def insert_section(content: bytes, report: Report, name: str = "báo cáo") -> bytes:
    """A new DOCX: ``content`` with the report's section put in its place."""
    package = Package.read(content, name)
    document = package.xml(DOCUMENT, name)
    body = document.find(w("body"))
    if body is None:
        raise DocumentUnreadable(name=name, detail="thiếu w:body")
    styles = Styles.of(package.xml(STYLES, name) if STYLES in package.data else None)
    place = locate(body, styles, name)
    footnotes = Footnotes.of(package, document, styles, name)
    children = list(body)
    replaced = children[place.start : place.end]
    footnotes.drop(
        int(ref.get(w("id"), "0"))
        for old in replaced
        if old is not place.keep
        for ref in old.iter(w("footnoteReference"))
    )
    anchor = children[place.end] if place.end < len(children) else None
    for old in replaced:
        if old is not place.keep:
            body.remove(old)
    if place.keep is not None:
        for node in list(place.keep):
            if node.tag != w("pPr"):
                place.keep.remove(node)
        anchor = place.keep
    writer = Writer(document, styles, footnotes, place)
    elements = writer.blocks(report.blocks)
    _bookmark(elements, _free_bookmark_id(document))
    for node in elements:
        if anchor is not None:
            anchor.addprevious(node)
        else:
            sect = body.find(w("sectPr"))
            if sect is not None:
                sect.addprevious(node)
            else:
                body.append(node)
    footnotes.renumber(document)
    package.put(DOCUMENT, document)
    footnotes.save(package)
    return package.write()


def _free_bookmark_id(document: etree._Element) -> str:
    taken = {
        int(m.get(w("id"), "0"))
        for m in document.iter(w("bookmarkStart"))
        if (m.get(w("id")) or "").isdigit()
    }
    return str(max([0, *taken]) + 1)


def _bookmark(elements: list[etree._Element], mark_id: str) -> None:
    """Bookmark the section (first to last paragraph) so a later run can replace it."""
    paragraphs = [node for node in elements if node.tag == w("p")]
    first, last = paragraphs[0], paragraphs[-1]
    start = element("bookmarkStart", id=mark_id, name=BOOKMARK)
    ppr = first.find(w("pPr"))
    (ppr.addnext if ppr is not None else lambda n: first.insert(0, n))(start)
    last.append(element("bookmarkEnd", id=mark_id))


def insert_into(into: bytes, report: Report, name: str) -> bytes:
    """The section put into an office's draft, in a bounded child process
    (``survey_server.bounded``): whatever else a hostile or damaged file makes the reader raise
    is the file's fault, said as such — never a 500."""
    try:
        return insert_section(into, report, name)
    except AppError:
        raise
    except Exception as error:
        raise DocumentUnreadable(name=name, detail=type(error).__name__) from None
