"""Typing paper forms in: one form per screen, answers as the digits printed beside the boxes.

A form belongs to a batch (the stack it came in) and has the number printed on it. In a
single-entry batch each saved form is a response at once. In a double-entry batch the stack is
typed twice, by two different people; the passes are kept apart (``PaperEntry``) and compared
form by form, and the batch counts only when they agree — then its forms become responses and
the passes are deleted. Either way a form's response id comes from the batch's identity and
the form number, so typing a form again never stores it twice.

A batch is identified by its campaign, unit, partner, name and team (the unit of the accounts
typing it and, for a partner account, its organisation): the same name typed by another school,
another partner or another office is another batch. The passes of a batch are shown only to
the accounts that typed them (and administrators), and their comparison says where the passes
disagree without showing free text.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from survey_server.campaigns.tables import Campaign
from survey_server.distribution.codes import RECEIPT_LENGTH, new_code
from survey_server.distribution.services import add_link
from survey_server.distribution.tables import Link
from survey_server.errors import AppError, FieldError, field_error_text
from survey_server.i18n import N_, gettext, localize
from survey_server.paper import approval
from survey_server.paper.tables import PaperEntry
from survey_server.questionnaires.schema import Question
from survey_server.responses.encoding import NA
from survey_server.responses.prefill import link_answers
from survey_server.responses.tabular import cell_value
from survey_server.responses.validation import FormSpec, validate_answers
from survey_server.responses.writer import SubmissionRow, store_all
from survey_server.staff.tables import StaffUser

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
NOT_OPEN = N_(
    "đợt khảo sát không nhận phiếu lúc này (đã kết thúc hoặc còn là bản nháp); phiếu đến muộn "
    "chỉ được nhập khi đợt được mở lại"
)


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
    team: str
    typist_kind: str = approval.OFFICE
    typist: str = ""

    def check(self, lang: str) -> None:
        if not BATCH.match(self.batch):
            raise EntryInvalid(detail=gettext(BAD_BATCH, lang))

    async def ensure_open(self, lang: str) -> None:
        """Forms are typed into an open campaign only: once it is closed, nothing adds to it
        (read at the time of saving, so a campaign closed while a stack is typed is seen)."""
        row = await Campaign.select(Campaign.status).where(Campaign.id == self.campaign_id).first()
        if row is None or row["status"] != "open":
            raise EntryInvalid(detail=gettext(NOT_OPEN, lang))

    def response_id(self, form: str) -> str:
        key = "|".join(
            (self.campaign_code, self.unit_code, self.partner or "", self.team, self.batch)
        )
        return str(uuid.uuid5(NAMESPACE, f"{key}|{form.upper()}"))

    async def batch_id(self, source: str, typist: str) -> int:
        """The paper batch its forms are filed in (``approval``), made with the first form."""
        return await approval.batch_for(
            campaign_id=self.campaign_id,
            unit_id=self.unit_id,
            team=self.team,
            partner=self.partner,
            name=self.batch,
            source=source,
            kind=self.typist_kind,
            typist=typist,
        )

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
    spec: FormSpec, fields: dict[str, str], lang: str, level: str | None = None
) -> tuple[dict[str, Any] | None, bytes, dict[str, str]]:
    """The validated answers of a typed form (scrubbed), or the message of each bad field.
    ``level`` is the unit's school level: a form of a primary school is a primary parent's."""
    raw: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for question in spec.questions:
        value, error = typed_value(question, spec, fields.get(question.id, ""))
        if error is not None:
            problems[question.id] = field_error_text(error, lang)
        elif value is not None:
            raw[question.id] = value
    clean, errors = validate_answers(
        spec, raw, drop_hidden=True, require=False, given=link_answers(spec, level)
    )
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
    """Store a typed form; ``False`` when this form of the batch was stored (single entry) or
    typed in this pass (double entry, where the new typing replaces it) before."""
    place.check(lang)
    await place.ensure_open(lang)
    if not FORM.match(form):
        raise EntryInvalid(detail=gettext(BAD_FORM, lang))
    text = json.dumps(answers, ensure_ascii=False, separators=(",", ":"))
    if place.entry_pass == SINGLE:
        link = await place.link_id()
        batch = await place.batch_id("entry", place.typist)
        held = approval.held_state(place.typist_kind)
        added = await store_all(
            database_url, [_row(place, link, form, text, closed, day, held=held, batch=batch)]
        )
        await approval.recount([batch])
        return added == 1
    other_pass = FIRST if place.entry_pass == SECOND else SECOND
    if await PaperEntry.exists().where(
        _batch_of(place)
        & (PaperEntry.entry_pass == other_pass)
        & (PaperEntry.entered_by == user_id)
    ):
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
            team=place.team,
            form_number=form,
            entry_pass=place.entry_pass,
            entered_by=user_id,
            answers=text,
            closed=closed,
        ).save()
    return not existed


def _batch_of(place: Place) -> Any:
    """A batch is one stack of one unit's forms, collected by one partner (or none), typed by
    one team."""
    return (
        (PaperEntry.campaign == place.campaign_id)
        & (PaperEntry.unit == place.unit_id)
        & (PaperEntry.partner == place.partner)
        & (PaperEntry.team == place.team)
        & (PaperEntry.batch == place.batch)
    )


def _row(
    place: Place,
    link: int,
    form: str,
    answers: str,
    closed: bytes,
    day: date,
    *,
    held: int,
    batch: int,
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
        held=held,
        paper_batch=batch,
    )


@dataclass(frozen=True)
class Difference:
    """Where the passes disagree: a form missing from one pass (``question`` empty), a closed
    answer (both values as typed from the paper), or a free-text answer (``text``: the texts
    differ; neither is shown)."""

    form: str
    question: str
    first: str
    second: str
    text: bool = False


@dataclass(frozen=True)
class Comparison:
    forms: int
    differences: list[Difference]
    both_passes: bool
    two_people: bool

    @property
    def ready(self) -> bool:
        return self.forms > 0 and not self.differences and self.both_passes and self.two_people


async def batch_rows(place: Place) -> list[dict[str, Any]]:
    """Every typed form of both passes of a batch (none for a batch nobody typed)."""
    if not BATCH.match(place.batch):
        return []
    return await PaperEntry.select().where(_batch_of(place))


def may_see(rows: list[dict[str, Any]], user_id: int, *, admin: bool) -> bool:
    """A batch is shown to the accounts that typed it and to administrators, never to anyone
    else — for them it does not exist."""
    return bool(rows) and (admin or any(row["entered_by"] == user_id for row in rows))


def compare(rows: list[dict[str, Any]], spec: FormSpec, lang: str) -> Comparison:
    """Where the two passes of a batch disagree, form by form and question by question."""
    passes: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    typists: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        passes[row["entry_pass"]][row["form_number"]] = json.loads(row["answers"])
        if row["entered_by"] is not None:
            typists[row["entry_pass"]].add(row["entered_by"])
    first, second = passes.get(FIRST, {}), passes.get(SECOND, {})
    blank, absent = gettext("(chưa nhập)", lang), gettext("(chưa nhập phiếu này)", lang)
    differences = []
    for form in sorted(set(first) | set(second)) if first and second else ():
        if form not in first or form not in second:
            differences.append(
                Difference(
                    form, "", "✓" if form in first else absent, "✓" if form in second else absent
                )
            )
            continue
        for question in spec.questions:
            a, b = first[form].get(question.id), second[form].get(question.id)
            if question.type == "text":
                if " ".join(str(a or "").split()) != " ".join(str(b or "").split()):
                    differences.append(Difference(form, question.id, "", "", text=True))
            elif a != b:
                differences.append(
                    Difference(
                        form,
                        question.id,
                        typed_text(question, a) or blank,
                        typed_text(question, b) or blank,
                    )
                )
    return Comparison(
        forms=len(set(first) | set(second)),
        differences=differences,
        both_passes=bool(first and second),
        two_people=bool(typists[FIRST] and typists[SECOND])
        and not typists[FIRST] & typists[SECOND],
    )


def typed_text(question: Question, value: Any) -> str:
    """A stored answer as it is typed from the paper (the inverse of :func:`typed_value`): the
    number of the box — a scale point (0 for no opinion), an option's number, 1/0 for yes/no."""
    if value is None:
        return ""
    if question.type in ("single", "multi"):
        options = [option.id for option in question.options or ()]
        picked = value if isinstance(value, list) else [value]
        return " ".join(str(options.index(v) + 1) if v in options else str(v) for v in picked)
    if value == NA:
        return "0"
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


async def commit_batch(
    place: Place, spec: FormSpec, *, day: date, database_url: str, lang: str
) -> int:
    """Store an agreed double-entry batch as responses and forget its passes."""
    await place.ensure_open(lang)
    rows = await batch_rows(place)
    if not compare(rows, spec, lang).ready:
        raise EntryInvalid(detail=gettext(NOT_READY, lang))
    link = await place.link_id()
    typists = await StaffUser.select(StaffUser.username).where(
        StaffUser.id.is_in(sorted({row["entered_by"] for row in rows if row["entered_by"]}))
    )
    batch = await place.batch_id("double", ", ".join(row["username"] for row in typists))
    held = approval.held_state(place.typist_kind)
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
                held=held,
                batch=batch,
            )
            for row in rows
            if row["entry_pass"] == FIRST
        ],
    )
    await approval.recount([batch])
    await PaperEntry.delete().where(_batch_of(place))
    return added


def question_label(spec: FormSpec, question_id: str, lang: str) -> str:
    """The question as the paper shows it: its number, then its text."""
    for number, question in enumerate(spec.questions, 1):
        if question.id == question_id:
            return f"{number}. {localize(question.text, lang)}"
    return ""


@dataclass(frozen=True)
class BatchSummary:
    """A double-entry batch waiting to be committed, as the paper page lists it."""

    unit_code: str
    unit_name: str
    batch: str
    partner: str | None
    team: str
    forms: dict[int, int]
    typists: dict[int, list[str]]


async def open_batches(
    campaign_id: int, unit_path: str, *, user_id: int, team: str, admin: bool
) -> list[BatchSummary]:
    """The double-entry batches of a campaign under a unit that an account may see: those it
    typed (all of them for an administrator)."""
    where = (PaperEntry.campaign == campaign_id) & PaperEntry.unit.path.like(f"{unit_path}%")
    if not admin:
        where &= PaperEntry.team == team
    rows = await PaperEntry.select(
        PaperEntry.unit.code.as_alias("unit_code"),
        PaperEntry.unit.name.as_alias("unit_name"),
        PaperEntry.batch,
        PaperEntry.partner,
        PaperEntry.team,
        PaperEntry.entry_pass,
        PaperEntry.entered_by,
        PaperEntry.entered_by.username.as_alias("typist"),
    ).where(where)
    groups: dict[tuple[str, str, str, str | None, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = (row["unit_code"], row["unit_name"], row["batch"], row["partner"], row["team"])
        groups[key].append(row)
    summaries = []
    for (unit_code, unit_name, batch, partner, key), members in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][2], item[0][3] or "", item[0][4])
    ):
        if not may_see(members, user_id, admin=admin):
            continue
        forms: dict[int, int] = defaultdict(int)
        typists: dict[int, list[str]] = defaultdict(list)
        for row in members:
            forms[row["entry_pass"]] += 1
            if row["typist"] and row["typist"] not in typists[row["entry_pass"]]:
                typists[row["entry_pass"]].append(row["typist"])
        summaries.append(
            BatchSummary(unit_code, unit_name, batch, partner, key, dict(forms), dict(typists))
        )
    return summaries
