"""A questionnaire as a YAML file of docs/questionnaires.md, for people to read and edit.

Keys come in the order of the shipped files (slug, version, kind, title, intro, scales,
sections; a question's id and type first, its options last), defaults are left out, everything
is in block style with sequences indented under their key, Unicode is written as it is (NFC)
and a text of several lines is a literal block. ``load_file`` of the result gives back an equal
questionnaire: what the builder and the XLSForm import save is a file like any other.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import yaml

from survey_server.questionnaires.schema import Questionnaire

ORDER: dict[str, tuple[str, ...]] = {
    "questionnaire": ("slug", "version", "kind", "title", "intro", "scales", "sections"),
    "scale": ("points", "satisfied_from", "not_applicable"),
    "section": ("id", "title", "intro", "dimension", "weight", "questions"),
    "question": (
        "id",
        "type",
        "scale",
        "reverse",
        "overall",
        "required",
        "max_length",
        "min",
        "max",
        "text",
        "help",
        "show_if",
        "options",
    ),
    "option": ("id", "vi", "en"),
}


class _Dumper(yaml.SafeDumper):
    """Block sequences indented under their key, as the shipped files write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(questionnaire: Questionnaire) -> str:
    """The questionnaire as YAML text in the file format (``load_file`` reads it back equal)."""
    data = questionnaire.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    ordered = _ordered(data, "questionnaire")
    ordered["scales"] = {
        name: _ordered(scale, "scale") for name, scale in (data.get("scales") or {}).items()
    }
    if not ordered["scales"]:
        del ordered["scales"]
    ordered["sections"] = [
        {
            **_ordered(section, "section"),
            "questions": [_question(question) for question in section["questions"]],
        }
        for section in data["sections"]
    ]
    text = yaml.dump(
        ordered, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
    return unicodedata.normalize("NFC", text)


def _question(question: dict[str, Any]) -> dict[str, Any]:
    ordered = _ordered(question, "question")
    if "options" in ordered:
        ordered["options"] = [_ordered(option, "option") for option in ordered["options"]]
    return ordered


def _ordered(data: dict[str, Any], kind: str) -> dict[str, Any]:
    """``data`` with its known keys in ``ORDER`` and any other key (an option's other
    languages) after them, in their own order."""
    keys = ORDER[kind]
    first = {key: data[key] for key in keys if key in data}
    return {**first, **{key: value for key, value in data.items() if key not in first}}
