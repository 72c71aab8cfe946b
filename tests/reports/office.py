"""LibreOffice, headless: a document that it converts to PDF is a document people can open."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def convert_to_pdf(content: bytes, workdir: Path) -> str:
    """Convert a DOCX with LibreOffice and return the PDF's text (pdftotext)."""
    pdf = pdf_of(content, workdir)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    return " ".join(text.split())


def pdf_of(content: bytes, workdir: Path) -> Path:
    """Convert a DOCX with LibreOffice; the PDF's path."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        message = "LibreOffice is not installed (apt-get install libreoffice-writer-nogui)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    source = workdir / "report.docx"
    source.write_bytes(content)
    profile = (workdir / "lo-profile").as_uri()
    subprocess.run(
        [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(workdir), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = workdir / "report.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000
    return pdf
