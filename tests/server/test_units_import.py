"""``units import``: the demo tree loads; bad files are refused whole with row numbers."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pytest

from survey_server.demo.setup import DEMO_UNITS
from survey_server.units.services import UnitFileInvalid, import_units, list_subtree
from survey_server.units.tables import Unit
from tests.conftest import count_rows
from tests.live import BIN

HEADER = (
    "code,name,kind,level,parent_code,expected_respondents,valid_from,valid_to,successor_code\n"
)


def write(tmp_path: Path, body: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path = tmp_path / "units.csv"
    path.write_bytes((header + body).encode(encoding))
    return path


async def test_demo_tree_imports_with_paths(db) -> None:
    outcome = await import_units(DEMO_UNITS)
    assert outcome.created >= 40 and outcome.updated == 0
    root = await Unit.select().where(Unit.code == "SO-HP").first()
    school = await Unit.select().where(Unit.code == "TH-LC1").first()
    klass = await Unit.select().where(Unit.code == "TH-LC1-1A").first()
    assert root["path"] == f"/{root['id']}/" and root["depth"] == 0
    assert klass["path"].startswith(school["path"]) and klass["depth"] == 3
    subtree = await list_subtree(root["path"], ("school",))
    assert {row["level"] for row in subtree} == {
        "mam_non",
        "tieu_hoc",
        "thcs",
        "thpt",
        "lien_cap",
        "gdtx",
    }
    old = (
        await Unit.select(Unit.successor.code, Unit.valid_to)
        .where(Unit.code == "PGD-LECHAN")
        .first()
    )
    assert old["successor.code"] == "XA-LECHAN" and str(old["valid_to"]) == "2025-06-30"
    again = await import_units(DEMO_UNITS)
    assert (again.created, again.updated) == (0, outcome.created)


async def test_update_moves_a_school_and_its_classes(db, tmp_path: Path) -> None:
    await import_units(DEMO_UNITS)
    await import_units(
        write(tmp_path, "TH-LC1,Trường Tiểu học Trần Quốc Toản,school,tieu_hoc,XA-ANLAO,900,,,\n")
    )
    commune = await Unit.select().where(Unit.code == "XA-ANLAO").first()
    klass = await Unit.select().where(Unit.code == "TH-LC1-2A").first()
    assert klass["path"].startswith(commune["path"])
    assert (await Unit.select(Unit.expected_respondents).where(Unit.code == "TH-LC1").first())[
        "expected_respondents"
    ] == 900


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "SO-X,Sở thử,department,,,,,,\nA 1,Trường,school,thcs,SO-X,10,,,\n",
            "Dòng 3: mã 'A 1' không hợp lệ",
        ),
        (
            "SO-X,Sở thử,department,,,,,,\nT1,Trường,truong,,SO-X,,,,\n",
            "Dòng 3: loại đơn vị 'truong' không hợp lệ",
        ),
        (
            "SO-X,Sở thử,department,,,,,,\nT1,Trường,school,,SO-X,,,,\n",
            "Dòng 3: trường học cần ghi cấp học",
        ),
        (
            "SO-X,Sở thử,department,,,,,,\nT1,Trường,school,thcs,KHONG-CO,,,,\n",
            "Dòng 3: không tìm thấy đơn vị cấp trên 'KHONG-CO'",
        ),
        (
            "SO-X,Sở thử,department,,,,,,\nT1,Trường,school,thcs,SO-X,nhiều,,,\n",
            "Dòng 3: 'nhiều' không phải số nguyên",
        ),
        (
            "SO-X,Sở thử,department,,,,,,\nT1,Trường,school,thcs,SO-X,,2025-13-01,,\n",
            "Dòng 3: '2025-13-01' không phải ngày",
        ),
        (
            "SO-X,Sở thử,department,,,,,,\nSO-X,Sở lặp,department,,,,,,\n",
            "Dòng 3: mã 'SO-X' đã xuất hiện ở dòng 2",
        ),
        ("SO-X,Sở thử,department,,,,,,\nT1,Trường,school,thcs\n", "Dòng 3: dòng có 4 ô"),
        ("X1,Xã,commune,,X2,,,,\nX2,Xã,commune,,X1,,,,\n", "vòng lặp"),
        ("T1,Trường,school,thcs,,,,,\n", "Dòng 2: đơn vị loại 'school' cần có đơn vị cấp trên"),
    ],
)
async def test_bad_files_are_refused_whole(db, tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(UnitFileInvalid) as caught:
        await import_units(write(tmp_path, body))
    rendered = [error.render() for error in caught.value.row_errors]
    assert any(expected in line for line in rendered), rendered
    assert await count_rows("unit") == 0


async def test_missing_columns_and_wrong_encoding(db, tmp_path: Path) -> None:
    with pytest.raises(UnitFileInvalid) as caught:
        await import_units(write(tmp_path, "SO-X,Sở\n", header="code,name\n"))
    assert "thiếu cột 'kind'" in caught.value.row_errors[0].render()
    with pytest.raises(UnitFileInvalid) as caught:
        await import_units(write(tmp_path, "SO-X,Sở thử,department,,,,,,\n", encoding="utf-16"))
    assert "UTF-8" in caught.value.row_errors[0].render()


async def test_excel_style_file_semicolons_bom_and_nfd(db, tmp_path: Path) -> None:
    name = unicodedata.normalize("NFD", "Sở Giáo dục và Đào tạo tỉnh Thử")
    path = tmp_path / "units.csv"
    path.write_bytes(("\ufeffcode;name;kind\nso-t;" + name + ";department\n").encode("utf-8"))
    await import_units(path)
    row = await Unit.select(Unit.code, Unit.name).first()
    assert row["code"] == "SO-T" and unicodedata.is_normalized("NFC", row["name"])


def test_command_prints_row_errors_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "SO-X,Sở thử,department,,,,,,\nT1,Trường,school,,SO-X,,,,\n")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [str(BIN), "units", "import", str(path)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 1
    assert "Dòng 3: trường học cần ghi cấp học" in result.stderr
    assert "chưa có thay đổi nào được lưu" in result.stderr


async def test_non_ascii_digits_are_not_counts(db, tmp_path: Path) -> None:
    with pytest.raises(UnitFileInvalid) as caught:
        await import_units(
            write(tmp_path, "SO-X,Sở thử,department,,,,,,\nT1,Trường,school,thcs,SO-X,²,,,\n")
        )
    assert "'²' không phải số nguyên" in caught.value.row_errors[0].render()
