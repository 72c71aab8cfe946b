"""Questionnaires in any number of languages, ``show_if`` combinations, satisfaction forms without
an overall question: what the format accepts, and every slip reported at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_server.questionnaires.loader import load_file
from survey_server.questionnaires.schema import AllOf, AnyOf, NotOf, ShowIf, leaves
from survey_server.responses.validation import FormSpec
from tests.questionnaires.test_loader import VALID, errors_of, write

KHMER = (
    VALID.replace(
        'title: {vi: "Thử", en: "Test"}',
        'title: {vi: "Thử", en: "Test", km: "សាកល្បង", zh-Hant: "測試"}',
    )
    .replace('text: {vi: "Câu một"}', 'text: {vi: "Câu một", km: "សំណួរទីមួយ"}')
    .replace('{id: x, vi: "X"}', '{id: x, vi: "X", km: "ក", zh-Hant: "甲"}')
)

COMBINED = VALID.replace(
    "show_if: {question: loai, in: [x]}",
    "show_if: {any: [{question: loai, in: [x]}, {all: [{not: {question: loai, in: [y]}}, {question: co, in: [true]}]}]}",
).replace(
    "      - id: loai\n",
    '      - {id: co, type: yes_no, text: {vi: "Có con học bán trú?"}}\n      - id: loai\n',
)


def test_a_form_in_four_languages_keeps_every_text(tmp_path: Path) -> None:
    questionnaire = load_file(write(tmp_path, KHMER)).questionnaire
    assert questionnaire.languages() == ["vi", "en", "km", "zh-Hant"]
    question = questionnaire.questions()[0]
    assert question.text["km"] == "សំណួរទីមួយ"
    option = questionnaire.questions()[2].options[0]
    assert option.label == {"vi": "X", "km": "ក", "zh-Hant": "甲"}


def test_existing_files_keep_their_canonical_form(tmp_path: Path) -> None:
    """An option with only ``vi``/``en`` is stored exactly as before: stored versions keep their
    content hash, so loading the shipped files again changes nothing."""
    loaded = load_file(write(tmp_path, VALID))
    assert '{"en":null,"id":"x","vi":"X"}' in loaded.canonical_json


@pytest.mark.parametrize(
    ("old", "new", "line", "code"),
    [
        ('title: {vi: "Thử", en: "Test"}', 'title: {vi: "Thử", EN: "Test"}', 4, "unknown_lang"),
        ('title: {vi: "Thử", en: "Test"}', 'title: {vi: "Thử", vi_VN: "Thử"}', 4, "unknown_lang"),
        ('text: {vi: "Câu một"}', 'text: {vi: "Câu một", km: "សំណួរ"}', 15, "lang_not_in_title"),
        ('{id: y, vi: "Y"}', '{id: y, vi: "Y", fr: "Y"}', 20, "lang_not_in_title"),
        ('{id: y, vi: "Y"}', '{id: y, vi: "Y", Fr: "Y"}', 20, "unknown_lang"),
        ('{id: y, vi: "Y"}', '{id: y, vi: "Y", en: ""}', 20, "empty_text"),
        ('{id: y, vi: "Y"}', '{id: y, vi: "Y", km: 3}', 20, "not_text"),
        (
            "show_if: {question: loai, in: [x]}",
            "show_if: {all: [{question: loai, in: [x]}, {not: {question: loai, in: [z]}}]}",
            21,
            "show_if_unknown_value",
        ),
        (
            "show_if: {question: loai, in: [x]}",
            "show_if: {any: [{question: loai, in: [x]}, {question: ghi, in: [x]}]}",
            21,
            "show_if_self",
        ),
        ("show_if: {question: loai, in: [x]}", "show_if: {all: []}", 21, "too_short"),
        ("show_if: {question: loai, in: [x]}", "show_if: {nor: [x]}", 21, "missing"),
    ],
)
def test_language_and_condition_slips_are_reported_with_their_line(
    tmp_path: Path, old: str, new: str, line: int, code: str
) -> None:
    assert old in VALID
    reported = errors_of(write(tmp_path, VALID.replace(old, new, 1)))
    assert (line, code) in reported, reported


def test_two_hundred_languages_are_refused(tmp_path: Path) -> None:
    tags = ", ".join(f'{a}{b}: "x"' for a in "abcdefghij" for b in "abcdefghijklmnopqrst")
    text = VALID.replace('title: {vi: "Thử", en: "Test"}', f'title: {{vi: "Thử", {tags}}}')
    assert (4, "too_many_languages") in errors_of(write(tmp_path, text))


def test_satisfaction_without_an_overall_question_is_valid(tmp_path: Path) -> None:
    text = VALID.replace("overall: true, ", "")
    questionnaire = load_file(write(tmp_path, text)).questionnaire
    assert not any(question.overall for question in questionnaire.questions())


def test_combined_conditions_decide_what_is_shown(tmp_path: Path) -> None:
    questionnaire = load_file(write(tmp_path, COMBINED)).questionnaire
    spec = FormSpec.build(questionnaire)
    ghi = spec.by_id["ghi"]
    assert isinstance(ghi.show_if, AnyOf)
    assert isinstance(ghi.show_if.any_[1], AllOf)
    assert isinstance(ghi.show_if.any_[1].all_[0], NotOf)
    assert [leaf.question for leaf in leaves(ghi.show_if)] == ["loai", "loai", "co"]
    assert all(isinstance(leaf, ShowIf) for leaf in leaves(ghi.show_if))
    shown = {
        "x": ({"loai": "x"}, True),
        "y and yes": ({"loai": "y", "co": True}, False),
        "unanswered and yes": ({"co": True}, True),  # not (loai in [y]) holds when unanswered
        "unanswered and no": ({"co": False}, False),
        "nothing": ({}, False),
    }
    for name, (answers, expected) in shown.items():
        assert spec.is_visible(ghi, answers) is expected, name


def test_combined_conditions_round_trip_through_the_stored_form(tmp_path: Path) -> None:
    from survey_server.questionnaires.schema import Questionnaire

    loaded = load_file(write(tmp_path, COMBINED))
    again = Questionnaire.model_validate_json(loaded.canonical_json)
    assert again == loaded.questionnaire
    assert '"any":[{"in":["x"],"question":"loai"}' in loaded.canonical_json
