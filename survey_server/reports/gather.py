"""What a report says, read from the database for a unit's scope and a period.

Every number comes from the services the workspace uses — the campaign's scores (one scoring
of the whole campaign, sliced per unit, so a withheld group is withheld in the report too),
the monitoring counts and the follow-up of comments — so the report and the dashboard agree.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from survey_server.campaigns.services import CampaignNotFound, get_campaign, reopenings
from survey_server.campaigns.tables import Campaign
from survey_server.distribution.services import reached_units
from survey_server.errors import AppError
from survey_server.i18n import N_, localize
from survey_server.integrity.services import pattern_findings
from survey_server.questionnaires.schema import Questionnaire
from survey_server.reports.letterheads import LetterheadData, letterhead_of
from survey_server.reports.period import Period
from survey_server.responses.tables import Submission
from survey_server.scoring.services import EVERY_RESPONSE, campaign_form, campaign_scores
from survey_server.staff.monitoring import progress
from survey_server.staff.services import Scope
from survey_server.staff.tables import FeedbackCase
from survey_server.units.services import get_unit, get_unit_by_id, list_subtree


class NothingToReport(AppError):
    status_code = 404
    code = "nothing_to_report"
    message = N_("Không có đợt khảo sát nào của {unit} trong kỳ báo cáo {period}.")


@dataclass(frozen=True)
class ChildFacts:
    """A unit directly under the scope that the campaign reaches."""

    code: str
    name: str
    responses: int
    expected: int | None
    scores: dict[str, Any] | None  # the group's numbers; None when withheld (n < k)
    kind: str = "school"  # a commune pools its schools; tables keep the two apart


@dataclass(frozen=True)
class CampaignFacts:
    code: str
    title: str
    questionnaire: Questionnaire
    opens_on: date
    closes_on: date
    k: int
    responses: int
    expected: int | None
    channels: dict[str, int]
    partners: dict[str, int]
    school_ids: frozenset[int]  # schools of the scope the campaign reaches
    answered_ids: frozenset[int]  # of which some answers were published as their own
    commune_ids: frozenset[int]  # the communes those schools are in
    scores: dict[str, Any]  # the scope's view of the campaign's scores (docs/scoring.md)
    children: tuple[ChildFacts, ...]
    cases: dict[tuple[str, str], int]  # (kind, status) → classified comments
    unpublished: int = 0  # responses not yet published: at least this many (a band of k)
    status: str = "open"
    reopenings: tuple[tuple[date, str], ...] = ()  # (day, reason) of each re-opening
    mix: dict[str, int] = field(default_factory=dict)  # published responses by channel mix key
    self_typed: tuple[str, ...] = ()  # units whose result rests mostly on their own typing
    flags: dict[str, int] = field(default_factory=dict)  # integrity flags by decision
    patterns: tuple[str, ...] = ()  # units whose answers show a stuffing pattern
    organiser: str = ""  # the unit above the report's that runs the campaign, if one does

    @property
    def kind(self) -> str:
        return self.questionnaire.kind

    @property
    def schools(self) -> int:
        return len(self.school_ids)

    def dimension_title(self, section_id: str, lang: str = "vi") -> str:
        section = next(s for s in self.questionnaire.sections if s.id == section_id)
        return localize(section.title, lang)


@dataclass(frozen=True)
class Source:
    """A results package a report rests on: its root unit and campaign."""

    name: str
    campaign: str
    opens_on: date
    closes_on: date
    responses: int


@dataclass(frozen=True)
class ReportFacts:
    unit: dict[str, Any]
    parent: dict[str, Any] | None
    period: Period
    issued_on: date
    campaigns: tuple[CampaignFacts, ...]
    letterhead: LetterheadData
    #: The packages the facts were rolled up from, when they were (``results.report``): then
    #: only counts are known — no comment, channel or list of schools reached.
    sources: tuple[Source, ...] = ()

    @property
    def responses(self) -> int:
        return sum(campaign.responses for campaign in self.campaigns)

    def cases(self) -> Counter[tuple[str, str]]:
        total: Counter[tuple[str, str]] = Counter()
        for campaign in self.campaigns:
            total.update(campaign.cases)
        return total


def operator_scope(unit: dict[str, Any]) -> Scope:
    """The scope of someone running ``survey-server report`` on the server: the unit asked for."""
    return Scope(
        user_id=0,
        username="survey-server",
        role="admin",
        unit_id=unit["id"],
        unit_code=unit["code"],
        unit_name=unit["name"],
        unit_path=unit["path"],
        partner=None,
    )


async def gather(
    scope: Scope,
    unit_code: str,
    period: Period | None,
    campaign_codes: tuple[str, ...],
    issued_on: date,
) -> ReportFacts:
    """The facts of the unit's scope for a period, or for the campaigns named.

    A campaign counts when it overlaps the period and reaches the unit: run above it (the
    unit's part of it is reported) or inside it (reported whole). Drafts never count.
    """
    unit = await scope.unit(unit_code)
    if campaign_codes:
        rows = [await _campaign_row(code, unit) for code in dict.fromkeys(campaign_codes)]
        period = period or Period(
            min(row["opens_on"] for row in rows), max(row["closes_on"] for row in rows), "range"
        )
    elif period is None:
        raise NothingToReport(unit=unit["name"], period="—")
    else:
        rows = [
            row
            for row in await _campaign_rows()
            if row["status"] != "draft"
            and row["opens_on"] <= period.end
            and row["closes_on"] >= period.start
            and _related(row["root_path"], unit["path"])
        ]
    found = [await _campaign_facts(scope, row, unit) for row in rows]
    facts = [campaign for campaign in found if campaign is not None]
    if not facts:
        raise NothingToReport(unit=unit["name"], period=period.describe())
    parent = await get_unit_by_id(unit["parent"]) if unit["parent"] else None
    return ReportFacts(unit, parent, period, issued_on, tuple(facts), await letterhead_of(unit))


def _related(root_path: str, unit_path: str) -> bool:
    return root_path.startswith(unit_path) or unit_path.startswith(root_path)


async def _campaign_rows() -> list[dict[str, Any]]:
    """Every campaign with its root's path, oldest first (the order a report tells them)."""
    return await Campaign.select(
        Campaign.code,
        Campaign.status,
        Campaign.opens_on,
        Campaign.closes_on,
        Campaign.root_unit.path.as_alias("root_path"),
    ).order_by(Campaign.opens_on)


async def _campaign_row(code: str, unit: dict[str, Any]) -> dict[str, Any]:
    campaign = await get_campaign(code)
    if campaign["status"] == "draft" or not _related(campaign["root_unit_path"], unit["path"]):
        raise CampaignNotFound(campaign=code.strip()[:40])
    return {**campaign, "root_path": campaign["root_unit_path"]}


async def _campaign_facts(
    scope: Scope, row: dict[str, Any], unit: dict[str, Any]
) -> CampaignFacts | None:
    """One campaign seen from the unit (or from the campaign's root, when it lies inside);
    ``None`` when the campaign does not reach the unit (a preschool survey and a high school)."""
    campaign = await get_campaign(row["code"])
    view = (
        unit
        if str(unit["path"]).startswith(row["root_path"])
        else await get_unit(campaign["root_unit_code"])
    )
    reached = await reached_units(campaign["id"])
    if view["id"] not in reached:
        return None
    counts = await progress(scope, campaign["code"], view["code"])
    scores = await campaign_scores(campaign["code"], view["code"], wait=EVERY_RESPONSE)
    groups = scores.get("groups") or {}
    units = await list_subtree(view["path"])
    kinds = {row["code"]: row["kind"] for row in units}
    children = tuple(
        ChildFacts(
            code=child.code,
            name=child.name,
            responses=child.responses or 0,
            expected=child.expected,
            scores=None
            if groups.get(child.code, {"suppressed": True}).get("suppressed")
            else groups[child.code],
            kind=kinds.get(child.code, "school"),
        )
        for child in counts["children"]
    )
    schools, answered, communes = await _schools_covered(reached, campaign["id"], view, units)
    spec = await campaign_form(campaign)
    above = view["id"] != campaign["root_unit"]
    return CampaignFacts(
        code=campaign["code"],
        title=localize(json.loads(campaign["title"])),
        questionnaire=spec.questionnaire,
        opens_on=campaign["opens_on"],
        closes_on=campaign["closes_on"],
        k=campaign["k"],
        responses=counts["total"].responses,
        expected=counts["total"].expected,
        channels=dict(counts["channels"]),
        partners=dict(counts["partners"]),
        school_ids=schools,
        answered_ids=answered,
        commune_ids=communes,
        scores=scores,
        children=children,
        cases=await _cases(campaign["id"], view["path"]),
        unpublished=counts["total"].withheld["at_least"],
        status=campaign["status"],
        reopenings=tuple(
            (event["happened_on"], event["reason"]) for event in await reopenings(campaign["id"])
        ),
        mix=counts["total"].mix,
        self_typed=tuple(child.name for child in counts["children"] if child.mostly_self_typed),
        flags=dict(Counter(flag["status"] for flag in counts["flags"])),
        patterns=tuple(dict.fromkeys(item["name"] for item in await pattern_findings(scores))),
        organiser=(await get_unit(campaign["root_unit_code"]))["name"] if above else "",
    )


async def _schools_covered(
    reached: set[int], campaign_id: int, unit: dict[str, Any], units: list[dict[str, Any]]
) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
    """The schools of the subtree (``units``) the campaign reaches, those with published
    answers of their own (a school whose few answers were pooled upwards is not counted: its
    count would place them), and the communes they are in. Sets, so that a report over several
    campaigns counts each school once."""
    kinds = {row["id"]: row["kind"] for row in units}
    schools = [row for row in units if row["kind"] == "school" and row["id"] in reached]
    rows = await Submission.raw(
        "SELECT DISTINCT u.path FROM response_release r JOIN unit u ON u.id = r.unit "
        "WHERE r.campaign = {} AND u.path LIKE {}",
        campaign_id,
        f"{unit['path']}%",
    )
    paths = [str(row["path"]) for row in rows]
    answered = {
        school["id"] for school in schools if any(p.startswith(school["path"]) for p in paths)
    }
    communes = {school["parent"] for school in schools if kinds.get(school["parent"]) == "commune"}
    return frozenset(row["id"] for row in schools), frozenset(answered), frozenset(communes)


async def _cases(campaign_id: int, path: str) -> dict[tuple[str, str], int]:
    """Comments the office classified, by kind and status of follow-up."""
    rows = await FeedbackCase.raw(
        "SELECT f.kind, f.status, COUNT(*) AS n FROM feedback_case f "
        "JOIN submission s ON s.id = f.submission "
        "JOIN response_release r ON r.id = s.released_in JOIN unit u ON u.id = r.unit "
        "WHERE s.campaign = {} AND u.path LIKE {} AND f.kind IS NOT NULL "
        "GROUP BY f.kind, f.status",
        campaign_id,
        f"{path}%",
    )
    return {(row["kind"], row["status"]): row["n"] for row in rows}
