"""``survey-server questionnaires import`` and ``export`` end to end, as an office runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from survey_server.questionnaires.loader import load_file
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.questionnaires.xlsform import import_xlsform
from tests.conftest import Database
from tests.questionnaires.test_xlsform_mapping import LIKERT_VI, workbook

FORMS = Path(__file__).parent.parent / "data" / "xlsform"


def survey_server(
    *arguments: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
):
    return subprocess.run(
        [sys.executable, "-m", "survey_server", "questionnaires", *map(str, arguments)],
        capture_output=True, text=True, check=False, cwd=cwd,
        env={**os.environ, "DEFAULT_LANG": "vi", **(env or {})},
    )  # fmt: skip


def test_import_lists_every_skipped_row_and_writes_a_checked_file(tmp_path: Path) -> None:
    output = tmp_path / "spec-test.yaml"
    done = survey_server("import", FORMS / "duplicate_columns.xlsx", "-o", output)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert (
        "duplicate_columns.xlsx:survey!35: loại câu hỏi 'geopoint' không có trong bảng hỏi; "
        "dòng bị bỏ qua"
    ) in lines
    assert (
        "duplicate_columns.xlsx:survey!16: nhóm lặp (repeat) chưa được hỗ trợ; nhóm và mọi dòng "
        "trong đó bị bỏ qua"
    ) in lines
    assert any(
        line.startswith("duplicate_columns.xlsx:survey!49: không thu thập 'deviceid'")
        for line in lines
    )
    assert "Đã ghi" in done.stdout
    assert load_file(output).questionnaire.slug == "spec-test"
    checked = survey_server("check", output)
    assert checked.returncode == 0 and "hợp lệ" in checked.stdout


def test_import_prints_the_yaml_without_an_output_file() -> None:
    done = survey_server("import", FORMS / "or_other.xlsx", "--slug", "mau-sac")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("slug: mau-sac\nversion: 1\nkind: consultation\n")


def test_a_form_that_cannot_be_carried_exits_1_with_the_reason(tmp_path: Path) -> None:
    done = survey_server(
        "import", FORMS / "UCL_Biomass_Plot_Form.xlsx", "-o", tmp_path / "ucl.yaml"
    )
    assert done.returncode == 1
    assert "UCL_Biomass_Plot_Form.xlsx: biểu mẫu không có văn bản tiếng Việt" in done.stderr
    assert not (tmp_path / "ucl.yaml").exists()
    garbage = tmp_path / "rac.xlsx"
    garbage.write_bytes(b"not a workbook")
    done = survey_server("import", garbage)
    assert (
        done.returncode == 1
        and "rac.xlsx: tệp bị hỏng hoặc không phải tệp Excel .xlsx" in done.stderr
    )


def test_bad_options_are_refused(tmp_path: Path) -> None:
    form = FORMS / "or_other.xlsx"
    wrong = survey_server("import", form, "--satisfied-from", "hl")
    assert wrong.returncode == 2 and "LIST=N" in wrong.stderr
    mismatch = survey_server("import", form, "--slug", "khac", "-o", tmp_path / "mau.yaml")
    assert mismatch.returncode == 1 and "khac.yaml" in mismatch.stderr
    assert not (tmp_path / "mau.yaml").exists()


async def test_import_load_and_export_through_the_database(db: Database, tmp_path: Path) -> None:
    choices = [["hl", str(n), label] for n, label in enumerate(LIKERT_VI, start=1)]
    form = tmp_path / "Khảo sát.xlsx"
    form.write_bytes(
        workbook(
            [
                ["begin group", "tiep_can", "Tiếp cận"],
                ["select_one hl", "tc1", "Thông tin tuyển sinh"],
                ["end group"],
                ["start", "start"],
            ],
            choices,
        )
    )
    env = {"DATABASE_URL": db.url, "DATA_DIR": str(tmp_path)}
    output = tmp_path / "hai-long-thu.yaml"
    done = survey_server(
        "import", form, "-o", output, "--kind", "satisfaction", "--satisfied-from", "hl=4",
        "--load", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Khảo sát.xlsx:survey!5: không thu thập 'start'" in done.stderr
    assert "hai-long-thu v1: đã nạp mới" in done.stdout
    stored = await QuestionnaireVersion.select(QuestionnaireVersion.slug)
    assert [row["slug"] for row in stored] == ["hai-long-thu"]
    original = load_file(output).questionnaire
    assert original.scales["hl"].satisfied_from == 4

    exported = tmp_path / "xuat.xlsx"
    done = survey_server("export", "hai-long-thu@1", "-o", exported, env=env)
    assert done.returncode == 0, done.stderr
    again = import_xlsform(exported.read_bytes(), filename="xuat.xlsx")
    assert again.questionnaire == original and again.skipped == []

    as_yaml = tmp_path / "ban-sao" / "hai-long-thu.yaml"
    as_yaml.parent.mkdir()
    done = survey_server("export", "hai-long-thu", "--format", "yaml", "-o", as_yaml, env=env)
    assert done.returncode == 0, done.stderr
    assert as_yaml.read_text(encoding="utf-8") == output.read_text(encoding="utf-8")

    missing = survey_server("export", "khong-co@7", "-o", tmp_path / "x.yaml", env=env)
    assert missing.returncode == 1 and "Không có bảng hỏi khong-co@7" in missing.stderr
    bad_version = survey_server("export", "hai-long-thu@mot", "-o", tmp_path / "x.yaml", env=env)
    assert bad_version.returncode == 2
