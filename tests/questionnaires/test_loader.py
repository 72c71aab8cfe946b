"""Questionnaire files: the shipped ones are valid; every kind of mistake is reported as file:line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest

from survey_server.questionnaires.loader import QuestionnaireFileError, load_file
from tests.conftest import FIXTURES, ROOT

SHIPPED = sorted((ROOT / "questionnaires").glob("*.yaml"))
BIN = Path(sys.executable).parent / "survey-server"

VALID = textwrap.dedent("""\
    slug: thu
    version: 1
    kind: satisfaction
    title: {vi: "Thử", en: "Test"}
    intro: {vi: "Giới thiệu"}
    scales:
      s5:
        points: [{vi: "1"}, {vi: "2"}, {vi: "3"}, {vi: "4"}, {vi: "5"}]
        satisfied_from: 4
    sections:
      - id: phan_a
        title: {vi: "Phần A"}
        dimension: true
        questions:
          - {id: a1, type: scale, scale: s5, text: {vi: "Câu một"}}
          - {id: tong, type: scale, scale: s5, overall: true, text: {vi: "Nhìn chung"}}
          - id: loai
            type: single
            text: {vi: "Loại"}
            options: [{id: x, vi: "X"}, {id: y, vi: "Y"}]
          - {id: ghi, type: text, text: {vi: "Ghi chú"}, show_if: {question: loai, in: [x]}}
    """)


def write(tmp_path: Path, text: str, name: str = "thu.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[tuple[int, str]]:
    with pytest.raises(QuestionnaireFileError) as caught:
        load_file(path)
    return [(error.line, error.code) for error in caught.value.errors]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_questionnaires_are_valid(path: Path) -> None:
    loaded = load_file(path)
    questionnaire = loaded.questionnaire
    assert questionnaire.slug == path.stem
    assert unicodedata.is_normalized("NFC", path.read_text(encoding="utf-8"))
    assert "91/2025/QH15" in questionnaire.intro["vi"] and questionnaire.intro.get("en")
    for question in questionnaire.questions():
        assert question.text.get("en"), question.id


def test_shipped_satisfaction_questionnaires_follow_the_ministry_method() -> None:
    points = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
    for slug in ("hai-long-mam-non", "hai-long-pho-thong"):
        questionnaire = load_file(ROOT / "questionnaires" / f"{slug}.yaml").questionnaire
        dimensions = [section.id for section in questionnaire.sections if section.dimension]
        assert dimensions == ["tiep_can", "co_so_vat_chat", "moi_truong", "hoat_dong", "ket_qua"]
        assert [point["vi"] for point in questionnaire.scales["hai_long_5"].points] == points
        assert sum(question.overall for question in questionnaire.questions()) == 1


def test_valid_file_loads_with_a_stable_hash(tmp_path: Path) -> None:
    first = load_file(write(tmp_path, VALID))
    reformatted = load_file(
        write(tmp_path, VALID.replace('{vi: "Thử", en: "Test"}', "\n  vi: Thử\n  en: Test"))
    )
    assert first.content_hash == reformatted.content_hash  # layout and comments are not content
    changed = load_file(write(tmp_path, VALID.replace("Câu một", "Câu 1")))
    assert changed.content_hash != first.content_hash


@pytest.mark.parametrize(
    ("old", "new", "line", "code"),
    [
        (
            'scale: s5, text: {vi: "Câu một"}',
            'scale: s9, text: {vi: "Câu một"}',
            15,
            "unknown_scale",
        ),
        ("id: tong", "id: a1", 16, "duplicate_id"),
        ("id: phan_a", "id: a1", 15, "duplicate_id"),
        (
            "show_if: {question: loai, in: [x]}",
            "show_if: {question: sau, in: [x]}",
            21,
            "show_if_not_earlier",
        ),
        (
            "show_if: {question: loai, in: [x]}",
            "show_if: {question: loai, in: [z]}",
            21,
            "show_if_unknown_value",
        ),
        (
            "show_if: {question: loai, in: [x]}",
            "show_if: {question: a1, in: [x]}",
            21,
            "show_if_bad_target",
        ),
        ('title: {vi: "Phần A"}', 'title: {en: "Part A"}', 12, "missing_vi"),
        ("slug: thu", "slug: Thu_1", 1, "string_pattern_mismatch"),
        ("kind: satisfaction", "kind: vui", 3, "literal_error"),
        ("type: single", "type: dropdown", 18, "literal_error"),
        ("scale: s5, text", "scale: s5, overall: true, text", 16, "several_overall"),
        ("satisfied_from: 4", "satisfied_from: 7", 9, "satisfied_out_of_range"),
        ("version: 1", "version: một", 2, "type"),
        ("    dimension: true\n", "    dimension: true\n    colour: red\n", 14, "extra_forbidden"),
        (
            'options: [{id: x, vi: "X"}, {id: y, vi: "Y"}]',
            'options: [{id: x, vi: "X"}, {id: x, vi: "Y"}]',
            20,
            "duplicate_option",
        ),
        (
            'intro: {vi: "Giới thiệu"}',
            'intro: {vi: "Giới thiệu"}\nintro: {vi: "Lặp"}',
            6,
            "duplicate_key",
        ),
        (
            'text: {vi: "Ghi chú"}',
            'text: {vi: "' + unicodedata.normalize("NFD", "Ghi chú") + '"}',
            21,
            "not_nfc",
        ),
    ],
)
def test_each_mistake_is_reported_with_its_line(
    tmp_path: Path, old: str, new: str, line: int, code: str
) -> None:
    assert old in VALID
    reported = errors_of(write(tmp_path, VALID.replace(old, new, 1)))
    assert (line, code) in reported, reported


def test_several_mistakes_are_all_reported(tmp_path: Path) -> None:
    text = VALID.replace(
        'scale: s5, text: {vi: "Câu một"}', 'scale: s9, text: {vi: "Câu một"}'
    ).replace("id: tong", "id: a1")
    codes = {code for _, code in errors_of(write(tmp_path, text))}
    assert {"unknown_scale", "duplicate_id"} <= codes


def test_broken_yaml_and_bytes(tmp_path: Path) -> None:
    assert errors_of(write(tmp_path, "slug: thu\nsections: [\n"))[0][1] == "yaml"
    path = tmp_path / "thu.yaml"
    path.write_bytes(b"slug: \xff\xfe\n")
    assert errors_of(path) == [(1, "encoding")]
    assert errors_of(write(tmp_path, "- a\n- b\n"))[0][1] == "not_mapping"


def test_slug_must_match_file_name(tmp_path: Path) -> None:
    assert (1, "slug_mismatch") in errors_of(write(tmp_path, VALID, name="khac.yaml"))


def test_check_command_prints_file_line_message_and_exits_1(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        VALID.replace('scale: s5, text: {vi: "Câu một"}', 'scale: s9, text: {vi: "Câu một"}'),
    )
    result = subprocess.run(
        [str(BIN), "questionnaires", "check", str(bad)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert f"{bad}:15: thang đo 's9' chưa được khai báo trong 'scales'" in result.stderr


def test_check_command_accepts_the_shipped_folder() -> None:
    result = subprocess.run(
        [
            str(BIN),
            "questionnaires",
            "check",
            str(ROOT / "questionnaires"),
            str(FIXTURES / "questionnaires"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    fixtures = list((FIXTURES / "questionnaires").glob("*.yaml"))
    assert result.stdout.count("hợp lệ") == len(SHIPPED) + len(fixtures)
