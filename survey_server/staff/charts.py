"""Charts drawn on the server as inline SVG: readable without JavaScript, printable, and
described for screen readers (``role="img"`` with a label, and the same numbers in a table
next to every chart)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Interval charts are drawn in a 320-unit box at their natural size (never scaled up, scaled
#: down to a card on a 360 px screen), so a 13.5-unit font stays at 12 px or more on a phone;
#: each label has its own lines above its bar, wrapped, never cut.
WIDTH = 320
FONT = 13.5
LINE = 17
BAR = 16
NOTE = 72
LABEL_CHARS = 40
#: Worst to best: red, orange, grey, light green, green; "no opinion" light grey.
SCALE_COLOURS = ("#b3261e", "#e8833a", "#9aa3ab", "#7cb987", "#1e7b3c")
NA_COLOUR = "#d9dde1"


@dataclass(frozen=True)
class Bar:
    """One bar of an interval chart: a value on 0–100 and its 95 % interval."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""


def interval_bars(bars: Sequence[Bar], title: str, target: float | None = None) -> Markup:
    """Horizontal bars on a 0–100 axis with interval whiskers (and a target line, e.g. the
    85 % of Đề án 2034). A bar without a value (withheld) is drawn as an empty row with "—"."""
    scale = (WIDTH - NOTE - 4) / 100
    rows = [(bar, wrap(bar.label, LABEL_CHARS)) for bar in bars]
    height = sum(len(lines) * LINE + BAR + 10 for _, lines in rows) + LINE + 4
    parts = [
        f'<svg class="chart" width="{WIDTH}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    axis = height - LINE
    for tick in (0, 25, 50, 75, 100):
        x = 2 + tick * scale
        anchor = "start" if tick == 0 else "end" if tick == 100 else "middle"
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{axis}" stroke="#e3e7eb"/>'
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="{anchor}">{tick}</text>'
        )
    if target is not None:
        x = 2 + target * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{axis}" stroke="#0b5cad" '
            'stroke-dasharray="4 3"/>'
        )
    y = 0
    for bar, lines in rows:
        for line in lines:
            y += LINE
            parts.append(f'<text x="2" y="{y - 4}">{escape(line)}</text>')
        top = y + 2
        y += BAR + 10
        if bar.value is None:
            parts.append(f'<text x="4" y="{top + BAR - 3}">—</text>')
            continue
        parts.append(
            f'<rect x="2" y="{top}" width="{bar.value * scale:.1f}" height="{BAR}" fill="#5b8fc7">'
            f"<title>{escape(bar.label)}: {escape(bar.note)}</title></rect>"
        )
        if bar.low is not None and bar.high is not None:
            x1, x2, middle = 2 + bar.low * scale, 2 + bar.high * scale, top + BAR / 2
            parts.append(
                f'<path d="M{x1:.1f} {middle}H{x2:.1f}M{x1:.1f} {top + 3}V{top + BAR - 3}'
                f'M{x2:.1f} {top + 3}V{top + BAR - 3}" stroke="#1b1f24" stroke-width="1.5" '
                'fill="none"/>'
            )
        parts.append(
            f'<text x="{WIDTH - 2}" y="{top + BAR - 3}" text-anchor="end">{escape(bar.note)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def wrap(label: str, width: int) -> list[str]:
    """Words of ``label`` on lines of at most ``width`` characters (a longer word alone)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def stacked_distribution(
    counts: Sequence[int], labels: Sequence[str], title: str, not_applicable: int = 0
) -> Markup:
    """One stacked bar of an answer distribution, worst to best, "no opinion" at the end."""
    total = sum(counts) + not_applicable
    height = 28
    parts = [
        f'<svg class="chart stacked" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if total:
        x = 0.0
        colours = _colours(len(counts))
        segments = [*zip(counts, labels, colours, strict=True)]
        if not_applicable:
            segments.append((not_applicable, "", NA_COLOUR))
        for count, label, colour in segments:
            width = WIDTH * count / total
            if width > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="2" width="{width:.1f}" height="22" fill="{colour}">'
                    f"<title>{escape(label)}: {count}</title></rect>"
                )
            x += width
    parts.append("</svg>")
    return Markup("".join(parts))


def _colours(points: int) -> Sequence[str]:
    if points == len(SCALE_COLOURS):
        return SCALE_COLOURS
    step = (len(SCALE_COLOURS) - 1) / max(points - 1, 1)
    return [SCALE_COLOURS[round(i * step)] for i in range(points)]
