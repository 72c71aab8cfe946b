"""The checks of ``questionnaires check`` applied to a draft, each problem tied to its item.

A draft is a questionnaire in the file format that may be invalid while it is edited. It is
checked exactly like a file (the pydantic model, then ``semantics.check``), and each problem
keeps its path into the definition so the builder can show it next to the field it concerns
and link to it from the summary at the top of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from survey_server.questionnaires import semantics
from survey_server.questionnaires.loader import CONDITION_TAGS, FileError, _pydantic_error
from survey_server.questionnaires.schema import Questionnaire

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One problem of a draft: where it is (a path into the definition) and what it is."""

    loc: Loc
    error: FileError

    def message(self, lang: str) -> str:
        return self.error.message(lang)

    @property
    def item(self) -> Loc:
        """The builder item the problem belongs to: a question, a section, a scale or the
        questionnaire itself (an empty path)."""
        if self.loc[:1] == ("sections",) and len(self.loc) >= 2:
            if len(self.loc) >= 4 and self.loc[2] == "questions":
                return self.loc[:4]
            return self.loc[:2]
        if self.loc[:1] == ("scales",) and len(self.loc) >= 2:
            return self.loc[:2]
        return ()

    @property
    def field(self) -> str:
        """The field of its item the problem sits next to (``text``, ``options-2``,
        ``show_if``…): the id of that field's element on the page, after ``f-``."""
        rest = self.loc[len(self.item) :]
        if not rest:
            return "id" if self.item else "slug"
        if rest[0] == "[key]":  # a scale's name
            return "name"
        if rest[0] in ("options", "points") and len(rest) > 1:
            return f"{rest[0]}-{rest[1]}"
        return str(rest[0])


@dataclass(frozen=True)
class CheckResult:
    questionnaire: Questionnaire | None
    problems: list[Problem]

    def at(self, item: Loc) -> list[Problem]:
        """The problems of one item, for the messages next to its fields."""
        return [problem for problem in self.problems if problem.item == item]

    def under(self, item: Loc) -> list[Problem]:
        """The problems of an item and of everything inside it (a section and its questions)."""
        return [problem for problem in self.problems if problem.loc[: len(item)] == item]


def check_definition(definition: dict[str, Any]) -> CheckResult:
    """The questionnaire of a draft if it is valid, else every problem found."""
    source = Path(f"{definition.get('slug') or 'ban-nhap'}.yaml")
    try:
        questionnaire = Questionnaire.model_validate(definition)
    except ValidationError as error:
        problems = [
            Problem(_clean(item["loc"]), _pydantic_error(source, {}, item))
            for item in error.errors()
        ]
        return CheckResult(None, problems)
    problems = [
        Problem(path, FileError(source, 0, code, params))
        for path, code, params in semantics.check(questionnaire)
    ]
    return CheckResult(None if problems else questionnaire, problems)


def _clean(loc: tuple[Any, ...]) -> Loc:
    """A pydantic error path without the names of validators and union members."""
    return tuple(
        part
        for part in loc
        if not (isinstance(part, str) and part.startswith("function-"))
        and part not in CONDITION_TAGS
    )
