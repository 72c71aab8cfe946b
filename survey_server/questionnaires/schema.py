"""The questionnaire file format of docs/questionnaires.md as pydantic models.

The models check the shape of one file (types, patterns, NFC text, a ``vi`` text everywhere,
BCP-47 language tags);
``semantics.check`` then checks what spans the file (ids, scales, ``show_if`` order). Both
report paths into the file, which ``loader`` turns into ``file:line`` messages.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    model_validator,
)

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ID_PATTERN = r"^[a-z0-9_]+$"
QuestionType = Literal["scale", "single", "multi", "text", "number", "yes_no"]
#: A BCP-47 tag of the shape questionnaires need: a language (``vi``, ``km``, ``hmn``), an
#: optional script (``zh-Hant``) and an optional region (``fr-CA``), in their canonical case.
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?$")
#: More languages than anyone translates a form into is a broken or hostile file.
MAX_LANGUAGES = 12


def _check_text(lang: str, text: Any) -> None:
    if not LANGUAGE_TAG.match(lang):
        raise ValueError(f"unknown_lang:{lang[:20]}")
    if not isinstance(text, str):
        raise ValueError(f"not_text:{lang}")
    if not text.strip():
        raise ValueError(f"empty_text:{lang}")
    if not unicodedata.is_normalized("NFC", text):
        raise ValueError(f"not_nfc:{lang}")


def _text_map(value: dict[str, str]) -> dict[str, str]:
    if "vi" not in value:
        raise ValueError("missing_vi")
    if len(value) > MAX_LANGUAGES:
        raise ValueError(f"too_many_languages:{MAX_LANGUAGES}")
    for lang, text in value.items():
        _check_text(lang, text)
    return value


TextMap = Annotated[dict[str, str], AfterValidator(_text_map)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(Strict):
    """A named answer scale; the stored value of an answer is the point's position 1..n."""

    points: list[TextMap] = Field(min_length=2, max_length=11)
    satisfied_from: StrictInt | None = None
    not_applicable: TextMap | None = None


class Option(BaseModel):
    """A choice of a single/multi question: a stable id and its labels.

    The labels sit beside the id (``{id: co, vi: Có, en: Yes, km: បាទ}``), as the first files
    were written; any language tag other than ``vi`` and ``en`` is an extra key, checked here.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    id: Identifier
    vi: str
    en: str | None = None

    @model_validator(mode="after")
    def _check_labels(self) -> Option:
        extra = self.model_extra or {}
        if len(extra) + 2 > MAX_LANGUAGES:
            raise ValueError(f"too_many_languages:{MAX_LANGUAGES}")
        for lang, text in extra.items():
            _check_text(lang, text)
        for lang, text in (("vi", self.vi), ("en", self.en)):
            if text is not None:
                _check_text(lang, text)
        return self

    @property
    def label(self) -> dict[str, str]:
        return {"vi": self.vi, **({"en": self.en} if self.en else {}), **(self.model_extra or {})}


class ShowIf(Strict):
    """Shown when an earlier question's answer is one of ``in`` (unanswered is not in)."""

    question: Identifier
    in_: list[Identifier | StrictBool] = Field(alias="in", min_length=1)


class AllOf(Strict):
    """Shown when every condition holds."""

    all_: list[Condition] = Field(alias="all", min_length=1, max_length=20)


class AnyOf(Strict):
    """Shown when at least one condition holds."""

    any_: list[Condition] = Field(alias="any", min_length=1, max_length=20)


class NotOf(Strict):
    """Shown when the condition does not hold (an unanswered question: shown)."""

    not_: Condition = Field(alias="not")


def _condition_kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return type(value).__name__
    if isinstance(value, dict):
        for key, kind in (("all", "AllOf"), ("any", "AnyOf"), ("not", "NotOf")):
            if key in value:
                return kind
    return "ShowIf"


#: What ``show_if`` holds: one test, or ``all``/``any``/``not`` of tests (XLSForm's ``and``,
#: ``or`` and ``not()`` over ``selected()`` and ``=``), nested at most a few levels in practice.
Condition = Annotated[
    Annotated[ShowIf, Tag("ShowIf")]
    | Annotated[AllOf, Tag("AllOf")]
    | Annotated[AnyOf, Tag("AnyOf")]
    | Annotated[NotOf, Tag("NotOf")],
    Discriminator(_condition_kind),
]


def leaves(condition: Condition) -> list[ShowIf]:
    """The single tests of a condition, in the order they are written."""
    if isinstance(condition, ShowIf):
        return [condition]
    if isinstance(condition, NotOf):
        return leaves(condition.not_)
    parts = condition.all_ if isinstance(condition, AllOf) else condition.any_
    return [leaf for part in parts for leaf in leaves(part)]


class Question(Strict):
    id: Identifier
    type: QuestionType
    text: TextMap
    help: TextMap | None = None
    required: StrictBool = False
    reverse: StrictBool = False
    overall: StrictBool = False
    scale: Identifier | None = None
    options: list[Option] | None = None
    max_length: StrictInt | None = Field(default=None, ge=1, le=10_000)
    min: StrictInt | float | None = None
    max: StrictInt | float | None = None
    show_if: Condition | None = None


class Section(Strict):
    id: Identifier
    title: TextMap
    intro: TextMap | None = None
    dimension: StrictBool = False
    weight: StrictInt | float = Field(default=1, gt=0)
    questions: list[Question] = Field(min_length=1)


class Questionnaire(Strict):
    """One questionnaire file (docs/scoring.md)."""

    slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=100)]
    version: StrictInt = Field(ge=1)
    kind: Literal["satisfaction", "consultation", "feedback"]
    title: TextMap
    intro: TextMap
    scales: dict[Identifier, Scale] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1)

    def questions(self) -> list[Question]:
        """Every question in the order of the file."""
        return [question for section in self.sections for question in section.questions]

    def languages(self) -> list[str]:
        """The languages the questionnaire is written in: those of its title, ``vi`` first."""
        return ["vi", *(lang for lang in self.title if lang != "vi")]


for _model in (AllOf, AnyOf, NotOf, Question, Section, Questionnaire):
    _model.model_rebuild()
