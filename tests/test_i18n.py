"""Interface catalogs and Vietnamese formatting."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

from babel.messages.pofile import read_po

from survey_server import i18n
from tests.conftest import ROOT

LOCALE = ROOT / "survey_server" / "locale"
PYBABEL = Path(sys.executable).parent / "pybabel"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def catalog(lang: str):
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def test_english_catalog_is_complete_and_consistent() -> None:
    entries = [message for message in catalog("en") if message.id]
    assert entries
    for message in entries:
        assert message.string, message.id
        assert not message.fuzzy, message.id
        assert unicodedata.is_normalized("NFC", message.id), message.id
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
            PLACEHOLDER.findall(message.string)
        ), message.id


def test_template_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(PYBABEL),
            "extract",
            "-F",
            "pyproject.toml",
            "-c",
            "TRANSLATORS:",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as handle:
        extracted = {message.id for message in read_po(handle) if message.id}
    with (LOCALE / "messages.pot").open("rb") as handle:
        committed = {message.id for message in read_po(handle) if message.id}
    assert extracted == committed, "run pybabel extract/update (README, Translations)"
    translated = {message.id for message in catalog("en") if message.id}
    assert extracted <= translated, sorted(extracted - translated)[:5]


def test_lookup_falls_back_to_vietnamese() -> None:
    assert i18n.gettext("Gửi câu trả lời", "en") == "Submit answers"
    assert i18n.gettext("một câu chưa dịch", "en") == "một câu chưa dịch"
    assert i18n.localize({"vi": "Xin chào"}, "en") == "Xin chào"
    assert i18n.localize({"vi": "Xin chào", "en": "Hello"}, "en") == "Hello"


def test_language_choice() -> None:
    assert i18n.pick_lang(None, "") == "vi"
    assert i18n.pick_lang("en-GB,en;q=0.9") == "en"
    assert i18n.pick_lang("fr", "EN") == "en"
    assert i18n.pick_lang("de") == "vi"


def test_vietnamese_number_and_date_formats() -> None:
    assert i18n.format_number(12345) == "12.345"
    assert i18n.format_number(1234.5, digits=1) == "1.234,5"
    assert i18n.format_share(0.875) == "87,5%"
    assert i18n.format_day(date(2022, 4, 8)) == "ngày 08 tháng 4 năm 2022"
    assert i18n.format_day(date(2022, 4, 8), "en") == "8 April 2022"
    assert i18n.format_short_day(date(2026, 9, 12)) == "12/09/2026"
