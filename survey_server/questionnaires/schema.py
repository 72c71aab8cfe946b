"""The questionnaire file format of docs/questionnaires.md as pydantic models.

The models check the shape of one file (types, patterns, NFC text, a ``vi`` text everywhere);
``semantics.check`` then checks what spans the file (ids, scales, ``show_if`` order). Both
report paths into the file, which ``loader`` turns into ``file:line`` messages.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ID_PATTERN = r"^[a-z0-9_]+$"
QuestionType = Literal["scale", "single", "multi", "text", "number", "yes_no"]
LANGUAGES = ("vi", "en")


def _text_map(value: dict[str, str]) -> dict[str, str]:
    if "vi" not in value:
        raise ValueError("missing_vi")
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise ValueError(f"unknown_lang:{lang}")
        if not text.strip():
            raise ValueError(f"empty_text:{lang}")
        if not unicodedata.is_normalized("NFC", text):
            raise ValueError(f"not_nfc:{lang}")
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


class Option(Strict):
    """A choice of a single/multi question: a stable id and its labels."""

    id: Identifier
    vi: str
    en: str | None = None

    @property
    def label(self) -> dict[str, str]:
        return {"vi": self.vi, **({"en": self.en} if self.en else {})}


class ShowIf(Strict):
    """Show a question only when an earlier question's answer is one of ``in``."""

    question: Identifier
    in_: list[Identifier | StrictBool] = Field(alias="in", min_length=1)


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
    show_if: ShowIf | None = None


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
