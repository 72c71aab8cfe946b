"""QR codes for posters and slips, as PNG at print resolution and as SVG.

Sizing follows the usual rule that a QR code scans from about ten times its width: the poster's
code is printed 12 cm wide (a parent in the back row of a meeting room, 1 m and more away) and a
slip's 4 cm (held in the hand). Error correction level Q (25 %) survives a fold, a stain or a
glossy reflection on a printed sheet; the quiet zone is the standard four modules.
"""

from __future__ import annotations

import io
import math
import re
from functools import lru_cache

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q

#: Images kept per process: a link's QR is asked for again and again (anyone may ask, so it is
#: made once, not at every request), a few kilobytes each.
QR_CACHE = 1024

_SVG_SIZE = re.compile(r'width="[0-9.]+mm" height="[0-9.]+mm"')
QUIET_ZONE = 4
PRINT_DPI = 300
POSTER_QR_CM = 12.0
SLIP_QR_CM = 4.0


def _code(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE, box_size=1)
    code.add_data(data)
    code.make(fit=True)
    return code


def modules(data: str) -> list[list[bool]]:
    """The module matrix including the quiet zone (True = dark)."""
    return _code(data).get_matrix()


@lru_cache(maxsize=QR_CACHE)
def qr_png(data: str, width_cm: float = POSTER_QR_CM, dpi: int = PRINT_DPI) -> bytes:
    """A PNG of at least ``width_cm`` at ``dpi`` (whole pixels per module, so edges stay sharp)."""
    code = _code(data)
    size = len(code.get_matrix())
    code.box_size = max(1, math.ceil(width_cm / 2.54 * dpi / size))
    buffer = io.BytesIO()
    image = code.make_image(fill_color="black", back_color="white")
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


@lru_cache(maxsize=QR_CACHE)
def qr_svg(data: str, width_cm: float = POSTER_QR_CM) -> bytes:
    """A vector SVG (one path, white background) sized ``width_cm`` for print."""
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    svg = image.to_string(encoding="unicode")
    return _SVG_SIZE.sub(f'width="{width_cm}cm" height="{width_cm}cm"', svg, count=1).encode(
        "utf-8"
    )
