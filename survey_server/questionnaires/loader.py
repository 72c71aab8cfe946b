"""Reading questionnaire files with ``file:line: message`` errors.

The YAML is composed into nodes first so that every value keeps the line it came from; pydantic
and ``semantics.check`` report paths, and ``_line_of`` finds the nearest line for a path.
PyYAML silently keeps the last of two equal keys; a questionnaire with a repeated key is almost
always a copy-paste slip, so it is reported here.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from survey_server.i18n import N_, gettext
from survey_server.questionnaires import semantics
from survey_server.questionnaires.schema import Questionnaire

NodePath = tuple[str | int, ...]

MESSAGES: dict[str, str] = {
    "yaml": N_("không đọc được YAML: {detail}"),
    "encoding": N_("tệp không phải văn bản UTF-8"),
    "duplicate_key": N_("khóa '{key}' bị lặp lại"),
    "not_mapping": N_("tệp phải là một bảng (mapping) các khóa slug, version, kind…"),
    "missing": N_("thiếu khóa bắt buộc '{field}'"),
    "extra_forbidden": N_("khóa '{field}' không được phép ở đây"),
    "string_pattern_mismatch": N_(
        "'{value}' không đúng định dạng (chỉ chữ thường không dấu, số, '-' hoặc '_')"
    ),
    "literal_error": N_("giá trị '{value}' không hợp lệ; chọn một trong: {expected}"),
    "type": N_("giá trị '{value}' sai kiểu dữ liệu ({detail})"),
    "too_short": N_("danh sách '{field}' quá ngắn"),
    "too_long": N_("danh sách hoặc văn bản '{field}' quá dài"),
    "number_range": N_("giá trị '{value}' nằm ngoài khoảng cho phép ({detail})"),
    "missing_vi": N_("thiếu văn bản tiếng Việt (vi)"),
    "unknown_lang": N_(
        "mã ngôn ngữ '{lang}' không hợp lệ: dùng mã BCP-47 như vi, en, km, zh-Hant, fr-CA"
    ),
    "not_text": N_("văn bản '{lang}' phải là một chuỗi chữ"),
    "too_many_languages": N_("quá nhiều ngôn ngữ (tối đa {lang})"),
    "lang_not_in_title": N_(
        "ngôn ngữ '{lang}' không có trong tiêu đề (title) của bảng hỏi; "
        "mỗi ngôn ngữ của bảng hỏi phải có tiêu đề"
    ),
    "empty_text": N_("văn bản '{lang}' đang để trống"),
    "not_nfc": N_("văn bản '{lang}' chưa chuẩn hóa Unicode NFC (dấu tiếng Việt bị tách rời)"),
    "file_not_nfc": N_("tệp có văn bản chưa chuẩn hóa Unicode NFC"),
    "slug_mismatch": N_("slug '{slug}' phải trùng tên tệp '{stem}'"),
    "duplicate_id": N_("mã '{id}' bị trùng; mỗi phần và câu hỏi cần một mã riêng"),
    "duplicate_option": N_("mã lựa chọn '{id}' bị trùng trong câu hỏi"),
    "unknown_scale": N_("thang đo '{scale}' chưa được khai báo trong 'scales'"),
    "scale_missing": N_("câu hỏi kiểu scale cần khóa 'scale'"),
    "options_missing": N_("câu hỏi chọn một/chọn nhiều cần danh sách 'options'"),
    "not_for_type": N_("khóa '{key}' không dùng được với câu hỏi kiểu {type}"),
    "min_above_max": N_("'min' lớn hơn 'max'"),
    "satisfied_out_of_range": N_("'satisfied_from' phải nằm trong 1..{n}"),
    "show_if_not_earlier": N_(
        "show_if phải dẫn tới một câu hỏi đứng trước; '{id}' không có hoặc đứng sau"
    ),
    "show_if_self": N_("show_if không thể dẫn tới chính câu hỏi này ('{id}')"),
    "show_if_bad_target": N_(
        "show_if chỉ dựa được vào câu hỏi chọn một, chọn nhiều hoặc có/không ('{id}')"
    ),
    "show_if_unknown_value": N_(
        "show_if dùng giá trị '{value}' không có trong câu hỏi được dẫn tới"
    ),
    "several_overall": N_("chỉ được có một câu hỏi 'overall: true'"),
    "missing_dimension": N_("bảng hỏi mức độ hài lòng cần ít nhất một phần 'dimension: true'"),
    "dimension_without_scale": N_(
        "phần tính chỉ số (dimension) cần ít nhất một câu hỏi kiểu scale"
    ),
}


#: The names pydantic puts in an error's path for the member of a ``show_if`` union.
CONDITION_TAGS = frozenset({"ShowIf", "AllOf", "AnyOf", "NotOf"})


@dataclass(frozen=True)
class FileError:
    """One problem of a questionnaire file, printable as ``file:line: message``."""

    file: Path
    line: int
    code: str
    params: dict[str, Any]

    def message(self, lang: str = "vi") -> str:
        return gettext(MESSAGES[self.code], lang, **self.params)

    def render(self, lang: str = "vi") -> str:
        return f"{self.file}:{self.line}: {self.message(lang)}"


class QuestionnaireFileError(Exception):
    """A questionnaire file that cannot be used, with all of its problems."""

    def __init__(self, errors: list[FileError]) -> None:
        super().__init__("\n".join(error.render() for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class LoadedQuestionnaire:
    path: Path
    questionnaire: Questionnaire
    canonical_json: str
    content_hash: str


def canonical_json(questionnaire: Questionnaire) -> str:
    """The definition as stored: sorted keys, no defaults left implicit, NFC text."""
    return json.dumps(
        questionnaire.model_dump(mode="json", by_alias=True),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def load_file(path: Path) -> LoadedQuestionnaire:
    """Parse and check one file; raise ``QuestionnaireFileError`` listing every problem."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise QuestionnaireFileError([FileError(path, 1, "encoding", {})]) from None
    questionnaire, lines, errors = _parse(path, text)
    if questionnaire is not None:
        for node_path, code, params in semantics.check(questionnaire):
            errors.append(FileError(path, _line_of(lines, node_path), code, params))
        if questionnaire.slug != path.stem:
            errors.append(
                FileError(
                    path,
                    _line_of(lines, ("slug",)),
                    "slug_mismatch",
                    {"slug": questionnaire.slug, "stem": path.stem},
                )
            )
    if errors or questionnaire is None:
        raise QuestionnaireFileError(sorted(errors, key=lambda error: error.line))
    stored = canonical_json(questionnaire)
    digest = hashlib.sha256(stored.encode("utf-8")).hexdigest()
    return LoadedQuestionnaire(path, questionnaire, stored, digest)


def questionnaire_files(paths: list[Path]) -> list[Path]:
    """The ``.yaml``/``.yml`` files named, or found directly inside the folders named."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            files.append(path)
    return files


def _parse(
    path: Path, text: str
) -> tuple[Questionnaire | None, dict[NodePath, int], list[FileError]]:
    errors: list[FileError] = []
    if not unicodedata.is_normalized("NFC", text):
        errors.append(FileError(path, _first_non_nfc_line(text), "file_not_nfc", {}))
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        detail = getattr(error, "problem", None) or str(error)
        return None, {}, [*errors, FileError(path, line, "yaml", {"detail": detail})]
    lines: dict[NodePath, int] = {}
    try:
        if node is not None:
            _index_lines(node, (), lines, errors, path)
    except RecursionError:
        return None, {}, [*errors, FileError(path, 1, "yaml", {"detail": "recursive alias"})]
    if not isinstance(data, dict):
        return None, lines, [*errors, FileError(path, 1, "not_mapping", {})]
    try:
        return Questionnaire.model_validate(data), lines, errors
    except ValidationError as error:
        for item in error.errors():
            errors.append(_pydantic_error(path, lines, item))
        return None, lines, errors


def _index_lines(
    node: yaml.Node, path: NodePath, lines: dict[NodePath, int], errors: list[FileError], file: Path
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                errors.append(
                    FileError(file, key_node.start_mark.line + 1, "duplicate_key", {"key": key})
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*path, key), lines, errors, file)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), lines, errors, file)


def _line_of(lines: dict[NodePath, int], path: NodePath) -> int:
    """The line of ``path``, or of its nearest ancestor present in the file."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def _first_non_nfc_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if not unicodedata.is_normalized("NFC", line):
            return number
    return 1


def _pydantic_error(path: Path, lines: dict[NodePath, int], item: Any) -> FileError:
    loc = tuple(
        part
        for part in item["loc"]
        if not (isinstance(part, str) and part.startswith("function-"))
        and part not in CONDITION_TAGS
    )
    field = str(loc[-1]) if loc else ""
    value = item.get("input")
    kind = item["type"]
    line = _line_of(lines, loc)
    if kind == "value_error":
        code, _, detail = str(item["ctx"]["error"]).partition(":")
        if code in MESSAGES:
            return FileError(path, line, code, {"lang": detail})
    if kind in ("missing", "extra_forbidden", "string_pattern_mismatch", "too_short", "too_long"):
        return FileError(path, line, kind, {"field": field, "value": value})
    if kind == "literal_error":
        return FileError(path, line, kind, {"value": value, "expected": item["ctx"]["expected"]})
    if kind.startswith(("greater_than", "less_than")):
        return FileError(path, line, "number_range", {"value": value, "detail": item["msg"]})
    return FileError(path, line, "type", {"value": value, "detail": item["msg"]})
