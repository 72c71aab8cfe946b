"""Real public XLSForms (tests/data/xlsform/README.md): each imports with every row it could not
carry listed with the reason, or is refused with the reason; none loses a row silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from survey_server.questionnaires.xlsform import XlsImport, export_xlsform, import_xlsform
from survey_server.questionnaires.xlsform_import import identifier
from tests.questionnaires.test_xlsform_mapping import listed

FORMS = Path(__file__).parent.parent / "data" / "xlsform"
CARRIED = ["duplicate_columns.xlsx", "choice_filter_test.xlsx", "or_other.xlsx"]


def imported(name: str) -> XlsImport:
    return import_xlsform((FORMS / name).read_bytes(), filename=name)


def survey_rows(name: str) -> dict[int, tuple[str, str]]:
    """Row number → (type, name) of every survey row that holds something."""
    book = load_workbook(FORMS / name, read_only=True, data_only=True)
    rows = {}
    for number, values in enumerate(book["survey"].iter_rows(values_only=True), start=1):
        if number > 1 and any(value not in (None, "") for value in values):
            rows[number] = (str(values[0] or ""), str(values[1] or ""))
        if number > 2000:
            break
    return rows


@pytest.mark.parametrize("name", CARRIED)
def test_every_survey_row_is_carried_or_listed(name: str) -> None:
    result = imported(name)
    questionnaire = result.questionnaire
    assert questionnaire is not None, [error.message() for error in result.errors]
    ids = {q.id for q in questionnaire.questions()} | {s.id for s in questionnaire.sections}
    listed_rows = {item.row for item in result.skipped if item.sheet == "survey"}
    for row, (kind, row_name) in survey_rows(name).items():
        carried = identifier(row_name) in ids or kind.startswith("end")
        assert carried or row in listed_rows, (row, kind, row_name)
    for item in result.skipped:
        assert item.message() and item.render(name).startswith(f"{name}:")


def test_the_spec_form_lists_repeats_media_locations_and_metadata() -> None:
    result = imported("duplicate_columns.xlsx")
    found = listed(result)
    assert ("survey", 2, "duplicate_column") in found  # two "label" columns
    assert ("survey", 16, "repeat") in found
    assert all(("survey", row, "in_repeat") in found for row in range(17, 31))
    assert ("survey", 35, "unsupported_type") in found  # geopoint
    for row in (43, 45, 47, 49, 51, 53):  # start, end, today, deviceid, simserial, phonenumber
        assert ("survey", row, "metadata") in found
    assert ("survey", 14, "constraint_ignored") in found  # . <= ${a_integer}
    assert ("columns", 1, "sheet_ignored") in found
    geopoint = next(item for item in result.skipped if item.row == 35)
    assert geopoint.message() == "loại câu hỏi 'geopoint' không có trong bảng hỏi; dòng bị bỏ qua"
    questionnaire = result.questionnaire
    assert questionnaire.languages() == ["vi", "zh"]
    my_name = next(q for q in questionnaire.questions() if q.id == "my_name")
    assert my_name.show_if.model_dump(by_alias=True) == {
        "not": {"question": "skip_to_end", "in": [True]}
    }


def test_cascading_selects_keep_every_choice_and_say_so() -> None:
    result = imported("choice_filter_test.xlsx")
    assert ("survey", 3, "column_ignored") in listed(result)  # choice_filter
    assert ("choices", 6, "duplicate_choice") in listed(result)  # "king" twice in counties
    assert [q.id for q in result.questionnaire.questions()] == ["state", "county", "city"]
    assert result.questionnaire.slug == "cascading-selects1"


def test_or_other_becomes_an_other_option_and_its_text_question() -> None:
    questionnaire = imported("or_other.xlsx").questionnaire
    assert [q.id for q in questionnaire.questions()] == [
        "fav_color",
        "fav_color_khac",
        "fav_pastel",
    ]


def test_a_form_without_vietnamese_is_refused_with_its_languages() -> None:
    result = imported("UCL_Biomass_Plot_Form.xlsx")  # its sheet declares 1,048,576 rows
    assert result.questionnaire is None
    assert [error.code for error in result.errors] == ["no_vietnamese"]
    assert "(nhãn câu hỏi chỉ có: en, sw)" in result.errors[0].render("UCL.xlsx")
    assert "đổi tên cột 'label::English (en)' thành 'label::Tiếng Việt (vi)'" in (
        result.errors[0].message()
    )


@pytest.mark.parametrize("name", CARRIED)
def test_real_forms_round_trip_through_the_export(name: str) -> None:
    first = imported(name).questionnaire
    again = import_xlsform(export_xlsform(first), filename=name)
    assert again.skipped == [] and again.questionnaire == first
