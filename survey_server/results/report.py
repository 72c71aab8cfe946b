"""The "lắng nghe ý kiến nhân dân" section of the top office's report, from the imported
packages alone (docs/RESULTS-PACKAGE.md).

The packages carry counts of the units each province showed, so the report says what they
support — the pooled indices with their intervals, each province against the others, the
response rates — and says plainly what they do not carry: comments and their follow-up, the
channels and the schools reached stay with the province that collected them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from survey_server.i18n import localize
from survey_server.reports.gather import CampaignFacts, ChildFacts, ReportFacts, Source
from survey_server.reports.letterheads import letterhead_of
from survey_server.reports.period import Period
from survey_server.reports.services import ReportFile, report_file
from survey_server.results.merge import Rollup, current_rollup, questionnaire_of
from survey_server.staff.services import Scope


async def rollup_facts(rollup: Rollup, unit: dict[str, Any], issued_on: date) -> ReportFacts:
    """The facts of ``unit``'s report (the office that imported the packages): one pooled
    campaign whose units are the packages' root units."""
    questionnaire = await questionnaire_of(rollup)
    scores = rollup.scores
    groups = scores.get("groups") or {}
    packages = rollup.packages
    opens = min(date.fromisoformat(p["opens_on"]) for p in packages)
    closes = max(date.fromisoformat(p["closes_on"]) for p in packages)
    children = tuple(
        ChildFacts(
            code=package["root"],
            name=package["root_name"],
            responses=package["n"],
            expected=(groups[package["root"]].get("response_rate") or {}).get("expected"),
            scores=groups[package["root"]],
            kind=rollup.units[package["root"]]["kind"],
        )
        for package in packages
    )
    expected = [child.expected for child in children]
    campaign = CampaignFacts(
        code=questionnaire.slug,
        title=localize(questionnaire.title),
        questionnaire=questionnaire,
        opens_on=opens,
        closes_on=closes,
        k=scores["k"],
        responses=scores["n"],
        expected=None if None in expected else sum(e for e in expected if e is not None),
        channels={},
        partners={},
        school_ids=frozenset(),
        answered_ids=frozenset(),
        commune_ids=frozenset(),
        scores=scores,
        children=children,
        cases={},
        status="closed" if closes < issued_on else "open",
    )
    return ReportFacts(
        unit,
        None,
        Period(opens, closes, "range"),
        issued_on,
        (campaign,),
        await letterhead_of(unit),
        sources=tuple(
            Source(
                name=package["root_name"],
                campaign=package["campaign"],
                opens_on=date.fromisoformat(package["opens_on"]),
                closes_on=date.fromisoformat(package["closes_on"]),
                responses=package["n"],
            )
            for package in packages
        ),
    )


async def packages_report(
    scope: Scope,
    unit: dict[str, Any],
    fmt: str,
    issued_on: date,
    into: bytes | None = None,
    into_path: Path | None = None,
    lang: str = "vi",
) -> ReportFile:
    """``unit``'s report section from the imported packages, as a file (``reports.services``)."""
    facts = await rollup_facts(await current_rollup(), unit, issued_on)
    into_name = into_path.name if into_path is not None else ""
    return await report_file(scope, facts, fmt, "goi-ket-qua", into, into_name, lang)
