"""Charts drawn on the server as inline SVG: readable without JavaScript, printable, and
described for screen readers (``role="img"`` with a label, and the same numbers in a table
next to every chart)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL = 220
ROW = 30
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
    height = ROW * len(bars) + 30
    scale = (WIDTH - LABEL - 60) / 100
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 25, 50, 75, 100):
        x = LABEL + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 20}" stroke="#e3e7eb"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{tick}</text>'
        )
    if target is not None:
        x = LABEL + target * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 20}" stroke="#0b5cad" '
            'stroke-dasharray="4 3"/>'
        )
    for row, bar in enumerate(bars):
        y = row * ROW + 4
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end">{escape(_short(bar.label))}</text>'
        )
        if bar.value is None:
            parts.append(f'<text x="{LABEL + 4}" y="{y + 15}">—</text>')
            continue
        parts.append(
            f'<rect x="{LABEL}" y="{y}" width="{bar.value * scale:.1f}" height="20" fill="#5b8fc7">'
            f"<title>{escape(bar.label)}: {escape(bar.note)}</title></rect>"
        )
        if bar.low is not None and bar.high is not None:
            x1, x2 = LABEL + bar.low * scale, LABEL + bar.high * scale
            parts.append(
                f'<path d="M{x1:.1f} {y + 10}H{x2:.1f}M{x1:.1f} {y + 4}V{y + 16}M{x2:.1f} {y + 4}V{y + 16}" '
                'stroke="#1b1f24" stroke-width="1.5" fill="none"/>'
            )
        parts.append(f'<text x="{LABEL + 100 * scale + 6}" y="{y + 15}">{escape(bar.note)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_distribution(
    counts: Sequence[int], labels: Sequence[str], title: str, not_applicable: int = 0
) -> Markup:
    """One stacked bar of an answer distribution, worst to best, "no opinion" at the end."""
    total = sum(counts) + not_applicable
    height = 28
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
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


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
