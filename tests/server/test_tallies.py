"""Incremental scoring: the units' tallies, kept up to date release by release, give exactly the
scores of a full scoring from the responses (the reference), however the releases were added —
in small batches, by concurrent processes, after a process was killed mid-transaction, after a
purge or a change of settings (both engines)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
from typing import Any

import pytest

from survey_server.campaigns.services import get_campaign
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.responses.tables import Release, Submission
from survey_server.scoring import services, tallies
from survey_server.scoring.services import assemble_campaign, load_answers, score_loaded
from survey_server.scoring.tables import UnitTally
from survey_server.units.services import get_unit
from tests.conftest import ROOT, Database
from tests.releases import close_and_publish

CAMPAIGN = "HL-PT-2026"


@pytest.fixture
async def demo(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings, responses=700)
    return settings


async def full_scores(code: str = CAMPAIGN) -> dict[str, Any]:
    """The reference: every published response read and scored at once."""
    campaign = await get_campaign(code)
    answers = await load_answers(campaign, await get_unit(campaign["root_unit_code"]))
    return json.loads(json.dumps(score_loaded(answers).json))


async def incremental_scores(code: str = CAMPAIGN) -> dict[str, Any]:
    scores, _ = await assemble_campaign(await get_campaign(code))
    return json.loads(json.dumps(scores.json))


async def untallied() -> int:
    return await Release.count().where(Release.tallied == 0)


async def test_tallies_added_release_by_release_give_the_full_scores(
    demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tallies, "BATCH_RELEASES", 3)  # many transactions, each adding to a row
    await close_and_publish(CAMPAIGN)
    first = await incremental_scores()
    assert first == await full_scores()
    assert first["n"] > 0 and first["themes"]["comments"] > 0
    assert await untallied() == 0

    # more responses arrive, are released, and are added to the stored tallies
    await add_synthetic_responses(demo, 400, random.Random(5), campaign=CAMPAIGN)
    await services.publish(await get_campaign(CAMPAIGN))  # ended: released at once
    assert await untallied() > 0
    second = await incremental_scores()
    assert second == await full_scores()
    assert second["n"] > first["n"]
    rows = await UnitTally.select(UnitTally.responses)
    published = await Submission.count().where(Submission.released_in.is_not_null())
    assert sum(row["responses"] for row in rows) == published


async def test_concurrent_updates_count_every_release_once(demo: Settings) -> None:
    await close_and_publish(CAMPAIGN)
    campaign = await get_campaign(CAMPAIGN)
    spec = await services.campaign_form(campaign)
    comment = services.comment_expression(spec, "s.answers")
    added = await asyncio.gather(
        *(tallies.update(campaign, spec.questionnaire, comment) for _ in range(3))
    )
    assert sum(added) == await Release.count().where(Release.campaign.code == CAMPAIGN)
    assert await incremental_scores() == await full_scores()


async def test_a_settings_change_or_a_purge_tallies_everything_again(demo: Settings) -> None:
    await close_and_publish(CAMPAIGN)
    await incremental_scores()
    await services.Campaign.update({services.Campaign.exclude_flagged: "straight_lining"}).where(
        services.Campaign.code == CAMPAIGN
    )
    assert await incremental_scores() == await full_scores()
    campaign = await get_campaign(CAMPAIGN)
    await tallies.forget(campaign["id"])
    assert await UnitTally.count() == 0
    assert await untallied() == await Release.count()
    assert await incremental_scores() == await full_scores()


KILLER = """
import asyncio, os, signal, sys
from survey_server.scoring import tallies, worker
from analysis.tally import Tally

written = 0
original = Tally.to_bytes

def to_bytes(self):
    global written
    written += 1
    if written == 2:  # inside the transaction: releases marked, one unit written
        os.kill(os.getpid(), signal.SIGKILL)
    return original(self)

Tally.to_bytes = to_bytes

async def run():
    from survey_server.campaigns.services import get_campaign
    from survey_server.scoring import services
    campaign = await get_campaign(sys.argv[2])
    spec = await services.campaign_form(campaign)
    await tallies.update(campaign, spec.questionnaire, services.comment_expression(spec, "s.answers"))

asyncio.run(worker._with_engine(sys.argv[1], run()))
"""


async def test_a_process_killed_mid_transaction_loses_and_doubles_nothing(
    demo: Settings, db: Database
) -> None:
    await close_and_publish(CAMPAIGN)
    before = await untallied()
    assert before > 1
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", KILLER, db.url, CAMPAIGN], env=env, capture_output=True, timeout=120
    )
    assert result.returncode == -9, result.stderr.decode()[-2000:]
    assert await untallied() == before  # the killed transaction left nothing behind
    assert await UnitTally.count() == 0
    assert await incremental_scores() == await full_scores()


async def test_a_batch_takes_releases_unit_by_unit(
    demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Releases arrive spread over the schools, so in the order of ids neighbours belong to
    different units; taken unit by unit, each unit's stored tally is written about once a
    batch, not once a release (the cost of tallying a national campaign from scratch)."""
    monkeypatch.setattr(tallies, "BATCH_RELEASES", 6)
    await close_and_publish(CAMPAIGN)
    for seed in (5, 6):  # more responses, released in later rounds
        await add_synthetic_responses(demo, 400, random.Random(seed), campaign=CAMPAIGN)
        await services.publish(await get_campaign(CAMPAIGN))
    rows = await Release.raw("SELECT id, unit FROM response_release ORDER BY id")
    units = [row["unit"] for row in rows]
    assert sum(a != b for a, b in itertools.pairwise(units)) > len(set(units))  # interleaved
    written = 0
    original = tallies.Tally.to_bytes

    def counted(self: tallies.Tally) -> bytes:
        nonlocal written
        written += 1
        return original(self)

    monkeypatch.setattr(tallies.Tally, "to_bytes", counted)
    assert await incremental_scores() == await full_scores()
    batches = -(-len(rows) // tallies.BATCH_RELEASES)
    assert written <= len(set(units)) + batches - 1


async def test_releases_made_behind_the_batches_are_tallied_too(
    demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches go forward from where the last one ended; a release that appears meanwhile in a
    unit already passed (a school that reaches k again) is tallied before ``update`` returns."""
    monkeypatch.setattr(tallies, "BATCH_RELEASES", 2)
    await close_and_publish(CAMPAIGN)
    first = (await Release.raw("SELECT min(unit) AS unit FROM response_release"))[0]["unit"]
    behind = [row["id"] for row in await Release.select(Release.id).where(Release.unit == first)]
    await Release.update({Release.tallied: 1}).where(Release.id.is_in(behind))  # not made yet
    original = tallies._add
    made: list[int] = []

    async def making_one_behind(*args: object) -> None:
        await original(*args)
        if not made:  # the cursor has passed the first unit: its releases appear now
            await Release.update({Release.tallied: 0}).where(Release.id.is_in(behind))
            made.extend(behind)

    monkeypatch.setattr(tallies, "_add", making_one_behind)
    assert await incremental_scores() == await full_scores()
    assert made and await untallied() == 0
