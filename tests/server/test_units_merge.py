"""The 2025 reorganisation as an operation: merging communes from a date keeps every old
campaign's scores, dashboards and reports byte for byte, while a campaign opened afterwards
reaches the schools under the new commune; wrong merges are refused whole (both engines)."""

from __future__ import annotations

import json
import random
import subprocess
from datetime import date, timedelta

import httpx
import pytest

from survey_server.campaigns.services import CampaignSpec
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.distribution.services import open_campaign
from survey_server.distribution.tables import Link
from survey_server.scoring.services import campaign_scores, forget_results
from survey_server.staff.services import create_user
from survey_server.staff.tables import AuditEvent
from survey_server.timekeeping import today
from survey_server.units.reorganisation import (
    MergeRequest,
    ReorganisationInvalid,
    merge,
    plan_merge,
    plan_rename,
    rename,
)
from survey_server.units.tables import Unit
from tests.conftest import Database, count_rows
from tests.live import BIN
from tests.staff import PASSWORD, sign_in

OLD = "HL-PT-2026"
C = f"/staff/campaigns/{OLD}"
REPORT = f"/api/v1/reports?campaign={OLD}&format=md"


@pytest.fixture
async def province(settings: Settings, db: Database) -> date:
    """The demo, its administrator and accounts inside a commune that merges; a day after
    every demo campaign has closed."""
    await prepare_demo(settings)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    return today(settings.timezone) + timedelta(days=120)


def request(day: date, **changes: object) -> MergeRequest:
    values: dict[str, object] = {
        "olds": ["XA-LECHAN", "XA-NGOQUYEN"],
        "target": "XA-HAIAN",
        "effective": day.isoformat(),
        "name": "Ủy ban nhân dân phường Hải An",
    }
    values.update(changes)
    return MergeRequest(**values)  # type: ignore[arg-type]


async def unit(code: str) -> dict[str, object]:
    row = await Unit.select().where(Unit.code == code).first()
    assert row is not None, code
    return row


async def views(client: httpx.AsyncClient) -> list[bytes]:
    """What an old campaign shows: its scores (API), a commune's dashboard and report."""
    pages = [
        f"/api/v1/campaigns/{OLD}/scores",
        f"/api/v1/campaigns/{OLD}/scores?unit=XA-LECHAN",
        f"/api/v1/campaigns/{OLD}/scores?unit=TH-LC1",
        f"{C}?unit=XA-LECHAN",
        f"{C}?unit=TH-LC1",
        f"{REPORT}&unit=XA-LECHAN",
        f"{REPORT}&unit=SO-HP",
    ]
    bodies = []
    for route in pages:
        response = await client.get(route)
        assert response.status_code == 200, (route, response.text[:300])
        bodies.append(response.content)
    return bodies


@pytest.fixture
async def answered(province: date, settings: Settings) -> date:
    """The same, with enough responses to the old campaign in both merging communes (and in
    one that stays) for their numbers to be shown."""
    schools = ["TH-LC1", "TH-LC2", "TH-NQ1", "TH-AL1"]
    await add_synthetic_responses(settings, 200, random.Random(2026), campaign=OLD, units=schools)
    return province


async def test_merge_keeps_old_campaigns_and_moves_new_ones(
    answered: date, client: httpx.AsyncClient, settings: Settings
) -> None:
    day = answered
    await sign_in(client, "so.admin")
    before = await views(client)
    scores = await campaign_scores(OLD)
    assert {"XA-LECHAN", "TH-LC1"} <= set(scores["groups"])  # numbers that could move
    stored_before = json.dumps(scores, sort_keys=True)

    plan = await plan_merge(request(day))
    assert [old["code"] for old in plan.olds] == ["XA-LECHAN", "XA-NGOQUYEN"]
    assert not plan.target_exists and OLD in [row["code"] for row in plan.campaigns]
    suffix = day.strftime(".%y%m%d")
    assert f"TH-LC1{suffix}" in [item.new_code for item in plan.continued]
    assert f"TH-LC1-1A{suffix}" in [item.new_code for item in plan.continued]
    assert plan.accounts == ["ht.th-lc1", "pgd.lechan"]

    await merge(request(day), plan.digest, user_id=None, username="so.admin")

    forget_results()  # what another process, or a restart, would read
    assert await views(client) == before
    assert json.dumps(await campaign_scores(OLD), sort_keys=True) == stored_before

    target = await unit("XA-HAIAN")
    old_commune = await unit("XA-LECHAN")
    old_school = await unit("TH-LC1")
    new_school = await unit(f"TH-LC1{suffix}")
    new_class = await unit(f"TH-LC1-1A{suffix}")
    assert target["valid_from"] == day and target["kind"] == "commune"
    assert old_commune["valid_to"] == day - timedelta(days=1)
    assert old_commune["successor"] == target["id"]
    assert old_school["valid_to"] == day - timedelta(days=1)
    assert old_school["successor"] == new_school["id"]
    assert old_school["path"].startswith(old_commune["path"])  # history stays where it was
    assert new_school["path"].startswith(target["path"])
    assert new_class["path"].startswith(new_school["path"])
    assert new_school["expected_respondents"] == old_school["expected_respondents"]
    retired = await unit("PGD-LECHAN")  # already retired before: not continued
    assert retired["successor"] != target["id"]
    assert await AuditEvent.exists().where(AuditEvent.action == "unit.merge")

    # a campaign opening on the date reaches the schools under the new commune
    await open_campaign(
        CampaignSpec(
            code="HL-MOI",
            title={"vi": "Đợt sau sáp nhập"},
            questionnaire_slug="hai-long-pho-thong",
            root_unit_code="SO-HP",
            opens_on=day,
            closes_on=day + timedelta(days=30),
            status="draft",
        ),
        settings.timezone,
        ("qr_meeting",),
        ("tieu_hoc",),
    )
    reached = {
        row["code"]
        for row in await Link.select(Link.unit.code.as_alias("code")).where(
            Link.campaign.code == "HL-MOI"
        )
    }
    assert f"TH-LC1{suffix}" in reached and "TH-LC1" not in reached
    assert "TH-AL1" in reached  # an untouched commune's school is reached as before
    moved = [f"TH-LC1{suffix}", f"TH-NQ1{suffix}"]
    await add_synthetic_responses(settings, 40, random.Random(7), campaign="HL-MOI", units=moved)
    groups = (await campaign_scores("HL-MOI"))["groups"]
    assert groups[f"TH-LC1{suffix}"]["parent"] == "XA-HAIAN" and "XA-LECHAN" not in groups

    # the staff of the merged commune keep their old unit: its history, nothing new
    client.cookies.clear()
    await sign_in(client, "pgd.lechan")
    assert (await client.get(f"{C}?unit=TH-LC1")).status_code == 200
    assert (await client.get(f"/staff/campaigns/HL-MOI?unit=TH-LC1{suffix}")).status_code == 404
    assert (await client.get("/staff/units?unit=XA-HAIAN")).status_code == 404


async def test_merge_into_an_existing_commune(province: date) -> None:
    plan = await plan_merge(request(province, olds=["XA-NGOQUYEN"], target="XA-LECHAN", name=""))
    assert plan.target_exists and plan.target_name == "Ủy ban nhân dân phường Lê Chân"
    await merge(request(province, olds=["XA-NGOQUYEN"], target="XA-LECHAN", name=""), None,
                user_id=None, username="so.admin")  # fmt: skip
    school = await unit("TH-NQ1" + province.strftime(".%y%m%d"))
    assert school["path"].startswith((await unit("XA-LECHAN"))["path"])


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"olds": []}, "olds", "cần ít nhất một đơn vị"),
        ({"olds": ["XA-LECHAN", "XA-LECHAN"]}, "olds", "được ghi hai lần"),
        ({"olds": ["XA-KHONG-CO"]}, "olds", "không tìm thấy đơn vị 'XA-KHONG-CO'"),
        ({"olds": ["xa'; drop table unit;--"]}, "olds", "không tìm thấy"),
        ({"olds": ["XA-LECHAN"], "target": "XA-LECHAN"}, "target", "vào chính nó"),
        ({"olds": ["XA-LECHAN"], "target": "TH-LC1"}, "target", "nằm trong đơn vị bị sáp nhập"),
        ({"olds": ["XA-ANLAO"], "target": "TH-LC1"}, "target", "khác loại"),
        ({"olds": ["TH-LC1"], "target": "XA-ANLAO"}, "target", "khác loại"),
        ({"olds": ["XA-LECHAN", "TH-LC1"]}, "olds", "nằm trong 'XA-LECHAN'"),
        ({"olds": ["XA-LECHAN", "TH-AL1"]}, "olds", "khác loại"),
        ({"olds": ["SO-HP"]}, "olds", "chỉ sáp nhập được"),
        ({"olds": ["TH-LC1-1A"], "target": "TH-LC2-1A"}, "olds", "chỉ sáp nhập được"),
        ({"olds": ["PGD-LECHAN"]}, "olds", "đã hết hiệu lực"),
        ({"olds": ["XA-ANLAO"], "target": "PGD-LECHAN"}, "target", "đã hết hiệu lực"),
        ({"olds": ["XA-LECHAN", "THPT-NQ"], "target": "TH-AL1"}, "olds", "khác loại"),
        ({"olds": ["TH-LC1", "THPT-NQ"], "target": "TH-NEW"}, "olds", "không cùng cấp trên"),
        ({"target": "xa moi"}, "target", "không hợp lệ"),
        ({"name": ""}, "name", "cần có tên"),
        ({"name": "x" * 256}, "name", "dài quá"),
        ({"effective": "30/02/2026"}, "effective", "không phải ngày"),
        ({"effective": "2025-06-30"}, "effective", "sau ngày bắt đầu hiệu lực"),
    ],
)
async def test_wrong_merges_are_refused_whole(
    province: date, changes: dict[str, object], field: str, text: str
) -> None:
    units = await count_rows("unit")
    with pytest.raises(ReorganisationInvalid) as caught:
        await merge(request(province, **changes), None, user_id=None, username="so.admin")
    problems = caught.value.problems("vi")
    assert any(text in line for line in problems.get(field, [])), problems
    assert await count_rows("unit") == units


async def test_a_date_inside_a_campaign_is_refused(province: date) -> None:
    """A campaign must run on one tree: a date before it closes is refused, naming it."""
    with pytest.raises(ReorganisationInvalid) as caught:
        await plan_merge(request(province - timedelta(days=60)))
    assert any(OLD in line for line in caught.value.problems("vi")["effective"])


async def test_a_preview_that_went_stale_is_not_applied(province: date) -> None:
    plan = await plan_merge(request(province))
    await Unit.update({Unit.valid_to: province - timedelta(days=9)}).where(
        Unit.code == "TH-LC2"
    )  # a school closed since the preview
    with pytest.raises(ReorganisationInvalid) as caught:
        await merge(request(province), plan.digest, user_id=None, username="so.admin")
    assert "xem trước lại" in caught.value.problems("vi")["olds"][0]
    assert not await Unit.exists().where(Unit.code == "XA-HAIAN")


async def test_a_merged_unit_cannot_merge_again(province: date) -> None:
    await merge(request(province), None, user_id=None, username="so.admin")
    with pytest.raises(ReorganisationInvalid) as caught:
        await plan_merge(request(province, olds=["XA-LECHAN"], target="XA-ANLAO"))
    assert "đã hết hiệu lực" in caught.value.problems("vi")["olds"][0]
    with pytest.raises(ReorganisationInvalid):  # back into a unit it became: a cycle
        await plan_merge(request(province, olds=["XA-HAIAN"], target="XA-LECHAN"))


async def test_a_scoped_merge_sees_nothing_outside(province: date) -> None:
    scoped = request(province, olds=["TH-LC1", "TH-LC2"], target="TH-AL1")
    with pytest.raises(ReorganisationInvalid) as caught:
        await plan_merge(
            MergeRequest(scoped.olds, scoped.target, scoped.effective, "", "/none/", None)
        )
    assert caught.value.problems("vi")["olds"] == [
        "không tìm thấy đơn vị 'TH-LC1'",
        "không tìm thấy đơn vị 'TH-LC2'",
    ]


async def test_rename_keeps_the_code_and_the_scores(answered: date, settings: Settings) -> None:
    before = json.dumps(await campaign_scores(OLD), sort_keys=True)
    day = today(settings.timezone)
    plan = await plan_rename(
        "TH-LC1", "Trường Tiểu học Hải An", day.isoformat(), scope_path="/", today=day
    )
    assert OLD in [row["code"] for row in plan.campaigns]
    await rename("TH-LC1", "Trường Tiểu học Hải An", day.isoformat(), plan.digest,
                 scope_path="/", today=day, user_id=None, username="so.admin")  # fmt: skip
    assert (await unit("TH-LC1"))["name"] == "Trường Tiểu học Hải An"
    forget_results()
    assert json.dumps(await campaign_scores(OLD), sort_keys=True) == before
    with pytest.raises(ReorganisationInvalid) as caught:
        await plan_rename(
            "TH-LC1", "Khác", (day + timedelta(days=3)).isoformat(), scope_path="/", today=day
        )
    assert "chưa đến" in caught.value.problems("vi")["effective"][0]


async def test_command_line_dry_run_changes_nothing_and_merge_applies(
    settings: Settings, province: date
) -> None:
    env = {"DATABASE_URL": settings.resolved_database_url, "PATH": "/usr/bin:/bin"}
    base = [str(BIN), "units", "merge", "XA-LECHAN", "XA-NGOQUYEN", "--into", "XA-HAIAN"]
    args = [*base, "--from", province.isoformat(), "--name", "Phường Hải An"]
    dry = subprocess.run([*args, "--dry-run"], capture_output=True, text=True, env=env)
    assert dry.returncode == 0, dry.stderr
    assert "TH-LC1 → TH-LC1." in dry.stdout and OLD in dry.stdout
    assert not await Unit.exists().where(Unit.code == "XA-HAIAN")
    wrong = subprocess.run(
        [*base, "--from", "2020-01-01", "--name", "Phường Hải An"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert wrong.returncode == 1 and "--from: " in wrong.stderr
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "Đã sáp nhập 2 đơn vị vào XA-HAIAN." in done.stdout
    renamed = subprocess.run(
        [str(BIN), "units", "rename", "XA-ANLAO", "--name", "Xã An Lão mới",
         "--from", "2025-07-01"], capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert renamed.returncode == 0, renamed.stderr


async def test_two_schools_merge_into_a_new_school(province: date) -> None:
    wanted = request(province, olds=["TH-LC2", "TH-LC3"], target="TH-LC23",
                     name="Trường Tiểu học Liên Hợp")  # fmt: skip
    await merge(wanted, None, user_id=None, username="so.admin")
    school = await unit("TH-LC23")
    assert (school["kind"], school["level"]) == ("school", "tieu_hoc")
    assert school["parent"] == (await unit("XA-LECHAN"))["id"]
    assert (await unit("TH-LC2"))["successor"] == school["id"]
    with pytest.raises(ReorganisationInvalid) as caught:  # a primary and a lower secondary
        await plan_merge(request(province, olds=["TH-LC1", "THCS-LC1"], target="TH-X", name="X"))
    assert "khác cấp học" in caught.value.problems("vi")["olds"][0]
