"""Publishing a draft as a new immutable version, and who may do it.

Results of satisfaction questionnaires count in the evaluation of schools and their principals,
so who may change a questionnaire matters as much as who may see results:

* versions loaded from files (the Sở's official forms, owner ``NULL``) get new versions from an
  administrator only;
* a questionnaire first published from the workspace belongs to the unit of the account that
  published it: new versions come from that unit's subtree (an administrator above it
  included), never from a sibling office;
* any administrator or office staff may publish a questionnaire under a new slug.

Publishing never touches a campaign: campaigns refer to the version they were opened on.
"""

from __future__ import annotations

from typing import Any

from survey_server.errors import AppError
from survey_server.i18n import N_
from survey_server.questionnaires.builder_check import check_definition
from survey_server.questionnaires.drafts import Draft, delete_draft
from survey_server.questionnaires.loader import canonical_json
from survey_server.questionnaires.schema import Questionnaire
from survey_server.questionnaires.services import LoadOutcome, prepared, store_questionnaire
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.staff.services import Scope


class PublishRefused(AppError):
    status_code = 403
    code = "publish_refused"
    message = N_(
        "Tài khoản của ông/bà không được xuất bản phiên bản mới của bảng hỏi '{slug}': bảng hỏi "
        "này do {owner} quản lý. Hãy đặt một mã (slug) mới để tạo bảng hỏi riêng."
    )


class DraftInvalid(AppError):
    status_code = 422
    code = "draft_invalid"
    message = N_("Bản nháp còn {n} lỗi; hãy sửa các lỗi được liệt kê rồi xuất bản lại.")


class NothingToPublish(AppError):
    status_code = 409
    code = "nothing_to_publish"
    message = N_(
        "Bản nháp giống hệt phiên bản {version} đã có của bảng hỏi '{slug}', nên không có gì để "
        "xuất bản."
    )


OFFICIAL = N_("Sở (bảng hỏi chính thức)")


async def publisher_rule(scope: Scope, slug: str) -> dict[str, Any] | None:
    """``None`` when ``scope`` may publish versions of ``slug``, else what refuses it."""
    first = await (
        QuestionnaireVersion.select(
            QuestionnaireVersion.owner_unit,
            QuestionnaireVersion.owner_unit.path.as_alias("owner_path"),
            QuestionnaireVersion.owner_unit.name.as_alias("owner_name"),
        )
        .where(QuestionnaireVersion.slug == slug)
        .order_by(QuestionnaireVersion.version)
        .first()
    )
    if first is None:
        return None
    if first["owner_unit"] is None:  # shipped or loaded from a file: the province's own forms
        official_admin = scope.role == "admin" and scope.unit_path.count("/") == 2  # "/1/"
        return None if official_admin else {"slug": slug, "owner": OFFICIAL}
    if str(first["owner_path"]).startswith(scope.unit_path):
        return None
    return {"slug": slug, "owner": first["owner_name"]}


async def publish(scope: Scope, draft: Draft, timezone: str) -> LoadOutcome:
    """Store the draft as the next version of its slug and remove the draft, in one
    transaction; refused when invalid, identical to the latest version, or not the account's
    to publish."""
    slug = str(draft.definition.get("slug") or "")
    async with QuestionnaireVersion._meta.db.transaction():
        latest = await (
            QuestionnaireVersion.select(
                QuestionnaireVersion.version, QuestionnaireVersion.definition
            )
            .where(QuestionnaireVersion.slug == slug)
            .order_by(QuestionnaireVersion.version, ascending=False)
            .first()
        )
        number = latest["version"] + 1 if latest else 1
        result = check_definition({**draft.definition, "version": number})
        if result.questionnaire is None:
            raise DraftInvalid(n=len(result.problems))
        refusal = await publisher_rule(scope, slug)
        if refusal is not None:
            raise PublishRefused(**refusal)
        questionnaire = result.questionnaire
        if latest and _same_content(questionnaire, latest["definition"], latest["version"]):
            raise NothingToPublish(version=latest["version"], slug=slug)
        outcome = await store_questionnaire(prepared(questionnaire), timezone, scope.unit_id)
        await delete_draft(scope, draft.id)
    return outcome


def _same_content(questionnaire: Questionnaire, stored: str, version: int) -> bool:
    as_stored = questionnaire.model_copy(update={"version": version})
    return canonical_json(as_stored) == stored
