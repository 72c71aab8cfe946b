"""The report as a PDF to sign: the DOCX converted by LibreOffice, headless, in its own process.

The office signs the PDF with its own digital certificate (the product holds no keys). The
conversion is a separate program with its own profile directory and a time limit, run from a
thread, so neither the server's event loop nor its memory carries it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from survey_server.errors import AppError
from survey_server.i18n import N_

CONVERT_SECONDS = 120


class PdfUnavailable(AppError):
    status_code = 503
    code = "pdf_unavailable"
    message = N_(
        "Chưa xuất được tệp PDF ({detail}); hãy tải bản Word (.docx) rồi lưu thành PDF bằng Word "
        "hoặc LibreOffice."
    )


def docx_to_pdf(content: bytes) -> bytes:
    """``content`` (a DOCX) as a PDF, or :class:`PdfUnavailable` with the reason."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise PdfUnavailable(detail=N_("máy chủ chưa cài LibreOffice"))
    with tempfile.TemporaryDirectory(prefix="lang-nghe-pdf-") as scratch:
        work = Path(scratch)
        source = work / "bao-cao.docx"
        source.write_bytes(content)
        try:
            subprocess.run(
                [office, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                 "--convert-to", "pdf", "--outdir", str(work), str(source)],
                check=True, capture_output=True, timeout=CONVERT_SECONDS,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(detail=N_("chuyển đổi quá lâu")) from None
        except (subprocess.CalledProcessError, OSError):
            raise PdfUnavailable(detail=N_("LibreOffice không chuyển đổi được")) from None
        pdf = work / "bao-cao.pdf"
        if not pdf.exists():
            raise PdfUnavailable(detail=N_("LibreOffice không chuyển đổi được"))
        return pdf.read_bytes()
