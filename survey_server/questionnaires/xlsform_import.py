"""XLSForm (KoboToolbox, ODK) → questionnaire, with every row either carried or listed.

What maps and what is listed is described in docs/XLSFORM.md. The choices made where XLSForm and
the questionnaire format differ:

* a ``relevant`` this format cannot express (numbers, functions, a later question) is dropped and
  the question shown always; a required question is then made optional, so that a respondent
  who should never have seen it is not forced to answer it;
* a ``note`` opening a group is the section's intro (the first notes of the form, its intro);
  any other note is put before the next question's help text, and listed;
* nested groups become sections of their own, one after the other;
* ``or_other`` adds an "other" option and a text question shown when it is chosen (what ODK
  does itself);
* the form's single title (in the default label language) is used for every language that has
  no ``form_title::…`` of its own;
* Indonesian (``id``) is written ``ind``: ``id`` is the key of an option's id;
* only a list labelled with ordered scale words (or marked as a scale) is a scale, read worst
  first: a list written best first is reversed, and listed.

The function runs in the child process of ``survey_server.bounded`` (``xlsform.import_bounded``):
its arguments and result are plain, picklable data.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from survey_server.questionnaires import loader, semantics
from survey_server.questionnaires.schema import (
    MAX_LANGUAGES,
    AllOf,
    Condition,
    Questionnaire,
    ShowIf,
)
from survey_server.questionnaires.xlsform_columns import Columns, read_columns
from survey_server.questionnaires.xlsform_conditions import Carried, translate
from survey_server.questionnaires.xlsform_export import TITLE_TRANSLATION
from survey_server.questionnaires.xlsform_expressions import (
    Unsupported,
    max_length,
    number_bounds,
    parse,
)
from survey_server.questionnaires.xlsform_languages import language_tag, source_tag
from survey_server.questionnaires.xlsform_read import FormUnreadable, Sheet, read_workbook
from survey_server.questionnaires.xlsform_report import FIRST, Skipped, XlsImport
from survey_server.questionnaires.xlsform_vocabulary import (
    BEGIN,
    END,
    LIKERT,
    META,
    NOT_APPLICABLE,
    NOT_APPLICABLE_NAMES,
    NUMBER,
    PERSONAL,
    SELECT,
    SINGLE,
    TEXT,
    UNSUPPORTED,
)

KINDS = ("satisfaction", "consultation", "feedback")
TRUE = frozenset({"yes", "true", "true()", "1", "x", "có", "co"})
FALSE = frozenset({"", "no", "false", "false()", "0", "không", "khong"})


@dataclass(frozen=True)
class Choice:
    """A row of the ``choices`` sheet; ``marked``: its ``satisfied_from`` cell says yes."""

    row: int
    name: str
    labels: dict[str, str]
    marked: bool
    ignored: list[int]  # ignored columns this row has something in
    scale: bool = False  # its ``scale`` cell says yes: the list is a scale (as exported)


@dataclass
class SectionDraft:
    """A section being filled: a group's own, or the questions after a nested group or
    outside every group (``from_group`` False)."""

    id: str
    title: dict[str, str]
    row: int
    from_group: bool
    dimension: bool | None = None
    weight: int | float = 1
    intro: dict[str, str] = field(default_factory=dict)
    intro_rows: list[int] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    question_rows: list[int] = field(default_factory=list)
    option_rows: list[list[int]] = field(default_factory=list)  # choices rows of each question


@dataclass
class Frame:
    """An open ``begin group`` or ``begin repeat``."""

    kind: str  # group | repeat
    row: int
    name: str
    section: SectionDraft | None
    condition: Condition | None
    dropped: bool  # the group's own condition could not be carried


class _Refused(Exception):
    """The form cannot be carried at all (``code`` of ``xlsform_report.MESSAGES``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def import_xlsform(
    data: bytes,
    *,
    filename: str,
    slug: str | None = None,
    kind: str | None = None,
    satisfied_from: dict[str, int] | None = None,
) -> XlsImport:
    """The questionnaire of an XLSForm workbook and every row not carried as it is."""
    listed: list[Skipped] = []
    try:
        workbook = read_workbook(data)
        builder = _Builder(workbook.sheets, listed, filename, satisfied_from or {})
        listed.extend(
            Skipped(name, 1, "", "sheet_ignored", {"sheet": name}) for name in workbook.other_sheets
        )
        definition, places = builder.build(slug=slug, kind=kind)
    except FormUnreadable as error:
        return XlsImport(None, listed, [Skipped("", 0, "", error.code, error.params)])
    except _Refused as error:
        return XlsImport(None, listed, [Skipped("", 0, "", error.code, error.params)])
    questionnaire, errors = _validate(definition, places)
    return XlsImport(questionnaire, _ordered(listed), errors)


def _ordered(listed: list[Skipped]) -> list[Skipped]:
    """Sheet by sheet, row by row, each once (a choice list used by two questions is read
    twice)."""
    order = {"settings": 0, "survey": 1, "choices": 2}
    unique: dict[tuple[str, int, str, str], Skipped] = {}
    for item in listed:
        unique.setdefault((item.sheet, item.row, item.column, item.code), item)
    return sorted(
        unique.values(),
        key=lambda item: (item.code not in FIRST, order.get(item.sheet, 3), item.row),
    )


def _validate(
    definition: dict[str, Any], places: list[tuple[str, int]]
) -> tuple[Questionnaire | None, list[Skipped]]:
    """Check the made questionnaire like ``questionnaires check`` does; a problem points at the
    row it came from (``places`` indexed by the line numbers handed to the loader's helpers)."""
    lines: dict[loader.NodePath, int] = definition.pop("_lines")
    try:
        questionnaire = Questionnaire.model_validate(definition)
    except ValidationError as error:
        return None, [_pydantic_problem(places, lines, item) for item in error.errors()]
    problems = [
        _at(places, loader._line_of(lines, path), code, params)
        for path, code, params in semantics.check(questionnaire)
    ]
    return (None, problems) if problems else (questionnaire, [])


def _pydantic_problem(
    places: list[tuple[str, int]], lines: dict[loader.NodePath, int], item: Any
) -> Skipped:
    """A pydantic error as the loader words it, except that pydantic's own (English) text
    never reaches the message."""
    found = loader._pydantic_error(Path(), lines, item)
    params = dict(found.params)
    field = str(params.get("field") or (item["loc"][-1] if item["loc"] else ""))
    value = str(item.get("input"))[:80]
    if item["type"] == "string_too_long":
        limit = item.get("ctx", {}).get("max_length", "")
        return _at(
            places, found.line, "value_too_long", {"value": value, "limit": limit, "field": field}
        )
    if found.code == "literal_error":  # pydantic joins the choices with an English "or"
        params["expected"] = str(params["expected"]).replace(" or ", ", ")
    if found.code in ("type", "number_range"):
        return _at(places, found.line, "bad_value", {"value": value, "field": field})
    return _at(places, found.line, found.code, params)


def _at(places: list[tuple[str, int]], index: int, code: str, params: dict[str, Any]) -> Skipped:
    sheet, row = places[index] if 0 <= index < len(places) else ("", 0)
    return Skipped(sheet, row, "", code, params)


def identifier(text: str, fallback: str = "x") -> str:
    """A ``[a-z0-9_]+`` id from any name: diacritics removed, other characters as ``_``."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:60] or fallback


def slugify(text: str) -> str:
    return identifier(text, "bang-hoi").replace("_", "-")[:100].strip("-") or "bang-hoi"


def _unique(base: str, used: set[str]) -> str:
    candidate, number = base, 2
    while candidate in used:
        candidate = f"{base[:58]}_{number}"
        number += 1
    used.add(candidate)
    return candidate


def _truthy(value: str) -> bool | None:
    folded = value.strip().casefold()
    if folded in TRUE:
        return True
    if folded in FALSE:
        return False
    return None


class _Builder:
    """One import: reads the sheets, then walks the survey rows once."""

    def __init__(
        self,
        sheets: dict[str, Sheet],
        listed: list[Skipped],
        filename: str,
        satisfied_from: dict[str, int],
    ) -> None:
        self.sheets = sheets
        self.listed = listed
        self.filename = filename
        self.satisfied_arg = satisfied_from
        self.ids: set[str] = set()
        self.places: list[tuple[str, int]] = [("", 0)]
        self.lines: dict[loader.NodePath, int] = {(): 0}
        self.settings = self._settings()
        default = self.settings["default_language"]
        self.survey = sheets["survey"]
        self.columns = read_columns(
            self.survey.header,
            plain={
                "type",
                "name",
                "required",
                "relevant",
                "constraint",
                "dimension",
                "weight",
                "reverse",
                "overall",
            },
            texts={"label", "hint"},
            default_lang=default,
        )
        if "type" not in self.columns.plain:
            raise _Refused("no_type_column")
        choices = sheets.get("choices")
        self.choice_columns = read_columns(
            choices.header if choices else [],
            plain={"list_name", "name", "satisfied_from", "scale"},
            texts={"label"},
            default_lang=default,
        )
        languages = (
            self.columns.languages() | self.choice_columns.languages() | set(self.settings["title"])
        )
        self._refuse_without_vietnamese(default)
        if len(languages) > MAX_LANGUAGES:
            raise _Refused("too_many_languages", count=len(languages), limit=MAX_LANGUAGES)
        self.languages = ["vi", *sorted(languages - {"vi"})]
        self.lists = self._lists(choices)
        self.scale_lists: dict[str, str] = {}  # list name → scale id
        self.scales: dict[str, dict[str, Any]] = {}
        self.used_ignored: dict[tuple[str, int], int] = {}
        self.id_rows: dict[str, int] = {}  # question and section id → the row that claimed it
        self._first_notes(choices)

    def _refuse_without_vietnamese(self, default: str) -> None:
        """Refuse a form whose question labels have no Vietnamese, with advice that fits it."""
        labels = self.columns.texts.get("label", {})
        if "vi" in labels:
            return
        if not labels:
            raise _Refused("no_vietnamese_no_label")
        found = ", ".join(sorted(labels))
        if "label" in self.columns.unlabelled:
            raise _Refused("no_vietnamese_plain", languages=found, default=default)
        column = self.columns.header[labels.get("en", next(iter(labels.values())))]
        raise _Refused("no_vietnamese", languages=found, column=column)

    def _first_notes(self, choices: Sheet | None) -> None:
        """The notes on the whole form: Indonesian written ``ind``; a plain ``label`` column
        taken as Vietnamese (and whether its text looks Vietnamese at all)."""
        all_columns = (self.columns, self.choice_columns, self.settings_columns)
        if any("id" in columns.renamed for columns in all_columns) or (
            self.settings["default_source"] == "id"
        ):
            self.listed.append(Skipped("survey", 1, "", "indonesian_ind"))
        if self.settings["default_given"]:
            return
        texts: list[str] = []
        where: tuple[str, str] | None = None
        for sheet_name, columns, sheet in (
            ("survey", self.columns, self.survey),
            ("choices", self.choice_columns, choices),
        ):
            index = columns.unlabelled.get("label")
            if index is None or sheet is None or columns.texts["label"].get("vi") != index:
                continue
            where = where or (sheet_name, columns.header[index])
            texts += [cells[index] for _, cells in sheet.rows if index < len(cells)]
        if where is None:
            return
        worded = [text for text in texts if any(ch.isalpha() for ch in text)]
        plain = [text for text in worded if not _has_vietnamese_letter(text)]
        share = round(100 * len(plain) / len(worded)) if worded else 0
        params = {"column": where[1], "share": share}
        code = "plain_label_not_vi" if worded and share >= 90 else "plain_label_vi"
        self.listed.append(Skipped(where[0], 1, where[1], code, params))

    # -- settings and choices ------------------------------------------------------------

    def _settings(self) -> dict[str, Any]:
        sheet = self.sheets.get("settings")
        found: dict[str, Any] = {
            "default_language": "vi",
            "default_given": False,
            "default_source": None,
            "title": {},
            "row": 2,
        }
        self.settings_columns = Columns([])
        if sheet is None or not sheet.rows:
            return found
        row_number, cells = sheet.rows[0]
        found["row"] = row_number
        known = {"form_id", "version", "default_language", "kind", "satisfied_from"}
        texts = {"form_title", TITLE_TRANSLATION}
        first = read_columns(sheet.header, plain=known, texts=texts, default_lang="vi")
        default = first.cell(cells, "default_language")
        if default:
            tag = language_tag(default)
            if tag is None:
                self.listed.append(
                    Skipped(
                        "settings",
                        row_number,
                        "default_language",
                        "unknown_language",
                        {"column": default},
                    )
                )
            else:
                found["default_language"] = tag
                found["default_given"] = True
                found["default_source"] = source_tag(default)
        columns = read_columns(
            sheet.header,
            plain=known,
            texts=texts,
            default_lang=found["default_language"],
        )
        self.settings_columns = columns
        found["title"] = {
            **columns.text(cells, TITLE_TRANSLATION),
            **columns.text(cells, "form_title"),
        }
        for name in ("form_id", "version", "kind", "satisfied_from"):
            found[name] = columns.cell(cells, name)
        for index in columns.used_ignored(cells):
            self._list_column("settings", row_number, columns, index)
        return found

    def _lists(self, sheet: Sheet | None) -> dict[str, list[Choice]]:
        lists: dict[str, list[Choice]] = {}
        if sheet is None:
            return lists
        columns = self.choice_columns
        for row, cells in sheet.rows:
            list_name, name = columns.cell(cells, "list_name"), columns.cell(cells, "name")
            if not list_name or not name:
                self.listed.append(Skipped("choices", row, "", "choice_incomplete"))
                continue
            choices = lists.setdefault(list_name, [])
            if any(choice.name == name for choice in choices):
                self.listed.append(
                    Skipped(
                        "choices",
                        row,
                        "name",
                        "duplicate_choice",
                        {"name": name, "list": list_name},
                    )
                )
                continue
            marked = _truthy(columns.cell(cells, "satisfied_from")) is True
            labels = columns.text(cells, "label")
            scale = _truthy(columns.cell(cells, "scale")) is True
            choices.append(Choice(row, name, labels, marked, columns.used_ignored(cells), scale))
        return lists

    def _uses(self) -> dict[str, set[str]]:
        """How each choice list is used: ``single``, ``multi``, ``other``."""
        uses: dict[str, set[str]] = {}
        for _, cells in self.survey.rows:
            match = SELECT.match(" ".join(self.columns.cell(cells, "type").split()))
            if match:
                kind = "single" if match["kind"].lower() in SINGLE else "multi"
                uses.setdefault(match["list"], set()).add("other" if match["other"] else kind)
        return uses

    def _scale_of(self, list_name: str, choices: list[Choice], uses: set[str]) -> None:
        """Make ``list_name`` a named scale if it looks like an ordered scale used only by
        single-choice questions (see docs/XLSFORM.md)."""
        if uses != {"single"} or not choices:
            return
        points, not_applicable = choices, None
        last = choices[-1]
        if last.name.casefold() in NOT_APPLICABLE_NAMES or any(
            label.casefold() in NOT_APPLICABLE for label in last.labels.values()
        ):
            points, not_applicable = choices[:-1], last
        ranks = [_likert_rank(choice) for choice in points]
        worded = all(rank is not None for rank in ranks)
        declared = any(choice.marked or choice.scale for choice in points)
        smallest = 2 if declared else 3
        if not (smallest <= len(points) <= 11 and (worded or declared)):
            return
        scale_id = _unique(identifier(list_name, "thang"), set(self.scales))
        exported = any(choice.scale for choice in points)  # our export: points as stored
        best_first = worded and not exported and all(a > b for a, b in itertools.pairwise(ranks))
        if best_first:  # the format's points run from the worst (1) to the best (n)
            points = points[::-1]
        marked = [index for index, choice in enumerate(points, start=1) if choice.marked]
        scale: dict[str, Any] = {"points": [self._choice_label(choice) for choice in points]}
        self._list_scale_order(scale_id, points, scale["points"], best_first)
        satisfied = self._satisfied_from(list_name, scale_id, marked, points)
        if satisfied is not None:
            scale["satisfied_from"] = satisfied
        if not_applicable is not None:
            scale["not_applicable"] = self._choice_label(not_applicable)
        self.scale_lists[list_name] = scale_id
        self.scales[scale_id] = scale
        self._place(("scales", scale_id), "choices", points[0].row)
        for index, choice in enumerate(points):
            self._place(("scales", scale_id, "points", index), "choices", choice.row)
        if not_applicable is not None:
            self._place(("scales", scale_id, "not_applicable"), "choices", not_applicable.row)

    def _list_scale_order(
        self, scale_id: str, points: list[Choice], labels: list[dict[str, str]], reversed_: bool
    ) -> None:
        """List a scale read in the other order, and the choice names a scale does not keep."""
        n = len(points)
        row = min(choice.row for choice in points)
        if reversed_:
            params = {"scale": scale_id, "first": labels[0]["vi"], "n": n, "last": labels[-1]["vi"]}
            self.listed.append(Skipped("choices", row, "name", "scale_reversed", params))
        if [choice.name for choice in points] != [str(i) for i in range(1, n + 1)]:
            names = ", ".join(f"{i}={choice.name}" for i, choice in enumerate(points, start=1))
            params = {"scale": scale_id, "names": names, "n": n, "first": points[0].name}
            self.listed.append(Skipped("choices", row, "name", "scale_names_lost", params))

    def _satisfied_from(
        self, list_name: str, scale_id: str, marked: list[int], points: list[Choice]
    ) -> int | None:
        n = len(points)
        candidates: list[tuple[Any, str, int]] = []
        for key in (list_name, scale_id):
            if key in self.satisfied_arg:
                candidates.append((self.satisfied_arg[key], "", 0))
        if marked:
            candidates.append((marked[0], "choices", points[0].row))
        setting = self.settings.get("satisfied_from", "")
        for part in setting.split(","):
            name, _, value = part.strip().rpartition("=")
            if value.strip() and name.strip() in ("", list_name, scale_id):
                candidates.append((value.strip(), "settings", self.settings["row"]))
        for value, sheet, row in candidates:
            number = int(value) if str(value).strip().isdigit() else None
            if number is not None and 1 <= number <= n:
                return number
            self.listed.append(
                Skipped(
                    sheet,
                    row,
                    "satisfied_from",
                    "satisfied_out_of_range",
                    {"value": value, "scale": scale_id, "n": n},
                )
            )
        return None

    def _choice_label(self, choice: Choice) -> dict[str, str]:
        for index in choice.ignored:
            if index in self.choice_columns.every_row:
                self._list_column("choices", choice.row, self.choice_columns, index)
            else:
                self._use_ignored("choices", index, choice.row)
        labels = {lang: choice.labels[lang] for lang in self.languages if lang in choice.labels}
        if "vi" not in labels:
            self.listed.append(
                Skipped("choices", choice.row, "label", "choice_no_label", {"name": choice.name})
            )
            labels = {"vi": choice.name, **labels}
        return labels

    def _options(self, list_name: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        used: set[str] = set()
        options, ids = [], {}
        self.option_rows = [choice.row for choice in self.lists[list_name]]
        for choice in self.lists[list_name]:
            option_id = _unique(identifier(choice.name, "lc"), used)
            if option_id != choice.name:
                self.listed.append(
                    Skipped(
                        "choices",
                        choice.row,
                        "name",
                        "choice_renamed",
                        {"name": choice.name, "id": option_id},
                    )
                )
            ids[choice.name] = option_id
            # never an "id" label beside the id: Indonesian is "ind" (xlsform_languages.RENAMED)
            options.append({"id": option_id, **self._choice_label(choice)})
        return options, ids

    # -- the survey ----------------------------------------------------------------------

    def build(
        self, *, slug: str | None, kind: str | None
    ) -> tuple[dict[str, Any], list[tuple[str, int]]]:
        kind = kind or (self.settings.get("kind") or "").strip().lower() or "consultation"
        if kind not in KINDS:
            raise _Refused("bad_kind", kind=kind[:40])
        self.kind = kind
        for list_name, uses in self._uses().items():
            if list_name in self.lists:
                self._scale_of(list_name, self.lists[list_name], uses)
        self.title = self._title()
        self.intro: dict[str, str] = {}
        self.sections: list[SectionDraft] = []
        self.frames: list[Frame] = []
        self.current: SectionDraft | None = None
        self.pending: list[tuple[int, dict[str, str]]] = []
        self.carried: dict[str, Carried] = {}
        for row, cells in self.survey.rows:
            self._row(row, cells)
        for frame in reversed(self.frames):
            if frame.kind == "group":
                self.listed.append(
                    Skipped("survey", frame.row, "type", "not_closed", {"name": frame.name})
                )
        self._close_section()
        sections = [section for section in self.sections if section.questions]
        for section in self.sections:
            if not section.questions and section.from_group:
                self.listed.append(
                    Skipped("survey", section.row, "type", "empty_group", {"name": section.id})
                )
                self.listed.extend(
                    Skipped("survey", row, "type", "note_dropped") for row in section.intro_rows
                )
        if not sections:
            raise _Refused("no_questions")
        for (sheet, index), row in self.used_ignored.items():
            columns = self.columns if sheet == "survey" else self.choice_columns
            self._list_column(sheet, row, columns, index)
        return self._definition(slug, sections), self.places

    def _title(self) -> dict[str, str]:
        given = self.settings["title"]
        default = self.settings["default_language"]
        # a language without its own title: the form's title in the default label language
        fallback = given.get(default) or given.get("vi") or next(iter(given.values()), None)
        if fallback is None:
            name = self.settings.get("form_id") or Path(self.filename).stem or "Bảng hỏi"
            fallback = unicodedata.normalize("NFC", name)
        return {lang: given.get(lang, fallback) for lang in self.languages}

    def _row(self, row: int, cells: list[str]) -> None:
        raw_type = " ".join(self.columns.cell(cells, "type").split())
        kind = raw_type.lower()
        in_repeat = any(frame.kind == "repeat" for frame in self.frames)
        begin = next((v for k, v in BEGIN.items() if kind == k or kind.startswith(k + " ")), None)
        end = END.get(kind)
        if in_repeat:
            if begin is not None:
                self.frames.append(Frame(begin, row, "", None, None, False))
            elif end is not None and self.frames[-1].kind == end:
                self.frames.pop()
            self.listed.append(Skipped("survey", row, "type", "in_repeat"))
            return
        if not kind:
            self.listed.append(Skipped("survey", row, "type", "no_type"))
        elif begin == "repeat":
            self.frames.append(Frame("repeat", row, "", None, None, False))
            self.listed.append(Skipped("survey", row, "type", "repeat"))
        elif begin == "group":
            self._begin_group(row, cells)
        elif end is not None:
            if not self.frames or self.frames[-1].kind != end:
                self.listed.append(Skipped("survey", row, "type", "unbalanced", {"type": raw_type}))
            else:
                self._close_section()
                self.frames.pop()
        elif kind == "note":
            self._note(row, cells)
        elif kind in META:
            self.listed.append(Skipped("survey", row, "type", "metadata", {"type": raw_type}))
        elif kind in PERSONAL:
            self.listed.append(Skipped("survey", row, "type", "personal_data", {"type": raw_type}))
        elif kind.split(" ")[0] in UNSUPPORTED:
            self.listed.append(
                Skipped("survey", row, "type", "unsupported_type", {"type": raw_type})
            )
        elif kind in NUMBER or kind in TEXT or SELECT.match(raw_type):
            self._question(row, cells, raw_type)
        else:
            self.listed.append(Skipped("survey", row, "type", "unknown_type", {"type": raw_type}))

    def _begin_group(self, row: int, cells: list[str]) -> None:
        name = self.columns.cell(cells, "name") or f"phan_{len(self.sections) + 1}"
        parent = next((f for f in reversed(self.frames) if f.kind == "group"), None)
        if parent is not None:
            self.listed.append(
                Skipped("survey", row, "type", "nested_group", {"parent": parent.name})
            )
        self._close_section()
        section_id = self._claim(name, row, "phan")
        title = self._texts(cells, "label")
        if "vi" not in title:
            self.listed.append(Skipped("survey", row, "label", "group_no_label", {"name": name}))
            title = {"vi": name, **title}
        section = SectionDraft(section_id, title, row, True)
        dimension = _truthy(self.columns.cell(cells, "dimension"))
        if self.columns.cell(cells, "dimension") and dimension is not None:
            section.dimension = dimension
        weight = self.columns.cell(cells, "weight")
        if weight:
            section.weight = _positive_number(weight) or 1
        relevant = self.columns.cell(cells, "relevant")
        condition = self._condition(relevant) if relevant else None
        dropped = bool(relevant) and condition is None
        if dropped:
            self.listed.append(
                Skipped("survey", row, "relevant", "group_condition", {"relevant": relevant})
            )
        self._note_ignored("survey", row, cells, self.columns)
        self.frames.append(Frame("group", row, name, section, condition, dropped))
        self.sections.append(section)
        self.current = section

    def _close_section(self) -> None:
        self.listed.extend(
            Skipped("survey", row, "type", "note_dropped") for row, _ in self.pending
        )
        self.pending = []
        self.current = None

    def _note(self, row: int, cells: list[str]) -> None:
        texts = self._texts(cells, "label")
        if "vi" not in texts:
            self.listed.append(Skipped("survey", row, "label", "empty_note"))
            return
        relevant = self.columns.cell(cells, "relevant")
        if relevant:
            self.listed.append(
                Skipped("survey", row, "relevant", "note_condition", {"relevant": relevant})
            )
        self._note_ignored("survey", row, cells, self.columns)
        if not self.sections and not self.frames:
            _append(self.intro, texts)
        elif (
            self.current is not None
            and self.current.from_group
            and not self.current.questions
            and not self.pending
        ):
            _append(self.current.intro, texts)
            self.current.intro_rows.append(row)
        else:
            self.pending.append((row, texts))

    def _section_for_question(self) -> SectionDraft:
        if self.current is not None:
            return self.current
        parent = next((f for f in reversed(self.frames) if f.kind == "group"), None)
        if parent is not None and parent.section is not None:
            base = parent.section
            section = SectionDraft(
                _unique(f"{base.id[:54]}_tiep", self.ids),
                base.title,
                base.row,
                False,
                base.dimension,
                base.weight,
            )
        else:
            section = SectionDraft(_unique("cau_hoi", self.ids), self.title, 0, False)
        self.sections.append(section)
        self.current = section
        return section

    def _question(self, row: int, cells: list[str], raw_type: str) -> None:
        name = self.columns.cell(cells, "name")
        if not name:
            self.listed.append(Skipped("survey", row, "name", "no_name"))
            return
        text = self._texts(cells, "label")
        if "vi" not in text:
            self.listed.append(Skipped("survey", row, "label", "no_label"))
            return
        question: dict[str, Any] = {}
        option_ids: dict[str, str] = {}
        self.option_rows: list[int] = []
        select = SELECT.match(raw_type)
        other = False
        if select:
            list_name = select["list"]
            if list_name not in self.lists:
                self.listed.append(
                    Skipped("survey", row, "type", "unknown_list", {"list": list_name})
                )
                return
            if not self.lists[list_name]:
                self.listed.append(
                    Skipped("survey", row, "type", "empty_list", {"list": list_name})
                )
                return
            single = select["kind"].lower() in SINGLE
            other = bool(select["other"])
            names = sorted(choice.name for choice in self.lists[list_name])
            if single and not other and list_name in self.scale_lists:
                question = {"type": "scale", "scale": self.scale_lists[list_name]}
            elif single and not other and names == ["no", "yes"]:
                question = {"type": "yes_no"}
                option_ids = {"yes": "true", "no": "false"}
            else:
                options, option_ids = self._options(list_name)
                if other and "other" not in option_ids:
                    options.append(self._other_option())
                    option_ids["other"] = "other"
                question = {"type": "single" if single else "multi", "options": options}
        elif raw_type.lower() in NUMBER:
            question = {"type": "number"}
        else:
            question = {"type": "text"}
        section = self._section_for_question()
        question_id = self._claim(name, row, "cau")
        required = self.columns.cell(cells, "required")
        is_required = _truthy(required)
        if is_required is None:
            self.listed.append(
                Skipped("survey", row, "required", "required_expression", {"value": required})
            )
        body: dict[str, Any] = {"id": question_id, "type": question.pop("type"), **question}
        body["text"] = text
        help_text = self._help(row, cells)
        self._piping(row, {**help_text, **text})
        if help_text:
            body["help"] = help_text
        condition, dropped_required = self._question_condition(row, cells, bool(is_required))
        if is_required and not dropped_required:
            body["required"] = True
        if body["type"] == "scale":
            for flag in ("reverse", "overall"):
                if _truthy(self.columns.cell(cells, flag)):
                    body[flag] = True
        self._constraint(row, cells, body)
        if condition is not None:
            body["show_if"] = condition
        self._note_ignored("survey", row, cells, self.columns)
        self._add(section, body, row, self.option_rows)
        self.carried[name] = Carried(question_id, body["type"], option_ids)
        if other:
            self._other_question(section, row, question_id, condition)

    def _question_condition(
        self, row: int, cells: list[str], required: bool
    ) -> tuple[Condition | None, bool]:
        """The question's condition with its groups' ones, and whether it was made optional
        because a condition could not be carried."""
        parts = [frame.condition for frame in self.frames if frame.condition is not None]
        dropped = any(frame.dropped for frame in self.frames)
        relevant = self.columns.cell(cells, "relevant")
        if relevant:
            own = self._condition(relevant)
            if own is None:
                code = "condition_dropped_required" if required else "condition_dropped"
                self.listed.append(Skipped("survey", row, "relevant", code, {"relevant": relevant}))
                dropped = True
            else:
                parts.append(own)
        tests = [
            test for part in parts for test in (part.all_ if isinstance(part, AllOf) else [part])
        ]
        if len(tests) > 1:
            try:  # as ``and`` reads back: one flat ``all``, of at most 20 tests
                return AllOf.model_validate({"all": tests}), dropped and required
            except ValidationError:
                self.listed.append(Skipped("survey", row, "relevant", "too_many_conditions"))
                return None, required
        return (tests[0] if tests else None), dropped and required

    def _constraint(self, row: int, cells: list[str], body: dict[str, Any]) -> None:
        constraint = self.columns.cell(cells, "constraint")
        if not constraint:
            return
        try:
            node = parse(constraint)
            if body["type"] == "number":
                integer = NUMBER.get(self.columns.cell(cells, "type").lower(), False)
                low, high = number_bounds(node, integer=integer)
                body.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
            elif body["type"] == "text":
                limit = max_length(node)
                if not 1 <= limit <= 10_000:
                    raise Unsupported(str(limit))
                body["max_length"] = limit
            else:
                raise Unsupported(body["type"])
        except Unsupported:
            self.listed.append(
                Skipped(
                    "survey", row, "constraint", "constraint_ignored", {"constraint": constraint}
                )
            )

    def _other_option(self) -> dict[str, Any]:
        labels = {"vi": "Khác", "en": "Other"}
        return {"id": "other", **{k: v for k, v in labels.items() if k in self.languages}}

    def _other_question(
        self, section: SectionDraft, row: int, question_id: str, condition: Condition | None
    ) -> None:
        texts = {"vi": "Khác (ghi rõ)", "en": "Other (please specify)"}
        leaf = ShowIf.model_validate({"question": question_id, "in": ["other"]})
        show_if = leaf if condition is None else AllOf.model_validate({"all": [condition, leaf]})
        body = {
            "id": _unique(f"{question_id[:58]}_khac", self.ids),
            "type": "text",
            "text": {k: v for k, v in texts.items() if k in self.languages},
            "show_if": show_if,
        }
        self._add(section, body, row)

    def _add(
        self, section: SectionDraft, body: dict[str, Any], row: int, options: Sequence[int] = ()
    ) -> None:
        section.questions.append(body)
        section.question_rows.append(row)
        section.option_rows.append(list(options))

    def _help(self, row: int, cells: list[str]) -> dict[str, str]:
        """The hint, after the notes waiting for this question (a help text needs ``vi``)."""
        hint = self._texts(cells, "hint")
        notes = self.pending
        self.pending = []
        for note_row, texts in reversed(notes):
            self.listed.append(Skipped("survey", note_row, "type", "note_to_help"))
            joined = {}
            for lang in self.languages:
                parts = [part for part in (texts.get(lang), hint.get(lang)) if part]
                if parts:
                    joined[lang] = "\n\n".join(parts)
            hint = joined
        if hint and "vi" not in hint:
            self.listed.append(Skipped("survey", row, "hint", "help_no_vi"))
            return {}
        return hint

    def _texts(self, cells: list[str], name: str) -> dict[str, str]:
        """The texts of a column in the form's languages, ``vi`` first."""
        found = self.columns.text(cells, name)
        return {lang: found[lang] for lang in self.languages if lang in found}

    def _piping(self, row: int, text: dict[str, str]) -> None:
        if any("${" in value for value in text.values()):
            self.listed.append(Skipped("survey", row, "label", "piping"))

    def _claim(self, name: str, row: int, fallback: str) -> str:
        wanted = identifier(name, fallback)
        first = self.id_rows.get(wanted) if wanted in self.ids else None
        claimed = _unique(wanted, self.ids)
        self.id_rows[claimed] = row
        if first is not None:
            params = {"name": name, "id": claimed, "first": first}
            self.listed.append(Skipped("survey", row, "name", "name_repeated", params))
        elif claimed != name:
            self.listed.append(
                Skipped("survey", row, "name", "renamed", {"name": name, "id": claimed})
            )
        return claimed

    def _note_ignored(self, sheet: str, row: int, cells: list[str], columns: Columns) -> None:
        for index in columns.used_ignored(cells):
            if index in columns.every_row:
                self._list_column(sheet, row, columns, index)
            else:
                self._use_ignored(sheet, index, row)

    def _use_ignored(self, sheet: str, index: int, row: int) -> None:
        """Remember the first row (in the sheet's order) holding something in a column listed
        once."""
        known = self.used_ignored.get((sheet, index))
        self.used_ignored[(sheet, index)] = row if known is None else min(known, row)

    def _list_column(self, sheet: str, row: int, columns: Columns, index: int) -> None:
        column = columns.header[index]
        self.listed.append(Skipped(sheet, row, column, columns.ignored[index], {"column": column}))

    # -- conditions ----------------------------------------------------------------------

    def _condition(self, relevant: str) -> Condition | None:
        try:
            return translate(parse(relevant), self.carried)
        except (Unsupported, RecursionError, ValidationError):  # also: more tests than allowed
            return None

    # -- the questionnaire ---------------------------------------------------------------

    def _definition(self, slug: str | None, sections: list[SectionDraft]) -> dict[str, Any]:
        version_text = str(self.settings.get("version") or "").strip()
        version = int(version_text) if version_text.isdigit() and int(version_text) >= 1 else 1
        if version_text and str(version) != version_text:
            self.listed.append(
                Skipped(
                    "settings",
                    self.settings["row"],
                    "version",
                    "version_not_number",
                    {"value": version_text},
                )
            )
        for key in self.satisfied_arg:
            if key not in self.scale_lists and key not in self.scales:
                self.listed.append(Skipped("", 0, "", "unknown_scale", {"scale": key}))
        name = slug or self.settings.get("form_id") or Path(self.filename).stem
        definition: dict[str, Any] = {
            "slug": slugify(name),
            "version": version,
            "kind": self.kind,
            "title": self.title,
            "intro": self.intro or dict(self.title),
            "scales": self.scales,
            "sections": [],
        }
        used_scales = {
            q["scale"] for section in sections for q in section.questions if q["type"] == "scale"
        }
        for scale_id, scale in self.scales.items():
            if (
                self.kind == "satisfaction"
                and scale_id in used_scales
                and "satisfied_from" not in scale
            ):
                row = self.places[self.lines.get(("scales", scale_id), 0)][1]
                self.listed.append(
                    Skipped(
                        "choices", row, "satisfied_from", "no_satisfied_from", {"scale": scale_id}
                    )
                )
        for s, section in enumerate(sections):
            body: dict[str, Any] = {"id": section.id, "title": section.title}
            if section.intro:
                body["intro"] = section.intro
            has_scale = any(q["type"] == "scale" for q in section.questions)
            dimension = section.dimension
            if dimension is None:
                dimension = self.kind == "satisfaction" and has_scale
            if dimension:
                body["dimension"] = True
            if section.weight != 1:
                body["weight"] = section.weight
            body["questions"] = section.questions
            definition["sections"].append(body)
            self._place(("sections", s), "survey", section.row)
            for q, row in enumerate(section.question_rows):
                self._place(("sections", s, "questions", q), "survey", row)
                for o, choice_row in enumerate(section.option_rows[q]):  # a choice's problem
                    self._place(
                        ("sections", s, "questions", q, "options", o), "choices", choice_row
                    )
        definition["_lines"] = self.lines
        return definition

    def _place(self, path: loader.NodePath, sheet: str, row: int) -> None:
        self.lines[path] = len(self.places)
        self.places.append((sheet, row))


def _likert_rank(choice: Choice) -> int | None:
    """The rank of a choice on a recognised ordered scale (higher is better), or None."""
    for label in choice.labels.values():
        rank = LIKERT.get(label.casefold().strip(" ."))
        if rank is not None:
            return rank
    return None


def _has_vietnamese_letter(text: str) -> bool:
    """Whether ``text`` holds a letter written with a Vietnamese diacritic (``ă``, ``ơ``, ``đ``,
    ``ế``…)."""
    for char in text:
        if char in "đĐ":
            return True
        if char.isalpha() and ord(char) > 127:
            base = unicodedata.normalize("NFD", char)
            if len(base) > 1 and "a" <= base[0].lower() <= "z":
                return True
    return False


def _append(target: dict[str, str], texts: dict[str, str]) -> None:
    for lang, text in texts.items():
        target[lang] = f"{target[lang]}\n\n{text}" if lang in target else text


def _positive_number(text: str) -> int | float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    if value <= 0 or value != value or value == float("inf"):
        return None
    return int(value) if value.is_integer() else value
