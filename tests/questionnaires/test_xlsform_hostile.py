"""Files an outsider or a careless insider might upload as an XLSForm: each ends in a clear
Vietnamese reason, never a crash, a hang or a questionnaire built from garbage."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from survey_server.questionnaires import xlsform_read
from survey_server.questionnaires.xlsform import import_bounded, import_xlsform
from tests.questionnaires.test_xlsform_mapping import imported, listed, question, workbook


def refusal(data: bytes) -> str:
    result = import_xlsform(data, filename="x.xlsx")
    assert result.questionnaire is None
    assert len(result.errors) == 1
    return result.errors[0].code


def test_not_a_workbook() -> None:
    assert refusal(b"hello, not a zip") == "xlsx"
    assert refusal(b"") == "xlsx"
    assert refusal(b"PK\x03\x04" + b"\x00" * 100) == "xlsx"
    assert refusal(b"\xd0\xcf\x11\xe0" + b"\x00" * 100) == "xls"


def test_a_file_too_large_is_not_opened() -> None:
    assert refusal(b"PK\x03\x04" + b"\x00" * (xlsform_read.MAX_BYTES + 1)) == "size"


def test_zip_bomb() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (xlsform_read.MAX_UNPACKED + 1))
    assert len(buffer.getvalue()) < 1_000_000
    assert refusal(buffer.getvalue()) == "unpacked"


def sheet_xml(rows: int) -> bytes:
    body = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>text</t></is></c></row>'
        for n in range(1, rows + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
        '"http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def with_sheet(rows: int) -> bytes:
    """A workbook whose survey sheet has ``rows`` rows of text."""
    template = io.BytesIO(workbook([["text", "q", "Câu"]]))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = sheet_xml(rows)
            out.writestr(item.filename, content)
    return buffer.getvalue()


def test_a_million_rows_are_refused_before_they_are_read() -> None:
    data = with_sheet(1_000_000)
    assert len(data) < xlsform_read.MAX_BYTES
    result = import_xlsform(data, filename="trieu-dong.xlsx")
    assert [error.code for error in result.errors] == ["unpacked"]
    assert result.errors[0].render("trieu-dong.xlsx") == (
        "trieu-dong.xlsx: tệp Excel giải nén ra quá lớn (tối đa 20 MB)"
    )


def test_rows_beyond_the_limit() -> None:
    result = import_xlsform(with_sheet(xlsform_read.MAX_CONTENT_ROWS + 2), filename="x.xlsx")
    assert [error.code for error in result.errors] == ["rows"]
    assert "tối đa 20.000 dòng" in result.errors[0].message()


def test_formulas_are_never_read_as_text() -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label::Tiếng Việt (vi)"])
    sheet.append(["text", "a", '=HYPERLINK("http://example.com","Bấm vào")'])
    sheet.append(["text", "b", "Câu thật"])
    sheet.append(['="te"&"xt"', "c", "Câu có loại là công thức"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_xlsform(buffer.getvalue(), filename="congthuc.xlsx")
    assert [q.id for q in result.questionnaire.questions()] == ["b"]
    assert listed(result) == [("survey", 2, "no_label"), ("survey", 4, "no_type")]


def test_a_workbook_without_a_survey_sheet() -> None:
    book = Workbook()
    book.active.title = "Sheet1"
    book.active.append(["type", "name", "label"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_xlsform(buffer.getvalue(), filename="x.xlsx")
    assert [error.code for error in result.errors] == ["no_survey"]
    assert "không có trang tính 'survey'" in result.errors[0].message()
    no_type = import_xlsform(
        workbook([["q", "Câu"]], survey_header=["name", "label"]), filename="x"
    )
    assert [error.code for error in no_type.errors] == ["no_type_column"]


def test_duplicate_names_and_cycles_in_relevant() -> None:
    result = imported(
        workbook(
            [
                ["select_one c", "a", "A", None, None, "${b} = 'x'"],
                ["select_one c", "b", "B", None, None, "${a} = 'x'"],
                ["select_one c", "a", "A lần hai", None, None, "${a} = 'x'"],
            ],
            [["c", "x", "X"], ["c", "y", "Y"]],
        )
    )
    assert [q.id for q in result.questionnaire.questions()] == ["a", "b", "a_2"]
    assert question(result, "a").show_if is None  # b comes later: never a cycle
    assert question(result, "b").show_if is not None
    assert question(result, "a_2").show_if.question == "a"
    assert listed(result) == [("survey", 2, "condition_dropped"), ("survey", 4, "name_repeated")]


def test_two_hundred_languages() -> None:
    tags = [f"l{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(199)]
    header = ["type", "name", "label::Tiếng Việt (vi)", *(f"label::X ({tag})" for tag in tags)]
    data = workbook([["text", "q", "Câu", *(f"Q {tag}" for tag in tags)]], survey_header=header)
    result = import_xlsform(data, filename="x.xlsx")
    assert [error.code for error in result.errors] == ["too_many_languages"]
    assert (
        result.errors[0].message() == "biểu mẫu có 200 ngôn ngữ; một bảng hỏi có tối đa 12 ngôn ngữ"
    )


def test_deep_and_broken_expressions() -> None:
    deep = "(" * 4000 + "${a} = 'x'" + ")" * 4000
    result = imported(
        workbook(
            [
                ["select_one c", "a", "A"],
                ["text", "b", "B", None, None, deep],
                ["text", "c", "C", None, None, "${a} = = 'x'"],
                ["text", "d", "D", None, None, "${a} = 'x' and"],
                ["text", "e", "E", None, None, "$%^&*"],
                ["integer", "f", "F", None, None, None, ". >= ${a} or 1 div 0"],
                ["text", "g", "G", None, None, " and ".join(["${a} = 'x'"] * 25)],
                ["select_one c", "b2", "B2"],
                [
                    "text",
                    "h",
                    "H",
                    None,
                    None,
                    " or ".join(f"${{b2}} = 'x' or ${{a}} = 'y{n}'" for n in range(30)),
                ],
            ],
            [["c", "x", "X"], *(["c", f"y{n}", f"Y{n}"] for n in range(30))],
        )
    )
    assert listed(result) == [
        ("survey", 3, "condition_dropped"), ("survey", 4, "condition_dropped"),
        ("survey", 5, "condition_dropped"), ("survey", 6, "condition_dropped"),
        ("survey", 7, "constraint_ignored"), ("survey", 8, "condition_dropped"),
    ]  # fmt: skip


def test_legacy_vietnamese_font_encoding_is_refused() -> None:
    data = workbook(
        [
            ["text", "q", "Tr\u00adêng häc kh«ng ®­îc gi¸o dôc"],
            ["text", "r", "häc sinh cña tr\u00adêng"],
        ]
    )
    assert refusal(data) == "tcvn3"


@pytest.mark.parametrize("data", [b"not a zip", workbook([["text", "q", "Câu"]])])
async def test_the_bounded_import_runs_in_a_child_process(data: bytes) -> None:
    result = await import_bounded(data, filename="x.xlsx", kind="feedback")
    assert (result.questionnaire is None) == (data == b"not a zip")
    if result.questionnaire is not None:
        assert result.questionnaire.kind == "feedback"
