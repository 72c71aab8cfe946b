"""The questionnaires of the workspace: the list, starting a draft, comparing versions, exports
and the XLSForm import (docs/BUILDER.md).

Administrators and office staff only: principals and partners are among the people whose
results the questionnaires measure. Questionnaires themselves are not secret (every campaign
form lists them), but the campaigns using a version are shown only when they concern the
account's unit.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from survey_server.campaigns.tables import Campaign
from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_, gettext
from survey_server.questionnaires.builder import KIND_LABELS, KINDS
from survey_server.questionnaires.diff import ACTION_LABELS, ITEM_LABELS, compare
from survey_server.questionnaires.drafts import (
    blank,
    compact,
    create_draft,
    list_drafts,
    version_definition,
)
from survey_server.questionnaires.dump import to_yaml
from survey_server.questionnaires.schema import SLUG_PATTERN, Questionnaire
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.questionnaires.xlsform import XlsImport, export_xlsform, import_bounded
from survey_server.staff.managers import require_manager
from survey_server.staff.routes import SIGNED_IN
from survey_server.staff.services import Scope
from survey_server.staff.web import SignedIn, check_csrf, form_fields, page, staff_lang

BASE = "/staff/questionnaires"
UPLOAD_LIMIT = 5 * 1024 * 1024
PUBLISHED = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*@[0-9]{1,9}$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportFailed(AppError):
    status_code = 422
    code = "xlsform_failed"
    message = N_("Không nhập được tệp: {detail}")


NO_FILE = N_("chưa chọn tệp Excel/XLSForm (.xlsx)")
NO_QUESTIONNAIRE = N_("tệp không tạo được bảng hỏi nào")


async def _versions() -> list[dict[str, Any]]:
    return list(
        await QuestionnaireVersion.select(
            QuestionnaireVersion.id,
            QuestionnaireVersion.slug,
            QuestionnaireVersion.version,
            QuestionnaireVersion.kind,
            QuestionnaireVersion.definition,
            QuestionnaireVersion.loaded_on,
            QuestionnaireVersion.owner_unit.name.as_alias("owner_name"),
        )
        .order_by(QuestionnaireVersion.slug)
        .order_by(QuestionnaireVersion.version)  # the latest last: its title is the list's
    )


async def _campaigns_by_version(scope: Scope) -> dict[int, list[str]]:
    """The codes of the campaigns on each version that concern the account's unit."""
    rows = await Campaign.select(
        Campaign.code, Campaign.questionnaire, Campaign.root_unit.path.as_alias("root_path")
    ).order_by(Campaign.code)
    found: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        root = str(row["root_path"])
        if root.startswith(scope.unit_path) or scope.unit_path.startswith(root):
            found[row["questionnaire"]].append(row["code"])
    return found


@get(BASE, dependencies=SIGNED_IN, include_in_schema=False)
async def questionnaire_list(
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    published: FromQuery[str | None] = None,
) -> Response[str]:
    require_manager(session.scope)
    campaigns = await _campaigns_by_version(session.scope)
    grouped: dict[str, dict[str, Any]] = {}
    for row in await _versions():
        entry = grouped.setdefault(row["slug"], {"slug": row["slug"], "versions": []})
        entry["title"] = json.loads(row["definition"])["title"]
        entry["kind"] = row["kind"]
        entry["versions"].append({**row, "campaigns": campaigns.get(row["id"], [])})
    for entry in grouped.values():
        entry["versions"].sort(key=lambda version: version["version"], reverse=True)
    return page(
        state,
        request,
        "staff/questionnaires.html",
        session,
        questionnaires=list(grouped.values()),
        kind_labels=KIND_LABELS,
        # only a name of a version: the address may come from anywhere
        published=published if published and PUBLISHED.match(published) else None,
        drafts=await list_drafts(session.scope),
    )


@get(f"{BASE}/new", dependencies=SIGNED_IN, include_in_schema=False)
async def new_draft_page(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    require_manager(session.scope)
    return await _new_page(state, request, session, {}, None)


async def _new_page(
    state: State,
    request: Request[Any, Any, Any],
    session: Any,
    values: dict[str, str],
    problem: tuple[str, str] | None,
    status_code: int = 200,
) -> Response[str]:
    versions = [
        {**row, "title": json.loads(row["definition"])["title"]} for row in await _versions()
    ]
    return page(
        state,
        request,
        "staff/questionnaire_new.html",
        session,
        status_code=status_code,
        versions=versions,
        kinds=KINDS,
        kind_labels=KIND_LABELS,
        values=values,
        problem=problem,
    )


@post(f"{BASE}/new", dependencies=SIGNED_IN, include_in_schema=False)
async def start_draft(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[Any]:
    """A draft from a stored version (``template``) or blank (``kind``, ``slug``, ``title``)."""
    scope = session.scope
    require_manager(scope)
    fields = await form_fields(request)
    check_csrf(session.csrf, fields.get("csrf"))
    slug = fields.get("slug", "").strip()
    if fields.get("start") == "template":
        try:
            version_id = int(fields.get("template", ""))
        except ValueError:
            version_id = 0
        try:
            definition = await version_definition(version_id)
        except NotFound:
            problem = ("template", N_("Hãy chọn một bảng hỏi mẫu trong danh sách."))
            return await _new_page(state, request, session, fields, problem, 422)
        based_on: int | None = version_id
    else:
        based_on = None
        definition = blank(slug, fields.get("kind", ""), fields.get("title", ""))
        if not fields.get("title", "").strip():
            problem = ("title", N_("Hãy nhập tên bảng hỏi."))
            return await _new_page(state, request, session, fields, problem, 422)
    if slug:
        definition["slug"] = slug[:100]
    if not re.match(SLUG_PATTERN, str(definition["slug"])):
        problem = (
            "template-slug" if based_on else "slug",
            N_("Mã bảng hỏi chỉ gồm chữ thường không dấu, số và dấu '-'."),
        )
        return await _new_page(state, request, session, fields, problem, 422)
    draft_id = await create_draft(scope, definition, based_on)
    return Redirect(f"{BASE}/drafts/{draft_id}", status_code=303)


async def _version(slug: str, version: int) -> dict[str, Any]:
    row = await (
        QuestionnaireVersion.select(
            QuestionnaireVersion.id, QuestionnaireVersion.version, QuestionnaireVersion.definition
        )
        .where(
            (QuestionnaireVersion.slug == slug[:100]) & (QuestionnaireVersion.version == version)
        )
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def _model(row: dict[str, Any]) -> Questionnaire:
    return Questionnaire.model_validate_json(row["definition"])


@get(f"{BASE}/{{slug:str}}/compare", dependencies=SIGNED_IN, include_in_schema=False)
async def compare_versions(
    slug: FromPath[str],
    state: State,
    request: Request[Any, Any, Any],
    session: SignedIn,
    a: FromQuery[int | None] = None,
    b: FromQuery[int | None] = None,
) -> Response[str]:
    """What changed from version ``a`` to version ``b`` (by default: the two latest)."""
    require_manager(session.scope)
    numbers = [
        row["version"]
        for row in await QuestionnaireVersion.select(QuestionnaireVersion.version)
        .where(QuestionnaireVersion.slug == slug[:100])
        .order_by(QuestionnaireVersion.version)
    ]
    if not numbers:
        raise NotFound()
    after = b if b is not None else numbers[-1]
    before = a if a is not None else numbers[max(len(numbers) - 2, 0)]
    old, new = await _version(slug, before), await _version(slug, after)
    return page(
        state,
        request,
        "staff/questionnaire_compare.html",
        session,
        slug=slug,
        numbers=numbers,
        a=before,
        b=after,
        title=json.loads(new["definition"])["title"],
        changes=compare(_model(old), _model(new)),
        action_labels=ACTION_LABELS,
        item_labels=ITEM_LABELS,
    )


@get(
    f"{BASE}/{{slug:str}}/{{version:int}}/export.yaml",
    dependencies=SIGNED_IN,
    include_in_schema=False,
)
async def export_yaml(
    slug: FromPath[str], version: FromPath[int], session: SignedIn
) -> Response[bytes]:
    """A version as a questionnaire file (docs/questionnaires.md)."""
    require_manager(session.scope)
    questionnaire = _model(await _version(slug, version))
    return _download(
        to_yaml(questionnaire).encode("utf-8"),
        f"{slug}-v{version}.yaml",
        "application/yaml; charset=utf-8",
    )


@get(
    f"{BASE}/{{slug:str}}/{{version:int}}/export.xlsx",
    dependencies=SIGNED_IN,
    include_in_schema=False,
)
async def export_xlsx(
    slug: FromPath[str], version: FromPath[int], session: SignedIn
) -> Response[bytes]:
    """A version as an XLSForm workbook (docs/XLSFORM.md)."""
    require_manager(session.scope)
    questionnaire = _model(await _version(slug, version))
    return _download(export_xlsform(questionnaire), f"{slug}-v{version}.xlsx", XLSX)


def _download(data: bytes, name: str, media_type: str) -> Response[bytes]:
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@get(f"{BASE}/import", dependencies=SIGNED_IN, include_in_schema=False)
async def import_page(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    require_manager(session.scope)
    return page(
        state,
        request,
        "staff/questionnaire_import.html",
        session,
        kinds=KINDS,
        kind_labels=KIND_LABELS,
        values={},
        problem=None,
        result=None,
    )


@post(
    f"{BASE}/import",
    dependencies=SIGNED_IN,
    include_in_schema=False,
    request_max_body_size=UPLOAD_LIMIT,
    status_code=200,
)
async def import_form(
    state: State, request: Request[Any, Any, Any], session: SignedIn
) -> Response[str]:
    """Read an XLSForm workbook in a bounded child process and open it as a new draft; every
    row that could not be carried is listed."""
    scope = session.scope
    require_manager(scope)
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    check_csrf(session.csrf, fields.get("csrf"))
    lang = staff_lang(request)
    upload = form.get("file")
    kind = fields.get("kind") if fields.get("kind") in KINDS else None
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ImportFailed(detail=gettext(NO_FILE, lang))
        outcome = await _read_xlsform(
            await upload.read(), upload.filename, fields.get("slug"), kind, lang
        )
    except ImportFailed as error:
        return page(
            state, request, "staff/questionnaire_import.html", session, status_code=422,
            kinds=KINDS, kind_labels=KIND_LABELS, values=fields, problem=error.text(lang), result=None,
        )  # fmt: skip
    definition = compact(outcome.questionnaire)
    _satisfied_from(definition, fields.get("satisfied_from", ""))
    draft_id = await create_draft(scope, definition, None)
    return page(
        state, request, "staff/questionnaire_import.html", session,
        kinds=KINDS, kind_labels=KIND_LABELS, values=fields, problem=None,
        result={"draft": draft_id, "skipped": outcome.skipped, "unscored": _unscored(definition)},
    )  # fmt: skip


async def _read_xlsform(
    data: bytes, name: str, slug: str | None, kind: str | None, lang: str
) -> XlsImport:
    outcome = await import_bounded(
        data, filename=name[:200], slug=(slug or "").strip() or None, kind=kind
    )
    if outcome.questionnaire is None:
        reasons = "; ".join(error.message(lang) for error in outcome.errors)
        raise ImportFailed(detail=reasons or gettext(NO_QUESTIONNAIRE, lang))
    return outcome


def _unscored(definition: dict[str, Any]) -> list[str]:
    """The scales of a satisfaction questionnaire that do not say which points count as
    satisfied: its index cannot be computed until they do."""
    if definition.get("kind") != "satisfaction":
        return []
    return [
        name
        for name, scale in definition.get("scales", {}).items()
        if "satisfied_from" not in scale
    ]


def _satisfied_from(definition: dict[str, Any], typed: str) -> None:
    """The point from which a scale counts as satisfied, for the scales the file left without
    one (a satisfaction form needs it to score)."""
    try:
        point = int(typed)
    except ValueError:
        return
    for scale in definition.get("scales", {}).values():
        if "satisfied_from" not in scale and 1 <= point <= len(scale.get("points", [])):
            scale["satisfied_from"] = point


ROUTES = [
    questionnaire_list,
    new_draft_page,
    start_draft,
    compare_versions,
    export_yaml,
    export_xlsx,
    import_page,
    import_form,
]
