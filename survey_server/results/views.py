"""The imported results as pages: the national (or provincial) roll-up and any unit in it,
drawn by the same sections as a campaign's dashboard (``staff/scores_body.html``).

Everything shown comes from the stored roll-up (``merge.current_rollup``): counts that were
allowed to leave their province, never a response or a comment.
"""

from __future__ import annotations

from typing import Any

from survey_server.errors import NotFound
from survey_server.i18n import gettext, localize
from survey_server.questionnaires.schema import Questionnaire
from survey_server.results.merge import Rollup
from survey_server.staff.dashboard import (
    SORTS,
    TARGET,
    child_row,
    scores_sections,
    sorted_children,
)

#: What a group of the roll-up carries about its place, not its numbers.
_PLACE = ("suppressed", "parent", "groups")


def results_view(
    rollup: Rollup, questionnaire: Questionnaire, key: str | None, sort: str, lang: str
) -> dict[str, Any]:
    """The context of ``staff/results.html`` for the group ``key`` (the whole roll-up when
    ``None``): its numbers, the groups directly under it and the chain above it."""
    scores = rollup.scores
    groups: dict[str, dict[str, Any]] = scores.get("groups") or {}
    head = {name: scores[name] for name in ("questionnaire", "version", "k", "method")}
    if key is None:
        body = {name: value for name, value in scores.items() if name not in _PLACE}
        name = gettext("Toàn bộ các gói kết quả", lang)
    elif key in groups:
        body = {name: value for name, value in groups[key].items() if name not in _PLACE}
        name = rollup.units[key]["name"]
    else:
        raise NotFound()
    suppressed = bool(key and groups[key].get("suppressed"))
    view = {**head, **body, "suppressed": suppressed, "previous": None}  # one wave only
    sort = sort if sort in SORTS else "name"
    children = sorted_children(
        [
            child_row(code, rollup.units[code]["name"], group)
            for code, group in sorted(groups.items(), key=lambda item: item[0])
            if group.get("parent") == key
        ],
        sort,
    )
    titles = {section.id: localize(section.title, lang) for section in questionnaire.sections}
    context: dict[str, Any] = {
        "view": view,
        "unit": {"code": key or "", "name": name},
        "breadcrumb": _chain(rollup, key, lang),
        "children": children,
        "sort": sort,
        "titles": titles,
        "target": TARGET,
        "packages": rollup.packages,
        "questionnaire_title": localize(questionnaire.title, lang),
    }
    if not view["suppressed"]:
        context.update(scores_sections(view, questionnaire, titles, children, lang))
    return context


def _chain(rollup: Rollup, key: str | None, lang: str) -> list[dict[str, str]]:
    """The groups from the top of the roll-up down to ``key``, for the breadcrumb."""
    groups = rollup.scores.get("groups") or {}
    chain: list[dict[str, str]] = []
    while key is not None:
        chain.append({"code": key, "name": rollup.units[key]["name"]})
        key = groups[key].get("parent")
    chain.append({"code": "", "name": gettext("Toàn bộ các gói kết quả", lang)})
    return chain[::-1]
