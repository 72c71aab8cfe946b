"""Typing paper forms in: one form per screen, answers as the digits printed beside the boxes.

A form belongs to a batch (the stack it came in) and has the number printed on it. In a
single-entry batch each saved form is a response at once. In a double-entry batch the stack is
typed twice, by two different people; the passes are kept apart (``PaperEntry``) and compared
form by form, and the batch counts only when they agree — then its forms become responses and
the passes are deleted. Either way a form's response id comes from (campaign, batch, form
number), so typing a form again never stores it twice.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from survey_server.distribution.codes import RECEIPT_LENGTH, new_code
from survey_server.distribution.services import add_link
from survey_server.distribution.tables import Link
from survey_server.errors import AppError, FieldError, field_error_text
from survey_server.i18n import N_, gettext, localize
from survey_server.paper.tables import PaperEntry
from survey_server.questionnaires.schema import Question
from survey_server.responses.encoding import NA
from survey_server.responses.tabular import cell_value
from survey_server.responses.validation import FormSpec, validate_answers
from survey_server.responses.writer import SubmissionRow, store_all

NAMESPACE = uuid.UUID("3d5e0b7a-8c41-4f0e-a2b9-6c1d7e9f0a35")
BATCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
FORM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,19}$")
SINGLE, FIRST, SECOND = 0, 1, 2


class EntryInvalid(AppError):
    status_code = 422
    code = "entry_invalid"
    message = N_("Chưa lưu được phiếu: {detail}")


BAD_BATCH = N_("mã lô chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 40 ký tự)")
BAD_FORM = N_("số phiếu chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 20 ký tự)")
SAME_PERSON = N_("lần nhập thứ hai của một lô phải do người khác nhập")
NOT_READY = N_("hai lần nhập của lô chưa khớp hoặc còn thiếu phiếu")


@dataclass(frozen=True)
class Place:
    """Where typed forms go: a campaign's unit, a batch, a pass (0 = single entry)."""

    campaign_id: int
    campaign_code: str
    questionnaire_id: int
    unit_id: int
    unit_code: str
    channel: str
    partner: str | None
    batch: str
    entry_pass: int

    def check(self, lang: str) -> None:
        if not BATCH.match(self.batch):
            raise EntryInvalid(detail=gettext(BAD_BATCH, lang))

    def response_id(self, form: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.campaign_code}|{self.batch}|{form.upper()}"))

    async def link_id(self) -> int:
        """The link the forms are filed under (made the first time a form is saved)."""
        code = await add_link(self.campaign_code, self.unit_code, self.channel, self.partner)
        row = await Link.select(Link.id).where(Link.code == code).first()
        return int(row["id"])  # type: ignore[index]


def typed_value(question: Question, spec: FormSpec, cell: str) -> tuple[Any, FieldError | None]:
    """A typed cell as the API's value: the digit of a box for scales (0 = no opinion),
    options (their number; several digits for a multiple choice) and yes/no (1/0)."""
    text = cell.strip()
    if not text:
        return None, None
    if question.type == "scale" and question.scale:
        scale = spec.questionnaire.scales[question.scale]
        if text == "0" and scale.not_applicable is not None:
            return NA, None
        return (int(text), None) if text.isdigit() and len(text) <= 2 else (text, None)
    if question.type in ("single", "multi"):
        options = [option.id for option in question.options or ()]
        numbers = re.findall(r"\d+", text) if len(options) > 9 else list(re.sub(r"\D", "", text))
        if not numbers or re.search(r"[^\d\s,;]", text):
            return None, FieldError(question.id, "expected_option")
        picked = []
        for number in numbers:
            index = int(number) - 1
            if not 0 <= index < len(options):
                return None, FieldError(question.id, "expected_option")
            picked.append(options[index])
        if question.type == "single":
            return (
                (picked[0], None)
                if len(picked) == 1
                else (None, FieldError(question.id, "expected_option"))
            )
        return list(dict.fromkeys(picked)), None
    return cell_value(question, text)


def read_form(
    spec: FormSpec, fields: dict[str, str], lang: str
) -> tuple[dict[str, Any] | None, bytes, dict[str, str]]:
    """The validated answers of a typed form (scrubbed), or the message of each bad field."""
    raw: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for question in spec.questions:
        value, error = typed_value(question, spec, fields.get(question.id, ""))
        if error is not None:
            problems[question.id] = field_error_text(error, lang)
        elif value is not None:
            raw[question.id] = value
    clean, errors = validate_answers(spec, raw, drop_hidden=True, require=False)
    for error in errors:
        problems.setdefault(error.field, field_error_text(error, lang))
    if clean is None or problems:
        return None, b"", problems
    return clean.answers, clean.closed, {}


async def save_form(
    place: Place,
    form: str,
    answers: dict[str, Any],
    closed: bytes,
    *,
    user_id: int,
    day: date,
    database_url: str,
    lang: str,
) -> bool:
    """Store a typed form; ``False`` when this form of the batch was stored before."""
    place.check(lang)
    if not FORM.match(form):
        raise EntryInvalid(detail=gettext(BAD_FORM, lang))
    text = json.dumps(answers, ensure_ascii=False, separators=(",", ":"))
    if place.entry_pass == SINGLE:
        link = await place.link_id()
        added = await store_all(database_url, [_row(place, link, form, text, closed, day)])
        return added == 1
    other = (
        await PaperEntry.select(PaperEntry.entered_by)
        .where(
            _batch_of(place)
            & (PaperEntry.entry_pass == (FIRST if place.entry_pass == SECOND else SECOND))
        )
        .first()
    )
    if other is not None and other["entered_by"] == user_id:
        raise EntryInvalid(detail=gettext(SAME_PERSON, lang))
    form = form.upper()
    async with PaperEntry._meta.db.transaction():
        existed = await PaperEntry.exists().where(
            _batch_of(place)
            & (PaperEntry.entry_pass == place.entry_pass)
            & (PaperEntry.form_number == form)
        )
        await PaperEntry.delete().where(
            _batch_of(place)
            & (PaperEntry.entry_pass == place.entry_pass)
            & (PaperEntry.form_number == form)
        )
        await PaperEntry(
            campaign=place.campaign_id,
            unit=place.unit_id,
            partner=place.partner,
            batch=place.batch,
            form_number=form,
            entry_pass=place.entry_pass,
            entered_by=user_id,
            answers=text,
            closed=closed,
        ).save()
    return not existed


def _batch_of(place: Place) -> Any:
    """A batch is one stack of one unit's forms."""
    return (
        (PaperEntry.campaign == place.campaign_id)
        & (PaperEntry.unit == place.unit_id)
        & (PaperEntry.batch == place.batch)
    )


def _row(
    place: Place, link: int, form: str, answers: str, closed: bytes, day: date
) -> SubmissionRow:
    return SubmissionRow(
        submission_id=place.response_id(form),
        receipt=new_code(RECEIPT_LENGTH),
        campaign=place.campaign_id,
        link=link,
        unit=place.unit_id,
        channel=place.channel,
        partner=place.partner,
        questionnaire=place.questionnaire_id,
        lang="vi",
        submitted_on=day,
        duration_bucket=0,
        closed=closed,
        answers=answers,
    )


@dataclass(frozen=True)
class Difference:
    form: str
    question: str  # question id, or "" when a whole form is missing from one pass
    first: str
    second: str


@dataclass(frozen=True)
class Comparison:
    forms: int
    differences: list[Difference]
    typists: int

    @property
    def ready(self) -> bool:
        return self.forms > 0 and not self.differences and self.typists == 2


async def compare(place: Place, spec: FormSpec, lang: str) -> Comparison:
    """The two passes of a batch side by side: every form and answer that differs."""
    rows = await PaperEntry.select().where(_batch_of(place))
    passes: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    typists = {row["entered_by"] for row in rows}
    for row in rows:
        passes[row["entry_pass"]][row["form_number"]] = json.loads(row["answers"])
    first, second = passes.get(FIRST, {}), passes.get(SECOND, {})
    missing = gettext("(chưa nhập)", lang)
    differences = []
    for form in sorted(set(first) | set(second)):
        if form not in first or form not in second:
            differences.append(
                Difference(
                    form, "", "" if form not in first else "✓", "" if form not in second else "✓"
                )
            )
            continue
        for question in spec.questions:
            a, b = first[form].get(question.id), second[form].get(question.id)
            if a != b:
                differences.append(
                    Difference(form, question.id, _shown(a, missing), _shown(b, missing))
                )
    return Comparison(
        len(set(first) | set(second)), differences, len(typists) if first and second else 1
    )


def _shown(value: Any, missing: str) -> str:
    if value is None:
        return missing
    return ", ".join(value) if isinstance(value, list) else str(value)


async def commit_batch(
    place: Place, spec: FormSpec, *, day: date, database_url: str, lang: str
) -> int:
    """Store an agreed double-entry batch as responses and forget its passes."""
    comparison = await compare(place, spec, lang)
    if not comparison.ready:
        raise EntryInvalid(detail=gettext(NOT_READY, lang))
    rows = await PaperEntry.select().where(_batch_of(place) & (PaperEntry.entry_pass == FIRST))
    link = await place.link_id()
    added = await store_all(
        database_url,
        [
            _row(
                place,
                link,
                row["form_number"],
                row["answers"],
                bytes(row["closed"]),
                day,
            )
            for row in rows
        ],
    )
    await PaperEntry.delete().where(_batch_of(place))
    return added


def question_label(spec: FormSpec, question_id: str, lang: str) -> str:
    question = spec.by_id.get(question_id)
    return localize(question.text, lang) if question else ""
