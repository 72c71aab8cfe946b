"""The command speaks Vietnamese, Click's own words included, and English with DEFAULT_LANG=en."""

from __future__ import annotations

import gettext
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner, Result

from survey_server import cli_i18n, i18n
from survey_server.cli import main

#: Click's English messages as they show in help; none may reach a Vietnamese help page.
CLICK_ENGLISH = (
    "Usage:",
    "Options:",
    "Commands:",
    "Positional arguments:",
    "Show this message and exit.",
    "default:",
    "required",
    "env var:",
    "(dynamic)",
    "deprecated",
    "Error:",
    "for help.",
)
PLACEHOLDER = re.compile(r"\{[a-z_]+(?:![rsa])?\}|%\([a-z_]+\)s")


def run(*args: str, lang: str | None = None) -> Result:
    """The command as a user runs it; ``lang`` is DEFAULT_LANG (unset: the default)."""
    return CliRunner().invoke(main, list(args), env={"DEFAULT_LANG": lang})


def command_paths(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from command_paths(sub, (*path, name))


def test_help_is_vietnamese() -> None:
    result = run("--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Cách dùng: main [TÙY CHỌN] LỆNH [THAM SỐ]...")
    for text in ("Tùy chọn:", "Lệnh:", "Hiện hướng dẫn này rồi thoát.", "Đợt khảo sát."):
        assert text in result.output
    assert "Usage:" not in result.output
    assert "Show this message" not in result.output


def test_usage_error_points_to_help() -> None:
    result = run("score", "--bogus")
    assert result.exit_code == 2
    assert result.output.startswith("Cách dùng: main score [TÙY CHỌN]\n")
    assert "Chạy 'main score --help' để xem hướng dẫn." in result.output
    assert "Lỗi: Không có tùy chọn '--bogus'." in result.output


def test_subcommand_help_is_vietnamese() -> None:
    result = run("score", "-h")
    assert result.exit_code == 0, result.output
    assert "Cách dùng: main score [TÙY CHỌN]" in result.output
    assert "Tính chỉ số hài lòng từ một bảng câu trả lời" in result.output
    assert "Ngưỡng nhóm nhỏ  [mặc định: 10; x>=5]" in result.output
    assert "Tệp bảng hỏi YAML  [bắt buộc]" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "Lỗi: Không có tùy chọn '--bogus'."),
        (["campagins"], "Lỗi: Không có lệnh 'campagins'. Gợi ý: 'campaigns'."),
        (["score"], "Lỗi: Thiếu tùy chọn '--questionnaire'."),
        (["users", "create"], "Lỗi: Thiếu tham số 'USERNAME'."),
        (["score", "--k"], "Lỗi: Tùy chọn '--k' cần 1 giá trị."),
        (
            ["score", "--questionnaire", "khong-co.yaml", "--responses", "khong-co.csv"],
            "Lỗi: Giá trị không hợp lệ cho '--questionnaire': Không tìm thấy 'khong-co.yaml'.",
        ),
        (
            ["report", "--scope", "SO-HP", "-o", "bao-cao.docx", "--lang", "fr"],
            "Lỗi: Giá trị không hợp lệ cho '--lang': 'fr' không nằm trong các lựa chọn: "
            "'vi', 'en'.",
        ),
        (
            ["paper", "HK1", "-o", "phieu", "--copies", "0"],
            "Lỗi: Giá trị không hợp lệ cho '--copies': 0 nằm ngoài khoảng 1<=x<=500.",
        ),
        (
            ["paper", "HK1", "-o", "phieu", "--copies", "nhiều"],
            "Lỗi: Giá trị không hợp lệ cho '--copies': 'nhiều' không phải là số hợp lệ.",
        ),
    ],
)
def test_usage_errors_are_vietnamese(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    for english in ("Error:", "Usage:", "Try '", "Invalid value", "Missing"):
        assert english not in result.output


def test_every_help_page_is_vietnamese() -> None:
    """Every command and subcommand, those added later included."""
    paths = list(command_paths(main))
    assert len(paths) > 20
    for path, command in paths:
        result = run(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert "Cách dùng:" in result.output, path
        assert "Hiện hướng dẫn này rồi thoát." in result.output, path
        assert unicodedata.is_normalized("NFC", result.output), path
        for english in CLICK_ENGLISH:
            assert english not in result.output, (path, english)
        if isinstance(command, cli_i18n.LocalizedCommand | cli_i18n.LocalizedGroup):
            assert "[OPTIONS]" not in result.output, path


def test_help_is_english_with_default_lang_en() -> None:
    result = run("--help", lang="en")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: main [OPTIONS] COMMAND [ARGS]...")
    for text in (
        "Lắng nghe: surveys of parents and citizens for education offices.",
        "Options:",
        "Show this message and exit.",
        "Commands:",
        "Survey campaigns.",
    ):
        assert text in result.output
    assert "Cách dùng" not in result.output
    assert "Hiện hướng dẫn" not in result.output

    score = run("score", "--help", lang="en")
    assert "Compute satisfaction scores from a table of answers" in score.output
    assert "Small-group threshold  [default: 10; x>=5]" in score.output
    assert "Questionnaire YAML file  [required]" in score.output

    error = run("--bogus", lang="en")
    assert error.exit_code == 2
    assert "Error: No such option '--bogus'." in error.output
    assert "Try 'main --help' for help." in error.output


def test_language_follows_each_run() -> None:
    assert "Show this message and exit." in run("score", "--help", lang="en").output
    assert "Hiện hướng dẫn này rồi thoát." in run("score", "--help").output
    assert "Show this message and exit." in run("score", "--help", lang="en").output


def test_a_run_leaves_the_process_as_it_found_it() -> None:
    domain = gettext.textdomain()
    language = os.environ.get("LANGUAGE")
    run("--bogus")
    assert gettext.textdomain() == domain
    assert os.environ.get("LANGUAGE") == language
    assert gettext.gettext("Usage:") == "Usage:"


def help_texts(lang: str) -> list[str]:
    """The help texts of the localized commands and their options, read in ``lang``."""
    texts = []
    with cli_i18n.speaking(lang):
        for _, command in command_paths(main):
            if isinstance(command, cli_i18n.LocalizedCommand | cli_i18n.LocalizedGroup):
                texts.append(command.help)
                texts.extend(
                    param.help
                    for param in command.params
                    if isinstance(param, cli_i18n.LocalizedOption) and param.help
                )
    return texts


def test_product_help_texts_have_english() -> None:
    vietnamese, english = help_texts("vi"), help_texts("en")
    assert len(vietnamese) > 50
    for message, text in zip(vietnamese, english, strict=True):
        assert text != message, message
        assert i18n.gettext(message, "en") == text


def test_click_catalog_covers_every_click_message() -> None:
    with cli_i18n.CLICK_CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    click_dir = Path(click.__file__).parent
    used = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(click_dir), [("**.py", "python")])
    }
    translated = {
        message.id if isinstance(message.id, str) else message.id[0] for message in catalog
    }
    assert used <= translated, sorted(used - translated)
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings) and not message.fuzzy, message.id
        allowed = {found for text in ids for found in PLACEHOLDER.findall(text)}
        for text in strings:
            assert unicodedata.is_normalized("NFC", text), message.id
            assert set(PLACEHOLDER.findall(text)) <= allowed, message.id
