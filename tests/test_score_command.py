"""``survey-server score``: a responses CSV in, the docs/scoring.md JSON (or a summary) out."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from survey_server.cli import main
from tests.conftest import FIXTURES, ROOT

QUESTIONNAIRE = ROOT / "questionnaires" / "hai-long-pho-thong.yaml"
EVERY_TYPE = FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml"
ITEMS = ("tc1", "tc2", "tc3", "tc4", "tc5")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["score", *map(str, args)], catch_exceptions=False)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def score_csv(tmp_path: Path, table: str, *options: str) -> Result:
    """Score ``table`` (CSV text) against the phổ thông satisfaction questionnaire."""
    path = write(tmp_path / "r.csv", table)
    return run("--questionnaire", QUESTIONNAIRE, "--responses", path, *options)


def satisfaction_table(rows_per_school: dict[str, list[int]]) -> str:
    """One row per response: every tiep_can item and the overall question get the same answer."""
    lines = ["unit," + ",".join(ITEMS) + ",hai_long_chung"]
    for school, answers in rows_per_school.items():
        lines += [f"{school}," + ",".join([str(value)] * 6) for value in answers]
    return "\n".join(lines) + "\n"


def test_json_follows_design_section_6(tmp_path: Path) -> None:
    table = satisfaction_table({"A": [5] * 12 + [2] * 4, "B": [4] * 10 + [3] * 10, "C": [1] * 3})
    result = score_csv(
        tmp_path,
        table,
        "--by",
        "unit",
        "--json",
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["questionnaire"] == "hai-long-pho-thong"
    assert scores["version"] == 1
    assert scores["k"] == 10
    assert scores["n"] == 39
    # every item answered 4 or 5 by 12 + 10 of 39 respondents
    assert scores["overall"]["index"] == pytest.approx(100 * 22 / 39, abs=0.05)
    assert scores["overall"]["general"]["satisfied"] == pytest.approx(100 * 22 / 39, abs=0.05)
    (tiep_can,) = [d for d in scores["dimensions"] if d["n"]]
    assert tiep_can["id"] == "tiep_can"
    assert tiep_can["alpha"] == 1.0  # identical items
    tc1 = next(q for q in scores["questions"] if q["id"] == "tc1")
    assert tc1["counts"] == {"1": 3, "2": 4, "3": 10, "4": 10, "5": 12}
    assert tc1["n"] == 39 and tc1["missing"] == 0 and tc1["na"] == 0
    # C (3 responses) is withheld, and B too: 39 − A would otherwise give C back
    assert scores["groups"]["C"] == {"suppressed": True, "n_below": 10}
    assert (
        scores["groups"]["A"]["suppressed"] is False or scores["groups"]["B"]["suppressed"] is False
    )
    hidden = [key for key, group in scores["groups"].items() if group["suppressed"]]
    shown_n = sum(group["n"] for group in scores["groups"].values() if not group["suppressed"])
    assert len(hidden) == 2 and scores["n"] - shown_n >= 10


def test_summary_is_vietnamese_with_vietnamese_numbers(tmp_path: Path) -> None:
    table = satisfaction_table({"A": [5] * 15 + [2] * 4, "B": [4] * 10 + [3] * 10})
    result = score_csv(
        tmp_path,
        table,
        "--by",
        "unit",
    )
    assert result.exit_code == 0, result.output
    assert "39 phiếu" in result.stdout
    assert "Chỉ số hài lòng tổng hợp: 64,1%" in result.stdout
    assert "Tiếp cận dịch vụ giáo dục" in result.stdout


def test_the_whole_table_under_k_is_withheld(tmp_path: Path) -> None:
    table = satisfaction_table({"A": [5, 4, 3]})
    result = score_csv(
        tmp_path,
        table,
        "--json",
        "--k",
        "5",
    )
    assert json.loads(result.stdout) == {
        "questionnaire": "hai-long-pho-thong",
        "version": 1,
        "k": 5,
        "suppressed": True,
        "n_below": 5,
    }


def test_bad_cells_are_listed_by_row_and_column(tmp_path: Path) -> None:
    table = "unit,tc1,tc2,cap_hoc,hai_long_chung\nA,7,3,xx,4\nB,,,,\nC,na,2,,tốt\n"
    result = score_csv(
        tmp_path,
        table,
    )
    assert result.exit_code == 1
    assert "Tệp câu trả lời có lỗi; chưa tính chỉ số." in result.stderr
    assert "Dòng 2, cột tc1: Hãy chọn một mức từ 1 đến 5" in result.stderr
    assert "Dòng 2, cột cap_hoc: Hãy chọn một trong các phương án đã cho." in result.stderr
    assert "Dòng 4, cột hai_long_chung" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00a", "không phải văn bản UTF-8"),
        (b"   \n", "tệp trống"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(content)
    result = run("--questionnaire", QUESTIONNAIRE, "--responses", path)
    assert result.exit_code == 1
    assert message in result.stderr


def test_missing_group_column(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", satisfaction_table({"A": [5] * 12}))
    result = run("--questionnaire", QUESTIONNAIRE, "--responses", path, "--by", "truong")
    assert result.exit_code == 1
    assert "không có cột 'truong'" in result.stderr


def test_k_below_five_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", satisfaction_table({"A": [5] * 12}))
    result = CliRunner().invoke(
        main, ["score", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path), "--k", "3"]
    )
    assert result.exit_code == 2


def test_broken_questionnaire_reports_file_and_line(tmp_path: Path) -> None:
    broken = write(tmp_path / "hai-long.yaml", "slug: hai-long\nversion: x\n")
    path = write(tmp_path / "r.csv", satisfaction_table({"A": [5] * 12}))
    result = run("--questionnaire", broken, "--responses", path)
    assert result.exit_code == 1
    assert f"{broken}:" in result.stderr


def test_excel_files_labels_and_every_question_type(tmp_path: Path) -> None:
    """BOM, semicolons, NFD text, a label row, option labels, multi lists, yes/no words."""
    header = "lop;tc1;tc2;hai_long_chung;loai;noi_dung;kenh;hoc_them;chi_phi"
    labels = ";Thông tin tuyển sinh được công khai;;;Loại ý kiến;;;;"
    rows = [header, labels]
    for i in range(12):
        rows.append(f"6A;{4 + i % 2};2;na;Góp ý;Cô giáo rất tận tâm;zalo|mttq;có;{100 * i}")
    rows.append("6A;;;;;;;;")  # a form handed in blank
    text = unicodedata.normalize("NFD", "\n".join(rows) + "\n")
    path = tmp_path / "r.csv"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    result = run("--questionnaire", EVERY_TYPE, "--responses", path, "--by", "lop", "--json")
    assert result.exit_code == 0, result.stderr
    assert "Bỏ qua 1 dòng không có câu trả lời nào." in result.stderr
    scores = json.loads(result.stdout)
    assert scores["n"] == 12
    assert list(scores["groups"]) == ["6A"]
    questions = {question["id"]: question for question in scores["questions"]}
    assert questions["tc1"]["counts"] == {"1": 0, "2": 0, "3": 0, "4": 6, "5": 6}
    assert questions["tc2"]["counts"]["4"] == 12  # reverse item: 2 counts as 4
    assert questions["hai_long_chung"]["na"] == 12
    choices = {choice["id"]: choice for choice in scores["choices"]}
    assert choices["loai"]["counts"] == {"gop_y": 12, "kien_nghi": 0, "khen": 0}
    assert choices["kenh"]["counts"] == {"hop_phu_huynh": 0, "zalo": 12, "mttq": 12}
    assert choices["hoc_them"]["counts"] == {"no": 0, "yes": 12}


def test_comment_themes_with_scrubbed_quotes(tmp_path: Path) -> None:
    comments = [
        "Đề nghị nhà trường giảm các khoản thu đầu năm, liên hệ 0912 345 678.",
        "Cô giáo chủ nhiệm rất tận tâm, gia đình cảm ơn nhà trường.",
        "Cổng trường giờ tan học ùn tắc, mong có người hướng dẫn giao thông.",
    ]
    lines = ["unit,tc1,gop_y"]
    lines += [f'A,{4 + i % 2},"{comments[i % 3]}"' for i in range(15)]
    lines += ['B,3,"Bữa ăn bán trú cần thêm rau xanh."'] * 3
    result = score_csv(tmp_path, "\n".join(lines) + "\n", "--by", "unit", "--json")
    assert result.exit_code == 0, result.stderr
    scores = json.loads(result.stdout)
    themes = scores["themes"]
    assert themes["comments"] == 18
    items = {item["id"]: item for item in themes["items"]}
    assert items["hoc_phi"]["count"] == 5 and items["hoc_phi"]["complaint"] == 5
    assert items["giao_vien"]["praise"] == 5
    assert items["ban_tru"]["count"] == 3
    quotes = [quote for item in themes["items"] for quote in item["quotes"]]
    assert quotes and not any("0912" in quote for quote in quotes)
    assert any("[số điện thoại]" in quote for quote in quotes)
    assert scores["groups"]["B"] == {"suppressed": True, "n_below": 10}
