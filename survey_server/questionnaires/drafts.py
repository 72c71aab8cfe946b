"""Drafts of the builder: stored server-side, each visible to its owner account only.

Another account asking for a draft gets the answer of a draft that does not exist: a draft may
hold a questionnaire an office has not made public yet, and its id says nothing to anyone else.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_
from survey_server.questionnaires.builder import KINDS, Definition
from survey_server.questionnaires.draft_tables import QuestionnaireDraft
from survey_server.questionnaires.schema import Questionnaire
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.staff.services import Scope

#: A draft larger than this is no questionnaire a person builds in a browser.
MAX_DRAFT_BYTES = 1_000_000
#: The drafts one account may keep at once.
MAX_DRAFTS = 50
#: The scale a blank satisfaction questionnaire starts with (the five points of the Bộ GD&ĐT
#: indices, docs/scoring.md), so its first question can be a scale question at once.
SATISFACTION_SCALE = {
    "points": [
        {"vi": "Rất không hài lòng"},
        {"vi": "Không hài lòng"},
        {"vi": "Bình thường"},
        {"vi": "Hài lòng"},
        {"vi": "Rất hài lòng"},
    ],
    "satisfied_from": 4,
}


class DraftStale(AppError):
    status_code = 409
    code = "draft_stale"
    message = N_(
        "Bản nháp đã được sửa ở một trang khác (hoặc biểu mẫu đã được gửi hai lần) nên thay đổi "
        "này chưa được lưu. Vui lòng mở lại bản nháp rồi sửa tiếp."
    )


class DraftTooLarge(AppError):
    status_code = 413
    code = "draft_too_large"
    message = N_("Bản nháp quá lớn hoặc đã có quá nhiều bản nháp; vui lòng xóa bớt.")


@dataclass(frozen=True)
class Draft:
    id: int
    slug: str
    based_on: int | None
    definition: Definition
    revision: int
    updated_at: int


def compact(questionnaire: Questionnaire) -> Definition:
    """A stored questionnaire as a draft: the file format, defaults left out."""
    return questionnaire.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def blank(slug: str, kind: str, title: str) -> Definition:
    """A new questionnaire with one empty section, to be filled in the builder."""
    section: dict[str, Any] = {"id": "phan_1", "title": {"vi": "Phần 1"}, "questions": []}
    definition: Definition = {
        "slug": slug.strip()[:100],
        "version": 1,
        "kind": kind if kind in KINDS else "consultation",
        "title": {"vi": title.strip()[:500]},
        "intro": {"vi": ""},
        "sections": [section],
    }
    if definition["kind"] == "satisfaction":
        definition["scales"] = {"hai_long": json.loads(json.dumps(SATISFACTION_SCALE))}
        section["dimension"] = True
    return definition


async def create_draft(scope: Scope, definition: Definition, based_on: int | None) -> int:
    if await QuestionnaireDraft.count().where(QuestionnaireDraft.owner == scope.user_id) >= (
        MAX_DRAFTS
    ):
        raise DraftTooLarge()
    row = QuestionnaireDraft(
        owner=scope.user_id,
        slug=str(definition.get("slug") or "")[:100],
        based_on=based_on,
        definition=_encode(definition),
        revision=1,
        updated_at=int(time.time()),
    )
    await row.save()
    return int(row.id)


async def get_draft(scope: Scope, draft_id: int) -> Draft:
    """The draft ``draft_id`` of the signed-in account; any other is not found."""
    row = await (
        QuestionnaireDraft.select()
        .where((QuestionnaireDraft.id == draft_id) & (QuestionnaireDraft.owner == scope.user_id))
        .first()
    )
    if row is None:
        raise NotFound()
    return Draft(
        id=row["id"],
        slug=row["slug"],
        based_on=row["based_on"],
        definition=json.loads(row["definition"]),
        revision=row["revision"],
        updated_at=row["updated_at"],
    )


async def save_draft(scope: Scope, draft: Draft, definition: Definition, revision: str) -> None:
    """Store an edited definition, unless the draft changed since the page posting it was
    shown (``revision``): then nothing is written and ``DraftStale`` says why."""
    if revision != str(draft.revision):
        raise DraftStale()
    changed = await (
        QuestionnaireDraft.update(
            {
                QuestionnaireDraft.definition: _encode(definition),
                QuestionnaireDraft.slug: str(definition.get("slug") or "")[:100],
                QuestionnaireDraft.revision: draft.revision + 1,
                QuestionnaireDraft.updated_at: int(time.time()),
            }
        )
        .where(
            (QuestionnaireDraft.id == draft.id)
            & (QuestionnaireDraft.owner == scope.user_id)
            & (QuestionnaireDraft.revision == draft.revision)
        )
        .returning(QuestionnaireDraft.id)
    )
    if not changed:
        raise DraftStale()


async def delete_draft(scope: Scope, draft_id: int) -> None:
    await QuestionnaireDraft.delete().where(
        (QuestionnaireDraft.id == draft_id) & (QuestionnaireDraft.owner == scope.user_id)
    )


async def list_drafts(scope: Scope) -> list[dict[str, Any]]:
    rows = await (
        QuestionnaireDraft.select(
            QuestionnaireDraft.id, QuestionnaireDraft.slug, QuestionnaireDraft.updated_at
        )
        .where(QuestionnaireDraft.owner == scope.user_id)
        .order_by(QuestionnaireDraft.updated_at, ascending=False)
    )
    return list(rows)


async def version_definition(version_id: int) -> Definition:
    """A stored version as the start of a new draft (the next version of the same slug)."""
    row = await (
        QuestionnaireVersion.select(QuestionnaireVersion.definition)
        .where(QuestionnaireVersion.id == version_id)
        .first()
    )
    if row is None:
        raise NotFound()
    return compact(Questionnaire.model_validate_json(row["definition"]))


def _encode(definition: Definition) -> str:
    text = json.dumps(definition, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise DraftTooLarge()
    return text
