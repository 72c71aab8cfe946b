"""Scores from the database: the same numbers as the offline scorer, scoped to a unit subtree,
suppressed, and compared with the previous campaign (both engines)."""

from __future__ import annotations

import csv
import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from survey_server.campaigns.services import CampaignSpec, get_campaign, set_status
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.distribution.services import open_campaign
from survey_server.distribution.tables import Link
from survey_server.responses.tables import Submission
from survey_server.scoring.services import campaign_scores, load_answers, score_table
from survey_server.timekeeping import today
from survey_server.units.services import UnitNotFound, get_unit
from tests.conftest import ROOT, Database
from tests.releases import close_and_publish

CAMPAIGN = "HL-PT-2026"
QUESTIONNAIRE = ROOT / "questionnaires" / "hai-long-pho-thong.yaml"


@pytest.fixture
async def demo(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings, responses=900)
    await close_and_publish(CAMPAIGN)
    return settings


async def export_csv(path: Path, campaign: str) -> None:
    """The campaign's published answers as the responses table of docs/scoring.md (one column per id),
    each under the unit of its release."""
    rows = await Submission.select(
        Submission.released_in.unit.code.as_alias("unit"), Submission.answers
    ).where((Submission.campaign.code == campaign) & Submission.released_in.is_not_null())
    answers = [json.loads(row["answers"]) for row in rows]
    columns = sorted({key for answer in answers for key in answer})
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["unit", *columns])
        for row, answer in zip(rows, answers, strict=True):
            writer.writerow([row["unit"], *(cell(answer.get(column)) for column in columns)])


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(value)
    return str(value)


def without_bootstrap(body: dict[str, Any]) -> dict[str, Any]:
    """A group's numbers minus those drawn from bootstrap replicates."""
    return {
        "n": body["n"],
        "questions": body["questions"],
        "choices": body["choices"],
        "overall": {key: value for key, value in body["overall"].items() if key != "ci"},
        "dimensions": [
            {key: value for key, value in dimension.items() if key != "ci"}
            for dimension in body["dimensions"]
        ],
    }


def interval_gaps(server: dict[str, Any], offline: dict[str, Any]) -> list[float]:
    """How far apart the two scorings' bootstrap bounds are, in widths of the interval.

    The server weights a response by its receipt, a table read offline by its place (it has no
    receipts): two independent draws of the same bootstrap, whose bounds agree up to Monte
    Carlo error, about 2 % of the interval's width per standard error with 1,000 replicates."""
    pairs = [(server["overall"]["ci"], offline["overall"]["ci"])]
    pairs += [
        (a["ci"], b["ci"]) for a, b in zip(server["dimensions"], offline["dimensions"], strict=True)
    ]
    return [
        abs(ours[end] - theirs[end]) / max(theirs[1] - theirs[0], 1.0)
        for ours, theirs in pairs
        for end in (0, 1)
    ]


async def test_server_and_offline_scorer_agree(demo: Settings, tmp_path: Path) -> None:
    server = await campaign_scores(CAMPAIGN)
    await export_csv(tmp_path / "responses.csv", CAMPAIGN)
    offline = score_table(
        QUESTIONNAIRE, tmp_path / "responses.csv", by="unit", k=server["k"]
    ).scores

    stored = await Submission.count().where(Submission.campaign.code == CAMPAIGN)
    published = await Submission.count().where(
        (Submission.campaign.code == CAMPAIGN) & Submission.released_in.is_not_null()
    )
    assert server["n"] == offline["n"] == published > 0
    assert 0 <= stored - published < server["k"]  # only the root's last leftovers wait
    assert without_bootstrap(server) == without_bootstrap(offline)
    gaps = interval_gaps(server, offline)
    compared = 0
    parents = {group.get("parent") for group in server["groups"].values()}
    for code, group in offline["groups"].items():
        ours = server["groups"][code]
        if group["suppressed"] or ours["suppressed"] or code in parents:
            continue  # a parent's group is its subtree on the server, its own releases offline
        assert without_bootstrap(ours) == without_bootstrap(group)
        gaps += interval_gaps(ours, group)
        compared += 1
    assert compared >= 5
    assert float(np.mean(gaps)) < 0.04  # ~2 standard errors on average
    assert max(gaps) < 0.15


async def test_a_unit_sees_its_subtree_with_suppression(demo: Settings) -> None:
    whole = await campaign_scores(CAMPAIGN)
    commune = next(
        code
        for code, group in whole["groups"].items()
        if code.startswith("XA-") and not group["suppressed"]
    )
    scoped = await campaign_scores(CAMPAIGN, commune)
    assert scoped["unit"] == commune
    assert scoped["n"] == whole["groups"][commune]["n"]
    assert set(scoped["groups"]) < set(whole["groups"])
    assert commune in scoped["groups"]
    for code, group in scoped["groups"].items():
        if group["suppressed"]:
            assert group == {"suppressed": True, "n_below": scoped["k"]}
        else:
            assert group["n"] >= scoped["k"]
            assert code == commune or group["parent"] is not None


async def test_every_view_withholds_the_same_groups(demo: Settings) -> None:
    """A unit's view is a slice of the campaign's: a group withheld to protect another in one
    view is withheld in all, so no two views can be subtracted to give back a small school."""
    whole = await campaign_scores(CAMPAIGN)
    withheld = {code for code, group in whole["groups"].items() if group["suppressed"]}
    assert withheld
    for code in whole["groups"]:
        view = await campaign_scores(CAMPAIGN, code)
        if code in withheld:
            assert view["suppressed"] is True
            continue
        assert view["n"] == whole["groups"][code]["n"]
        assert {c for c, g in view["groups"].items() if g["suppressed"]} <= withheld
        for other, group in view["groups"].items():
            assert group == whole["groups"][other]


async def test_a_school_under_k_shows_nothing(demo: Settings) -> None:
    whole = await campaign_scores(CAMPAIGN)
    small = next(
        code
        for code, group in whole["groups"].items()
        if group["suppressed"] and code.startswith(("TH-", "THCS-", "THPT-"))
    )
    scoped = await campaign_scores(CAMPAIGN, small)
    assert set(scoped) == {
        "questionnaire",
        "version",
        "k",
        "suppressed",
        "n_below",
        "campaign",
        "unit",
        "previous",
        "pending",
        "unscored",
        "unpublished",
    }
    assert scoped["suppressed"] is True
    assert scoped["previous"] is None


async def test_comparison_with_the_previous_campaign(demo: Settings) -> None:
    day = today(demo.timezone)
    earlier = CampaignSpec(
        code="HL-PT-2025",
        title={"vi": "Khảo sát sự hài lòng năm 2025"},
        questionnaire_slug="hai-long-pho-thong",
        root_unit_code="SO-HP",
        opens_on=day - timedelta(days=400),
        closes_on=day - timedelta(days=300),
    )
    await open_campaign(earlier, demo.timezone, ("qr_meeting",), ("tieu_hoc", "thcs", "thpt"))
    await add_synthetic_responses(demo, 900, random.Random(7))
    await set_status("HL-PT-2025", "closed")

    scores = await campaign_scores(CAMPAIGN)
    previous = scores["previous"]
    assert previous["campaign"] == "HL-PT-2025"
    assert previous["n"] > 0
    comparison = previous["comparison"]
    assert set(comparison) == {"overall", "dimensions", "questions"}
    assert set(comparison["dimensions"]) == {d["id"] for d in scores["dimensions"]}
    for result in [comparison["overall"], *comparison["questions"].values()]:
        assert 0 <= result["p"] <= result["p_adjusted"] <= 1
        assert result["significant"] == (result["p_adjusted"] <= 0.05)


async def test_free_text_is_read_by_the_database(demo: Settings) -> None:
    """Comments come out of the stored JSON in SQL, one line per text answer."""
    campaign = await get_campaign(CAMPAIGN)
    answers = await load_answers(campaign, await get_unit("SO-HP"))
    stored = await Submission.select(Submission.answers).where(
        (Submission.campaign.code == CAMPAIGN) & Submission.released_in.is_not_null()
    )
    expected = sorted(
        text for row in stored if (text := json.loads(row["answers"]).get("gop_y")) is not None
    )
    assert expected
    assert sorted(c for c in answers.comments if c is not None) == expected
    assert len(answers.closed) == len(stored)


async def test_response_rate_counts_only_surveyed_schools(demo: Settings) -> None:
    """The Sở expects the respondents of the schools the campaign reached, not of preschools."""
    scores = await campaign_scores(CAMPAIGN)
    links = await Link.select(
        Link.unit.code.as_alias("code"), Link.unit.expected_respondents.as_alias("expected")
    ).where(Link.campaign.code == CAMPAIGN)
    expected = sum({row["code"]: row["expected"] for row in links}.values())
    assert scores["response_rate"]["expected"] == expected
    assert scores["response_rate"]["rate"] == pytest.approx(100 * scores["n"] / expected, abs=0.05)
    assert not any(code.startswith("MN-") for code in scores["groups"])


async def test_unknown_unit_is_refused(demo: Settings) -> None:
    with pytest.raises(UnitNotFound):
        await campaign_scores(CAMPAIGN, "KHONG-CO")
