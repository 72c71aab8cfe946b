"""Questionnaires are stored as immutable versions identified by their content hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_server.questionnaires.loader import QuestionnaireFileError
from survey_server.questionnaires.services import VersionChanged, load_questionnaires
from tests.conftest import FIXTURES, ROOT, count_rows

SOURCE = (FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml").read_text(encoding="utf-8")


def write(folder: Path, text: str) -> Path:
    path = folder / "moi-loai-cau-hoi.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_loading_twice_stores_one_version(db, tmp_path: Path) -> None:
    first = await load_questionnaires([write(tmp_path, SOURCE)], "Asia/Ho_Chi_Minh")
    again = await load_questionnaires(
        [write(tmp_path, SOURCE + "\n# chỉ thêm chú thích\n")], "Asia/Ho_Chi_Minh"
    )
    assert first[0].created and not again[0].created
    assert first[0].version_id == again[0].version_id
    assert await count_rows("questionnaire_version") == 1


async def test_changed_content_needs_a_new_version(db, tmp_path: Path) -> None:
    await load_questionnaires([write(tmp_path, SOURCE)], "Asia/Ho_Chi_Minh")
    changed = SOURCE.replace("Loại ý kiến", "Loại ý kiến của ông/bà")
    with pytest.raises(VersionChanged) as caught:
        await load_questionnaires([write(tmp_path, changed)], "Asia/Ho_Chi_Minh")
    assert "hãy tăng 'version' (ví dụ lên 2)" in caught.value.text("vi")
    bumped = await load_questionnaires(
        [write(tmp_path, changed.replace("version: 1", "version: 2"))], "Asia/Ho_Chi_Minh"
    )
    assert bumped[0].created and bumped[0].version == 2
    assert await count_rows("questionnaire_version") == 2


async def test_one_bad_file_stores_nothing(db, tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    write(tmp_path / "good", SOURCE)
    (tmp_path / "good" / "hong.yaml").write_text("slug: hong\nversion: x\n", encoding="utf-8")
    with pytest.raises(QuestionnaireFileError):
        await load_questionnaires([tmp_path / "good"], "Asia/Ho_Chi_Minh")
    assert await count_rows("questionnaire_version") == 0


async def test_shipped_questionnaires_load(db) -> None:
    outcomes = await load_questionnaires([ROOT / "questionnaires"], "Asia/Ho_Chi_Minh")
    assert {outcome.slug for outcome in outcomes} >= {
        "hai-long-mam-non",
        "hai-long-pho-thong",
        "mot-cua",
        "tham-van-day-them",
        "phan-anh-kien-nghi",
    }
