"""Questionnaire → XLSForm workbook (``survey``, ``choices``, ``settings``).

Written so that ``xlsform_import`` gives the same questionnaire back, and so that Kobo and ODK
read it: every language is a ``label::<its own name> (<tag>)`` column, a scale is a choice list
named after it whose points are named ``1``..``n`` (its "not applicable" answer ``na``, its first
satisfied point marked in a ``satisfied_from`` column, its points in a ``scale`` column, so that
it reads back as the same scale whatever its labels), a yes/no question a ``yes``/``no`` list,
``show_if`` a ``relevant`` expression, ``min``/``max`` and ``max_length`` a ``constraint``, the
questionnaire's and each section's intro a ``note`` at the start. What XLSForm has no column for
(the kind, the title in other languages, a section's ``dimension`` and ``weight``, a scale
question's ``reverse`` and ``overall``) goes in columns of those names, which Kobo and ODK leave
alone.
Every text cell is written as text, so a label that starts with ``=`` is never a formula.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from survey_server.i18n import language_name
from survey_server.questionnaires.schema import (
    AllOf,
    AnyOf,
    Condition,
    NotOf,
    Question,
    Questionnaire,
    ShowIf,
)

SURVEY_COLUMNS = ("type", "name")
SURVEY_TAIL = ("required", "relevant", "constraint", "dimension", "weight", "reverse", "overall")
#: The title in the other languages: pyxform (Kobo, ODK) fails on a ``form_title::…`` column,
#: so the translations go in a column of their own that it leaves alone.
TITLE_TRANSLATION = "title_translation"
YES_NO_LABELS = ({"vi": "Có", "en": "Yes"}, {"vi": "Không", "en": "No"})


def export_xlsform(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an .xlsx XLSForm."""
    languages = questionnaire.languages()
    headers = [f"{language_name(lang)} ({lang})" for lang in languages]
    book = Workbook(write_only=True)
    lists = _Lists(questionnaire)
    survey = book.create_sheet("survey")
    _row(
        survey,
        [
            *SURVEY_COLUMNS,
            *(f"label::{h}" for h in headers),
            *(f"hint::{h}" for h in headers),
            *SURVEY_TAIL,
        ],
    )
    types = {question.id: question for question in questionnaire.questions()}
    names: set[str] = {question.id for question in questionnaire.questions()}
    names |= {section.id for section in questionnaire.sections}

    def row(kind: str, name: str, label: dict[str, str] | None, **rest: Any) -> None:
        hint = rest.pop("hint", None) or {}
        _row(
            survey,
            [
                kind,
                name,
                *((label or {}).get(lang) for lang in languages),
                *(hint.get(lang) for lang in languages),
                *(rest.get(c) for c in SURVEY_TAIL),
            ],
        )

    row("note", _free("intro", names), questionnaire.intro)
    for section in questionnaire.sections:
        row(
            "begin group",
            section.id,
            section.title,
            dimension="yes" if section.dimension else "no",
            weight=section.weight if section.weight != 1 else None,
        )
        if section.intro:
            row("note", _free(f"{section.id}_intro", names), section.intro)
        for question in section.questions:
            row(
                _question_type(question, lists),
                question.id,
                question.text,
                hint=question.help,
                required="yes" if question.required else None,
                relevant=relevant(question.show_if, types) if question.show_if else None,
                constraint=_constraint(question),
                reverse="yes" if question.reverse else None,
                overall="yes" if question.overall else None,
            )
        row("end group", "", None)

    choices = book.create_sheet("choices")
    _row(
        choices,
        ["list_name", "name", *(f"label::{h}" for h in headers), "satisfied_from", "scale"],
    )
    for list_name, items in lists.rows():
        is_scale = list_name in questionnaire.scales  # read back as a scale, whatever its labels
        for name, label, marked in items:
            _row(
                choices,
                [
                    list_name,
                    name,
                    *(label.get(lang) for lang in languages),
                    "yes" if marked else None,
                    "yes" if is_scale and name != "na" else None,
                ],
            )

    settings = book.create_sheet("settings")
    others = [lang for lang in languages if lang != "vi"]
    _row(
        settings,
        [
            "form_title",
            *(f"{TITLE_TRANSLATION}::{language_name(lang)} ({lang})" for lang in others),
            "form_id",
            "version",
            "default_language",
            "kind",
        ],
    )
    _row(
        settings,
        [
            questionnaire.title["vi"],
            *(questionnaire.title.get(lang) for lang in others),
            questionnaire.slug,
            questionnaire.version,
            f"{language_name('vi')} (vi)",
            questionnaire.kind,
        ],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _row(sheet: WriteOnlyWorksheet, values: list[Any]) -> None:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text, even "=…" (never a formula)
        cells.append(cell)
    sheet.append(cells)


def _free(name: str, names: set[str]) -> str:
    """A row name no question or section uses (XLSForm names must be unique)."""
    candidate, number = name, 2
    while candidate in names:
        candidate = f"{name}_{number}"
        number += 1
    names.add(candidate)
    return candidate


class _Lists:
    """The choice lists: one per scale, one per choice question, one yes/no list."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self.used: set[str] = set(questionnaire.scales)
        self.by_question: dict[str, str] = {}
        self.yes_no: str | None = None
        for question in questionnaire.questions():
            if question.type in ("single", "multi"):
                self.by_question[question.id] = _free(question.id, self.used)
            elif question.type == "yes_no" and self.yes_no is None:
                self.yes_no = _free("yes_no", self.used)

    def rows(self) -> list[tuple[str, list[tuple[str, dict[str, str], bool]]]]:
        found: list[tuple[str, list[tuple[str, dict[str, str], bool]]]] = []
        for name, scale in self.questionnaire.scales.items():
            points = [
                (str(n), point, n == scale.satisfied_from)
                for n, point in enumerate(scale.points, start=1)
            ]
            if scale.not_applicable:
                points.append(("na", scale.not_applicable, False))
            found.append((name, points))
        if self.yes_no is not None:
            found.append(
                (self.yes_no, [("yes", YES_NO_LABELS[0], False), ("no", YES_NO_LABELS[1], False)])
            )
        for question in self.questionnaire.questions():
            if question.id in self.by_question:
                found.append(
                    (
                        self.by_question[question.id],
                        [(option.id, option.label, False) for option in question.options or ()],
                    )
                )
        return found


def _question_type(question: Question, lists: _Lists) -> str:
    if question.type == "scale":
        return f"select_one {question.scale}"
    if question.type == "single":
        return f"select_one {lists.by_question[question.id]}"
    if question.type == "multi":
        return f"select_multiple {lists.by_question[question.id]}"
    if question.type == "yes_no":
        return f"select_one {lists.yes_no}"
    return "decimal" if question.type == "number" else "text"


def _constraint(question: Question) -> str | None:
    if question.type == "text" and question.max_length is not None:
        return f"string-length(.) <= {question.max_length}"
    bounds = [
        f". {op} {value}"
        for op, value in ((">=", question.min), ("<=", question.max))
        if value is not None
    ]
    return " and ".join(bounds) or None


def relevant(condition: Condition, questions: dict[str, Question]) -> str:
    """A ``show_if`` as an XLSForm ``relevant`` expression."""
    if isinstance(condition, NotOf):
        return f"not({relevant(condition.not_, questions)})"
    if isinstance(condition, AllOf):
        return " and ".join(_grouped(part, questions) for part in condition.all_)
    if isinstance(condition, AnyOf):
        return " or ".join(_grouped(part, questions) for part in condition.any_)
    target = questions[condition.question]
    tests = [_test(condition.question, target, value) for value in condition.in_]
    return " or ".join(tests)


def _grouped(condition: Condition, questions: dict[str, Question]) -> str:
    text = relevant(condition, questions)
    needs = isinstance(condition, AllOf | AnyOf) or (
        isinstance(condition, ShowIf) and len(condition.in_) > 1
    )
    return f"({text})" if needs else text


def _test(question_id: str, target: Question, value: str | bool) -> str:
    if target.type == "yes_no":
        return f"${{{question_id}}} = '{'yes' if value else 'no'}'"
    if target.type == "multi":
        return f"selected(${{{question_id}}}, '{value}')"
    return f"${{{question_id}}} = '{value}'"
