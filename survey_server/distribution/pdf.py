"""Printable PDFs: an A4 poster per link and A4 sheets of four A6 slips.

Text is set in DejaVu Sans, shipped with the product (it covers every Vietnamese letter; a PDF
viewer's fallback would print boxes), embedded as a subset with its Unicode map so the text stays
real, selectable and searchable. The QR codes are drawn as vector squares, sharp at any size.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm, mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from survey_server.distribution.qr import POSTER_QR_CM, SLIP_QR_CM, modules
from survey_server.i18n import format_day, gettext

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK = (0.1, 0.12, 0.14)
ACCENT = (0.04, 0.36, 0.68)


class FontMissing(RuntimeError):
    """The shipped Vietnamese font cannot be read: refuse rather than print boxes."""


@dataclass(frozen=True)
class PrintItem:
    """What one poster or slip shows: the unit is the only name printed on it (never a
    partner, a label or a person)."""

    unit_name: str
    campaign_title: str
    url: str
    code: str
    closes_on: date
    minutes: int

    @property
    def results_url(self) -> str:
        """Where the unit's aggregate results appear once the campaign has ended (/r/CODE)."""
        return f"{self.url.rsplit('/s/', 1)[0]}/r/{self.code}"


def _register_fonts() -> None:
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name in (REGULAR, BOLD):
        path = FONT_DIR / f"{name}.ttf"
        if not path.is_file():
            raise FontMissing(
                f"Không tìm thấy phông chữ tiếng Việt {path}; hãy cài lại gói (phông DejaVu Sans đi kèm sản phẩm)."
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


def spaced(code: str) -> str:
    """``K7M 2QXA``: a code split in two groups is easier to read aloud and to type."""
    middle = len(code) // 2 - (len(code) % 2 == 0 and len(code) > 6)
    return f"{code[: middle + 1]} {code[middle + 1 :]}" if len(code) > 5 else code


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, width: float) -> None:
    matrix = modules(data)
    step = width / len(matrix)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, width, width, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + width - (row_index + 1) * step
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                path.rect(x + start * step, top, (column - start) * step, step)
            else:
                column += 1
    canvas.drawPath(path, stroke=0, fill=1)


def _centered(
    canvas: Canvas, text: str, font: str, size: float, center: float, y: float, width: float
) -> float:
    """Draw wrapped, centred text from ``y`` downwards; return the y below it."""
    canvas.setFont(font, size)
    for line in simpleSplit(text, font, size, width):
        canvas.drawCentredString(center, y, line)
        y -= size * 1.25
    return y


def _poster(canvas: Canvas, item: PrintItem, lang: str) -> None:
    page_width, page_height = A4
    margin = 1.6 * cm
    width = page_width - 2 * margin
    center = page_width / 2
    canvas.setFillColorRGB(*ACCENT)
    canvas.rect(0, page_height - 2.2 * cm, page_width, 2.2 * cm, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    _centered(
        canvas,
        gettext("LẮNG NGHE Ý KIẾN PHỤ HUYNH VÀ NGƯỜI DÂN", lang),
        BOLD,
        16,
        center,
        page_height - 1.35 * cm,
        width,
    )
    canvas.setFillColorRGB(*INK)
    y = _centered(canvas, item.campaign_title, BOLD, 19, center, page_height - 3.4 * cm, width)
    y = _centered(canvas, item.unit_name, REGULAR, 14, center, y - 2, width)
    qr_width = POSTER_QR_CM * cm
    qr_top = y - 0.3 * cm
    _draw_qr(canvas, item.url, center - qr_width / 2, qr_top - qr_width, qr_width)
    y = qr_top - qr_width - 0.6 * cm
    y = _centered(
        canvas,
        gettext("Quét mã bằng máy ảnh điện thoại hoặc Zalo, hoặc mở địa chỉ:", lang),
        REGULAR,
        12,
        center,
        y,
        width,
    )
    y = _centered(canvas, item.url, BOLD, 15, center, y - 2, width)
    y = _centered(
        canvas,
        gettext("Mã khảo sát: {code}", lang, code=spaced(item.code)),
        BOLD,
        22,
        center,
        y - 6,
        width,
    )
    y -= 0.2 * cm
    steps = (
        gettext("1. Quét mã QR hoặc nhập mã khảo sát tại địa chỉ trên.", lang),
        gettext(
            "2. Trả lời các câu hỏi (khoảng {minutes} phút); câu nào không muốn trả lời có thể bỏ trống.",
            lang,
            minutes=item.minutes,
        ),
        gettext("3. Bấm “Gửi câu trả lời” và giữ mã biên nhận nếu muốn theo dõi kiến nghị.", lang),
    )
    canvas.setFont(REGULAR, 11.5)
    for step in steps:
        for line in simpleSplit(step, REGULAR, 11.5, width):
            canvas.drawString(margin, y, line)
            y -= 14.5
    y = _centered(
        canvas,
        gettext("Hạn trả lời: {date}", lang, date=format_day(item.closes_on, lang)),
        BOLD,
        13,
        center,
        y - 6,
        width,
    )
    _centered(
        canvas,
        gettext(
            "Kết quả được công bố sau khi kết thúc khảo sát tại: {url}", lang, url=item.results_url
        ),
        REGULAR,
        11,
        center,
        y - 4,
        width,
    )
    canvas.setFillColorRGB(0.3, 0.33, 0.36)
    _centered(
        canvas,
        gettext(
            "Phiếu ẩn danh: không ghi họ tên, không lưu số điện thoại hay địa chỉ IP; kết quả chỉ công bố theo nhóm từ 10 phiếu trở lên.",
            lang,
        ),
        REGULAR,
        9.5,
        center,
        1.5 * cm,
        width,
    )


def _slip(canvas: Canvas, item: PrintItem, lang: str, x: float, y: float) -> None:
    """One A6 slip (105 × 148 mm) with its lower-left corner at (x, y)."""
    slip_width, slip_height = 105 * mm, 148 * mm
    inner = slip_width - 12 * mm
    center = x + slip_width / 2
    canvas.setFillColorRGB(*INK)
    top = _centered(canvas, item.campaign_title, BOLD, 11, center, y + slip_height - 10 * mm, inner)
    top = _centered(canvas, item.unit_name, REGULAR, 9.5, center, top, inner)
    qr_width = SLIP_QR_CM * cm
    _draw_qr(canvas, item.url, center - qr_width / 2, top - qr_width - 1 * mm, qr_width)
    below = top - qr_width - 6 * mm
    below = _centered(canvas, item.url, BOLD, 9, center, below, inner)
    below = _centered(
        canvas,
        gettext("Mã khảo sát: {code}", lang, code=spaced(item.code)),
        BOLD,
        12,
        center,
        below - 2,
        inner,
    )
    below = _centered(
        canvas,
        gettext("Hạn trả lời: {date}", lang, date=format_day(item.closes_on, lang)),
        REGULAR,
        9,
        center,
        below - 2,
        inner,
    )
    canvas.setFillColorRGB(0.3, 0.33, 0.36)
    _centered(
        canvas,
        gettext("Phiếu ẩn danh, tự nguyện; mọi câu có thể bỏ trống.", lang),
        REGULAR,
        8,
        center,
        y + 8 * mm,
        inner,
    )


def _cut_marks(canvas: Canvas) -> None:
    page_width, page_height = A4
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.setDash(3, 3)
    canvas.line(page_width / 2, 0, page_width / 2, page_height)
    canvas.line(0, page_height / 2, page_width, page_height / 2)
    canvas.setDash()


def document(buffer: io.BytesIO, title: str) -> Canvas:
    """An A4 PDF with the Vietnamese font registered and its title set."""
    _register_fonts()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("Lắng nghe")
    return canvas


def render_posters(items: Iterable[PrintItem], lang: str = "vi", title: str = "") -> bytes:
    """One A4 poster page per item, in one PDF."""
    buffer = io.BytesIO()
    canvas = document(buffer, title or gettext("Áp phích khảo sát", lang))
    for item in items:
        _poster(canvas, item, lang)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_slips(
    items: Sequence[PrintItem], lang: str = "vi", copies: int = 4, title: str = ""
) -> bytes:
    """A4 sheets of four A6 slips: ``copies`` of each item (4 = one sheet per link; 1 for tokens)."""
    buffer = io.BytesIO()
    canvas = document(buffer, title or gettext("Phiếu khảo sát phát tay", lang))
    slots = [(0, A4[1] / 2), (A4[0] / 2, A4[1] / 2), (0, 0), (A4[0] / 2, 0)]
    expanded = [item for item in items for _ in range(copies)]
    for start in range(0, len(expanded), 4):
        _cut_marks(canvas)
        for item, (x, y) in zip(expanded[start : start + 4], slots, strict=False):
            _slip(canvas, item, lang, x, y)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
