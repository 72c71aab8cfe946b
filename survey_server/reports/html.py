"""The report as one self-contained HTML page (no external request), printable as it is."""

from __future__ import annotations

from html import escape

from survey_server.i18n import gettext
from survey_server.reports.model import Heading, Note, Numberer, Paragraph, Report, Span, Table

STYLE = """
body { font-family: "Times New Roman", Times, serif; font-size: 14pt; line-height: 1.4;
       max-width: 46em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 14pt; text-align: center; margin-bottom: 0; }
.subtitle { text-align: center; font-weight: bold; margin-top: .2em; }
.letterhead { display: flex; justify-content: space-between; gap: 2em; font-size: 13pt; }
.letterhead p { margin: 0; text-align: center; }
h2, h3, h4 { font-size: 14pt; margin: 1em 0 .4em; }
p { text-align: justify; text-indent: 1cm; margin: .4em 0; }
table { border-collapse: collapse; width: 100%; font-size: 12pt; margin: .6em 0; }
th, td { border: 1px solid #000; padding: .2em .4em; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
caption { font-weight: bold; padding-bottom: .3em; }
.note { font-style: italic; font-size: 12pt; text-indent: 0; }
.footnotes { font-size: 12pt; border-top: 1px solid #000; margin-top: 2em; }
"""


def render_html(report: Report, lang: str = "vi") -> bytes:
    numberer = Numberer()
    notes: list[str] = []
    body: list[str] = []
    for block in report.blocks:
        if isinstance(block, Heading):
            level, label = numberer.label(block)
            tag = f"h{min(level + 1, 6)}"
            body.append(f"<{tag}>{escape(label)} {escape(block.title)}</{tag}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_paragraph(block, notes)}</p>")
        elif isinstance(block, Table):
            body.append(_table(block))
    body += [f"<p>{_paragraph(paragraph, notes)}</p>" for paragraph in report.closing]
    recipients = "".join(f"<p>{escape(line)}</p>" for line in report.letterhead.recipient_lines())
    signer = "".join(
        f"<p><strong>{escape(line)}</strong></p>"
        for line in (
            report.letterhead.signer_authority.upper(),
            report.letterhead.signer_title.upper(),
            report.letterhead.signer_name,
        )
        if line
    )
    body.append(
        f'<div class="letterhead"><div><p><em><strong>{escape(gettext("Nơi nhận:", lang))}'
        f"</strong></em></p>{recipients}</div><div>{signer}</div></div>"
    )
    footnotes = "".join(
        f'<li id="fn-{number}">{escape(text)}</li>' for number, text in enumerate(notes, start=1)
    )
    head = report.letterhead
    page = f"""<!doctype html>
<html lang="{escape(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.subtitle)}</title><style>{STYLE}</style></head>
<body>
<div class="letterhead"><div><p>{escape(head.governing.upper())}</p>
<p><strong>{escape(head.issuer.upper())}</strong></p><p>{escape(head.number)}</p></div>
<div><p><strong>{escape(gettext("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", lang))}</strong></p>
<p><strong>{escape(gettext("Độc lập - Tự do - Hạnh phúc", lang))}</strong></p>
<p><em>{escape(head.dateline(lang))}</em></p></div></div>
<h1>{escape(report.title)}</h1>
<p class="subtitle">{escape(report.subtitle)}</p>
{"".join(body)}
<section class="footnotes"><ol>{footnotes}</ol></section>
</body></html>
"""
    return page.encode("utf-8")


def _paragraph(paragraph: Paragraph, notes: list[str]) -> str:
    out = []
    for part in paragraph.parts:
        if isinstance(part, Note):
            notes.append(part.text)
            number = len(notes)
            out.append(f'<sup><a href="#fn-{number}">{number}</a></sup>')
        elif isinstance(part, Span):
            text = escape(part.text)
            if part.bold:
                text = f"<strong>{text}</strong>"
            if part.italic:
                text = f"<em>{text}</em>"
            out.append(text)
    return "".join(out)


def _table(table: Table) -> str:
    header = "".join(f"<th>{escape(cell)}</th>" for cell in table.header)
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(cell)}</td>'
            if i in table.numeric
            else f"<td>{escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (
        f"<table><caption>{escape(table.caption)}</caption><thead><tr>{header}</tr></thead>"
        f"<tbody>{rows}</tbody></table>{note}"
    )
