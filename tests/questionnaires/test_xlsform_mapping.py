"""XLSForm → questionnaire: what each kind of row, column and expression becomes, and what is
listed instead (docs/XLSFORM.md). Forms are written here with openpyxl, row by row."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from survey_server.questionnaires.schema import AllOf, AnyOf, NotOf, ShowIf
from survey_server.questionnaires.xlsform import XlsImport, import_xlsform

SURVEY_HEADER = [
    "type",
    "name",
    "label::Tiếng Việt (vi)",
    "hint",
    "required",
    "relevant",
    "constraint",
]
CHOICES_HEADER = ["list_name", "name", "label::Tiếng Việt (vi)"]
LIKERT_VI = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]


def workbook(
    survey: list[list[Any]],
    choices: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
    *,
    survey_header: list[str] = SURVEY_HEADER,
    choices_header: list[str] = CHOICES_HEADER,
) -> bytes:
    """An .xlsx XLSForm with these rows under these headers."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in [survey_header, *survey]:
        sheet.append(row)
    if choices is not None:
        sheet = book.create_sheet("choices")
        for row in [choices_header, *choices]:
            sheet.append(row)
    if settings is not None:
        sheet = book.create_sheet("settings")
        for row in settings:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def imported(data: bytes, **options: Any) -> XlsImport:
    return import_xlsform(data, filename="bieu-mau.xlsx", **options)


def listed(result: XlsImport) -> list[tuple[str, int, str]]:
    return [(item.sheet, item.row, item.code) for item in result.skipped]


def question(result: XlsImport, question_id: str) -> Any:
    assert result.questionnaire is not None, [e.message() for e in result.errors]
    return next(q for q in result.questionnaire.questions() if q.id == question_id)


COLOURS = [["mau", "do", "Đỏ"], ["mau", "xanh", "Xanh"], ["mau", "vang", "Vàng"]]
YES_NO = [["co_khong", "yes", "Có"], ["co_khong", "no", "Không"]]


def test_question_types_map_to_the_format() -> None:
    result = imported(
        workbook(
            [
                ["text", "ten_truong", "Tên trường?", "Ghi đầy đủ"],
                ["integer", "so_con", "Số con?", None, "yes", None, ". >= 0 and . <= 10"],
                ["decimal", "chi_phi", "Chi phí?", None, None, None, ". >= 0.5"],
                ["select_one mau", "mau_a", "Màu?"],
                ["select_multiple mau", "mau_b", "Những màu?"],
                ["select_one co_khong", "co_hoc_them", "Có học thêm?"],
                ["text", "gop_y", "Góp ý", None, None, None, "string-length(.) <= 500"],
            ],
            COLOURS + YES_NO,
        )
    )
    assert result.errors == [] and result.skipped == []
    assert question(result, "ten_truong").help == {"vi": "Ghi đầy đủ"}
    so_con = question(result, "so_con")
    assert (so_con.type, so_con.min, so_con.max, so_con.required) == ("number", 0, 10, True)
    assert question(result, "chi_phi").min == 0.5
    assert [o.id for o in question(result, "mau_a").options] == ["do", "xanh", "vang"]
    assert question(result, "mau_b").type == "multi"
    assert question(result, "co_hoc_them").type == "yes_no"
    assert question(result, "gop_y").max_length == 500


def test_relevant_expressions_become_show_if() -> None:
    result = imported(
        workbook(
            [
                ["select_one mau", "mau", "Màu?"],
                ["select_multiple mau", "nhieu", "Những màu?"],
                ["select_one co_khong", "hoc_them", "Học thêm?"],
                ["text", "a", "A", None, None, "${mau} = 'do'"],
                ["text", "b", "B", None, None, "${mau} != 'do'"],
                ["text", "c", "C", None, None, "selected(${nhieu}, 'xanh')"],
                ["text", "d", "D", None, None, "${mau} = ‘do’ or ${mau} = “vang”"],
                [
                    "text",
                    "e",
                    "E",
                    None,
                    None,
                    "not(${hoc_them} = 'yes') and (${mau}='do' or selected(${nhieu}, 'vang'))",
                ],
            ],
            COLOURS + YES_NO,
        )
    )
    assert result.skipped == []
    leaf = ShowIf.model_validate({"question": "mau", "in": ["do"]})
    assert question(result, "a").show_if == leaf
    assert question(result, "b").show_if == NotOf.model_validate({"not": leaf})
    assert question(result, "c").show_if == ShowIf.model_validate(
        {"question": "nhieu", "in": ["xanh"]}
    )
    assert question(result, "d").show_if == ShowIf.model_validate(
        {"question": "mau", "in": ["do", "vang"]}
    )
    assert question(result, "e").show_if == AllOf.model_validate(
        {
            "all": [
                {"not": {"question": "hoc_them", "in": [True]}},
                {"any": [{"question": "mau", "in": ["do"]}, {"question": "nhieu", "in": ["vang"]}]},
            ]
        }
    )
    assert isinstance(question(result, "e").show_if.all_[1], AnyOf)


def test_conditions_that_cannot_be_carried_show_the_question_and_make_it_optional() -> None:
    result = imported(
        workbook(
            [
                ["integer", "tuoi", "Tuổi?"],
                ["text", "a", "A", None, "yes", "${tuoi} > 18"],
                ["text", "b", "B", None, None, "${sau} = 'x'"],
                ["select_one mau", "sau", "Màu?", None, None, "${b} = 'x'"],
                ["text", "c", "C", None, None, "${mau_khong_co} = 'do'"],
                ["text", "d", "D", None, "${tuoi} > 5", None],
            ],
            COLOURS,
        )
    )
    assert listed(result) == [
        ("survey", 3, "condition_dropped_required"),
        ("survey", 4, "condition_dropped"),  # a later question: never a cycle
        ("survey", 5, "condition_dropped"),  # a text question is not a condition
        ("survey", 6, "condition_dropped"),
        ("survey", 7, "required_expression"),
    ]
    a = question(result, "a")
    assert a.show_if is None and a.required is False
    assert question(result, "sau").show_if is None
    assert "${tuoi} > 18" in result.skipped[0].message()


def test_groups_notes_and_nested_groups() -> None:
    result = imported(
        workbook(
            [
                ["note", "loi_chao", "Kính mời quý phụ huynh trả lời."],
                ["begin group", "tiep_can", "Tiếp cận"],
                ["note", "gioi_thieu", "Phần về tiếp cận."],
                ["text", "t1", "Câu 1"],
                ["note", "chu_y", "Lưu ý trước câu 2."],
                ["text", "t2", "Câu 2", "Gợi ý"],
                ["begin group", "con", "Nhóm con", None, None, "${t1} = 'x'"],
                ["text", "t3", "Câu 3"],
                ["end group"],
                ["text", "t4", "Câu 4"],
                ["note", "cuoi", "Ghi chú cuối"],
                ["end group"],
            ]
        )
    )
    questionnaire = result.questionnaire
    assert questionnaire is not None
    assert questionnaire.intro == {"vi": "Kính mời quý phụ huynh trả lời."}
    assert [s.id for s in questionnaire.sections] == ["tiep_can", "con", "tiep_can_tiep"]
    assert questionnaire.sections[0].intro == {"vi": "Phần về tiếp cận."}
    assert question(result, "t2").help == {"vi": "Lưu ý trước câu 2.\n\nGợi ý"}
    assert questionnaire.sections[2].title == {"vi": "Tiếp cận"}
    assert listed(result) == [
        ("survey", 6, "note_to_help"),
        ("survey", 8, "nested_group"),
        ("survey", 8, "group_condition"),  # t1 is a text question
        ("survey", 12, "note_dropped"),
    ]


def test_every_unsupported_row_is_listed_with_its_reason() -> None:
    result = imported(
        workbook(
            [
                ["start", "start"],
                ["deviceid", "deviceid"],
                ["username", "username"],
                ["phone number", "sdt", "Số điện thoại?"],
                ["geopoint", "vi_tri", "Vị trí"],
                ["calculate", "tong", None],
                ["date", "ngay", "Ngày"],
                ["range", "muc", "Mức"],
                ["begin repeat", "con", "Từng con"],
                ["text", "ten_con", "Tên con"],
                ["end repeat"],
                ["select_one_from_file xa.csv", "xa", "Xã"],
                ["biet_tu_dau", "x", "?"],
                [None, "mo_coi", "Dòng không có loại"],
                ["select_one khong_co", "y", "Y?"],
                ["text", "z", "Câu còn lại"],
            ]
        )
    )
    codes = {row: code for _, row, code in listed(result)}
    assert codes == {
        2: "metadata", 3: "metadata", 4: "metadata", 5: "personal_data", 6: "unsupported_type",
        7: "unsupported_type", 8: "unsupported_type", 9: "unsupported_type", 10: "repeat",
        11: "in_repeat", 12: "in_repeat", 13: "unsupported_type", 14: "unknown_type",
        15: "no_type", 16: "unknown_list",
    }  # fmt: skip
    assert "không bao giờ ghi thông tin thiết bị hay danh tính" in result.skipped[1].message()
    assert [q.id for q in result.questionnaire.questions()] == ["z"]


def test_or_other_adds_an_other_option_and_a_text_question() -> None:
    result = imported(workbook([["select_one mau or_other", "mau", "Màu?"]], COLOURS))
    assert [o.id for o in question(result, "mau").options][-1] == "other"
    other = question(result, "mau_khac")
    assert other.type == "text"
    assert other.show_if == ShowIf.model_validate({"question": "mau", "in": ["other"]})


def test_likert_lists_become_scales_and_satisfied_points_come_from_three_places() -> None:
    choices = [["hl", str(n), label] for n, label in enumerate(LIKERT_VI, start=1)]
    choices.append(["hl", "na", "Không có ý kiến"])
    survey = [
        ["begin group", "tiep_can", "Tiếp cận"],
        ["select_one hl", "tc1", "Thông tin tuyển sinh"],
        ["end group"],
        ["begin group", "chung", "Chung"],
        ["text", "gop_y", "Góp ý"],
        ["end group"],
    ]
    by_argument = imported(
        workbook(survey, choices), kind="satisfaction", satisfied_from={"hl": 4}
    ).questionnaire
    assert by_argument is not None
    scale = by_argument.scales["hl"]
    assert [p["vi"] for p in scale.points] == LIKERT_VI
    assert scale.not_applicable == {"vi": "Không có ý kiến"}
    assert scale.satisfied_from == 4
    assert [s.dimension for s in by_argument.sections] == [True, False]
    assert by_argument.questions()[0].type == "scale"

    marked = [[*row, "yes" if row[1] == "4" else None] for row in choices]
    by_column = imported(
        workbook(survey, marked, choices_header=[*CHOICES_HEADER, "satisfied_from"]),
        kind="satisfaction",
    )
    assert by_column.questionnaire.scales["hl"].satisfied_from == 4

    settings = [["form_title", "kind", "satisfied_from"], ["Hài lòng", "satisfaction", "hl=5"]]
    by_settings = imported(workbook(survey, choices, settings))
    assert by_settings.questionnaire.kind == "satisfaction"
    assert by_settings.questionnaire.scales["hl"].satisfied_from == 5

    unmarked = imported(workbook(survey, choices), kind="satisfaction")
    assert ("choices", 2, "no_satisfied_from") in listed(unmarked)
    out_of_range = imported(
        workbook(survey, choices), kind="satisfaction", satisfied_from={"hl": 9}
    )
    assert "no_satisfied_from" in [code for _, _, code in listed(out_of_range)]


def test_english_agreement_labels_and_numbered_points_are_scales() -> None:
    words = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    choices = [["agree", f"a{n}", word] for n, word in enumerate(words)]
    choices += [["so", str(n), f"Mức {n}"] for n in range(1, 8)]
    choices += [["two", "1", "Một"], ["two", "2", "Hai"]]
    result = imported(
        workbook(
            [
                ["select_one agree", "q1", "Đồng ý không?"],
                ["select_one so", "q2", "Chấm điểm"],
                ["select_multiple so", "q3", "Nhiều mức"],
                ["select_one two", "q4", "Hai mức"],
            ],
            choices,
        )
    )
    assert set(result.questionnaire.scales) == {"agree"}  # "so" is also a multiple choice
    assert question(result, "q1").type == "scale"
    assert question(result, "q2").type == "single"
    assert question(result, "q4").type == "single"  # two points: not a Likert scale
    alone = imported(workbook([["select_one so", "q2", "Chấm điểm"]], choices))
    assert question(alone, "q2").type == "single"  # numbered, but not words of a scale


def test_languages_come_from_the_column_names() -> None:
    header = [
        "type",
        "name",
        "label::English (en)",
        "label::Tiếng Việt (vi)",
        "label::Khmer",
        "hint:french",
    ]
    result = imported(
        workbook(
            [["select_one c", "q", "Yes?", "Có không?", "បាទ?", "Oui ?"]],
            [["c", "a", "Yes", "Có", "បាទ"], ["c", "b", "No", "Không", None]],
            [
                ["form_title", "form_title::English (en)", "form_id"],
                ["Khảo sát", "Survey", "Khảo sát 2026"],
            ],
            survey_header=header,
            choices_header=[
                "list_name",
                "name",
                "label::English (en)",
                "label::Tiếng Việt (vi)",
                "label::Khmer (km)",
            ],
        )
    )
    questionnaire = result.questionnaire
    assert questionnaire is not None, [e.message() for e in result.errors]
    assert questionnaire.languages() == ["vi", "en", "fr", "km"]
    assert questionnaire.slug == "khao-sat-2026"
    assert questionnaire.title == {
        "vi": "Khảo sát",
        "en": "Survey",
        "fr": "Khảo sát",
        "km": "Khảo sát",
    }
    q = question(result, "q")
    assert q.text == {"vi": "Có không?", "en": "Yes?", "km": "បាទ?"}
    assert q.help is None and listed(result) == [("survey", 2, "help_no_vi")]
    assert q.options[0].label == {"vi": "Có", "en": "Yes", "km": "បាទ"}


def test_plain_label_is_vietnamese_unless_the_settings_say_otherwise() -> None:
    survey = [["text", "q", "Câu hỏi"]]
    plain = ["type", "name", "label"]
    assert question(imported(workbook(survey, survey_header=plain)), "q").text == {"vi": "Câu hỏi"}
    english = imported(
        workbook(survey, None, [["default_language"], ["English (en)"]], survey_header=plain)
    )
    assert english.questionnaire is None
    assert [error.code for error in english.errors] == ["no_vietnamese_plain"]
    assert "chỉ có: en" in english.errors[0].message()
    assert "hãy ghi default_language là vi" in english.errors[0].message()


def test_names_become_unique_ids_and_are_listed() -> None:
    result = imported(
        workbook(
            [
                ["text", "Câu 1", "Một"],
                ["text", "cau_1", "Hai"],
                ["text", "cau_1", "Ba"],
                ["begin group", "Phần A", "Phần A"],
                ["text", "ok", "Bốn"],
                ["end group"],
            ]
        )
    )
    assert [q.id for q in result.questionnaire.questions()] == ["cau_1", "cau_1_2", "cau_1_3", "ok"]
    assert listed(result) == [
        ("survey", 2, "renamed"), ("survey", 3, "name_repeated"), ("survey", 4, "name_repeated"),
        ("survey", 5, "renamed"),
    ]  # fmt: skip
    assert result.skipped[0].message() == "tên 'Câu 1' không dùng được làm mã; đổi thành 'cau_1'"
    assert result.skipped[2].message() == "tên 'cau_1' đã dùng ở dòng 2; đổi thành 'cau_1_3'"


def test_settings_give_title_slug_and_version() -> None:
    result = imported(
        workbook(
            [["text", "q", "Câu"]],
            None,
            [["form_title", "form_id", "version"], ["Tham vấn học thêm", "Tham_Van", "2026120701"]],
        )
    )
    questionnaire = result.questionnaire
    assert (questionnaire.slug, questionnaire.version) == ("tham-van", 2026120701)
    assert questionnaire.title == {"vi": "Tham vấn học thêm"}
    dated = imported(workbook([["text", "q", "Câu"]], None, [["version"], ["v2"]]))
    assert dated.questionnaire.version == 1 and listed(dated) == [
        ("settings", 2, "version_not_number")
    ]
    assert imported(workbook([["text", "q", "Câu"]]), slug="rieng").questionnaire.slug == "rieng"


def test_a_form_that_is_invalid_as_a_questionnaire_says_where() -> None:
    result = imported(workbook([["text", "q", "Câu"]]), kind="satisfaction")
    assert result.questionnaire is None
    assert [error.code for error in result.errors] == ["missing_dimension"]
    assert (
        result.errors[0].message()
        == "bảng hỏi mức độ hài lòng cần ít nhất một phần 'dimension: true'"
    )
    assert imported(workbook([["note", "n", "Chỉ có ghi chú"]])).errors[0].code == "no_questions"


def test_group_conditions_join_the_question_conditions_in_one_all() -> None:
    result = imported(
        workbook(
            [
                ["select_one mau", "mau", "Màu?"],
                ["select_one co_khong", "co", "Có?"],
                ["begin group", "g", "Nhóm", None, None, "${co} = 'yes'"],
                ["text", "a", "A", None, None, "${mau} = 'do' and ${mau} != 'xanh'"],
                ["end group"],
            ],
            COLOURS + YES_NO,
        )
    )
    show_if = question(result, "a").show_if
    assert isinstance(show_if, AllOf) and len(show_if.all_) == 3


def test_more_nested_conditions_than_a_condition_holds_are_listed() -> None:
    survey = [["select_one mau", "mau", "Màu?"]]
    for depth in range(21):
        survey.append(["begin group", f"g{depth}", f"Nhóm {depth}", None, None, "${mau} = 'do'"])
    survey.append(["text", "sau", "Câu sâu", None, "yes"])
    survey += [["end group"]] * 21
    result = imported(workbook(survey, COLOURS))
    deep = question(result, "sau")
    assert deep.show_if is None and deep.required is False
    assert ("survey", 24, "too_many_conditions") in listed(result)


def test_a_choice_list_shared_by_questions_is_listed_once() -> None:
    result = imported(
        workbook(
            [["select_one m", "a", "A"], ["select_multiple m", "b", "B"]],
            [["m", "Đỏ tươi", "Đỏ tươi"], ["m", "xanh", None]],
        )
    )
    assert [o.id for o in question(result, "b").options] == ["do_tuoi", "xanh"]
    assert question(result, "b").options[1].label == {"vi": "xanh"}
    assert listed(result) == [("choices", 2, "choice_renamed"), ("choices", 3, "choice_no_label")]
