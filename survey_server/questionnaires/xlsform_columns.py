"""The columns of an XLSForm sheet: which one holds what, in which language.

``label::English (en)``, ``label:english`` and plain ``label`` (the form's default language, or
Vietnamese) all land in ``texts["label"][tag]``; ``list name`` and ``LIST_NAME`` are
``list_name``; ``relevance``, ``bind:relevant``, ``bind:constraint`` and ``bind:required`` are
read as ``relevant``, ``constraint`` and ``required`` (pyxform's aliases). A column the
questionnaire has no place for is remembered with why, so that the import can list it when a
row uses it instead of dropping its content silently: at every row that holds something in it,
or only at the first such row for a column of presentation (``ONCE``), a repeated text column
or a text column in a language not recognised.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from survey_server.questionnaires.xlsform_languages import RENAMED, source_tag

#: Other spellings of a column, as pyxform reads them (header lowercased, spaces as ``_``).
ALIASES = {
    "relevance": "relevant",
    "bind:relevant": "relevant",
    "bind:constraint": "constraint",
    "bind:required": "required",
    "bind:jr:constraintmsg": "constraint_message",
    "constraint_message": "constraint_message",
    "read_only": "read_only",
    "bind:readonly": "read_only",
}
#: Columns of presentation only: listed once, at the first row that uses them, not at each.
ONCE = frozenset(
    {
        "appearance",
        "constraint_message",
        "required_message",
        "media",
        "image",
        "audio",
        "video",
        "big-image",
        "guidance_hint",
        "autoplay",
        "style",
        "instance_name",
        "body",
    }
)


@dataclass
class Columns:
    """Column positions: plain ones by name, text ones by name and language tag, and the
    columns not read with the reason (``column_ignored``, ``unknown_language``,
    ``duplicate_column``)."""

    header: list[str]
    plain: dict[str, int] = field(default_factory=dict)
    texts: dict[str, dict[str, int]] = field(default_factory=dict)
    ignored: dict[int, str] = field(default_factory=dict)
    #: ignored columns listed at every row that holds something in them (the others: once)
    every_row: set[int] = field(default_factory=set)
    #: text columns without a language part, read in the default language: name → index
    unlabelled: dict[str, int] = field(default_factory=dict)
    #: source tags written differently (``id`` → ``ind``), as found in the header
    renamed: set[str] = field(default_factory=set)

    def cell(self, cells: list[str], name: str) -> str:
        index = self.plain.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def text(self, cells: list[str], name: str) -> dict[str, str]:
        """The non-blank texts of a text column in every language, NFC and trimmed."""
        found = {}
        for lang, index in self.texts.get(name, {}).items():
            value = cells[index].strip() if index < len(cells) else ""
            if value:
                found[lang] = unicodedata.normalize("NFC", value)
        return found

    def languages(self) -> set[str]:
        return {lang for by_lang in self.texts.values() for lang in by_lang}

    def used_ignored(self, cells: list[str]) -> list[int]:
        """The ignored columns this row has something in."""
        return [i for i in self.ignored if i < len(cells) and cells[i].strip()]


def _split(header: str) -> tuple[str, str | None]:
    alias = ALIASES.get(_base(header))
    if alias is not None:
        return alias, None
    for separator in ("::", ":"):
        if separator in header:
            base, _, lang = header.partition(separator)
            return _base(base), lang
    return _base(header), None


def _base(name: str) -> str:
    return "_".join(name.strip().lower().split())


def read_columns(
    header: list[str], *, plain: set[str], texts: set[str], default_lang: str
) -> Columns:
    """Where the known columns of ``header`` are; plain text columns are in ``default_lang``
    unless a column names that language explicitly (which wins)."""
    columns = Columns(header)
    unlabelled: list[tuple[int, str]] = []
    for index, raw in enumerate(header):
        if not raw:
            continue
        base, lang = _split(raw)
        if base in texts:
            if lang is None:
                unlabelled.append((index, base))
                continue
            tag = source_tag(lang)
            if tag in RENAMED:
                columns.renamed.add(tag)
                tag = RENAMED[tag]
            if tag is None:
                columns.ignored[index] = "unknown_language"
            elif tag in columns.texts.setdefault(base, {}):
                columns.ignored[index] = "duplicate_column"
            else:
                columns.texts[base][tag] = index
        elif lang is None and base in plain:
            if base in columns.plain:
                columns.ignored[index] = "duplicate_column"
                columns.every_row.add(index)
            else:
                columns.plain[base] = index
        else:
            columns.ignored[index] = "column_ignored"
            if base not in ONCE and base not in texts:
                columns.every_row.add(index)
    for index, base in unlabelled:
        by_lang = columns.texts.setdefault(base, {})
        if default_lang in by_lang:
            columns.ignored[index] = "duplicate_column"
        else:
            by_lang[default_lang] = index
            columns.unlabelled[base] = index
    return columns
