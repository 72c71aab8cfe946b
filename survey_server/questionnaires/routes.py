"""Questionnaire routes: public read access to definitions, and the workspace pages that list,
build, compare and export questionnaires (``pages``, ``builder_pages``)."""

from typing import Any

from litestar import get
from litestar.params import FromPath

from survey_server.questionnaires import builder_pages, pages
from survey_server.questionnaires.services import get_latest_definition


@get(
    "/api/v1/questionnaires/{slug:str}",
    summary="Định nghĩa bảng hỏi (phiên bản mới nhất)",
    tags=["questionnaires"],
)
async def questionnaire_definition(slug: FromPath[str]) -> dict[str, Any]:
    """The latest stored version of a questionnaire, in the file format of docs/questionnaires.md."""
    return await get_latest_definition(slug[:100])


ROUTES = [questionnaire_definition, *pages.ROUTES, *builder_pages.ROUTES]
