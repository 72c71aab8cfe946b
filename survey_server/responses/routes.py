"""Respondent routes: the form, its plain-HTML submission, the JSON API and the thank-you page.

Handlers parse and render only. Nothing from the request other than the code, the answers and
the chosen language reaches a service: no address, user agent or time is read (docs/PRIVACY.md).
"""

import time
import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect

from survey_server.config import Settings
from survey_server.distribution.codes import LINK_CODE_LENGTH, normalise_code
from survey_server.errors import (
    CampaignClosed,
    CampaignNotOpenYet,
    ServiceUnavailable,
    SubmissionInvalid,
    TokenUsed,
    field_error_text,
)
from survey_server.i18n import gettext, language_name, localize, pick_lang
from survey_server.questionnaires.duration import estimated_minutes
from survey_server.rendering import Renderer
from survey_server.responses.conditions import condition_json, describe
from survey_server.responses.form_input import answers_from_form
from survey_server.responses.form_token import make_form_token
from survey_server.responses.prefill import link_answers
from survey_server.responses.schemas import ErrorOut, ReceiptOut, SubmissionIn
from survey_server.responses.services import (
    OpenForm,
    RecordingContext,
    Submission,
    find_receipt,
    open_form,
    record_submission,
)

#: Respondent pages must never be stored by a shared cache: they carry a one-time submission id.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _context(state: State) -> RecordingContext:
    settings: Settings = state.settings
    return RecordingContext(
        writer=state.writer,
        secret=settings.secret_key,
        timezone=settings.timezone,
        watcher=state.watcher,
    )


@post(
    "/api/v1/responses",
    status_code=201,
    summary="Gửi một phiếu trả lời",
    description="Lưu bền vững một phiếu trả lời ẩn danh. Gửi lại cùng submission_id trả về mã biên nhận đầu tiên.",
    responses={
        code: ResponseSpec(data_container=ErrorOut, description=text)
        for code, text in (
            (400, "Dữ liệu không đọc được hoặc sai cấu trúc"),
            (403, "Đợt khảo sát chưa bắt đầu"),
            (404, "Mã khảo sát không tồn tại"),
            (410, "Đợt khảo sát đã kết thúc"),
            (413, "Nội dung quá lớn"),
            (422, "Câu trả lời không hợp lệ (danh sách lỗi theo câu hỏi)"),
            (503, "Chưa lưu được; hãy gửi lại"),
        )
    },
    tags=["responses"],
)
async def submit_response(
    data: JSONBody[SubmissionIn], state: State, request: Request[Any, Any, Any]
) -> ReceiptOut:
    lang = pick_lang(data.lang, request.query_params.get("lang"))
    request.state.lang = lang  # errors raised below are rendered in the language asked for
    submission = Submission(
        link=data.link,
        submission_id=data.submission_id,
        answers=data.answers,
        lang=lang,
        form_token=data.form_token,
    )
    receipt = await record_submission(submission, _context(state))
    return ReceiptOut(receipt=receipt)


@get("/s", include_in_schema=False)
async def enter_code(
    state: State, ma: FromQuery[str | None] = None, lang: FromQuery[str | None] = None
) -> Response[str]:
    """The "nhập mã khảo sát" page for people who cannot scan the QR code."""
    language = pick_lang(lang)
    renderer: Renderer = state.renderer
    error = ""
    if ma is not None:
        code = normalise_code(ma)
        if code is not None:
            return Redirect(
                f"/s/{code}" + ("?lang=en" if language == "en" else ""), status_code=303
            )  # type: ignore[return-value]
        error = gettext(
            "Mã khảo sát gồm 7 ký tự chữ và số (mã trên phiếu riêng gồm 9 ký tự), ví dụ K7M2QXA. Ông/bà vui lòng kiểm tra lại.",
            language,
        )
    html = renderer.render(
        "respondent/enter_code.html", language, typed=(ma or "")[:20], error=error
    )
    return Response(
        html, media_type="text/html", status_code=422 if error else 200, headers=NO_STORE
    )


@get("/s/{code:str}", include_in_schema=False)
async def show_form(
    code: FromPath[str], state: State, lang: FromQuery[str | None] = None
) -> Response[str]:
    language = pick_lang(lang)
    settings: Settings = state.settings
    form = await open_form(code, settings.timezone, language)
    return _form_page(
        state,
        form,
        language,
        requested=lang,
        submission_id=str(uuid.uuid4()),
        values={},
        errors={},
    )


@post("/s/{code:str}", include_in_schema=False)
async def post_form(
    code: FromPath[str], state: State, request: Request[Any, Any, Any]
) -> Response[str]:
    """The form posted without JavaScript: store it and redirect (303) to the thank-you page."""
    fields = await request.form()

    def text_field(name: str) -> str | None:
        value = fields.get(name)
        return value if isinstance(value, str) else None  # an uploaded file is not an answer

    def text_fields(name: str) -> list[str]:
        return [value for value in fields.getall(name, []) if isinstance(value, str)]

    language = pick_lang(text_field("lang"), request.query_params.get("lang"))
    request.state.lang = language
    settings: Settings = state.settings
    try:
        submission_id = uuid.UUID(text_field("submission_id") or "")
    except ValueError:
        submission_id = uuid.uuid4()
    try:
        opened = await open_form(code, settings.timezone, language)
    except (TokenUsed, CampaignClosed, CampaignNotOpenYet):
        # the same page posted again after it was stored (token since spent, campaign since
        # closed): show the first receipt
        first = await find_receipt(submission_id)
        if first is None:
            raise
        return _thanks_redirect("", first, language)
    answers = answers_from_form(opened.spec, text_field, text_fields)
    form_token = text_field("form_token")
    submission = Submission(opened.code, submission_id, answers, language, form_token)
    try:
        receipt = await record_submission(
            submission, _context(state), drop_hidden=True, opened=opened
        )
    except (SubmissionInvalid, ServiceUnavailable) as error:
        # the page comes back with everything typed, and why it was not stored
        errors = {item.field: field_error_text(item, language) for item in error.errors}
        if not errors:
            errors = {"answers": error.text(language)}
        return _form_page(
            state,
            opened,
            language,
            requested=text_field("lang"),
            submission_id=str(submission_id),
            values=answers,
            errors=errors,
            status_code=error.status_code,
            token=form_token,
        )
    # the thank-you page names the link, never a personal token next to its receipt
    return _thanks_redirect("" if opened.token else opened.info.code, receipt, language)


def _thanks_redirect(code: str, receipt: str, lang: str) -> Response[str]:
    suffix = "&lang=en" if lang == "en" else ""
    path = f"/s/{code}/cam-on" if code else "/s/cam-on"
    return Redirect(f"{path}?ma={receipt}{suffix}", status_code=303)  # type: ignore[return-value]


@get("/s/{code:str}/cam-on", include_in_schema=False)
async def thanks(
    code: FromPath[str],
    state: State,
    ma: FromQuery[str | None] = None,
    lang: FromQuery[str | None] = None,
) -> Response[str]:
    """The thank-you page: the receipt, and a way to pass the survey on (never a personal token)."""
    return _thanks_page(state, code, ma, lang)


@get("/s/cam-on", include_in_schema=False)
async def thanks_without_link(
    state: State, ma: FromQuery[str | None] = None, lang: FromQuery[str | None] = None
) -> Response[str]:
    """The thank-you page of an answer given with a single-use token: nothing to share."""
    return _thanks_page(state, "", ma, lang)


def _thanks_page(state: State, code: str, ma: str | None, lang: str | None) -> Response[str]:
    language = pick_lang(lang)
    receipt = normalise_code(ma or "")
    link = normalise_code(code) if code else None
    settings: Settings = state.settings
    renderer: Renderer = state.renderer
    share_url = f"{settings.base_url}/s/{link}" if link and len(link) == LINK_CODE_LENGTH else ""
    html = renderer.render("respondent/thanks.html", language, receipt=receipt, share_url=share_url)
    return Response(html, media_type="text/html", headers=NO_STORE)


def _form_page(
    state: State,
    form: OpenForm,
    lang: str,
    *,
    requested: str | None,
    submission_id: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    token: str | None = None,
) -> Response[str]:
    """The form in the interface language ``lang``, its texts in the ``requested`` language
    when the questionnaire has it (``km``: a Khmer form in a Vietnamese interface). Only the
    interface language is stored with a response: a minority language picked in a school
    where few families speak it would point at them."""
    settings: Settings = state.settings
    renderer: Renderer = state.renderer
    spec, code = form.spec, form.code
    questionnaire = spec.questionnaire
    content = requested if requested in questionnaire.languages() else lang
    known = link_answers(spec, form.info.level)
    asked_sections = [
        section.id
        for section in questionnaire.sections
        if any(question.id not in known for question in section.questions)
    ]

    html = renderer.render(
        "respondent/form.html",
        lang,
        content,
        q=questionnaire,
        spec=spec,
        code=code,
        unit_name=form.info.unit_name,
        closes_on=form.info.closes_on,
        known=known,
        part_numbers={section: number for number, section in enumerate(asked_sections, 1)},
        minutes=estimated_minutes(questionnaire, content),
        languages=[
            (tag, language_name(tag))
            for tag in dict.fromkeys(
                [*questionnaire.languages(), "en"]
            )  # the interface has English
        ],
        submission_id=submission_id,
        values=values,
        errors=errors,
        labels={question.id: localize(question.text, content)[:60] for question in spec.questions},
        form_token=token or make_form_token(settings.secret_key, code, int(time.time())),
        condition_text=lambda question: describe(question.show_if, spec, lang, content),
        condition_json=lambda question: condition_json(question.show_if),
        base_url=settings.base_url,
        thanks_code="" if len(code) != LINK_CODE_LENGTH else code,
    )
    return Response(html, media_type="text/html", status_code=status_code, headers=NO_STORE)


ROUTES = [submit_response, enter_code, show_form, post_form, thanks, thanks_without_link]
