"""The printed sheets of one-time codes: one page per office (commune, district office or
department) listing its units' accounts and codes, with the sign-in address and what to do.

The sheet is the only place a code ever appears: it is made once, when the accounts are
created, and downloaded at once (never e-mailed, never stored). It is drawn like the other
PDFs of the product (``distribution.pdf``): A4, DejaVu Sans embedded, text that stays text.
Rows are separated by dashed cutting lines, so an office hands each school only its own code.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from itertools import groupby

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from survey_server.distribution.pdf import ACCENT, BOLD, INK, REGULAR, document
from survey_server.i18n import format_day, gettext
from survey_server.rendering import OFFICE_ZONE
from survey_server.staff.sign_in_codes import IssuedCode, spaced

MARGIN = 1.6 * cm
#: A commune's 30-odd schools fit on its one page; a larger one continues on the next.
ROW_HEIGHT = 0.6 * cm
#: Columns: number, unit, username, code (x offsets from the left margin).
COLUMNS = (0.0, 1.0 * cm, 8.6 * cm, 13.0 * cm)


def render_code_sheets(
    issued: Sequence[IssuedCode], base_url: str, lang: str = "vi", printed: datetime | None = None
) -> bytes:
    """The sheets of ``issued``, grouped by office (alphabetically), units in given order."""
    buffer = io.BytesIO()
    canvas = document(buffer, gettext("Mã đăng nhập lần đầu", lang))
    day = (printed or datetime.now(OFFICE_ZONE)).date()
    ordered = sorted(issued, key=lambda item: item.office)
    for office, items in groupby(ordered, key=lambda item: item.office):
        _office_pages(canvas, office, list(items), base_url, day, lang)
    canvas.save()
    return buffer.getvalue()


def _office_pages(
    canvas: Canvas,
    office: str,
    items: list[IssuedCode],
    base_url: str,
    day: date,
    lang: str,
) -> None:
    """The page of one office, continued on further pages when its units do not fit."""
    width, height = A4
    text_width = width - 2 * MARGIN
    expires = datetime.fromtimestamp(items[0].expires_at, OFFICE_ZONE).date()
    number = 0
    first = True
    while number < len(items) or first:
        canvas.setFillColorRGB(*ACCENT)
        canvas.rect(0, height - 1.8 * cm, width, 1.8 * cm, stroke=0, fill=1)
        canvas.setFillColorRGB(1, 1, 1)
        canvas.setFont(BOLD, 13)
        canvas.drawString(
            MARGIN, height - 1.15 * cm, gettext("TÀI KHOẢN LẮNG NGHE Ý KIẾN NHÂN DÂN", lang)
        )
        canvas.setFillColorRGB(*INK)
        y = _lines(canvas, office if first else f"{office} " + gettext("(tiếp)", lang),
                   BOLD, 13, MARGIN, height - 2.5 * cm, text_width)  # fmt: skip
        if first:
            y = _instructions(canvas, base_url, day, expires, lang, y - 4, text_width)
        y = _header(canvas, y - 6, lang)
        while number < len(items) and y - ROW_HEIGHT > 1.5 * cm:
            y = _row(canvas, number + 1, items[number], y)
            number += 1
        canvas.setFont(REGULAR, 8.5)
        canvas.drawString(
            MARGIN,
            1.1 * cm,
            gettext(
                "Giữ kín: ai có mã có thể đăng nhập thay đơn vị. Hủy tờ này sau khi phát.", lang
            ),
        )
        canvas.showPage()
        first = False


def _lines(
    canvas: Canvas, text: str, font: str, size: float, x: float, y: float, width: float
) -> float:
    """Draw wrapped text from ``y`` downwards; return the y below it."""
    canvas.setFont(font, size)
    for line in simpleSplit(text, font, size, width):
        canvas.drawString(x, y, line)
        y -= size * 1.3
    return y


def _instructions(
    canvas: Canvas,
    base_url: str,
    day: date,
    expires: date,
    lang: str,
    y: float,
    width: float,
) -> float:
    address = f"{base_url}/staff/login"
    y = _lines(
        canvas,
        gettext("In {day}. Mã hết hạn {expires}.", lang,
                day=format_day(day, lang), expires=format_day(expires, lang)),
        REGULAR, 9, MARGIN, y, width,
    )  # fmt: skip
    steps = (
        gettext("1. Mở địa chỉ {address} trên máy tính hoặc điện thoại.", lang, address=address),
        gettext(
            "2. Nhập tên đăng nhập và mã đăng nhập lần đầu in ở dòng của đơn vị mình (gõ liền, "
            "không cần dấu cách, đúng chữ hoa, chữ thường) vào ô mật khẩu.",
            lang,
        ),
        gettext(
            "3. Hệ thống yêu cầu đặt mật khẩu mới: ít nhất 10 ký tự, khác mã. Từ đó đăng nhập "
            "bằng mật khẩu mới; mã không dùng được nữa.",
            lang,
        ),
        gettext(
            "4. Mất mã, mã hết hạn hoặc quên mật khẩu: đề nghị quản trị viên cấp lại mã mới.",
            lang,
        ),
        gettext(
            "Cắt theo đường kẻ và trao tận tay từng đơn vị; không gửi ảnh chụp mã qua mạng xã hội.",
            lang,
        ),
    )
    for step in steps:
        y = _lines(canvas, step, REGULAR, 9, MARGIN, y - 1, width)
    return y


def _header(canvas: Canvas, y: float, lang: str) -> float:
    canvas.setFont(BOLD, 9.5)
    titles = (
        gettext("STT", lang),
        gettext("Đơn vị", lang),
        gettext("Tên đăng nhập", lang),
        gettext("Mã đăng nhập lần đầu", lang),
    )
    for x, title in zip(COLUMNS, titles, strict=True):
        canvas.drawString(MARGIN + x, y, title)
    return y - 0.3 * cm


def _row(canvas: Canvas, number: int, item: IssuedCode, y: float) -> float:
    """One account between two dashed cutting lines; return the y of the next row's top."""
    width = A4[0] - 2 * MARGIN
    canvas.setDash(3, 3)
    canvas.setStrokeColorRGB(0.55, 0.57, 0.6)
    canvas.line(MARGIN, y, MARGIN + width, y)
    canvas.line(MARGIN, y - ROW_HEIGHT, MARGIN + width, y - ROW_HEIGHT)
    canvas.setDash()
    base = y - 0.42 * cm
    canvas.setFont(REGULAR, 9)
    canvas.drawString(MARGIN + COLUMNS[0], base, str(number))
    _fitted(canvas, f"{item.unit_name} ({item.unit_code})", REGULAR, 9, MARGIN + COLUMNS[1],
            base, COLUMNS[2] - COLUMNS[1] - 0.3 * cm)  # fmt: skip
    _fitted(canvas, item.username, BOLD, 10.5, MARGIN + COLUMNS[2], base,
            COLUMNS[3] - COLUMNS[2] - 0.2 * cm)  # fmt: skip
    canvas.setFont(BOLD, 12)
    canvas.drawString(MARGIN + COLUMNS[3], base, spaced(item.code))
    return y - ROW_HEIGHT


def _fitted(
    canvas: Canvas, text: str, font: str, size: float, x: float, y: float, width: float
) -> None:
    """One line of text, its size reduced so that a long name stays in its column."""
    canvas.setFont(font, min(size, size * width / max(canvas.stringWidth(text, font, size), 1)))
    canvas.drawString(x, y, text)
