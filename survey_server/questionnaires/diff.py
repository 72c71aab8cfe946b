"""What changed between two versions of a questionnaire, for people to read.

Sections, questions, options and scales are matched by their ids (what answers are stored by), so
a question moved to another place or reworded is "changed", not "removed and added": an office
sees at once which answers of the two versions can be compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from survey_server.i18n import N_
from survey_server.questionnaires.schema import Questionnaire

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
ACTION_LABELS = {ADDED: N_("Thêm"), REMOVED: N_("Bỏ"), CHANGED: N_("Sửa")}
ITEM_LABELS = {
    "questionnaire": N_("Bảng hỏi"),
    "scale": N_("Thang đo"),
    "section": N_("Phần"),
    "question": N_("Câu hỏi"),
    "option": N_("Lựa chọn"),
}


@dataclass(frozen=True)
class Change:
    """One difference: what kind of item (``ITEM_LABELS``), which one, which of its fields."""

    action: str
    item: str
    name: str
    field: str = ""
    before: str = ""
    after: str = ""


def compare(old: Questionnaire, new: Questionnaire) -> list[Change]:
    """Every difference from ``old`` to ``new``, in the order of the questionnaire."""
    changes = _fields(
        "questionnaire",
        new.slug,
        _dump(old, "scales", "sections", "version"),
        _dump(new, "scales", "sections", "version"),
    )
    changes += _keyed("scale", _by_key(old.scales), _by_key(new.scales))
    changes += _keyed(
        "section",
        {s.id: _dump(s, "questions") for s in old.sections},
        {s.id: _dump(s, "questions") for s in new.sections},
    )
    old_questions = {q.id: q for q in old.questions()}
    new_questions = {q.id: q for q in new.questions()}
    for question_id in _ordered(old_questions, new_questions):
        before, after = old_questions.get(question_id), new_questions.get(question_id)
        if before is None or after is None:
            action = ADDED if before is None else REMOVED
            shown = after if after is not None else before
            assert shown is not None
            changes.append(Change(action, "question", question_id, after=_text(shown.text)))
            continue
        changes += _fields(
            "question", question_id, _dump(before, "options"), _dump(after, "options")
        )
        changes += _keyed(
            "option",
            {f"{question_id}.{o.id}": o.label for o in before.options or ()},
            {f"{question_id}.{o.id}": o.label for o in after.options or ()},
        )
    return changes


def _dump(model: Any, *leave_out: str) -> dict[str, Any]:
    return {
        key: value
        for key, value in model.model_dump(mode="json", by_alias=True).items()
        if key not in leave_out
    }


def _by_key(scales: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: scale.model_dump(mode="json", by_alias=True) for name, scale in scales.items()}


def _ordered(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Ids of the new version in its order, then those only the old one had."""
    return [*new, *(key for key in old if key not in new)]


def _keyed(item: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    for key in _ordered(old, new):
        if key not in old:
            changes.append(Change(ADDED, item, key, after=_show(new[key])))
        elif key not in new:
            changes.append(Change(REMOVED, item, key, before=_show(old[key])))
        elif isinstance(old[key], dict) and "vi" not in old[key]:
            changes += _fields(item, key, old[key], new[key])
        elif old[key] != new[key]:
            changes.append(Change(CHANGED, item, key, "", _show(old[key]), _show(new[key])))
    return changes


def _fields(item: str, name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    for field in _ordered(old, new):
        before, after = old.get(field), new.get(field)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict) and "vi" in after:
            for lang in _ordered(before, after):  # a text map: one change per language
                if before.get(lang) != after.get(lang):
                    changes.append(
                        Change(
                            CHANGED,
                            item,
                            name,
                            f"{field}.{lang}",
                            _show(before.get(lang)),
                            _show(after.get(lang)),
                        )
                    )
            continue
        changes.append(Change(CHANGED, item, name, field, _show(before), _show(after)))
    return changes


def _text(texts: dict[str, str]) -> str:
    return texts.get("vi", "")


def _show(value: Any) -> str:
    """A value as a person reads it: text as it is, anything else as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "vi" in value:
        return " / ".join(str(text) for text in value.values())
    return json.dumps(value, ensure_ascii=False)
