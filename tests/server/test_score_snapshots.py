"""Stored scores: kept across restarts and processes, scored again in the background when a
response arrives, never shown under other settings, dropped when comments are purged, and
scored by one process at a time (both engines)."""

from __future__ import annotations

import asyncio
import itertools
import random
import re
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from typing import Any

import httpx
import pytest

from survey_server.campaigns.tables import Campaign
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.privacy.retention import purge_expired_text
from survey_server.responses.tables import Submission
from survey_server.scoring import services, snapshots, worker
from survey_server.scoring.services import campaign_scores, forget_results
from survey_server.scoring.tables import ScoreSnapshot
from survey_server.staff.services import create_user
from survey_server.timekeeping import today
from tests.conftest import Database
from tests.staff import PASSWORD, sign_in

CAMPAIGN = "HL-PT-2026"


CHANNEL = "qr_meeting"
SCHOOL = "TH-LC1"
K = 10  # the demo campaign's


@pytest.fixture
async def demo(settings: Settings, db: Database) -> Settings:
    """The demo, with the school's QR poster, which tests add responses to, holding no
    unpublished one: then every ``K`` responses added there are one release, published at the
    next view."""
    await prepare_demo(settings, responses=600)
    pending = await Submission.count().where(
        (Submission.campaign.code == CAMPAIGN)
        & (Submission.unit.code == SCHOOL)
        & (Submission.channel == CHANNEL)
        & Submission.released_in.is_null()
    )
    if pending % K:
        await add_synthetic_responses(
            settings,
            K - pending % K,
            random.Random(5),
            campaign=CAMPAIGN,
            units=[SCHOOL],
            channel=CHANNEL,
        )
    return settings


@pytest.fixture
def scorings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the campaigns sent to the scoring process (rather than read back from storage)."""
    calls: list[str] = []
    score_in_child = worker.score_in_child

    async def counted(url: str, code: str, state: snapshots.State) -> tuple[bytes, float]:
        calls.append(code)
        return await score_in_child(url, code, state)

    monkeypatch.setattr(worker, "score_in_child", counted)
    return calls


async def campaign_id() -> int:
    row = await Campaign.select(Campaign.id).where(Campaign.code == CAMPAIGN).first()
    return row["id"]


_SEEDS = itertools.count(7)


async def add_releases(settings: Settings, count: int) -> None:
    """``count`` releases' worth of new responses at the school (a new seed each time: the
    same seed gives the same ids)."""
    await add_synthetic_responses(
        settings,
        count * K,
        random.Random(next(_SEEDS)),
        campaign=CAMPAIGN,
        units=[SCHOOL],
        channel=CHANNEL,
    )


async def finish_scoring() -> None:
    for task in list(services._SCORING.values()):
        await task


async def test_a_restarted_server_reads_the_stored_scores(
    demo: Settings, scorings: list[str]
) -> None:
    first = await campaign_scores(CAMPAIGN)
    assert len(scorings) == 1 and first["pending"] is False
    stored = await ScoreSnapshot.select().where(ScoreSnapshot.campaign == await campaign_id())
    assert len(stored) == 1 and stored[0]["body"] and stored[0]["refreshing_until"] is None
    newest = await Submission.raw(
        "SELECT MAX(id) AS id FROM response_release WHERE campaign = {}", await campaign_id()
    )
    assert stored[0]["newest"] == newest[0]["id"]

    forget_results()  # what a new process knows
    again = await campaign_scores(CAMPAIGN)
    assert again == first
    assert len(scorings) == 1
    assert await campaign_scores(CAMPAIGN, "XA-LECHAN") == await campaign_scores(
        CAMPAIGN, "XA-LECHAN"
    )
    assert len(scorings) == 1


async def test_a_new_response_is_scored_within_the_wait(
    demo: Settings, scorings: list[str]
) -> None:
    before = await campaign_scores(CAMPAIGN)
    await add_releases(demo, 1)
    after = await campaign_scores(CAMPAIGN)
    assert after["n"] == before["n"] + K and after["pending"] is False
    assert len(scorings) == 2


async def test_past_the_wait_the_stored_scores_are_shown_as_pending(
    demo: Settings, scorings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await campaign_scores(CAMPAIGN)
    await add_releases(demo, 3)
    monkeypatch.setattr(services, "REFRESH_WAIT_SECONDS", 0)

    pending = await campaign_scores(CAMPAIGN)
    assert pending["pending"] is True and pending["unscored"] == 3 * K
    volatile = ("pending", "unscored", "unpublished")
    assert {key: pending[key] for key in before if key not in volatile} == {
        key: value for key, value in before.items() if key not in volatile
    }
    # a report or an export waits for every response
    complete = await campaign_scores(CAMPAIGN, wait=services.EVERY_RESPONSE)
    assert complete["n"] == before["n"] + 3 * K and complete["pending"] is False
    assert len(scorings) == 2  # the view and the report shared one scoring

    await finish_scoring()
    assert (await campaign_scores(CAMPAIGN))["pending"] is False


async def test_a_campaign_slower_to_score_than_the_wait_is_answered_at_once(
    demo: Settings, scorings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "REFRESH_WAIT_SECONDS", 2.0)
    before = await campaign_scores(CAMPAIGN)
    await ScoreSnapshot.update({ScoreSnapshot.seconds: 40.0}).where(
        ScoreSnapshot.campaign == await campaign_id()
    )  # as a province's campaign
    forget_results()
    await add_releases(demo, 1)
    view = await campaign_scores(CAMPAIGN)
    assert view["pending"] is True and view["n"] == before["n"]
    assert services._SCORING  # the new scoring started, and the view did not wait for it
    await finish_scoring()
    assert len(scorings) == 2
    assert (await campaign_scores(CAMPAIGN))["n"] == before["n"] + K


async def test_a_report_asked_during_an_older_scoring_counts_every_response(
    demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await campaign_scores(CAMPAIGN)
    score_in_child = worker.score_in_child
    resume = asyncio.Event()
    started: list[int] = []

    async def held(url: str, code: str, state: snapshots.State) -> tuple[bytes, float]:
        started.append(state.newest)
        if len(started) == 1:
            await resume.wait()  # the first scoring has read its state, then stalls
        return await score_in_child(url, code, state)

    monkeypatch.setattr(worker, "score_in_child", held)
    monkeypatch.setattr(services, "REFRESH_WAIT_SECONDS", 0)
    await add_releases(demo, 1)
    assert (await campaign_scores(CAMPAIGN))["pending"] is True
    while not started:
        await asyncio.sleep(0.01)
    await add_releases(demo, 1)  # arrives while the first scoring runs
    report = asyncio.create_task(campaign_scores(CAMPAIGN, wait=services.EVERY_RESPONSE))
    await asyncio.sleep(0.1)
    resume.set()
    assert (await report)["n"] == before["n"] + 2 * K
    assert len(started) == 2


async def test_scores_under_other_settings_are_never_shown(
    demo: Settings, scorings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await campaign_scores(CAMPAIGN)
    monkeypatch.setattr(services, "REFRESH_WAIT_SECONDS", 0)
    await Campaign.update({Campaign.k: 500}).where(Campaign.code == CAMPAIGN)
    raised = await campaign_scores(CAMPAIGN)
    assert raised["k"] == 500 and raised["pending"] is False
    assert raised["suppressed"] is True  # every published response, all under the new k
    assert len(scorings) == 2


async def test_scores_of_other_scoring_code_are_never_shown(
    demo: Settings, scorings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await campaign_scores(CAMPAIGN)
    monkeypatch.setattr(services, "REFRESH_WAIT_SECONDS", 0)
    monkeypatch.setattr(snapshots, "method_digest", lambda: "an upgrade")
    forget_results()
    view = await campaign_scores(CAMPAIGN)
    assert view["pending"] is False and len(scorings) == 2
    assert (await snapshots.stored_state(await campaign_id())).method == "an upgrade"


async def test_a_changed_unit_tree_is_scored_again(demo: Settings, scorings: list[str]) -> None:
    from survey_server.units.tables import Unit

    await campaign_scores(CAMPAIGN)
    await Unit.update({Unit.expected_respondents: 4000}).where(Unit.code == "TH-LC1")
    await campaign_scores(CAMPAIGN)
    assert len(scorings) == 2


async def test_views_at_once_share_one_scoring(demo: Settings, scorings: list[str]) -> None:
    views = await asyncio.gather(*(campaign_scores(CAMPAIGN) for _ in range(4)))
    assert len(scorings) == 1
    assert all(view == views[0] for view in views)


async def test_purged_comments_leave_no_quote_in_stored_scores(demo: Settings) -> None:
    def quotes(view: dict[str, Any]) -> list[str]:
        return [quote for item in view["themes"]["items"] for quote in item["quotes"]]

    assert quotes(await campaign_scores(CAMPAIGN))
    day = today(demo.timezone) + timedelta(days=3000)
    assert sum(outcome.responses for outcome in await purge_expired_text(day)) > 0
    assert await snapshots.stored_state(await campaign_id()) is None
    # this process kept the result, but it no longer counts once it is not stored
    assert quotes(await campaign_scores(CAMPAIGN)) == []


async def test_one_process_scores_at_a_time(demo: Settings) -> None:
    campaign = await campaign_id()
    assert await snapshots.claim(campaign) is True
    assert await snapshots.claim(campaign) is False  # another process holds the lease
    await snapshots.release(campaign)
    assert await snapshots.claim(campaign) is True
    # a holder that crashed: its lease runs out and another process takes over
    await ScoreSnapshot.update({ScoreSnapshot.refreshing_until: 1}).where(
        ScoreSnapshot.campaign == campaign
    )
    assert await snapshots.claim(campaign) is True


async def test_a_view_waits_for_the_process_holding_the_lease(
    demo: Settings, scorings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "_POLL_SECONDS", 0.05)
    campaign = await campaign_id()
    assert await snapshots.claim(campaign)
    view = asyncio.create_task(campaign_scores(CAMPAIGN))
    await asyncio.sleep(0.3)
    assert not view.done() and scorings == []  # waiting, not scoring beside the holder
    await snapshots.release(campaign)
    assert (await view)["n"] > 0
    assert len(scorings) == 1


async def test_a_failed_scoring_gives_the_lease_back(
    demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(url: str, code: str, state: snapshots.State) -> tuple[bytes, float]:
        raise RuntimeError("scoring failed")

    monkeypatch.setattr(worker, "score_in_child", broken)
    with pytest.raises(RuntimeError):
        await campaign_scores(CAMPAIGN)
    assert await snapshots.claim(await campaign_id()) is True


async def test_scoring_runs_outside_the_server_process(
    demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def here(answers: services.CampaignAnswers) -> Any:
        raise AssertionError("scored in the server process")

    monkeypatch.setattr(services, "score_loaded", here)
    assert (await campaign_scores(CAMPAIGN))["n"] > 0


async def test_a_killed_scoring_process_is_replaced(demo: Settings) -> None:
    await campaign_scores(CAMPAIGN)
    assert worker._POOL is not None
    for process in list(worker._POOL._processes.values()):
        process.kill()
    await add_releases(demo, 1)
    forget_results()
    with pytest.raises(BrokenProcessPool):
        await campaign_scores(CAMPAIGN)
    assert worker._POOL is None
    view = await campaign_scores(CAMPAIGN, wait=services.EVERY_RESPONSE)
    assert view["pending"] is False  # a new child scored it


async def test_the_dashboard_says_when_newer_responses_are_left_out(
    client: httpx.AsyncClient, demo: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await sign_in(client, "so.admin")
    page = await client.get(f"/staff/campaigns/{CAMPAIGN}")
    assert page.status_code == 200 and "đang tính lại" not in page.text

    await add_releases(demo, 2)
    monkeypatch.setattr(services, "REFRESH_WAIT_SECONDS", 0)
    scored = asyncio.Event()
    score_in_child = worker.score_in_child

    async def held(*args: Any) -> Any:  # the new scoring ends when the test says so
        await scored.wait()
        return await score_in_child(*args)

    monkeypatch.setattr(worker, "score_in_child", held)
    page = await client.get(f"/staff/campaigns/{CAMPAIGN}")
    assert "chưa gồm 20 phiếu mới nhận" in page.text
    api = await client.get(f"/api/v1/campaigns/{CAMPAIGN}/scores")
    assert api.json()["pending"] is True and api.json()["unscored"] == 2 * K
    scored.set()
    await finish_scoring()
    page = await client.get(f"/staff/campaigns/{CAMPAIGN}")
    assert "đang tính lại" not in page.text


async def test_rescore_command_stores_the_scores_ahead(demo: Settings, db: Database) -> None:
    from click.testing import CliRunner

    from survey_server.cli import main
    from survey_server.db.engine import bind_engine

    env = {"DATABASE_URL": demo.resolved_database_url, "SECRET_KEY": "x"}
    runner = CliRunner()
    done = await asyncio.to_thread(runner.invoke, main, ["rescore", CAMPAIGN], env=env)
    checked = await asyncio.to_thread(
        runner.invoke, main, ["rescore", "--check", CAMPAIGN], env=env
    )
    unknown = await asyncio.to_thread(runner.invoke, main, ["rescore", "KHONG-CO"], env=env)
    bind_engine(db.engine)
    assert done.exit_code == 0, done.output
    assert re.match(rf"{CAMPAIGN}: \d+ phiếu, ", done.output)
    assert checked.exit_code == 0, checked.output
    assert "khớp với tính lại từ toàn bộ phiếu" in checked.output
    assert await snapshots.stored_state(await campaign_id()) is not None
    assert unknown.exit_code == 1
    assert "Không tìm thấy đợt khảo sát có mã 'KHONG-CO'" in unknown.output
