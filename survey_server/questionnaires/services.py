"""Storing questionnaire files as immutable versions and reading them back."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_
from survey_server.questionnaires.loader import (
    LoadedQuestionnaire,
    canonical_json,
    load_file,
    questionnaire_files,
)
from survey_server.questionnaires.schema import SLUG_PATTERN, Questionnaire
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.responses.validation import FormSpec
from survey_server.timekeeping import today


class VersionChanged(AppError):
    status_code = 409
    code = "questionnaire_changed"
    message = N_(
        "{file}: nội dung bảng hỏi '{slug}' phiên bản {version} đã khác với phiên bản đã nạp. "
        "Một phiên bản đã nạp không được sửa: hãy tăng 'version' (ví dụ lên {next}) rồi nạp lại."
    )


@dataclass(frozen=True)
class LoadOutcome:
    slug: str
    version: int
    version_id: int
    created: bool


def prepared(questionnaire: Questionnaire) -> LoadedQuestionnaire:
    """A checked questionnaire that comes from no file (the workspace builder), ready to be
    stored like one; messages name it ``<slug>.yaml``."""
    stored = canonical_json(questionnaire)
    digest = hashlib.sha256(stored.encode("utf-8")).hexdigest()
    return LoadedQuestionnaire(Path(f"{questionnaire.slug}.yaml"), questionnaire, stored, digest)


async def store_questionnaire(
    loaded: LoadedQuestionnaire, timezone: str, owner_unit: int | None = None
) -> LoadOutcome:
    """Store a checked questionnaire as a new version, or confirm it is already stored
    unchanged. ``owner_unit``: the unit of the account publishing it from the workspace (none
    for files loaded by the command line)."""
    questionnaire = loaded.questionnaire
    existing = await (
        QuestionnaireVersion.select(QuestionnaireVersion.id, QuestionnaireVersion.content_hash)
        .where(
            (QuestionnaireVersion.slug == questionnaire.slug)
            & (QuestionnaireVersion.version == questionnaire.version)
        )
        .first()
    )
    if existing is not None:
        if existing["content_hash"] != loaded.content_hash:
            raise VersionChanged(
                file=str(loaded.path),
                slug=questionnaire.slug,
                version=questionnaire.version,
                next=questionnaire.version + 1,
            )
        return LoadOutcome(questionnaire.slug, questionnaire.version, existing["id"], False)
    row = QuestionnaireVersion(
        slug=questionnaire.slug,
        version=questionnaire.version,
        kind=questionnaire.kind,
        content_hash=loaded.content_hash,
        definition=loaded.canonical_json,
        loaded_on=today(timezone),
        owner_unit=owner_unit,
    )
    await row.save()
    return LoadOutcome(questionnaire.slug, questionnaire.version, row.id, True)


async def load_questionnaires(paths: list[Path], timezone: str) -> list[LoadOutcome]:
    """Check every file first, then store them all: one bad file stores nothing."""
    loaded = [load_file(path) for path in questionnaire_files(paths)]
    outcomes = []
    async with QuestionnaireVersion._meta.db.transaction():
        for item in loaded:
            outcomes.append(await store_questionnaire(item, timezone))
    return outcomes


async def find_version(slug: str, version: int | None = None) -> int | None:
    """The id of ``slug`` at ``version``, or its latest version when ``version`` is None."""
    query = QuestionnaireVersion.select(QuestionnaireVersion.id).where(
        QuestionnaireVersion.slug == slug
    )
    if version is not None:
        query = query.where(QuestionnaireVersion.version == version)
    row = await query.order_by(QuestionnaireVersion.version, ascending=False).first()
    return None if row is None else row["id"]


async def get_latest_definition(slug: str) -> dict[str, object]:
    """The latest stored version of ``slug`` as the JSON of docs/questionnaires.md."""
    if not re.match(SLUG_PATTERN, slug):
        raise NotFound()
    row = await (
        QuestionnaireVersion.select(QuestionnaireVersion.definition)
        .where(QuestionnaireVersion.slug == slug)
        .order_by(QuestionnaireVersion.version, ascending=False)
        .first()
    )
    if row is None:
        raise NotFound()
    return json.loads(row["definition"])


async def get_form_spec(content_hash: str) -> FormSpec:
    """The compiled form of a stored version, cached by content hash (versions never change)."""
    spec = _SPECS.get(content_hash)
    if spec is not None:
        return spec
    row = await (
        QuestionnaireVersion.select(QuestionnaireVersion.definition)
        .where(QuestionnaireVersion.content_hash == content_hash)
        .first()
    )
    if row is None:
        raise NotFound()
    spec = FormSpec.build(Questionnaire.model_validate_json(row["definition"]))
    _SPECS[content_hash] = spec
    return spec


_SPECS: dict[str, FormSpec] = {}
