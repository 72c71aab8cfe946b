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
