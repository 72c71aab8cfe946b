"""``survey-server score``: a responses CSV in, the docs/scoring.md JSON (or a summary) out."""

from __future__ import annotations

import csv
import io
import json
import random
import unicodedata
import uuid
from pathlib import Path

import pytest
import yaml
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
        "--keep",
        "unit",
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


# -- Kobo and ODK exports -----------------------------------------------------------------------

NO_GENERAL = FIXTURES / "questionnaires" / "hai-long-noi-tru.yaml"
GROUPS = {
    "tiep_can": ("a1", "a2"),
    "minh_bach": ("b1", "b2"),
    "co_so_vat_chat": ("c1", "c2"),
    "thai_do": ("d1", "d2"),
    "ket_qua": ("e1", "e2"),
    "danh_gia_chung": ("mong_doi", "quay_lai", "biet_qua", "gop_y"),
}
POINTS = {
    "vi": ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"],
    "en": ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
}
NOT_USED = {"vi": "Không sử dụng", "en": "Not used"}
META_BEFORE = ["start", "end", "today", "deviceid"]
META_AFTER = [
    "__version__", "_id", "_uuid", "_submission_time", "_validation_status", "_notes",
    "_status", "_submitted_by", "_tags", "_index",
]  # fmt: skip
OPTIONS = {"to_roi": "Tờ rơi tại khoa", "nhan_vien": "Nhân viên y tế giới thiệu", "zalo": "Zalo"}


def hospital_answers(count: int = 30) -> list[dict[str, object]]:
    """Answers as the questionnaire's values: scale points or "na", an option id, a list."""
    rng = random.Random(11)
    rows = []
    for _ in range(count):
        row: dict[str, object] = {
            qid: rng.choice([2, 3, 4, 4, 5, 5, "na", ""])
            for qid in ("a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2", "e1", "e2")
        }
        row["mong_doi"] = rng.randint(50, 150)
        row["quay_lai"] = rng.choice(["co_the_quay_lai", "chac_chan_quay_lai", ""])
        row["biet_qua"] = rng.sample(list(OPTIONS), rng.randint(0, 2))
        row["gop_y"] = rng.choice(["", "Buồng bệnh cần thêm quạt."])
        rows.append(row)
    return rows


def plain_csv(rows: list[dict[str, object]]) -> str:
    """The same answers as our own table: ids as headers, "|" between chosen options."""
    ids = [qid for members in GROUPS.values() for qid in members]
    lines = [",".join(ids)]
    for row in rows:
        cells = ["|".join(v) if isinstance(v, list) else str(v) for v in map(row.get, ids)]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def kobo_rows(
    rows: list[dict[str, object]], *, lang: str | None, separator: str, multi: str = "both"
) -> list[list[str]]:
    """A Kobo export: XML values and headers (``lang`` None) or the labels of a language, groups
    in headers joined by ``separator``, select-many as one column, one per option, or both."""
    form = yaml.safe_load(NO_GENERAL.read_text(encoding="utf-8"))
    texts = {q["id"]: q["text"] for s in form["sections"] for q in s["questions"]}
    titles = {s["id"]: s["title"] for s in form["sections"]}

    def name(group: str, qid: str) -> str:
        if lang is None:
            return f"{group}{separator}{qid}"
        return f"{titles[group].get(lang, titles[group]['vi'])}{separator}{texts[qid][lang]}"

    header = list(META_BEFORE)
    for group, members in GROUPS.items():
        for qid in members:
            if qid != "biet_qua" or multi != "details":
                header.append(name(group, qid))
            if qid == "biet_qua" and multi != "summary":
                for option, label in OPTIONS.items():
                    shown = option if lang is None else label
                    header.append(f"{name(group, qid)}{separator}{shown}")
    header += META_AFTER
    out = [header]
    for number, row in enumerate(rows, start=1):
        cells = ["2026-11-20T08:00:00.000+07:00", "2026-11-20T08:06:00.000+07:00", "2026-11-20"]
        cells.append("ee.kobotoolbox.org:abc123")
        for members in GROUPS.values():
            for qid in members:
                value = row[qid]
                if qid == "biet_qua":
                    chosen = list(value)  # type: ignore[call-overload]
                    words = chosen if lang is None else [OPTIONS[o] for o in chosen]
                    if multi != "details":
                        cells.append(" ".join(words))
                    if multi != "summary":
                        cells += ["1" if o in chosen else "0" for o in OPTIONS]
                elif lang is not None and isinstance(value, int) and qid[0] in "abcde":
                    cells.append(POINTS[lang][value - 1])
                elif lang is not None and value == "na":
                    cells.append(NOT_USED[lang])
                elif lang is not None and qid == "quay_lai" and value:
                    labels = {
                        o["id"]: o.get(lang, o["vi"])
                        for o in form["sections"][-1]["questions"][1]["options"]
                    }
                    cells.append(labels[str(value)])
                else:
                    cells.append(str(value))
        cells += ["vAbC", str(1000 + number), str(uuid.uuid4()), "2026-11-20T01:06:10", "", "[]"]
        cells += ["submitted_via_web", "", "[]", str(number)]
        out.append(cells)
    return out


def as_csv(rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL).writerows(rows)
    return buffer.getvalue()


def scores_of(tmp_path: Path, name: str, content: str | bytes, *options: str) -> Result:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return run("--questionnaire", NO_GENERAL, "--responses", path, *options)


@pytest.fixture
def plain_scores(tmp_path: Path) -> dict[str, object]:
    result = scores_of(tmp_path, "plain.csv", plain_csv(hospital_answers()), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("lang", "separator", "delimiter", "multi"),
    [
        (None, "/", ";", "both"),  # Kobo's defaults: XML values and headers, "/" and ";"
        (None, "-", ",", "summary"),  # ODK Central's "-" between group and question
        ("vi", "/", ";", "both"),  # labels in Vietnamese, group labels in the headers
        ("en", " > ", ",", "details"),  # English labels, select-many as 1/0 columns only
    ],
)
def test_kobo_csv_exports_score_like_our_table(
    tmp_path: Path,
    plain_scores: dict[str, object],
    lang: str | None,
    separator: str,
    delimiter: str,
    multi: str,
) -> None:
    rows = kobo_rows(hospital_answers(), lang=lang, separator=separator, multi=multi)
    result = scores_of(tmp_path, "kobo.csv", as_csv(rows, delimiter), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == plain_scores
    assert "Bỏ qua 14 cột thông tin của phiếu (Kobo/ODK)" in result.stderr
    assert "_uuid" in result.stderr and "__version__" in result.stderr
    assert "→ a1" in result.stderr


def test_kobo_xlsx_export(tmp_path: Path, plain_scores: dict[str, object]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    for row in kobo_rows(hospital_answers(), lang=None, separator=".", multi="both"):
        book.active.append([int(c) if c.isdigit() else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    result = scores_of(tmp_path, "kobo.xlsx", buffer.getvalue(), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == plain_scores
    summary = scores_of(tmp_path, "kobo.xlsx", buffer.getvalue())
    assert "Bảng hỏi không có câu hỏi đánh giá chung; kết quả theo từng tiêu chí." in summary.stdout


def test_a_column_matching_no_question_stops_the_run(tmp_path: Path) -> None:
    rows = kobo_rows(hospital_answers(), lang=None, separator="/")
    rows[0].insert(4, "thong_tin/ten_khoa")
    for row in rows[1:]:
        row.insert(4, "Khoa Nội")
    content = as_csv(rows, ";")
    result = scores_of(tmp_path, "kobo.csv", content)
    assert result.exit_code == 1
    assert "1 cột không khớp với câu hỏi nào của bảng hỏi: “thong_tin/ten_khoa”" in result.stderr
    assert result.stdout == ""
    kept = scores_of(tmp_path, "kobo.csv", content, "--keep", "thong_tin/ten_khoa")
    assert kept.exit_code == 0, kept.stderr
    grouped = scores_of(tmp_path, "kobo.csv", content, "--by", "thong_tin/ten_khoa", "--k", "5")
    assert grouped.exit_code == 0 and "Khoa Nội" in grouped.stdout


def test_no_question_column_names_the_ids_and_the_closest_headers(tmp_path: Path) -> None:
    content = "_uuid;A1;A 2;B-1;ghi_chu\nx;4;5;3;\n"
    result = scores_of(tmp_path, "sai.csv", content)
    assert result.exit_code == 1
    assert "không cột nào khớp với câu hỏi của bảng hỏi" in result.stderr
    assert "a1, a2, b1, b2, c1, c2, d1, d2, e1, e2, mong_doi, quay_lai, biet_qua, gop_y" in (
        result.stderr
    )
    assert "“A1” (gần a1)" in result.stderr


def test_the_same_question_twice_and_unknown_labels_are_refused(tmp_path: Path) -> None:
    twice = scores_of(tmp_path, "hai-lan.csv", "a1;tiep_can/a1\n4;5\n")
    assert twice.exit_code == 1
    assert "cột “tiep_can/a1” lặp lại câu hỏi a1 đã có ở cột “a1”" in twice.stderr
    rows = kobo_rows(hospital_answers(12), lang="vi", separator="/")
    rows[3][4] = "Hài lòng lắm"
    rows[5][rows[0].index("Đánh giá chung/Ông/bà biết khảo sát qua đâu?")] = "Tờ rơi Facebook"
    labels = scores_of(tmp_path, "nhan.csv", as_csv(rows, ","))
    assert labels.exit_code == 1
    assert "Dòng 4, cột a1: Hãy chọn một mức từ 1 đến 5" in labels.stderr
    assert "Dòng 6, cột biet_qua" in labels.stderr


def test_odk_central_export(tmp_path: Path, plain_scores: dict[str, object]) -> None:
    """ODK Central: its own metadata columns, "-" between group and question, choices by name."""
    rows = kobo_rows(hospital_answers(), lang=None, separator="-", multi="summary")
    central = ["SubmissionDate", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName"]
    central += ["AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID"]
    central += ["Edits", "FormVersion"]
    table = []
    for number, row in enumerate(rows):
        answers = row[len(META_BEFORE) : len(row) - len(META_AFTER)]
        meta = ["2026-11-20", f"uuid:{uuid.uuid4()}", "k", "5"] + [""] * (len(central) - 4)
        table.append((central if number == 0 else meta) + answers)
    result = scores_of(tmp_path, "central.csv", as_csv(table, ","), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == plain_scores
    assert "Bỏ qua 12 cột thông tin của phiếu (Kobo/ODK)" in result.stderr
    assert "meta-instanceID" in result.stderr and "tiep_can-a1 → a1" in result.stderr
