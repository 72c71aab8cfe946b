"""Hostile files, built in memory: what an insider or a stranger would upload to stall or crash
the server (bombs, entities, truncated archives, huge strings). Each builder returns the bytes
and the file name; ``HOSTILE_TABLES`` and ``HOSTILE_DOCUMENTS`` list them for the tests."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"
_EMPTY_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" '
    'uniqueCount="0"></sst>'
)


def _xlsx(sheet: str | bytes, strings: str | bytes = _EMPTY_STRINGS) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def _cell(row: int, text: str) -> str:
    return f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>{text}</t></is></c></row>'


def many_rows(rows: int = 300_000) -> tuple[bytes, str]:
    """A 40 KB workbook of 300,000 one-cell rows (it unpacks to about 20 MB)."""
    body = _cell(1, "unit") + "".join(_cell(n, "TH-LC1") for n in range(2, rows + 2))
    return _xlsx(_SHEET_HEAD + body + _SHEET_TAIL), "nhieu-dong.xlsx"


def one_huge_string(megabytes: int = 120) -> tuple[bytes, str]:
    """A shared string of ``megabytes`` MB referenced by one cell (a few hundred KB zipped)."""
    text = "a" * (megabytes * 1024 * 1024)
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        f'uniqueCount="1"><si><t>{text}</t></si></sst>'
    )
    sheet = _SHEET_HEAD + '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + _SHEET_TAIL
    return _xlsx(sheet, strings), "chuoi-lon.xlsx"


def external_entity() -> tuple[bytes, str]:
    """A sheet that asks the parser to read /etc/passwd into a cell."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + _cell(1, "&secret;")
        + _SHEET_TAIL
    )
    return _xlsx(sheet), "thuc-the-ngoai.xlsx"


def billion_laughs() -> tuple[bytes, str]:
    """Nested entities that expand to gigabytes."""
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    strings = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>&l9;</t></si></sst>"
    )
    sheet = _SHEET_HEAD + '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + _SHEET_TAIL
    return _xlsx(sheet, strings), "tram-ty-tieng-cuoi.xlsx"


def malformed_xml() -> tuple[bytes, str]:
    return _xlsx(_SHEET_HEAD + '<row r="1"><c r="A1"' + _SHEET_TAIL), "xml-hong.xlsx"


def truncated_zip() -> tuple[bytes, str]:
    whole, _ = many_rows(1000)
    return whole[: len(whole) // 2], "cat-ngang.xlsx"


def long_csv(rows: int = 400_000) -> tuple[bytes, str]:
    """A CSV of 400,000 rows (about 8 MB)."""
    return ("unit,tc1\n" + "TH-LC1,5\n" * rows).encode(), "dai.csv"


def huge_cell_csv(megabytes: int = 20) -> tuple[bytes, str]:
    return ("unit,gop_y\nTH-LC1," + "x" * (megabytes * 1024 * 1024) + "\n").encode(), "o-lon.csv"


def zip_bomb_docx(megabytes: int = 300) -> tuple[bytes, str]:
    """A DOCX whose document.xml unpacks to ``megabytes`` MB (about 300 KB zipped)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", b" " * (megabytes * 1024 * 1024))
    return out.getvalue(), "bom.docx"


def docx_without_content_types() -> tuple[bytes, str]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue(), "thieu-content-types.docx"


def docx_with_dtd() -> tuple[bytes, str]:
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    document = (
        f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return out.getvalue(), "dtd.docx"


HOSTILE_TABLES: dict[str, Callable[[], tuple[bytes, str]]] = {
    "many_rows": many_rows,
    "one_huge_string": one_huge_string,
    "external_entity": external_entity,
    "billion_laughs": billion_laughs,
    "malformed_xml": malformed_xml,
    "truncated_zip": truncated_zip,
    "long_csv": long_csv,
    "huge_cell_csv": huge_cell_csv,
}
HOSTILE_DOCUMENTS: dict[str, Callable[[], tuple[bytes, str]]] = {
    "zip_bomb": zip_bomb_docx,
    "without_content_types": docx_without_content_types,
    "with_dtd": docx_with_dtd,
    "truncated_zip": truncated_zip,
}
