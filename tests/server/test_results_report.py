"""The top office's report section from imported packages alone: the pooled figures and each
province, and nothing the packages cannot support — no sentence about comments, channels or
schools reached, which stay with the province (both engines)."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import docx

from survey_server.config import Settings
from survey_server.reports.compose import percent
from survey_server.reports.gather import operator_scope
from survey_server.results.merge import current_rollup
from survey_server.results.report import packages_report
from survey_server.timekeeping import today
from survey_server.units.services import get_unit
from tests.conftest import Database
from tests.live import BIN

#: What a report may only say of comments it has read.
ABOUT_COMMENTS = (
    "không có ý kiến góp ý",
    "không có phản ánh",
    "ý kiến khen ngợi",
    "chưa được cán bộ",
    "đã được xem xét, giải quyết",
)


async def test_the_section_says_what_the_packages_hold_and_no_more(
    imported: dict[str, object], settings: Settings
) -> None:
    unit = await get_unit("SO-HP")
    made = await packages_report(
        operator_scope(unit), unit, "md", today(settings.timezone), lang="vi"
    )
    text = made.content.decode()
    rollup = await current_rollup()
    assert percent(rollup.scores["overall"]["index"], "vi") in text
    root = imported["payload"]["root"]  # type: ignore[index]
    assert rollup.units[root]["name"] in text  # the province as a unit of the table
    assert "gói kết quả" in text and "không chuyển" in text
    for sentence in ABOUT_COMMENTS:
        assert sentence not in text, sentence
    assert "00 trường" not in text and "Trong từ ngày" not in text

    word = await packages_report(operator_scope(unit), unit, "docx", today(settings.timezone))
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs]
    assert any("gói kết quả" in p for p in paragraphs)


async def test_the_command_writes_it_and_refuses_two_sources(
    imported: dict[str, object], settings: Settings, db: Database, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": db.url,
        "DATA_DIR": str(settings.data_dir),
        "PATH": os.environ["PATH"],
        "DEFAULT_LANG": "vi",
    }
    out = tmp_path / "bao-cao.md"

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN), "report", "--scope", "SO-HP", *args, "-o", str(out)],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    both = command("--packages", "--period", "2026")
    assert both.returncode != 0 and "không chọn cả hai" in both.stderr
    assert not out.exists()
    made = command("--packages")
    assert made.returncode == 0, made.stderr
    assert "gói kết quả" in out.read_text()
