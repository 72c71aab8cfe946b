"""Which forms to print: the schools a campaign reaches under a unit, numbered copies each."""

from __future__ import annotations

import json
from dataclasses import dataclass

from survey_server.campaigns.services import get_campaign
from survey_server.distribution.services import reached_units
from survey_server.i18n import localize
from survey_server.paper.form_pdf import FormHeader, render_forms
from survey_server.questionnaires.schema import Questionnaire
from survey_server.scoring.services import campaign_form
from survey_server.units.services import get_unit, list_subtree

PRINTED_KINDS = ("school", "class")
MAX_COPIES = 500


@dataclass(frozen=True)
class FormStack:
    """The numbered forms of one unit."""

    unit_code: str
    headers: tuple[FormHeader, ...]

    @property
    def filename(self) -> str:
        first = self.headers[0]
        return f"{first.campaign_code}-{self.unit_code}-phieu-giay.pdf".lower()


async def form_stacks(
    campaign_code: str,
    unit_code: str | None,
    *,
    copies: int,
    partner: str | None = None,
    first_number: int = 1,
    lang: str = "vi",
) -> tuple[Questionnaire, list[FormStack]]:
    """The questionnaire and, for each school under ``unit_code`` that the campaign reaches
    (or the unit itself when it is a school or a class), ``copies`` numbered forms."""
    campaign = await get_campaign(campaign_code)
    root = await get_unit(unit_code or campaign["root_unit_code"])
    copies = max(1, min(copies, MAX_COPIES))
    reached = await reached_units(campaign["id"])
    if root["kind"] in PRINTED_KINDS:
        units = [root]
    else:
        units = [
            row
            for row in await list_subtree(root["path"], ("school",))
            if row["id"] in reached and row["valid_to"] is None
        ]
    spec = await campaign_form(campaign)
    title = localize(json.loads(campaign["title"]), lang)
    channel = "paper"
    stacks = [
        FormStack(
            unit["code"],
            tuple(
                FormHeader(
                    campaign_code=campaign["code"],
                    campaign_title=title,
                    unit_code=unit["code"],
                    unit_name=unit["name"],
                    channel=channel,
                    partner=partner,
                    number=number,
                )
                for number in range(first_number, first_number + copies)
            ),
        )
        for unit in units
    ]
    return spec.questionnaire, stacks


def render_stack(questionnaire: Questionnaire, stack: FormStack, lang: str = "vi") -> bytes:
    return render_forms(questionnaire, stack.headers, lang)
