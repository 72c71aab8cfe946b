"""The report as Markdown, for pasting into a wiki, an e-mail or another editor.

Footnotes use the common ``[^n]`` syntax (GitHub, Pandoc, Obsidian); numbers follow reading order.
"""

from __future__ import annotations

from survey_server.i18n import gettext
from survey_server.reports.model import Heading, Note, Numberer, Paragraph, Report, Span, Table

#: A line break inside a paragraph (CommonMark's backslash form, not trailing spaces).
BREAK = "\\"
SPECIAL = str.maketrans({char: f"\\{char}" for char in "\\`*_[]<>|#"})


def render_markdown(report: Report, lang: str = "vi") -> bytes:
    head = report.letterhead
    lines = [
        *([_escape(head.governing.upper()) + BREAK] if head.governing else []),
        f"**{_escape(head.issuer.upper())}**{BREAK}",
        _escape(head.number),
        "",
        f"*{_escape(head.dateline(lang))}*",
        "",
        f"# {_escape(report.title)}",
        "",
        f"**{_escape(report.subtitle)}**",
        "",
    ]
    numberer = Numberer()
    notes: list[str] = []
    for block in report.blocks:
        if isinstance(block, Heading):
            level, label = numberer.label(block)
            lines += [f"{'#' * min(level + 1, 6)} {label} {_escape(block.title)}", ""]
        elif isinstance(block, Paragraph):
            lines += [_paragraph(block, notes), ""]
        elif isinstance(block, Table):
            lines += _table(block)
    for paragraph in report.closing:
        lines += [_paragraph(paragraph, notes), ""]
    signer = [head.signer_authority.upper(), head.signer_title.upper(), head.signer_name]
    lines += [f"**{_escape(line)}**{BREAK}" for line in signer if line] + [""]
    lines += [f"*{_escape(gettext('Nơi nhận:', lang))}*{BREAK}"]
    lines += [_escape(line) + BREAK for line in head.recipient_lines()] + [""]
    lines += [f"[^{number}]: {_escape(text)}" for number, text in enumerate(notes, start=1)]
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


def _paragraph(paragraph: Paragraph, notes: list[str]) -> str:
    out = []
    for part in paragraph.parts:
        if isinstance(part, Note):
            notes.append(part.text)
            out.append(f"[^{len(notes)}]")
        elif isinstance(part, Span):
            out.append(_styled(part))
    return "".join(out)


def _styled(span: Span) -> str:
    text = _escape(span.text)
    if not text.strip():
        return text
    if span.bold:
        text = f"**{text}**"
    if span.italic:
        text = f"*{text}*"
    return text


def _table(table: Table) -> list[str]:
    align = ["---:" if i in table.numeric else "---" for i in range(len(table.header))]
    lines = [f"*{_escape(table.caption)}*", ""]
    lines.append("| " + " | ".join(_escape(cell) for cell in table.header) + " |")
    lines.append("| " + " | ".join(align) + " |")
    lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in table.rows]
    lines.append("")
    if table.note:
        lines += [f"*{_escape(table.note)}*", ""]
    return lines


def _escape(text: str) -> str:
    return text.translate(SPECIAL)
