"""Defects the measurement on real public forms found (docs/XLSFORM.md "Measured on real forms"),
each shown on the committed real form where it appears, or on a small workbook."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from survey_server.questionnaires import xlsform_languages
from survey_server.questionnaires.xlsform import import_xlsform
from tests.questionnaires.test_xlsform_mapping import (
    LIKERT_VI,
    imported,
    listed,
    question,
    workbook,
)

FORMS = Path(__file__).parent.parent / "data" / "xlsform"
VI = "label::Tiếng Việt (vi)"
#: pydantic's own English wording, which must never reach a message
ENGLISH = re.compile(r"String should|Input should|should have|Value error|at most|at least")


def real(name: str):
    return import_xlsform((FORMS / name).read_bytes(), filename=name)


# -- 1. Indonesian (`id`) is written `ind`; a choice's problem points at its row, in Vietnamese


def test_indonesian_is_written_ind_and_options_keep_their_ids() -> None:
    result = real("building_natural_risks_survey.xlsx")
    questionnaire = result.questionnaire
    assert questionnaire is not None, [error.render("f") for error in result.errors]
    assert questionnaire.languages() == ["vi", "ind"]
    assert "ind" in questionnaire.title
    problem = question(result, "digitization_problem")
    assert [option.id for option in problem.options][:2] == ["lumped", "split"]
    assert problem.options[1].label["ind"].startswith("Pecah/Pisah")
    assert problem.text["ind"] == "Apa yang salah dengan digitalisasi?"
    notes = [item for item in result.skipped if item.code == "indonesian_ind"]
    assert len(notes) == 1 and result.skipped[0].code == "indonesian_ind"
    assert notes[0].message() == (
        "tiếng Indonesia được ghi với mã 'ind' vì 'id' là khóa mã lựa chọn trong bảng hỏi"
    )


def test_a_default_language_indonesian_is_written_ind_too() -> None:
    result = imported(
        workbook(
            [["text", "q", "Câu?", "Pertanyaan?"]],
            None,
            [["form_title", "default_language"], ["Judul", "Indonesian (id)"]],
            survey_header=["type", "name", VI, "label"],
        )
    )
    assert result.questionnaire.languages() == ["vi", "ind"]
    assert question(result, "q").text == {"vi": "Câu?", "ind": "Pertanyaan?"}
    assert result.questionnaire.title == {"vi": "Judul", "ind": "Judul"}
    assert [item.code for item in result.skipped] == ["indonesian_ind"]


def test_a_choice_row_problem_points_at_the_choices_row_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(xlsform_languages.RENAMED, "id")  # as the import was measured
    result = real("building_natural_risks_survey.xlsx")
    assert result.questionnaire is None and result.errors
    for error in result.errors:
        assert error.sheet == "choices", error.render("f")
        assert not ENGLISH.search(error.message()), error.message()
    too_long = [error for error in result.errors if error.code == "value_too_long"]
    assert too_long and "dài quá 64 ký tự" in too_long[0].message()


# -- 2. pyxform's aliases; ignored columns listed at every row they hold something in


def test_bind_columns_and_relevance_are_read_like_relevant_constraint_required() -> None:
    choices = [["mau", "do", "Đỏ"], ["mau", "xanh", "Xanh"]]
    survey = [
        ["select_one mau", "mau", "Màu?", None, None, None],
        ["integer", "so", "Số?", "${mau} = 'do'", ". >= 1 and . <= 9", "yes"],
    ]
    for header in (
        ["bind:relevant", "bind:constraint", "bind:required"],
        ["relevance", "constraint", "required"],
        ["Bind:Relevant", "BIND:CONSTRAINT", "bind:required"],
    ):
        result = imported(workbook(survey, choices, survey_header=["type", "name", VI, *header]))
        so = question(result, "so")
        assert so.show_if.model_dump(by_alias=True) == {"question": "mau", "in": ["do"]}, header
        assert (so.min, so.max, so.required) == (1, 9, True), header
        assert result.skipped == [], header


def test_an_ignored_column_is_listed_at_every_row_that_holds_something_in_it() -> None:
    header = ["type", "name", VI, "relevant", "relevance", "calculation", "appearance"]
    result = imported(
        workbook(
            [
                ["text", "a", "A", None, "${x} = 'y'", "1 + 1", "multiline"],
                ["text", "b", "B", None, "${x} = 'z'", "2 + 2", "multiline"],
                ["note", "n", "Ghi chú", None, "${x} = 'w'"],
                ["text", "c", "C"],
            ],
            survey_header=header,
        )
    )
    found = listed(result)
    for row in (2, 3):  # a second condition column, a calculation: at each row
        assert ("survey", row, "duplicate_column") in found
        assert ("survey", row, "column_ignored") in found
    assert ("survey", 4, "duplicate_column") in found  # a note's condition too
    appearance = [item for item in result.skipped if item.column == "appearance"]
    assert [item.row for item in appearance] == [2]  # presentation only: once
    assert not [item for item in result.skipped if item.row == 5]


# -- 3. numbered categories are a single choice; 4. a scale written best first is reversed


def test_a_numbered_list_of_categories_is_a_single_choice_not_a_scale() -> None:
    choices = [["visit", "1", "ANC Checkup"], ["visit", "2", "Immunization"]]
    choices += [["visit", "3", "Referral"]]
    choices += [["hl", str(n), label] for n, label in enumerate(LIKERT_VI, start=1)]
    result = imported(
        workbook(
            [["select_one visit", "visit", "Lý do?"], ["select_one hl", "hl", "Hài lòng?"]],
            choices,
        )
    )
    visit = question(result, "visit")
    assert visit.type == "single"
    assert [(o.id, o.vi) for o in visit.options] == [
        ("1", "ANC Checkup"),
        ("2", "Immunization"),
        ("3", "Referral"),
    ]
    assert question(result, "hl").type == "scale"
    assert set(result.questionnaire.scales) == {"hl"}


def test_a_rating_written_best_first_is_read_worst_first_and_listed() -> None:
    result = real("Initial_Survey_XLSForm.xlsx")
    scale = result.questionnaire.scales["general_health"]
    assert [point["vi"] for point in scale.points] == [
        "Poor",
        "Fair",
        "Good",
        "Very good",
        "Excellent",
    ]
    by_code = {item.code: item for item in result.skipped if item.sheet == "choices"}
    assert by_code["scale_reversed"].row == 75
    assert "1 = 'Poor' … 5 = 'Excellent'" in by_code["scale_reversed"].message()
    assert "1=poor, 2=fair, 3=good, 4=very_good, 5=excellent" in (
        by_code["scale_names_lost"].message()
    )


def test_satisfied_from_counts_the_right_points_of_a_reversed_scale() -> None:
    best_first = list(reversed(LIKERT_VI))
    choices = [["hl", f"m{n}", label, None] for n, label in enumerate(best_first)]
    survey = [["begin group", "g", "Nhóm"], ["select_one hl", "q", "Hài lòng?"], ["end group"]]
    by_argument = imported(workbook(survey, choices), kind="satisfaction", satisfied_from={"hl": 4})
    scale = by_argument.questionnaire.scales["hl"]
    assert [point["vi"] for point in scale.points] == LIKERT_VI
    assert scale.satisfied_from == 4  # "Hài lòng" and "Rất hài lòng"
    marked = [[*row[:3], "yes" if row[2] == "Hài lòng" else None] for row in choices]
    by_column = imported(
        workbook(survey, marked, choices_header=["list_name", "name", VI, "satisfied_from"]),
        kind="satisfaction",
    )
    assert by_column.questionnaire.scales["hl"].satisfied_from == 4


# -- 5. too many columns: only up to the last cell holding something, and which sheet


def _wide(last_column: int, value: str | None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", VI])
    sheet.append(["text", "q", "Câu?"])
    for row in (1, 2):
        cell = sheet.cell(row=row, column=last_column)
        cell.font = Font(bold=True)  # an empty but formatted cell, as Excel leaves them
        cell.value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_too_many_columns_counts_only_cells_holding_something_and_names_the_sheet() -> None:
    assert load_workbook(io.BytesIO(_wide(1023, None)), read_only=True)["survey"].max_column == 1023
    assert question(import_xlsform(_wide(1023, None), filename="x.xlsx"), "q").text == {
        "vi": "Câu?"
    }
    refused = import_xlsform(_wide(600, "x"), filename="x.xlsx")
    assert [error.code for error in refused.errors] == ["columns"]
    assert refused.errors[0].message() == (
        "trang tính 'survey' có quá nhiều cột có nội dung (tối đa 500)"
    )


# -- 6. the "no Vietnamese" message: the label languages only, advice that fits the form


def test_no_vietnamese_names_only_the_label_languages_and_the_column_to_rename() -> None:
    result = real("pregnancy.xlsx")
    assert [error.code for error in result.errors] == ["no_vietnamese"]
    message = result.errors[0].message()
    assert "(nhãn câu hỏi chỉ có: en, es, fr, hi, ind, ne, sw)" in message
    assert "đổi tên cột 'label::en' thành 'label::Tiếng Việt (vi)'" in message
    english = imported(
        workbook(
            [["text", "q", "Question?", "Indice"]],
            None,
            [["form_title"], ["Khảo sát"]],  # a plain title, read as Vietnamese
            survey_header=["type", "name", "label::English (en)", "hint::French (fr)"],
        )
    )
    assert "(nhãn câu hỏi chỉ có: en)" in english.errors[0].message()


# -- 7. a cell's text in a message stays on one line


def test_a_condition_with_line_breaks_is_quoted_on_one_line() -> None:
    result = imported(
        workbook(
            [["text", "a", "A", None, None, "${b} = 'x'\n  and\nstring-length(.) > 2"]],
        )
    )
    message = result.skipped[0].render("f.xlsx")
    assert "\n" not in message
    assert "'${b} = 'x' and string-length(.) > 2'" in message


# -- 8. a repeated name is reported as repeated


def test_a_repeated_name_is_reported_as_repeated() -> None:
    result = real("Initial_Survey_XLSForm.xlsx")
    repeated = [item for item in result.skipped if item.row == 8 and item.column == "name"]
    assert [item.code for item in repeated] == ["name_repeated"]
    assert repeated[0].message() == "tên 'ethnicity' đã dùng ở dòng 7; đổi thành 'ethnicity_2'"


# -- 9. a plain label column read as Vietnamese is noted first


def test_a_plain_label_column_read_as_vietnamese_is_noted_at_the_top() -> None:
    result = real("Initial_Survey_XLSForm.xlsx")
    first = result.skipped[0]
    assert (first.sheet, first.row, first.code) == ("survey", 1, "plain_label_not_vi")
    assert "nhãn có vẻ không phải tiếng Việt" in first.message()
    assert [item.code for item in result.skipped].count("plain_label_not_vi") == 1
    vietnamese = imported(
        workbook(
            [["text", "q", "Câu hỏi"], ["text", "r", "Ý kiến khác"]],
            survey_header=["type", "name", "label"],
        )
    )
    assert listed(vietnamese) == [("survey", 1, "plain_label_vi")]
    assert "default_language" in vietnamese.skipped[0].message()
    said = imported(
        workbook(
            [["text", "q", "Question"]],
            None,
            [["default_language"], ["vi"]],
            survey_header=["type", "name", "label"],
        )
    )
    assert said.skipped == []


# -- 10. a repeated label column listed at its first row; titles in the default language


def test_a_repeated_choices_label_column_is_listed_at_its_first_row() -> None:
    result = imported(
        workbook(
            [["select_one a", "qa", "A?"], ["select_one b", "qb", "B?"]],
            [["b", "x", "X", "X2"], ["b", "y", "Y", "Y2"], ["a", "z", "Z", "Z2"]],
            choices_header=["list_name", "name", VI, VI],
        )
    )
    assert [item for item in listed(result) if item[2] == "duplicate_column"] == [
        ("choices", 2, "duplicate_column")
    ]


def test_a_language_without_a_title_gets_the_title_in_the_default_language() -> None:
    result = imported(
        workbook(
            [["text", "q", "Câu?", "Question?"]],
            None,
            [["form_title", "form_id", "default_language"], ["Survey", "khao_sat", "English (en)"]],
            survey_header=["type", "name", VI, "label"],
        )
    )
    assert result.questionnaire.title == {"vi": "Survey", "en": "Survey"}
