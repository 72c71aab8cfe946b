"""docs/PERFORMANCE.md is kept in sections, one per benchmark, each rewritten by its script."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"


def put_section(name: str, text: str) -> None:
    """Replace the ``<!-- section:NAME -->`` … ``<!-- /section -->`` block, or append it."""
    doc = DOC.read_text(encoding="utf-8")
    pattern = rf"<!-- section:{re.escape(name)} -->.*?<!-- /section -->"
    if re.search(pattern, doc, flags=re.S):
        doc = re.sub(pattern, lambda _: text, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + text + "\n"
    DOC.write_text(doc, encoding="utf-8")
