"""The edits of the questionnaire builder, as changes to a draft's definition.

A draft is the questionnaire as a dictionary in the file format of docs/questionnaires.md. Each
edit takes the fields of one posted form and changes one item (the questionnaire's texts, a
language, a scale, a section, a question); it never checks the whole questionnaire, so a draft
may be invalid while it is built and ``builder_check`` says what is left to fix. Keys that hold
their default are left out, as in a hand-written file: an edit followed by its undo gives back
the same definition.
"""

from __future__ import annotations

from typing import Any

import yaml

from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_, gettext
from survey_server.questionnaires.schema import LANGUAGE_TAG, MAX_LANGUAGES, QuestionType

Definition = dict[str, Any]
Fields = dict[str, str]
QUESTION_TYPES: tuple[QuestionType, ...] = ("scale", "single", "multi", "text", "number", "yes_no")
KINDS = ("satisfaction", "consultation", "feedback")
TYPE_LABELS = {
    "scale": N_("Thang đo (mức độ)"),
    "single": N_("Chọn một"),
    "multi": N_("Chọn nhiều"),
    "text": N_("Văn bản tự do"),
    "number": N_("Số"),
    "yes_no": N_("Có/Không"),
}
KIND_LABELS = {
    "satisfaction": N_("Khảo sát sự hài lòng"),
    "consultation": N_("Lấy ý kiến, tham vấn"),
    "feedback": N_("Phản ánh, kiến nghị"),
}
#: Empty rows offered under the options and points of an item, to add new ones without JS.
NEW_ROWS = 2
#: Sizes past any real questionnaire: a form or a draft beyond them is refused, not stored.
MAX_TEXT = 10_000
MAX_ROWS = 100
MAX_ITEMS = 300
MAX_CONDITION = 4_000


class BuilderInvalid(AppError):
    """An edit that cannot be made at all (as opposed to a draft left invalid)."""

    status_code = 422
    code = "builder_invalid"
    message = N_("Chưa lưu được thay đổi: {detail}")

    def text(self, lang: str) -> str:
        """The reason (``detail``, a message id) translated too, with its own parameters."""
        params = {key: value for key, value in self.params.items() if key != "detail"}
        detail = gettext(self.params["detail"], lang, **params)
        return gettext(self.message, lang, detail=detail)


BAD_TAG = N_("mã ngôn ngữ '{tag}' không hợp lệ: dùng mã BCP-47 như en, km, hmn, zh-Hant, fr-CA")
TOO_BIG = N_("bảng hỏi vượt quá giới hạn (tối đa {n} phần, câu hỏi hoặc lựa chọn)")
TOO_MANY_LANGUAGES = N_("một bảng hỏi có tối đa {n} ngôn ngữ")
BAD_CONDITION = N_(
    "điều kiện hiển thị nâng cao không đọc được (YAML một bảng all/any/not/question)"
)


def languages(definition: Definition) -> list[str]:
    """The draft's languages: those of its title, ``vi`` first (``Questionnaire.languages``)."""
    title = definition.get("title")
    keys = [str(key) for key in title] if isinstance(title, dict) else []
    return ["vi", *(lang for lang in keys if lang != "vi")]


def text_map(fields: Fields, name: str, langs: list[str]) -> dict[str, str]:
    """The texts of ``name`` in each language (fields ``name.vi``, ``name.en``…); a language
    left blank falls back to Vietnamese and is left out, Vietnamese is kept even when blank so
    the check points at it."""
    texts = {lang: _text(fields.get(f"{name}.{lang}")) for lang in langs}
    return {lang: text for lang, text in texts.items() if text or lang == "vi"}


def optional_text_map(fields: Fields, name: str, langs: list[str]) -> dict[str, str] | None:
    texts = text_map(fields, name, langs)
    return texts if any(texts.values()) else None


def _text(value: str | None) -> str:
    text = (value or "").strip().replace("\r\n", "\n")
    if len(text) > MAX_TEXT:
        raise BuilderInvalid(detail=N_("văn bản quá dài"))
    return text


def _put(target: dict[str, Any], key: str, value: Any, default: Any = None) -> None:
    """Set ``key``, or leave it out when it holds its default (as a hand-written file would)."""
    if value is None or value == default or value == {} or value == []:
        target.pop(key, None)
    else:
        target[key] = value


def _number(raw: str | None) -> int | float | str | None:
    """A number typed in a form; text that is no number is kept as typed so the check shows it."""
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text[:40]


# -- the questionnaire ------------------------------------------------------------------------


def save_general(definition: Definition, fields: Fields) -> None:
    langs = languages(definition)
    definition["slug"] = _text(fields.get("slug"))[:100]
    kind = fields.get("kind", "")
    definition["kind"] = kind if kind in KINDS else definition.get("kind", "consultation")
    title = text_map(fields, "title", langs)
    for lang in langs:  # the title names the languages: each stays, blank until translated
        title.setdefault(lang, "")
    definition["title"] = title
    definition["intro"] = text_map(fields, "intro", langs)


def add_language(definition: Definition, tag: str) -> None:
    """Offer the questionnaire in one more language: its title gets a blank text to fill, every
    other text falls back to Vietnamese until translated."""
    tag = tag.strip()
    langs = languages(definition)
    if not LANGUAGE_TAG.match(tag) or tag == "id":  # "id" is the options' own key
        raise BuilderInvalid(detail=BAD_TAG, tag=tag[:20])
    if tag in langs:
        return
    if len(langs) >= MAX_LANGUAGES:
        raise BuilderInvalid(detail=TOO_MANY_LANGUAGES, n=MAX_LANGUAGES)
    title = definition.setdefault("title", {"vi": ""})
    title[tag] = ""


def remove_language(definition: Definition, tag: str) -> None:
    """Remove a language and every text written in it (Vietnamese stays: it is required)."""
    if tag == "vi":
        raise BuilderInvalid(detail=N_("tiếng Việt là ngôn ngữ bắt buộc, không xóa được"))
    for texts in _text_maps(definition):
        texts.pop(tag, None)
    for option in _options(definition):
        if tag != "id":
            option.pop(tag, None)


def _text_maps(definition: Definition) -> list[dict[str, Any]]:
    maps: list[Any] = [definition.get("title"), definition.get("intro")]
    for scale in _dict(definition.get("scales")).values():
        scale = _dict(scale)
        maps += [*_list(scale.get("points")), scale.get("not_applicable")]
    for section in _sections(definition):
        maps += [section.get("title"), section.get("intro")]
        for question in _questions(section):
            maps += [question.get("text"), question.get("help")]
    return [texts for texts in maps if isinstance(texts, dict)]


def _options(definition: Definition) -> list[dict[str, Any]]:
    return [
        option
        for section in _sections(definition)
        for question in _questions(section)
        for option in _list(question.get("options"))
        if isinstance(option, dict)
    ]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _sections(definition: Definition) -> list[dict[str, Any]]:
    return [section for section in _list(definition.get("sections")) if isinstance(section, dict)]


def _questions(section: dict[str, Any]) -> list[dict[str, Any]]:
    return [question for question in _list(section.get("questions")) if isinstance(question, dict)]


# -- scales -----------------------------------------------------------------------------------


def save_scale(definition: Definition, name: str, fields: Fields) -> str:
    """Create or change the named scale ``name`` (renamed to the posted ``name`` field: the
    scale questions that used it follow). Returns the scale's name."""
    langs = languages(definition)
    scales = definition.setdefault("scales", {})
    new_name = "_".join(_text(fields.get("name")).split())[:64] or name
    points = [
        point
        for point in (text_map(fields, f"point-{index}", langs) for index in range(MAX_ROWS))
        if point.get("vi")
    ]
    scale: dict[str, Any] = {"points": points}
    _put(scale, "satisfied_from", _number(fields.get("satisfied_from")))
    _put(scale, "not_applicable", optional_text_map(fields, "na", langs))
    if new_name != name and new_name in scales:
        raise BuilderInvalid(detail=N_("đã có thang đo cùng tên"))
    renamed = {
        (new_name if key == name else key): (scale if key == name else value)
        for key, value in scales.items()
    }
    renamed.setdefault(new_name, scale)
    definition["scales"] = renamed
    if new_name != name:
        for section in _sections(definition):
            for question in _questions(section):
                if question.get("scale") == name:
                    question["scale"] = new_name
    return new_name


def delete_scale(definition: Definition, name: str) -> None:
    _dict(definition.get("scales")).pop(name, None)


# -- sections ---------------------------------------------------------------------------------


def add_section(definition: Definition, fields: Fields) -> int:
    sections = definition.setdefault("sections", [])
    if len(sections) >= MAX_ITEMS:
        raise BuilderInvalid(detail=TOO_BIG, n=MAX_ITEMS)
    section: dict[str, Any] = {"id": _text(fields.get("id"))[:64], "questions": []}
    save_section(definition, section, fields)
    sections.append(section)
    return len(sections) - 1


def save_section(definition: Definition, section: dict[str, Any], fields: Fields) -> None:
    langs = languages(definition)
    section["id"] = _text(fields.get("id"))[:64] or section.get("id", "")
    section["title"] = text_map(fields, "title", langs)
    _put(section, "intro", optional_text_map(fields, "intro", langs))
    _put(section, "dimension", fields.get("dimension") == "1", False)
    _put(section, "weight", _number(fields.get("weight")), 1)


# -- questions --------------------------------------------------------------------------------


def add_question(definition: Definition, section: dict[str, Any], fields: Fields) -> int:
    questions = section.setdefault("questions", [])
    if sum(len(_questions(s)) for s in _sections(definition)) >= MAX_ITEMS:
        raise BuilderInvalid(detail=TOO_BIG, n=MAX_ITEMS)
    kind = fields.get("type", "")
    question: dict[str, Any] = {
        "id": _text(fields.get("id"))[:64],
        "type": kind if kind in QUESTION_TYPES else "single",
        "text": {"vi": _text(fields.get("text.vi"))},
    }
    if question["type"] == "scale":
        question["scale"] = next(iter(_dict(definition.get("scales"))), "")
    if question["type"] in ("single", "multi"):
        question["options"] = []
    questions.append(question)
    return len(questions) - 1


def save_question(
    definition: Definition, question: dict[str, Any], fields: Fields, earlier: list[dict[str, Any]]
) -> None:
    """Every field of one question; keys that the chosen type has no use for are dropped, so
    changing a single question into a text question leaves no stray options behind."""
    langs = languages(definition)
    kind = fields.get("type", "")
    kind = kind if kind in QUESTION_TYPES else str(question.get("type", "single"))
    question.clear()
    question["id"] = _text(fields.get("id"))[:64]
    question["type"] = kind
    question["text"] = text_map(fields, "text", langs)
    _put(question, "help", optional_text_map(fields, "help", langs))
    _put(question, "required", fields.get("required") == "1", False)
    if kind == "scale":
        _put(question, "scale", _text(fields.get("scale")) or None)
        _put(question, "reverse", fields.get("reverse") == "1", False)
        _put(question, "overall", fields.get("overall") == "1", False)
    if kind in ("single", "multi"):
        question["options"] = _posted_options(fields, langs)
    if kind == "text":
        _put(question, "max_length", _number(fields.get("max_length")))
    if kind == "number":
        _put(question, "min", _number(fields.get("min")))
        _put(question, "max", _number(fields.get("max")))
    _put(question, "show_if", condition_from_form(fields, earlier))


def _posted_options(fields: Fields, langs: list[str]) -> list[dict[str, str]]:
    options = []
    for index in range(MAX_ROWS + NEW_ROWS):
        option_id = _text(fields.get(f"option-{index}-id"))[:64]
        labels = text_map(fields, f"option-{index}", langs)
        if option_id or labels.get("vi"):
            options.append({"id": option_id, **labels})
    if len(options) > MAX_ROWS:
        raise BuilderInvalid(detail=TOO_BIG, n=MAX_ROWS)
    return options


def condition_from_form(fields: Fields, earlier: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The ``show_if`` of a question: the advanced YAML when given, else the simple test (one
    earlier question and the answers that show this one), else none."""
    advanced = fields.get("show_if_yaml", "").strip()
    if advanced:
        return parse_condition(advanced)
    target = fields.get("show_if_question", "").strip()
    if not target:
        return None
    controller = next((q for q in earlier if q.get("id") == target), {})
    values: list[str | bool] = []
    for value in fields.get("show_if_values", "").replace(",", " ").split():
        if controller.get("type") == "yes_no" and value.lower() in ("true", "false"):
            values.append(value.lower() == "true")
        else:
            values.append(value[:64])
    return {"question": target[:64], "in": values}


def parse_condition(text: str) -> dict[str, Any]:
    """A condition typed as YAML. Anchors and aliases are refused: a few hundred bytes of them
    expand into more data than the server holds."""
    if len(text) > MAX_CONDITION:
        raise BuilderInvalid(detail=BAD_CONDITION)
    try:
        if any(
            isinstance(token, yaml.AnchorToken | yaml.AliasToken | yaml.TagToken)
            for token in yaml.scan(text, Loader=yaml.SafeLoader)
        ):
            raise BuilderInvalid(detail=BAD_CONDITION)
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise BuilderInvalid(detail=BAD_CONDITION) from None
    if not isinstance(value, dict):
        raise BuilderInvalid(detail=BAD_CONDITION)
    return value


def condition_yaml(condition: Any) -> str:
    """A condition written back in the YAML the advanced field takes."""
    if not condition:
        return ""
    return str(yaml.safe_dump(condition, allow_unicode=True, sort_keys=False, width=1000)).strip()


def is_simple(condition: Any) -> bool:
    """Whether a condition is one test, which the simple fields can show."""
    return isinstance(condition, dict) and set(condition) == {"question", "in"}


# -- positions --------------------------------------------------------------------------------


def move(items: list[Any], index: int, direction: str) -> int:
    """Move one item up or down its list; returns where it now is."""
    target = index - 1 if direction == "up" else index + 1
    if 0 <= index < len(items) and 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        return target
    return index


def item_at(items: Any, index: int) -> dict[str, Any]:
    """The item at ``index`` of a list of the definition, or ``NotFound``."""
    if not isinstance(items, list) or not 0 <= index < len(items):
        raise NotFound()
    item = items[index]
    if not isinstance(item, dict):
        raise NotFound()
    return item
