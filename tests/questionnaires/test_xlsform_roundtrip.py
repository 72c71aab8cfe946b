"""Export to XLSForm and import back: every shipped and test questionnaire comes back equal, and
a form made in Excel survives XLSForm → questionnaire → XLSForm → questionnaire."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from survey_server.questionnaires.loader import load_file
from survey_server.questionnaires.schema import Questionnaire
from survey_server.questionnaires.xlsform import export_xlsform, import_xlsform
from tests.conftest import FIXTURES, ROOT
from tests.questionnaires.test_xlsform_mapping import COLOURS, LIKERT_VI, YES_NO, workbook

QUESTIONNAIRES = sorted(
    [*(ROOT / "questionnaires").glob("*.yaml"), *(FIXTURES / "questionnaires").glob("*.yaml")]
)


@pytest.mark.parametrize("path", QUESTIONNAIRES, ids=lambda path: path.stem)
def test_yaml_to_xlsform_and_back_is_equal(path: Path) -> None:
    questionnaire = load_file(path).questionnaire
    result = import_xlsform(export_xlsform(questionnaire), filename=f"{path.stem}.xlsx")
    assert result.errors == [] and result.skipped == []
    assert result.questionnaire == questionnaire


def sheet_rows(data: bytes, name: str) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in book[name].iter_rows(values_only=True)]


def test_the_export_is_an_xlsform_with_a_column_per_language() -> None:
    questionnaire = load_file(FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml").questionnaire
    data = export_xlsform(questionnaire)
    survey = sheet_rows(data, "survey")
    assert survey[0][:4] == ("type", "name", "label::Tiếng Việt (vi)", "label::English (en)")
    assert survey[1][:2] == ("note", "intro")
    assert survey[2][:2] == ("begin group", "tiep_can")
    types = {row[1]: row[0] for row in survey[1:]}
    assert types["tc1"] == "select_one hai_long_5"
    assert types["kenh"] == "select_multiple kenh"
    assert types["hoc_them"] == "select_one yes_no"
    assert types["chi_phi"] == "decimal"
    header = survey[0]
    chi_phi = next(row for row in survey if row[1] == "chi_phi")
    assert chi_phi[header.index("constraint")] == ". >= 0 and . <= 50000"
    assert chi_phi[header.index("relevant")] == "${hoc_them} = 'yes'"
    noi_dung = next(row for row in survey if row[1] == "noi_dung")
    assert noi_dung[header.index("relevant")] == "${loai} = 'gop_y' or ${loai} = 'kien_nghi'"
    assert noi_dung[header.index("constraint")] == "string-length(.) <= 50"
    choices = sheet_rows(data, "choices")
    scale = [row for row in choices if row[0] == "hai_long_5"]
    assert [row[1] for row in scale] == ["1", "2", "3", "4", "5", "na"]
    marks = [dict(zip(choices[0], row, strict=False)).get("satisfied_from") for row in scale]
    assert marks == [None, None, None, "yes", None, None]
    settings = sheet_rows(data, "settings")
    assert dict(zip(settings[0], settings[1], strict=True))["form_id"] == "moi-loai-cau-hoi"


def test_text_that_looks_like_a_formula_stays_text() -> None:
    questionnaire = Questionnaire.model_validate(
        {
            "slug": "cong-thuc", "version": 1, "kind": "feedback",
            "title": {"vi": "=HYPERLINK(\"http://x\")"}, "intro": {"vi": "+1 và -1"},
            "sections": [{"id": "a", "title": {"vi": "@A"}, "questions": [
                {"id": "q", "type": "text", "text": {"vi": "=1+1"}}]}],
        }
    )  # fmt: skip
    data = export_xlsform(questionnaire)
    book = load_workbook(io.BytesIO(data))
    cell = next(c for row in book["survey"].iter_rows() for c in row if c.value == "=1+1")
    assert cell.data_type == "s"
    assert import_xlsform(data, filename="cong-thuc.xlsx").questionnaire == questionnaire


def test_a_form_made_in_excel_round_trips() -> None:
    choices = [["hl", str(n), label] for n, label in enumerate(LIKERT_VI, start=1)]
    data = workbook(
        [
            ["note", "chao", "Kính mời trả lời."],
            ["begin group", "a", "Phần A"],
            ["note", "a_gt", "Giới thiệu phần A."],
            ["select_one hl", "q1", "Hài lòng không?"],
            ["select_one mau", "mau", "Màu?", "Chọn một"],
            ["select_multiple mau", "nhieu", "Màu khác?", None, None, "not(${mau} = 'do')"],
            ["select_one co_khong", "co", "Có không?", None, "yes"],
            [
                "integer",
                "so",
                "Bao nhiêu?",
                None,
                None,
                "${co} = 'yes' and (${mau} = 'do' or selected(${nhieu}, 'vang'))",
                ". >= 1 and . <= 9",
            ],
            ["end group"],
            ["text", "y_kien", "Ý kiến khác", None, None, None, "string-length(.) <= 300"],
        ],
        [*choices, *COLOURS, *YES_NO],
    )
    first = import_xlsform(
        data, filename="form.xlsx", kind="satisfaction", satisfied_from={"hl": 4}
    )
    assert first.skipped == [] and first.questionnaire is not None
    again = import_xlsform(export_xlsform(first.questionnaire), filename="form.xlsx")
    assert again.skipped == [] and again.questionnaire == first.questionnaire
