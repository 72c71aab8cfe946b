"""The staff home page lists the campaigns that concern the account's unit (both engines)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from survey_server.campaigns.services import CampaignSpec
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.services import open_campaign
from survey_server.staff.services import create_user
from survey_server.timekeeping import today
from tests.conftest import Database
from tests.staff import PASSWORD, csrf_of, sign_in

EVERY_DEMO_CAMPAIGN = {"HL-PT-2026", "HL-MN-2026", "MC-2026", "DT-2026", "PA-2026"}


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await create_user("mttq.lechan", "partner", "XA-LECHAN", PASSWORD, "Ủy ban MTTQ phường Lê Chân")
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("ht.mn-lc1", "principal", "MN-LC1", PASSWORD)
    await create_user("ht.thpt-nq", "principal", "THPT-NQ", PASSWORD)
    return settings


def listed(html: str) -> set[str]:
    """The campaign codes of the home page's table."""
    return set(re.findall(r'<td><a href="/staff/campaigns/([A-Z0-9-]+)(?:/monitor)?">', html))


async def home_of(client: httpx.AsyncClient, username: str) -> str:
    client.cookies.clear()
    assert (await sign_in(client, username)).status_code == 303
    page = await client.get("/staff/")
    assert page.status_code == 200
    return page.text


async def test_each_account_sees_the_campaigns_of_its_unit(
    client: httpx.AsyncClient, province: Settings
) -> None:
    primary = listed(await home_of(client, "ht.th-lc1"))
    assert "HL-PT-2026" in primary and "HL-MN-2026" not in primary
    assert "MC-2026" in primary  # handed out at every school, whatever its level

    preschool = listed(await home_of(client, "ht.mn-lc1"))
    assert "HL-MN-2026" in preschool and "HL-PT-2026" not in preschool
    assert "DT-2026" not in preschool

    upper_secondary = listed(await home_of(client, "ht.thpt-nq"))
    assert upper_secondary == {"HL-PT-2026", "MC-2026", "DT-2026", "PA-2026"}

    assert listed(await home_of(client, "so.admin")) == EVERY_DEMO_CAMPAIGN
    commune = EVERY_DEMO_CAMPAIGN  # its schools are of both kinds
    assert listed(await home_of(client, "pgd.lechan")) == commune
    partner = await home_of(client, "mttq.lechan")
    assert listed(partner) == commune
    assert "/staff/campaigns/HL-PT-2026/monitor" in partner  # a partner still goes to counts


async def test_an_office_sees_its_own_campaign_even_without_links(
    client: httpx.AsyncClient, province: Settings
) -> None:
    """A campaign run by the commune: the commune sees it; its schools see it once it has a link
    there; a school it does not reach never does, nor does another commune."""
    start = today(province.timezone) + timedelta(days=3)
    spec = CampaignSpec(
        code="LC-MN-2027",
        title={"vi": "Khảo sát mầm non phường Lê Chân", "en": "Lê Chân preschools"},
        questionnaire_slug="hai-long-mam-non",
        root_unit_code="XA-LECHAN",
        opens_on=start,
        closes_on=start + timedelta(days=30),
        k=province.default_k,
    )
    await open_campaign(spec, province.timezone, ("zalo",), ("mam_non",))
    assert "LC-MN-2027" in listed(await home_of(client, "pgd.lechan"))
    assert "LC-MN-2027" in listed(await home_of(client, "ht.mn-lc1"))
    assert "LC-MN-2027" not in listed(await home_of(client, "ht.th-lc1"))
    assert "LC-MN-2027" in listed(await home_of(client, "so.admin"))

    unreached = CampaignSpec(
        code="LC-KHAC-2027",
        title={"vi": "Khảo sát chưa phát phiếu", "en": "Not handed out yet"},
        questionnaire_slug="hai-long-mam-non",
        root_unit_code="XA-LECHAN",
        opens_on=start,
        closes_on=start + timedelta(days=30),
        k=province.default_k,
    )
    await open_campaign(unreached, province.timezone, ("zalo",), ("gdtx",))  # none in Lê Chân
    assert "LC-KHAC-2027" in listed(await home_of(client, "pgd.lechan"))
    assert "LC-KHAC-2027" not in listed(await home_of(client, "ht.mn-lc1"))


async def test_the_report_form_offers_the_same_campaigns(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await home_of(client, "ht.th-lc1")
    form = (await client.get("/staff/reports")).text
    offered = set(re.findall(r'name="campaign" value="([^"]+)"', form))
    assert "HL-PT-2026" in offered and "HL-MN-2026" not in offered
    # a link that names a campaign keeps it ticked
    named = await client.get("/staff/reports", params={"campaign": "HL-MN-2026"})
    assert 'value="HL-MN-2026" checked' in named.text
    assert csrf_of(named.text)
