"""Answers given as a table — one row per response, one column per question id (docs/scoring.md).

Cells are text; this module turns each into the value the JSON API would carry (a scale point,
an option id, a list of ids, a yes/no, a number, a text) and then runs the same
``validate_answers`` as a submission, so a row counts exactly like an answer from the form.
Offices type option labels as often as ids, so a cell may hold either.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from survey_server.errors import FieldError, field_error_text
from survey_server.i18n import gettext
from survey_server.questionnaires.schema import Question
from survey_server.responses.encoding import NA
from survey_server.responses.validation import CleanAnswers, FormSpec, validate_answers
from survey_server.spreadsheet import Table, read_table

MULTI_SEPARATOR = "|"
#: Cells up to this length are read once per file and remembered (scale points, options).
SHORT_CELL = 40
_YES = {"1", "true", "có", "co", "yes", "x", "c"}
_NO = {"0", "false", "không", "khong", "no", "k"}
_NA = {"na", "n/a", "kyk", "không có ý kiến"}
_INTEGER = re.compile(r"^[+-]?\d{1,15}$")
_DECIMAL = re.compile(r"^[+-]?\d{1,15}([.,]\d{1,9})?$")


@dataclass(frozen=True)
class CellError:
    """A problem of one cell (``column`` empty for the whole row)."""

    row: int
    column: str
    error: FieldError

    def render(self, lang: str = "vi") -> str:
        text = field_error_text(self.error, lang)
        if not self.column:
            return gettext("Dòng {row}: {text}", lang, row=self.row, text=text)
        return gettext(
            "Dòng {row}, cột {column}: {text}", lang, row=self.row, column=self.column, text=text
        )


@dataclass(frozen=True)
class AnswerRow:
    """One response read from a table, validated and packed, with its other columns."""

    row: int
    clean: CleanAnswers
    other: dict[str, str]


@dataclass(frozen=True)
class AnswerTable:
    rows: list[AnswerRow]
    errors: list[CellError]
    blank_rows: int
    ignored_columns: list[str]


def read_answers(spec: FormSpec, table: Table, *, deep_scrub: bool = False) -> AnswerTable:
    """Every row of ``table`` as validated answers, or the row-numbered problems.

    Columns named by a question id are answers; the others (a unit, a class…) are kept as they
    are in ``AnswerRow.other``. A second header row repeating the questions' labels, as our
    templates have, is recognised and skipped. A row without any answer is counted, not kept.
    ``deep_scrub`` as in ``validate_answers``.
    """
    questions = {column: spec.by_id[column] for column in table.header if column in spec.by_id}
    ignored = [column for column in table.header if column and column not in spec.by_id]
    rows = table.rows
    if rows and _is_label_row(spec, table.header, rows[0][1]):
        rows = rows[1:]
    parsed: list[AnswerRow] = []
    errors: list[CellError] = []
    blank = 0
    # A column holds few distinct cells ("1".."5", an option…): each is read once per file.
    seen: dict[tuple[str, str], tuple[Any, FieldError | None]] = {}
    for number, cells in rows:
        record = dict(zip(table.header, cells, strict=False))
        raw: dict[str, Any] = {}
        row_errors: list[CellError] = []
        for column, question in questions.items():
            cell = record.get(column, "")
            read = seen.get((column, cell))
            if read is None:
                read = cell_value(question, cell)
                if len(cell) <= SHORT_CELL:
                    seen[(column, cell)] = read
            value, error = read
            if error is not None:
                row_errors.append(CellError(number, column, error))
            elif value is not None:
                raw[column] = value
        if row_errors:
            errors += row_errors
            continue
        if not raw:
            blank += 1
            continue
        clean, field_errors = validate_answers(
            spec, raw, drop_hidden=True, require=False, deep_scrub=deep_scrub
        )
        if clean is None:
            errors += [
                CellError(number, e.field if e.field in questions else "", e) for e in field_errors
            ]
            continue
        other = {column: record.get(column, "").strip() for column in ignored}
        parsed.append(AnswerRow(number, clean, other))
    return AnswerTable(parsed, errors, blank, ignored)


def _is_label_row(spec: FormSpec, header: list[str], cells: list[str]) -> bool:
    labelled = [
        (spec.by_id[column], cell.strip())
        for column, cell in zip(header, cells, strict=False)
        if column in spec.by_id and cell.strip()
    ]
    return bool(labelled) and all(cell in question.text.values() for question, cell in labelled)


def cell_value(question: Question, cell: str) -> tuple[Any, FieldError | None]:
    """The JSON-API value of a cell, ``None`` for blank, or why the cell cannot be one."""
    text = unicodedata.normalize("NFC", cell).strip()
    if not text:
        return None, None
    folded = text.casefold()
    kind = question.type
    if kind == "scale":
        if folded in _NA:
            return NA, None
        if _INTEGER.match(text):
            return int(text), None
        return text, None  # validate_answers explains the scale's range
    if kind == "single":
        return _option_id(question, text), None
    if kind == "multi":
        parts = [part.strip() for part in text.split(MULTI_SEPARATOR)]
        return [_option_id(question, part) for part in parts if part], None
    if kind == "yes_no":
        if folded in _YES:
            return True, None
        if folded in _NO:
            return False, None
        return None, FieldError(question.id, "expected_yes_no")
    if kind == "number":
        if _INTEGER.match(text):
            return int(text), None
        if _DECIMAL.match(text):
            return float(text.replace(",", ".")), None
        return None, FieldError(question.id, "expected_number")
    return cell, None


def _option_id(question: Question, text: str) -> str:
    """An option id, or the id of the option whose label this is (case-insensitive)."""
    folded = text.casefold()
    for option in question.options or ():
        if text == option.id or folded in {label.casefold() for label in option.label.values()}:
            return option.id
    return text


def read_upload(
    spec: FormSpec, data: bytes, name: str, lang: str, shown: int
) -> tuple[AnswerTable, list[str]]:
    """An uploaded file's rows as validated, scrubbed answers, and its first ``shown``
    problems rendered. Runs in a bounded child process (``survey_server.bounded``), which
    imports this module ahead: it must stay light."""
    answers = read_answers(spec, read_table(data, name))
    first = answers.errors[:shown]
    return replace(answers, errors=first), [error.render(lang) for error in first]
