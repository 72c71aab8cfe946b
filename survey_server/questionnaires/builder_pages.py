"""The builder's pages: editing one draft item by item, its live preview, publishing it.

Every edit is a plain form posted to its own address: it saves the draft and redirects (303)
back to the item it changed, so the builder works without JavaScript. A form carries the
draft's revision: a form from an older page changes nothing (``drafts.DraftStale``). Drafts
belong to their owner account; any other account is answered as for a draft that does not
exist.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from survey_server.distribution.services import LinkInfo
from survey_server.i18n import gettext, language_name, pick_lang
from survey_server.questionnaires import builder
from survey_server.questionnaires.builder import (
    KIND_LABELS,
    KINDS,
    NEW_ROWS,
    QUESTION_TYPES,
    TYPE_LABELS,
    Definition,
    Fields,
    item_at,
)
from survey_server.questionnaires.builder_check import CheckResult, check_definition
from survey_server.questionnaires.drafts import (
    Draft,
    DraftStale,
    delete_draft,
    get_draft,
    save_draft,
)
from survey_server.questionnaires.publishing import (
    DraftInvalid,
    NothingToPublish,
    PublishRefused,
    publish,
)
from survey_server.rendering import Renderer
from survey_server.responses.routes import _form_page
from survey_server.responses.services import OpenForm
from survey_server.responses.validation import FormSpec
from survey_server.staff.managers import require_manager
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import Session, audit
from survey_server.staff.web import SignedIn, check_csrf, form_fields, page, staff_lang
from survey_server.timekeeping import today

BASE = "/staff/questionnaires/drafts/{draft_id:int}"
#: The code the preview's form would post to: no link can have it (links are 7 capitals and
#: digits), so even a preview form forced past its page's policy stores nothing.
PREVIEW_CODE = "xem-truoc"
#: The preview may be framed by the builder page only, and can neither post a form nor send
#: anything from its script.
PREVIEW_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'; form-action 'none'; connect-src 'none'",
    "Referrer-Policy": "no-referrer",
}
CHOICE_TYPES = ("single", "multi", "yes_no")


async def _draft(session: Session, draft_id: int) -> Draft:
    require_manager(session.scope)
    return await get_draft(session.scope, draft_id)


def _url(draft_id: int, *parts: str | int) -> str:
    return "/".join([f"/staff/questionnaires/drafts/{draft_id}", *(str(part) for part in parts)])


async def _edit(
    request: Request[Any, Any, Any],
    session: Session,
    draft_id: int,
    change: Callable[[Definition, Fields], str],
) -> Response[Any]:
    """Apply ``change`` to a copy of the draft, store it and redirect to the address it
    returns (the edited item)."""
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    draft = await _draft(session, draft_id)
    definition = copy.deepcopy(draft.definition)
    target = change(definition, fields)
    await save_draft(session.scope, draft, definition, fields.get("revision", ""))
    return Redirect(target, status_code=303)


def _summary(draft: Draft, result: CheckResult, lang: str) -> list[tuple[str, str]]:
    """Each problem with the address of the field it concerns and the item it belongs to, for
    the error summary at the top of the page."""
    links = []
    for problem in result.problems:
        item = problem.item
        if len(item) == 4:
            href = _url(draft.id, "questions", item[1], item[3]) + f"#f-{problem.field}"
        else:
            href = f"#{_anchor(item)}-{problem.field}"
        links.append((href, f"{_item_name(draft.definition, item, lang)}: {problem.message(lang)}"))
    return links


def _item_name(definition: Definition, item: tuple[str | int, ...], lang: str) -> str:
    if not item:
        return gettext("Thông tin chung", lang)
    if item[0] == "scales":
        return gettext("Thang đo {name}", lang, name=item[1])
    if len(item) == 2:
        return gettext("Phần {n}", lang, n=int(item[1]) + 1)
    question = _question(definition, int(item[1]), int(item[3]))
    return gettext("Câu hỏi {id}", lang, id=str(question.get("id", ""))[:64])


def _anchor(item: tuple[str | int, ...]) -> str:
    """The id of an item's element on the draft page (its fields' ids start with it)."""
    if not item:
        return "f"
    if item[0] == "scales":
        return f"f-scale-{item[1]}"
    return f"f-s{item[1]}"


def _errors(result: CheckResult, lang: str) -> Callable[[tuple[Any, ...]], dict[str, str]]:
    """For the templates: field → message of the problems of one item."""

    def of(item: tuple[Any, ...]) -> dict[str, str]:
        found: dict[str, list[str]] = {}
        for problem in result.at(tuple(item)):
            found.setdefault(problem.field, []).append(problem.message(lang))
        return {field: "; ".join(messages) for field, messages in found.items()}

    return of


def _context(draft: Draft, result: CheckResult, lang: str) -> dict[str, Any]:
    langs = builder.languages(draft.definition)
    return {
        "draft": draft,
        "d": draft.definition,
        "langs": langs,
        "lang_names": {tag: language_name(tag) for tag in langs},
        "summary": _summary(draft, result, lang),
        "tx": lambda texts: _text_of(texts, lang),
        "errors_of": _errors(result, lang),
        "count_under": lambda item: len(result.under(tuple(item))),
        "kinds": KINDS,
        "kind_labels": KIND_LABELS,
        "types": QUESTION_TYPES,
        "type_labels": TYPE_LABELS,
        "new_rows": NEW_ROWS,
        "base": _url(draft.id),
    }


def _text_of(texts: Any, lang: str) -> str:
    """A text of a draft in ``lang`` (else Vietnamese), whatever shape the draft holds."""
    if not isinstance(texts, dict):
        return ""
    return str(texts.get(lang) or texts.get("vi") or "")


@get(BASE, dependencies=SIGNED_IN, include_in_schema=False)
async def draft_page(
    draft_id: FromPath[int],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[str]:
    draft = await _draft(session, draft_id)
    result = check_definition(draft.definition)
    lang = staff_lang(request)
    return page(
        state,
        request,
        "staff/builder.html",
        session,
        **_context(draft, result, lang),
        publish_error=None,
    )


@post(f"{BASE}/general", dependencies=SIGNED_IN, include_in_schema=False)
async def save_general(
    draft_id: FromPath[int], request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        builder.save_general(definition, fields)
        return _url(draft_id) + "#f"

    return await _edit(request, session, draft_id, change)


@post(f"{BASE}/languages", dependencies=SIGNED_IN, include_in_schema=False)
async def change_languages(
    draft_id: FromPath[int], request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        if fields.get("remove"):
            builder.remove_language(definition, fields["remove"])
        else:
            builder.add_language(definition, fields.get("tag", ""))
        return _url(draft_id) + "#f-languages"

    return await _edit(request, session, draft_id, change)


@post(f"{BASE}/scales", dependencies=SIGNED_IN, include_in_schema=False)
async def save_scale(
    draft_id: FromPath[int], request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        if fields.get("delete"):
            builder.delete_scale(definition, fields["delete"])
            return _url(draft_id) + "#f-scales"
        name = builder.save_scale(definition, fields.get("scale", ""), fields)
        return _url(draft_id) + f"#f-scale-{quote(name)}"

    return await _edit(request, session, draft_id, change)


@post(f"{BASE}/sections", dependencies=SIGNED_IN, include_in_schema=False)
async def add_section(
    draft_id: FromPath[int], request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        index = builder.add_section(definition, fields)
        return _url(draft_id) + f"#f-s{index}"

    return await _edit(request, session, draft_id, change)


@post(f"{BASE}/sections/{{s:int}}", dependencies=SIGNED_IN, include_in_schema=False)
async def save_section(
    draft_id: FromPath[int], s: FromPath[int], request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        builder.save_section(definition, item_at(definition.get("sections"), s), fields)
        return _url(draft_id) + f"#f-s{s}"

    return await _edit(request, session, draft_id, change)


@post(f"{BASE}/sections/{{s:int}}/move", dependencies=SIGNED_IN, include_in_schema=False)
async def move_section(
    draft_id: FromPath[int], s: FromPath[int], request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        item_at(definition.get("sections"), s)
        now = builder.move(definition["sections"], s, fields.get("direction", ""))
        return _url(draft_id) + f"#f-s{now}"

    return await _edit(request, session, draft_id, change)


@post(f"{BASE}/sections/{{s:int}}/questions", dependencies=SIGNED_IN, include_in_schema=False)
async def add_question(
    draft_id: FromPath[int], s: FromPath[int], request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        index = builder.add_question(definition, item_at(definition.get("sections"), s), fields)
        return _url(draft_id, "questions", s, index)

    return await _edit(request, session, draft_id, change)


def _question(definition: Definition, s: int, q: int) -> dict[str, Any]:
    return item_at(item_at(definition.get("sections"), s).get("questions"), q)


def _earlier(definition: Definition, s: int, q: int) -> list[dict[str, Any]]:
    """The questions before question ``q`` of section ``s``: those a ``show_if`` may name."""
    found: list[dict[str, Any]] = []
    for section_index, section in enumerate(definition.get("sections") or []):
        for question_index, question in enumerate(section.get("questions") or []):
            if (section_index, question_index) >= (s, q):
                return found
            found.append(question)
    return found


@get(f"{BASE}/questions/{{s:int}}/{{q:int}}", dependencies=SIGNED_IN, include_in_schema=False)
async def question_page(
    draft_id: FromPath[int],
    s: FromPath[int],
    q: FromPath[int],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[str]:
    draft = await _draft(session, draft_id)
    question = _question(draft.definition, s, q)
    result = check_definition(draft.definition)
    lang = staff_lang(request)
    earlier = [
        other for other in _earlier(draft.definition, s, q) if other.get("type") in CHOICE_TYPES
    ]
    condition = question.get("show_if")
    return page(
        state,
        request,
        "staff/builder_question.html",
        session,
        **_context(draft, result, lang),
        s=s,
        q=q,
        question=question,
        field_errors=_errors(result, lang)(("sections", s, "questions", q)),
        earlier=earlier,
        simple=condition if builder.is_simple(condition) else None,
        advanced="" if builder.is_simple(condition) else builder.condition_yaml(condition),
        scales=list((draft.definition.get("scales") or {}).keys()),
    )


@post(f"{BASE}/questions/{{s:int}}/{{q:int}}", dependencies=SIGNED_IN, include_in_schema=False)
async def save_question(
    draft_id: FromPath[int],
    s: FromPath[int],
    q: FromPath[int],
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        question = _question(definition, s, q)
        builder.save_question(definition, question, fields, _earlier(definition, s, q))
        return _url(draft_id, "questions", s, q) + "?saved=1"

    return await _edit(request, session, draft_id, change)


@post(f"{BASE}/questions/{{s:int}}/{{q:int}}/move", dependencies=SIGNED_IN, include_in_schema=False)
async def move_question(
    draft_id: FromPath[int],
    s: FromPath[int],
    q: FromPath[int],
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        _question(definition, s, q)
        questions = definition["sections"][s]["questions"]
        now = builder.move(questions, q, fields.get("direction", ""))
        return _url(draft_id) + f"#f-s{s}-{now}"

    return await _edit(request, session, draft_id, change)


async def _confirm_delete(
    state: State,
    request: Request[Any, Any, Any],
    session: Session,
    draft_id: int,
    s: int,
    q: int | None,
) -> Response[str]:
    """The confirmation page of deleting a section (``q`` None) with its questions, or a question."""
    draft = await _draft(session, draft_id)
    sections = draft.definition.get("sections")
    item = item_at(sections, s) if q is None else _question(draft.definition, s, q)
    where: list[str | int] = ["sections", s] if q is None else ["questions", s, q]
    return page(
        state,
        request,
        "staff/builder_delete.html",
        session,
        draft=draft,
        kind="section" if q is None else "question",
        item=item,
        count=len(item.get("questions") or []) if q is None else 0,
        action=_url(draft_id, *where, "delete"),
        back=_url(draft_id) + (f"#f-s{s}" if q is None else f"#f-s{s}-{q}"),
    )


@get(f"{BASE}/sections/{{s:int}}/delete", dependencies=SIGNED_IN, include_in_schema=False)
async def confirm_section_delete(
    draft_id: FromPath[int],
    s: FromPath[int],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[str]:
    return await _confirm_delete(state, request, session, draft_id, s, None)


@post(f"{BASE}/sections/{{s:int}}/delete", dependencies=SIGNED_IN, include_in_schema=False)
async def delete_section(
    draft_id: FromPath[int], s: FromPath[int], request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        item_at(definition.get("sections"), s)
        del definition["sections"][s]
        return _url(draft_id) + "#f-sections"

    return await _edit(request, session, draft_id, change)


@get(
    f"{BASE}/questions/{{s:int}}/{{q:int}}/delete", dependencies=SIGNED_IN, include_in_schema=False
)
async def confirm_question_delete(
    draft_id: FromPath[int],
    s: FromPath[int],
    q: FromPath[int],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[str]:
    return await _confirm_delete(state, request, session, draft_id, s, q)


@post(
    f"{BASE}/questions/{{s:int}}/{{q:int}}/delete", dependencies=SIGNED_IN, include_in_schema=False
)
async def delete_question(
    draft_id: FromPath[int],
    s: FromPath[int],
    q: FromPath[int],
    request: Request[Any, Any, Any],
    session: SignedIn,
) -> Response[Any]:
    def change(definition: Definition, fields: Fields) -> str:
        _question(definition, s, q)
        del definition["sections"][s]["questions"][q]
        return _url(draft_id) + f"#f-s{s}"

    return await _edit(request, session, draft_id, change)


@post(f"{BASE}/publish", dependencies=SIGNED_IN, include_in_schema=False)
async def publish_draft(
    draft_id: FromPath[int], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    draft = await _draft(session, draft_id)
    if fields.get("revision") != str(draft.revision):
        raise DraftStale()
    lang = staff_lang(request)
    try:
        outcome = await publish(session.scope, draft, state.settings.timezone)
    except (DraftInvalid, NothingToPublish, PublishRefused) as error:
        result = check_definition(draft.definition)
        return page(
            state, request, "staff/builder.html", session, status_code=error.status_code,
            **_context(draft, result, lang), publish_error=error.text(lang),
        )  # fmt: skip
    await audit(
        session.scope.user_id,
        session.scope.username,
        "questionnaire.publish",
        {"slug": outcome.slug, "version": outcome.version},
    )
    return Redirect(
        f"/staff/questionnaires?published={outcome.slug}@{outcome.version}", status_code=303
    )


@get(f"{BASE}/delete", dependencies=SIGNED_IN, include_in_schema=False)
async def confirm_draft_delete(
    draft_id: FromPath[int], state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    draft = await _draft(session, draft_id)
    return page(
        state, request, "staff/builder_delete.html", session,
        draft=draft, kind="draft", item=draft.definition, count=0,
        action=_url(draft_id, "delete"), back=_url(draft_id),
    )  # fmt: skip


@post(f"{BASE}/delete", dependencies=SIGNED_IN, include_in_schema=False)
async def discard_draft(
    draft_id: FromPath[int], request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    await _draft(session, draft_id)
    await delete_draft(session.scope, draft_id)
    return Redirect("/staff/questionnaires", status_code=303)


class _PreviewRenderer:
    """The app's renderer, drawing the respondent form inside the preview page (the same form,
    under the preview banner)."""

    def __init__(self, renderer: Renderer) -> None:
        self._renderer = renderer

    def render(self, name: str, lang: str, content_lang: str | None = None, **context: Any) -> str:
        return self._renderer.render(
            "staff/builder_preview.html", lang, content_lang, form_template=name, **context
        )


@get(f"{BASE}/preview", dependencies=SIGNED_IN, include_in_schema=False)
async def preview(
    draft_id: FromPath[int],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    lang: FromQuery[str | None] = None,
) -> Response[str]:
    """The respondent form of the draft, as a phone shows it; nothing it holds can be sent."""
    draft = await _draft(session, draft_id)
    result = check_definition(draft.definition)
    interface = pick_lang(lang)
    if result.questionnaire is None:
        html = state.renderer.render(
            "staff/builder_preview_invalid.html", interface, count=len(result.problems)
        )
        return Response(html, media_type="text/html", headers=PREVIEW_HEADERS)
    info = LinkInfo(
        link_id=0,
        code=PREVIEW_CODE,
        channel="web",
        partner=None,
        unit_id=0,
        unit_name=gettext("Xem trước — không ghi nhận câu trả lời", interface),
        campaign_id=0,
        campaign_code=PREVIEW_CODE,
        campaign_title={},
        status="draft",
        opens_on=today(state.settings.timezone),
        closes_on=today(state.settings.timezone),
        version_id=0,
        content_hash="",
    )
    form = OpenForm(info=info, spec=FormSpec.build(result.questionnaire), token=None)
    response = _form_page(
        State({"settings": state.settings, "renderer": _PreviewRenderer(state.renderer)}),
        form,
        interface,
        requested=lang,
        submission_id=str(uuid.uuid4()),
        values={},
        errors={},
    )
    response.headers.update(PREVIEW_HEADERS)
    return response


ROUTES = [
    draft_page,
    save_general,
    change_languages,
    save_scale,
    add_section,
    save_section,
    move_section,
    add_question,
    question_page,
    save_question,
    move_question,
    confirm_section_delete,
    delete_section,
    confirm_question_delete,
    delete_question,
    publish_draft,
    confirm_draft_delete,
    discard_draft,
    preview,
]
