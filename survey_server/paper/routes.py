"""The paper channel in the workspace: print forms, type them in, import spreadsheets.

Every role that works with a campaign's unit may do this for the units of its scope; a partner
account's forms and imports always carry its own organisation. The passes of a double-entry
batch are shown only to the accounts that typed them and to administrators; to anyone else a
batch answers as any unknown thing does (404).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from survey_server.bounded import run_bounded
from survey_server.config import Settings
from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_, gettext, localize
from survey_server.paper import approval, entry
from survey_server.paper.form_pdf import answer_labels, render_forms
from survey_server.paper.imports import ImportInvalid, Typist, import_file
from survey_server.paper.services import form_stacks
from survey_server.paper.template import accepted, template_csv, template_xlsx
from survey_server.responses.prefill import unit_level
from survey_server.scoring.services import campaign_form
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import Scope, audit, campaign_in_scope
from survey_server.staff.web import SignedIn, check_csrf, page, staff_lang
from survey_server.timekeeping import today

UPLOAD_LIMIT = 60 * 1024 * 1024
#: Forms one PDF may hold (copies × schools): a commune's stack for a meeting, not a province's.
MAX_FORMS_PER_PDF = 2000
PRINT_SECONDS = 120.0


class PrintTooLarge(AppError):
    status_code = 422
    code = "print_too_large"
    message = N_(
        "Một lần tải chỉ in được tối đa {most} phiếu, yêu cầu này là {forms} phiếu; hãy chọn "
        "từng trường hoặc giảm số phiếu mỗi trường."
    )


BASE = "/staff/campaigns/{code:str}"


def _partner(scope: Scope, typed: str | None) -> str | None:
    """The partner organisation forms are filed under: a partner account's own. A school or an
    office types forms as itself and cannot file them under a partner's name (that would pass
    its own typing off as an outside organisation's). An administrator names a partner only to
    reach that partner's batch, together with its team."""
    if scope.role == "partner":
        return scope.partner
    if scope.role != "admin" or not typed:
        return None
    return " ".join(unicodedata.normalize("NFC", typed).split())[:120] or None


def _team(scope: Scope) -> str:
    """Whom the batches an account types belong to: its unit and, for a partner account, its
    organisation. Accounts of one team type the two passes of a batch; no other account can
    reach the batch, whatever name it types."""
    return f"{scope.unit_id}|{scope.partner}" if scope.role == "partner" else str(scope.unit_id)


def _may_see_batch(scope: Scope, batch: dict[str, Any]) -> bool:
    """The paper trail an account sees: offices see every batch of their scope; a school its
    own; a partner its own and the school-typed ones it may approve. How many forms another
    organisation brought in for a school is a count of respondents, not the school's to read."""
    if scope.role in ("admin", "staff"):
        return True
    own = batch["team"] == _team(scope)
    return own or (scope.role == "partner" and batch["typist_kind"] == approval.SCHOOL)


def _batch_fields(scope: Scope, unit_code: str, place: Any) -> dict[str, str]:
    """What names a batch besides its name (``place``: an ``entry.Place`` or a summary): its
    unit, the partner it names, and another team only for an administrator looking at it."""
    fields = {"unit": unit_code}
    if place.partner and scope.role != "partner":
        fields["partner"] = place.partner
    if place.team != _team(scope):
        fields["team"] = place.team
    return fields


def _batch_url(scope: Scope, campaign_code: str, unit_code: str, place: Any) -> str:
    query = urlencode(_batch_fields(scope, unit_code, place))
    return f"/staff/campaigns/{campaign_code}/batches/{place.batch}?{query}"


async def _schools(campaign: dict[str, Any], unit: dict[str, Any]) -> list[dict[str, str]]:
    """The schools (or the class) of the unit that the campaign reaches: where forms go."""
    _, stacks = await form_stacks(campaign["code"], unit["code"], copies=1)
    return [{"code": stack.unit_code, "name": stack.headers[0].unit_name} for stack in stacks]


@get(f"{BASE}/paper", dependencies=SIGNED_IN, include_in_schema=False)
async def paper_page(
    code: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    committed: FromQuery[int | None] = None,
) -> Response[str]:
    campaign, target = await campaign_in_scope(session.scope, code, unit)
    message = None
    if committed is not None:
        message = gettext(
            "Đã chốt lô: {n} phiếu được tính vào kết quả.", staff_lang(request), n=committed
        )
    return await _paper_page(state, request, session, campaign, target, message=message)


async def _paper_page(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    campaign: dict[str, Any],
    unit: dict[str, Any],
    *,
    message: str | None = None,
    problems: list[str] | None = None,
    failed: bool = False,
    status_code: int = 200,
) -> Response[str]:
    scope = session.scope
    batches = await entry.open_batches(
        campaign["id"],
        str(unit["path"]),
        user_id=scope.user_id,
        team=_team(scope),
        admin=scope.role == "admin",
    )
    trail = [
        batch
        for batch in await approval.batches(campaign["id"], str(unit["path"]))
        if _may_see_batch(scope, batch)
    ]
    return page(
        state,
        request,
        "staff/paper.html",
        session,
        status_code=status_code,
        campaign=campaign,
        title=json.loads(campaign["title"]),
        unit=unit,
        schools=await _schools(campaign, unit),
        trail=[
            (batch, batch["pending"] > 0 and await approval.may_approve(scope, batch))
            for batch in trail
        ],
        self_typed=approval.typist_kind(scope) == approval.SCHOOL,
        batches=[
            (batch, _batch_url(scope, campaign["code"], batch.unit_code, batch))
            for batch in batches
        ],
        message=message,
        problems=problems or [],
        failed=failed or bool(problems),
    )


@get(f"{BASE}/paper.pdf", dependencies=SIGNED_IN, include_in_schema=False)
async def paper_pdf(
    code: FromPath[str],
    session: SignedIn,
    request: Request[Any, Any, Any],
    unit: FromQuery[str | None] = None,
    copies: FromQuery[int] = 40,
    first: FromQuery[int] = 1,
) -> Response[bytes]:
    """Numbered forms of one school (or of every school of the unit) in one PDF."""
    campaign, target = await campaign_in_scope(session.scope, code, unit)
    lang = staff_lang(request)
    questionnaire, stacks = await form_stacks(
        campaign["code"],
        target["code"],
        copies=copies,
        partner=_partner(session.scope, None),
        first_number=max(1, min(first, 999_999)),
        lang=lang,
    )
    if not stacks:
        raise NotFound()
    headers = tuple(header for stack in stacks for header in stack.headers)
    if len(headers) > MAX_FORMS_PER_PDF:
        raise PrintTooLarge(forms=len(headers), most=MAX_FORMS_PER_PDF)
    merged = type(stacks[0])(target["code"], headers)
    content = await run_bounded(
        render_forms, questionnaire, headers, lang, seconds=PRINT_SECONDS, memory_mb=1024
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{merged.filename}"',
            "Cache-Control": "no-store",
        },
    )


@get(f"{BASE}/paper-template.xlsx", dependencies=SIGNED_IN, include_in_schema=False)
async def paper_template_xlsx(
    code: FromPath[str], session: SignedIn, request: Request[Any, Any, Any]
) -> Response[bytes]:
    return await _template(code, session, request, "xlsx")


@get(f"{BASE}/paper-template.csv", dependencies=SIGNED_IN, include_in_schema=False)
async def paper_template_csv(
    code: FromPath[str], session: SignedIn, request: Request[Any, Any, Any]
) -> Response[bytes]:
    return await _template(code, session, request, "csv")


async def _template(
    code: str, session: SignedIn, request: Request[Any, Any, Any], kind: str
) -> Response[bytes]:
    """The spreadsheet to fill with a campaign's answers (header = question ids)."""
    campaign, _ = await campaign_in_scope(session.scope, code, None)
    spec = await campaign_form(campaign)
    lang = staff_lang(request)
    if kind == "xlsx":
        content = template_xlsx(spec, lang)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, media = template_csv(spec, lang), "text/csv"  # the framework adds the charset
    return Response(
        content,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{campaign["code"].lower()}-mau-nhap.{kind}"',
            "Cache-Control": "no-store",
        },
    )


@post(
    f"{BASE}/import",
    dependencies=SIGNED_IN,
    include_in_schema=False,
    request_max_body_size=UPLOAD_LIMIT,
    status_code=200,
)
async def paper_import(
    code: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    check_csrf(session.csrf, fields.get("csrf"))
    scope = session.scope
    campaign, unit = await campaign_in_scope(scope, code, fields.get("unit") or None)
    upload = form.get("file")
    lang = staff_lang(request)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _paper_page(
            state, request, session, campaign, unit, problems=[_no_file(lang)], status_code=422
        )
    settings: Settings = state.settings
    try:
        outcome = await import_file(
            campaign["code"],
            await upload.read(),
            upload.filename,
            unit_code=unit["code"] if unit["kind"] in ("school", "class") else None,
            channel="paper",
            partner=_partner(scope, fields.get("partner")),
            typist=Typist(scope.username, approval.typist_kind(scope), _team(scope)),
            database_url=settings.resolved_database_url,
            scope_path=str(unit["path"]),
            timezone=settings.timezone,
            lang=lang,
        )
    except ImportInvalid as error:
        return await _paper_page(
            state, request, session, campaign, unit,
            message=error.text(lang), problems=error.problems, status_code=422,
        )  # fmt: skip
    await audit(
        scope.user_id,
        scope.username,
        "paper.import",
        {"campaign": campaign["code"], "unit": unit["code"], "added": outcome.added},
    )
    return await _paper_page(
        state, request, session, campaign, unit,
        message=_imported(outcome.added, outcome.already, outcome.blank, lang),
    )  # fmt: skip


def _no_file(lang: str) -> str:
    return gettext("Chưa chọn tệp để nhập.", lang)


def _imported(added: int, already: int, blank: int, lang: str) -> str:
    return gettext(
        "Đã nhập {added} phiếu; {already} phiếu đã có từ lần nhập trước; {blank} dòng trống được bỏ qua.",
        lang,
        added=added,
        already=already,
        blank=blank,
    )


async def _place(
    scope: Scope,
    code: str,
    unit_code: str | None,
    batch: str,
    entry_pass: str,
    partner: str | None,
    team: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any], entry.Place]:
    """Where a form goes, or which batch is asked for: the account's own team's, except that an
    administrator may name another team's batch to look at it."""
    campaign, unit = await campaign_in_scope(scope, code, unit_code)
    if unit["kind"] not in ("school", "class") or entry_pass not in ("0", "1", "2"):
        raise NotFound()
    partner = _partner(scope, partner)
    place = entry.Place(
        campaign_id=campaign["id"],
        campaign_code=campaign["code"],
        questionnaire_id=campaign["questionnaire"],
        unit_id=unit["id"],
        unit_code=unit["code"],
        channel="paper",
        partner=partner,
        batch=batch.strip(),
        entry_pass=int(entry_pass),
        team=team if scope.role == "admin" and team else _team(scope),
        typist_kind=approval.typist_kind(scope),
        typist=scope.username,
    )
    return campaign, unit, place


def _next_form(form: str) -> str:
    """The number after ``form`` keeping its width: 0007 → 0008, TH-LC1-0009 → TH-LC1-0010."""
    match = re.search(r"(\d+)$", form)
    if not match:
        return ""
    digits = match.group(1)
    return form[: match.start()] + str(int(digits) + 1).zfill(len(digits))


@get(f"{BASE}/entry", dependencies=SIGNED_IN, include_in_schema=False)
async def entry_form(
    code: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    batch: FromQuery[str] = "",
    entry_pass: FromQuery[str] = "0",
    partner: FromQuery[str | None] = None,
    form: FromQuery[str] = "",
    saved: FromQuery[str | None] = None,
) -> Response[str]:
    campaign, target, place = await _place(session.scope, code, unit, batch, entry_pass, partner)
    lang = staff_lang(request)
    try:
        place.check(lang)
    except AppError as error:
        return await _paper_page(
            state, request, session, campaign, target, problems=[error.text(lang)], status_code=422
        )
    return await _entry_page(
        state, request, session, campaign, target, place, {"form": form}, {}, saved
    )


async def _entry_page(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    campaign: dict[str, Any],
    unit: dict[str, Any],
    place: entry.Place,
    values: dict[str, str],
    problems: dict[str, str],
    saved: str | None,
    status_code: int = 200,
) -> Response[str]:
    spec = await campaign_form(campaign)
    lang = staff_lang(request)
    return page(
        state,
        request,
        "staff/entry.html",
        session,
        status_code=status_code,
        campaign=campaign,
        title=json.loads(campaign["title"]),
        unit=unit,
        place=place,
        batch_url=_batch_url(session.scope, campaign["code"], unit["code"], place),
        questions=[
            {
                "id": q.id,
                "number": number,
                "text": localize(q.text, lang),
                "type": q.type,
                "hint": _hint(spec, q, lang),
                "allowed": _allowed(spec, q),
            }
            for number, q in enumerate(spec.questions, 1)
        ],
        values=values,
        problems=problems,
        saved=saved,
    )


def _hint(spec: Any, question: Any, lang: str) -> str:
    if question.type in ("scale", "single", "multi"):
        return " · ".join(answer_labels(spec.questionnaire, question, lang))
    return accepted(spec, question, lang)


def _allowed(spec: Any, question: Any) -> str:
    """A pattern of what may be typed (checked on the page as it is typed, then by the server)."""
    if question.type == "scale" and question.scale:
        scale = spec.questionnaire.scales[question.scale]
        low = 0 if scale.not_applicable else 1
        return f"[{low}-{len(scale.points)}]"
    if question.type == "single":
        count = len(question.options or ())
        return f"[1-{min(count, 9)}]" if count <= 9 else "[0-9]{1,2}"
    if question.type == "multi":
        count = len(question.options or ())
        return f"[1-{min(count, 9)}]{{1,{count}}}" if count <= 9 else "[0-9 ,]+"
    if question.type == "yes_no":
        return "[01]"
    return ""


@post(f"{BASE}/entry", dependencies=SIGNED_IN, include_in_schema=False, status_code=200)
async def entry_save(
    code: FromPath[str], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    fields = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    check_csrf(session.csrf, fields.get("csrf"))
    scope = session.scope
    campaign, unit, place = await _place(
        scope,
        code,
        fields.get("unit"),
        fields.get("batch", ""),
        fields.get("entry_pass", "0"),
        fields.get("partner"),
    )
    lang = staff_lang(request)
    spec = await campaign_form(campaign)
    form_number = fields.get("form", "").strip()
    answers, closed, problems = entry.read_form(spec, fields, lang, await unit_level(place.unit_id))
    settings: Settings = state.settings
    if answers is not None:
        try:
            fresh = await entry.save_form(
                place, form_number, answers, closed,
                user_id=scope.user_id, day=today(settings.timezone),
                database_url=settings.resolved_database_url, lang=lang,
            )  # fmt: skip
        except AppError as error:
            problems = {"form": error.text(lang)}
        else:
            again = "~" if place.entry_pass else "!"  # retyped in its pass; stored before
            query = {
                "unit": unit["code"], "batch": place.batch, "entry_pass": str(place.entry_pass),
                "form": _next_form(form_number), "saved": form_number if fresh else form_number + again,
            }  # fmt: skip
            if scope.role != "partner" and place.partner:
                query["partner"] = place.partner
            return Redirect(
                f"/staff/campaigns/{campaign['code']}/entry?{urlencode(query)}", status_code=303
            )
    return await _entry_page(
        state, request, session, campaign, unit, place, fields, problems, None, 422
    )


async def _batch(
    session: SignedIn,
    code: str,
    unit_code: str | None,
    batch: str,
    partner: str | None,
    team: str | None,
) -> tuple[dict[str, Any], dict[str, Any], entry.Place, list[dict[str, Any]]]:
    """A double-entry batch the account may see, with its typed forms, or the ``NotFound`` of
    any unknown thing: a batch nobody typed, or one typed by others, cannot be told from a
    campaign that does not exist."""
    scope = session.scope
    campaign, unit, place = await _place(scope, code, unit_code, batch, "1", partner, team)
    rows = await entry.batch_rows(place)
    if not entry.may_see(rows, scope.user_id, admin=scope.role == "admin"):
        raise NotFound()
    return campaign, unit, place, rows


@get(f"{BASE}/batches/{{batch:str}}", dependencies=SIGNED_IN, include_in_schema=False)
async def batch_page(
    code: FromPath[str],
    batch: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    unit: FromQuery[str | None] = None,
    partner: FromQuery[str | None] = None,
    team: FromQuery[str | None] = None,
) -> Response[str]:
    """Where the passes of a batch disagree (form, question), for the typists and admins."""
    campaign, target, place, rows = await _batch(session, code, unit, batch, partner, team)
    lang = staff_lang(request)
    spec = await campaign_form(campaign)
    comparison = entry.compare(rows, spec, lang)
    fields = _batch_fields(session.scope, target["code"], place)
    return page(
        state,
        request,
        "staff/batch.html",
        session,
        campaign=campaign,
        title=json.loads(campaign["title"]),
        unit=target,
        place=place,
        own_team=place.team == _team(session.scope),
        fields=fields,
        entry_query=urlencode({"batch": place.batch, **fields}),
        comparison=comparison,
        label=lambda qid: entry.question_label(spec, qid, lang),
    )


@post(
    f"{BASE}/batches/{{batch:str}}/commit",
    dependencies=SIGNED_IN,
    include_in_schema=False,
    status_code=200,
)
async def batch_commit(
    code: FromPath[str],
    batch: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[Any]:
    fields = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    check_csrf(session.csrf, fields.get("csrf"))
    campaign, unit, place, _ = await _batch(
        session, code, fields.get("unit"), batch, fields.get("partner"), fields.get("team")
    )
    lang = staff_lang(request)
    settings: Settings = state.settings
    spec = await campaign_form(campaign)
    added = await entry.commit_batch(
        place,
        spec,
        day=today(settings.timezone),
        database_url=settings.resolved_database_url,
        lang=lang,
    )
    scope = session.scope
    await audit(
        scope.user_id,
        scope.username,
        "paper.batch",
        {"campaign": campaign["code"], "unit": unit["code"], "batch": place.batch, "added": added},
    )
    query = urlencode({"unit": unit["code"], "committed": str(added)})
    return Redirect(f"/staff/campaigns/{campaign['code']}/paper?{query}", status_code=303)


@post(
    f"{BASE}/paper-batches/{{batch_id:int}}/approve",
    dependencies=SIGNED_IN,
    include_in_schema=False,
    status_code=200,
)
async def batch_approve(
    code: FromPath[str],
    batch_id: FromPath[int],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[Any]:
    """Count the waiting forms of a batch the school typed itself (a second pair of eyes)."""
    fields = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    check_csrf(session.csrf, fields.get("csrf"))
    scope = session.scope
    campaign, unit = await campaign_in_scope(scope, code, fields.get("unit") or None)
    lang = staff_lang(request)
    try:
        counted = await approval.approve(scope, campaign["id"], batch_id)
    except approval.ApprovalRefused as error:
        return await _paper_page(
            state, request, session, campaign, unit,
            message=error.text(lang), failed=True, status_code=409,
        )  # fmt: skip
    await audit(
        scope.user_id,
        scope.username,
        "paper.approve",
        {"campaign": campaign["code"], "batch": batch_id, "counted": counted},
    )
    return await _paper_page(
        state, request, session, campaign, unit,
        message=gettext("Đã duyệt lô: {n} phiếu được tính vào kết quả.", lang, n=counted),
    )  # fmt: skip


ROUTES = [
    batch_approve,
    paper_page,
    paper_pdf,
    paper_template_xlsx,
    paper_template_csv,
    paper_import,
    entry_form,
    entry_save,
    batch_page,
    batch_commit,
]
