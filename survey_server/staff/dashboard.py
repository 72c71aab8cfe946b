"""The satisfaction dashboard of a unit for a campaign, built from the scores of the library.

Every number on the page comes from ``campaign_scores`` (the same view the JSON API returns);
this module only adds the labels of the questionnaire and the unit tree, sorts the child units
and draws the charts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from survey_server.i18n import format_share, gettext, localize
from survey_server.integrity.services import pattern_findings
from survey_server.questionnaires.schema import Questionnaire
from survey_server.scoring.services import campaign_form, campaign_scores
from survey_server.staff.charts import Bar, interval_bars, stacked_distribution
from survey_server.staff.monitoring import progress
from survey_server.staff.services import Scope, campaign_in_scope
from survey_server.units.tables import Unit

#: Đề án 2034/QĐ-BGDĐT: at least 85 % of people satisfied with public education services.
TARGET = 85.0
SORTS = ("name", "n", "index", "rate")


@dataclass(frozen=True)
class ChildRow:
    code: str
    name: str
    n: int | None
    index: float | None
    ci: list[float] | None
    rate: float | None
    verdict: str  # "higher", "lower" or ""


async def dashboard(
    scope: Scope, code: str, unit_code: str | None, sort: str, lang: str
) -> dict[str, Any]:
    """Everything the dashboard template shows for a unit of a campaign."""
    campaign, unit = await campaign_in_scope(scope, code, unit_code)
    view = await campaign_scores(campaign["code"], unit["code"])
    questionnaire = (await campaign_form(campaign)).questionnaire
    titles = {section.id: localize(section.title, lang) for section in questionnaire.sections}
    children = await _children(unit, view, sort if sort in SORTS else "name")
    context: dict[str, Any] = {
        "campaign": campaign,
        "title": json.loads(campaign["title"]),
        "unit": unit,
        "view": view,
        "breadcrumb": await _breadcrumb(scope, unit, campaign),
        "children": children,
        "sort": sort if sort in SORTS else "name",
        "titles": titles,
        "target": TARGET,
        "progress": await progress(scope, campaign["code"], unit["code"]),
        "patterns": await pattern_findings(view),
    }
    if not view.get("suppressed"):
        context.update(scores_sections(view, questionnaire, titles, children, lang))
    return context


def scores_sections(
    view: dict[str, Any],
    questionnaire: Questionnaire,
    titles: dict[str, str],
    children: list[ChildRow],
    lang: str,
) -> dict[str, Any]:
    """The charts and tables of ``staff/scores_body.html`` for a shown view: a campaign's
    unit, or a unit of the imported results."""
    dimension_chart = interval_bars(
        [
            Bar(
                titles.get(d["id"], d["id"]),
                d["index"],
                *(d["ci"] or (None, None)),
                note=percent_note(d["index"], lang),
            )
            for d in view["dimensions"]
        ]
        + [
            Bar(
                gettext("Chỉ số tổng hợp", lang),
                view["overall"]["index"],
                *(view["overall"]["ci"] or (None, None)),
                note=percent_note(view["overall"]["index"], lang),
            )
        ],
        gettext("Chỉ số thành phần và chỉ số tổng hợp, khoảng tin cậy 95%", lang),
        TARGET,
    )
    children_chart = (
        interval_bars(
            [
                Bar(
                    row.name,
                    row.index,
                    *(row.ci or (None, None)),
                    note=percent_note(row.index, lang),
                )
                for row in children
            ],
            gettext("Chỉ số tổng hợp của các đơn vị trực thuộc", lang),
            TARGET,
        )
        if children
        else None
    )
    return {
        "dimension_chart": dimension_chart,
        "children_chart": children_chart,
        "questions": _questions(questionnaire, view, lang),
        "choices": _choices(questionnaire, view, lang),
    }


async def _children(unit: dict[str, Any], view: dict[str, Any], sort: str) -> list[ChildRow]:
    rows = (
        await Unit.select(Unit.code, Unit.name).where(Unit.parent == unit["id"]).order_by(Unit.name)
    )
    groups = view.get("groups") or {}
    out = [
        child_row(row["code"], row["name"], groups[row["code"]])
        for row in rows
        if row["code"] in groups  # else a unit the campaign does not reach
    ]
    return sorted_children(out, sort)


def child_row(code: str, name: str, group: dict[str, Any]) -> ChildRow:
    """A unit below the one viewed, as its row: only its name when it is withheld."""
    if group["suppressed"]:
        return ChildRow(code, name, None, None, None, None, "")
    comparison = (group.get("comparison") or {}).get("overall") or {}
    verdict = ""
    if comparison.get("significant"):
        verdict = "higher" if comparison["difference"] > 0 else "lower"
    rate = (group.get("response_rate") or {}).get("rate")
    return ChildRow(
        code, name, group["n"], group["overall"]["index"], group["overall"]["ci"], rate, verdict
    )


def sorted_children(rows: list[ChildRow], sort: str) -> list[ChildRow]:
    """By name as given, or by a number, largest first, withheld units last."""
    if sort not in SORTS or sort == "name":
        return rows
    key = {"n": lambda r: r.n, "index": lambda r: r.index, "rate": lambda r: r.rate}[sort]
    shown = sorted((r for r in rows if key(r) is not None), key=key, reverse=True)
    return shown + [r for r in rows if key(r) is None]


async def _breadcrumb(
    scope: Scope, unit: dict[str, Any], campaign: dict[str, Any]
) -> list[dict[str, Any]]:
    """The units above ``unit`` that the user may open, down to ``unit`` itself."""
    ids = [int(part) for part in str(unit["path"]).strip("/").split("/")]
    rows = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.path).where(Unit.id.is_in(ids))
    by_id = {row["id"]: row for row in rows}
    chain = [by_id[i] for i in ids if i in by_id]
    return [
        row
        for row in chain
        if scope.contains(row) and str(row["path"]).startswith(str(campaign["root_unit_path"]))
    ]


def _questions(
    questionnaire: Questionnaire, view: dict[str, Any], lang: str
) -> list[dict[str, Any]]:
    by_id = {q["id"]: q for q in view["questions"]}
    out = []
    for section in questionnaire.sections:
        for question in section.questions:
            numbers = by_id.get(question.id)
            if numbers is None:
                continue
            scale = questionnaire.scales[question.scale or ""]
            labels = [localize(point, lang) for point in scale.points]
            counts = [numbers["counts"][str(v)] for v in range(1, len(labels) + 1)]
            out.append(
                {
                    "section": localize(section.title, lang),
                    "text": localize(question.text, lang),
                    "numbers": numbers,
                    "labels": labels,
                    "counts": counts,
                    "chart": stacked_distribution(
                        counts,
                        labels,
                        localize(question.text, lang),
                        not_applicable=numbers["na"],
                    ),
                }
            )
    return out


def _choices(questionnaire: Questionnaire, view: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    by_id = {c["id"]: c for c in view.get("choices", [])}
    out = []
    for question in questionnaire.questions():
        numbers = by_id.get(question.id)
        if numbers is None:
            continue
        if question.type == "yes_no":
            labels = {"yes": gettext("Có", lang), "no": gettext("Không", lang)}
        else:
            labels = {option.id: localize(option.label, lang) for option in question.options or ()}
        rows = [
            Bar(labels.get(option, option), numbers["percent"][option], note=f"{count}")
            for option, count in numbers["counts"].items()
        ]
        out.append(
            {
                "text": localize(question.text, lang),
                "numbers": numbers,
                "labels": labels,
                "multi": question.type == "multi",
                "chart": interval_bars(rows, localize(question.text, lang)),
            }
        )
    return out


def percent_note(value: float | None, lang: str) -> str:
    """The value printed beside a bar: ``87,5%``, or a dash when withheld."""
    return "—" if value is None else format_share(value / 100, lang)
