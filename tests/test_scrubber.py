"""The Vietnamese PII scrubber: what it removes, what it keeps, and its command."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from survey_server.privacy.scrubber import scrub
from tests.live import BIN

SHARED_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "pii_sample.jsonl"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cô Trịnh Thu Trang dạy rất hay", "Cô [tên] dạy rất hay"),
        ("thầy hùng dạy toán", "thầy [tên] dạy toán"),
        ("con tôi tên là Minh học lớp 3A", "con tôi tên là [tên] học lớp 3A"),
        ("Gọi 0912 345 678 hoặc 0912.345.678", "Gọi [số điện thoại] hoặc [số điện thoại]"),
        ("zalo +84 912 345 678", "zalo [số điện thoại]"),
        ("ĐT bàn (0225) 3842 123", "ĐT bàn [số điện thoại]"),
        ("CCCD 001090123456", "CCCD [số định danh]"),
        ("STK 1903 5678 9012 3", "STK [số định danh]"),
        ("mail: me.hoa@yahoo.com.vn", "mail: [email]"),
        ("nhà ở số 15 ngõ 8 Lê Lợi, trời mưa", "nhà ở [địa chỉ], trời mưa"),
        ("ở tổ 5 khu phố 3", "ở [địa chỉ]"),
    ],
)
def test_personal_data_is_replaced_by_tags(text: str, expected: str) -> None:
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Trường THCS Trương Công Định đã sửa xong sân.",
        "Tiểu học Nguyễn Huệ, THPT Lê Quý Đôn và đường Trần Phú.",
        "Học theo tấm gương Chủ tịch Hồ Chí Minh.",
        "Theo Thông tư 29/2024/TT-BGDĐT và Nghị định 13/2023/NĐ-CP.",
        "Thu 1.200.000 đồng, 85% phụ huynh đồng ý, 45 học sinh lớp 12A5, phòng 204.",
        "Ngày 12/9/2026 họp lúc 7h30, năm học 2025–2026.",
        "Cổng trường an toàn, mọi thứ bình thường, lan can chắc chắn.",
    ],
)
def test_useful_text_is_kept(text: str) -> None:
    assert scrub(text).text == text


def test_offsets_point_into_the_input() -> None:
    text = "Cô Lan, sđt 0912 345 678"
    result = scrub(text)
    assert [(f.kind, text[f.start : f.end]) for f in result.found] == [
        ("name", "Lan"),
        ("phone", "0912 345 678"),
    ]


def test_nfd_input_is_read_as_nfc() -> None:
    assert scrub(unicodedata.normalize("NFD", "Cô Trịnh Thu Trang")).text == "Cô [tên]"


def test_command_filters_plain_text_and_jsonl() -> None:
    plain = subprocess.run(
        [str(BIN), "scrub"], input="Thầy Quang, 0912345678\n", capture_output=True, text=True
    )
    assert plain.stdout == "Thầy [tên], [số điện thoại]\n"
    lines = json.dumps({"text": "Cô Lan"}, ensure_ascii=False) + "\n"
    out = subprocess.run(
        [str(BIN), "scrub", "--jsonl"], input=lines, capture_output=True, text=True
    ).stdout
    assert json.loads(out) == {
        "text": "Cô [tên]",
        "found": [{"kind": "name", "start": 3, "end": 6}],
    }
    bad = subprocess.run(
        [str(BIN), "scrub", "--jsonl"], input="{oops\n", capture_output=True, text=True
    )
    assert bad.returncode == 1 and "Dòng 1" in bad.stderr


@pytest.mark.skipif(
    not SHARED_SAMPLE.exists(), reason="the shared sample is beside the checkout only"
)
def test_shared_sample_meets_the_targets() -> None:
    tool = SHARED_SAMPLE.parents[1] / "tools" / "pii_eval.py"
    done = subprocess.run(
        [sys.executable, str(tool), str(SHARED_SAMPLE), "--cmd", f"{BIN} scrub --jsonl"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Minh lớp 4A hay bị bạn bắt nạt", "Minh"),
        ("Theo Ngọc, trường chưa sửa cổng", "Ngọc"),
        ("Con đi cùng với Nhung mỗi sáng", "Nhung"),
        ("Bộ trưởng Dũng đã trả lời", "Dũng"),
        ("Nguyen Nhan Hoa, 29 tuổi, tổ trưởng", "Nguyen Nhan Hoa"),
        ("công nhân môi trường Nguyễn Thị Quyên quét sân", "Quyên"),
        ("bà H.T.P (47 tuổi) đón cháu", "T.P"),
        ("em L.M.K lớp 7B và chị T.T.B.P. cùng lớp", "M.K"),
        ("Lotte Mart Đà Nẵng (6 Nại Nam, Hòa Cường Bắc)", "6 Nại Nam"),
        ("ở khách sạn 331 Nguyễn Văn Linh", "331"),
        ("quán bia địa chỉ tại TT 3.13, khu đấu giá Tứ Hiệp", "3.13"),
        ("CON TÔI LÀ NGUYỄN VĂN AN, LỚP 4B, BỊ ĐÁNH", "NGUYỄN VĂN AN"),
    ],
)
def test_names_and_addresses_without_the_usual_cues_are_removed(text: str, gone: str) -> None:
    assert gone not in scrub(text).text


@pytest.mark.parametrize(
    "text",
    [
        "Gia đình đi du lịch Thái Lan, Hàn Quốc và Vũ Hán về.",
        "Ninh Bình, Thái Bình, Thạch Thất và quận Bắc Từ Liêm đều có trường mới.",
        "Sở Y tế Đà Nẵng đã kiểm tra bếp ăn.",
        "Tự hào là học sinh Việt Nam.",
        "Đoàn công nhân sửa điện, nhà trường bố trí chỗ học khác.",
        "Cô bảo các con mang áo mưa.",
        "Ông dương tính nên cả nhà cách ly.",
        "Hoa phượng nở, các con thi xong môn Văn và tiếng Anh.",
        "Số điện thoại 098xxx đã bị che, số đuôi 678.",
        "Từ Mỹ về Việt Nam, cháu vào học ở Trường THCS Trần Phú.",
    ],
)
def test_places_bodies_and_words_that_look_like_names_are_kept(text: str) -> None:
    assert scrub(text).text == text


def test_the_model_reads_names_no_list_has() -> None:
    text = "Chiều nay Putin đến thăm lớp."
    assert "Putin" in scrub(text).text
    assert scrub(text, deep=True).text == "Chiều nay [tên] đến thăm lớp."


def test_scrubbing_twice_changes_nothing_more() -> None:
    once = scrub("Cô Lan, sđt 0912 345 678, nhà 12 ngõ 5 Lê Lợi; bé H.T.P lớp 2", deep=True).text
    assert scrub(once, deep=True).text == once


def test_the_model_needs_no_network() -> None:
    code = (
        "import sys\n"
        "def refuse(event, args):\n"
        "    if event in ('socket.connect', 'socket.getaddrinfo', 'urllib.Request'):\n"
        "        raise OSError('network used: ' + event)\n"
        "sys.addaudithook(refuse)\n"
        "from survey_server.privacy.scrubber import scrub\n"
        "print(scrub('Chiều nay Putin đến thăm lớp.', deep=True).text)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Chiều nay [tên] đến thăm lớp."
