"""``to_yaml``: a questionnaire written back as a file that loads equal, in the shipped files'
layout."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml

from survey_server.questionnaires.dump import to_yaml
from survey_server.questionnaires.loader import load_file
from survey_server.questionnaires.schema import Questionnaire
from tests.conftest import FIXTURES, ROOT

QUESTIONNAIRES = sorted(
    [*(ROOT / "questionnaires").glob("*.yaml"), *(FIXTURES / "questionnaires").glob("*.yaml")]
)


def written(tmp_path: Path, questionnaire: Questionnaire) -> Path:
    path = tmp_path / f"{questionnaire.slug}.yaml"
    path.write_text(to_yaml(questionnaire), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", QUESTIONNAIRES, ids=lambda path: path.stem)
def test_loading_the_dump_gives_the_same_questionnaire(path: Path, tmp_path: Path) -> None:
    loaded = load_file(path)
    again = load_file(written(tmp_path, loaded.questionnaire))
    assert again.questionnaire == loaded.questionnaire
    assert again.content_hash == loaded.content_hash


def test_keys_come_in_the_order_of_the_shipped_files(tmp_path: Path) -> None:
    questionnaire = load_file(FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml").questionnaire
    text = to_yaml(questionnaire)
    data = yaml.safe_load(text)
    assert list(data) == ["slug", "version", "kind", "title", "intro", "scales", "sections"]
    assert list(data["scales"]["hai_long_5"]) == ["points", "satisfied_from", "not_applicable"]
    assert list(data["sections"][0]) == ["id", "title", "dimension", "questions"]
    tc2 = data["sections"][0]["questions"][1]
    assert list(tc2) == ["id", "type", "scale", "reverse", "text"]
    chi_phi = next(q for s in data["sections"] for q in s["questions"] if q["id"] == "chi_phi")
    assert list(chi_phi) == ["id", "type", "min", "max", "text", "show_if"]
    assert "required: false" not in text and "weight: 1" not in text and "en: null" not in text
    assert "\n      - id: tc1\n" in text  # block sequences indented under their key
    assert "Phiếu thử mọi loại câu hỏi" in text  # Unicode as it is, not escaped
    assert unicodedata.is_normalized("NFC", text)


def test_several_lines_and_awkward_text(tmp_path: Path) -> None:
    questionnaire = Questionnaire.model_validate(
        {
            "slug": "nhieu-dong", "version": 3, "kind": "consultation",
            "title": {"vi": "yes", "zh-Hant": "問卷"},
            "intro": {"vi": "Dòng một\nDòng hai: có dấu hai chấm\n\n- gạch đầu dòng"},
            "sections": [{"id": "a", "title": {"vi": "'trích' \"dẫn\" # không phải chú thích"},
                          "weight": 2.5, "questions": [
                {"id": "q", "type": "single", "text": {"vi": "1"},
                 "options": [{"id": "x", "vi": "true", "zh-Hant": "是"}, {"id": "y", "vi": "null"}],
                 "show_if": None},
                {"id": "r", "type": "text", "text": {"vi": "R"},
                 "show_if": {"any": [{"question": "q", "in": ["x"]},
                                     {"not": {"question": "q", "in": ["y"]}}]}},
            ]}],
        }
    )  # fmt: skip
    text = to_yaml(questionnaire)
    assert "intro:\n  vi: |-\n    Dòng một\n" in text
    assert load_file(written(tmp_path, questionnaire)).questionnaire == questionnaire
