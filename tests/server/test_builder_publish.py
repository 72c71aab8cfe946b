"""Publishing drafts as versions, and who may: the Sở's questionnaires stay the Sở's, an office's
questionnaire stays its own; campaigns keep the version they were opened on. Comparing versions,
exports and the XLSForm import. Both engines."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import httpx
import pytest
import yaml
from openpyxl import load_workbook

from survey_server.campaigns.services import CampaignSpec, get_campaign
from survey_server.config import Settings
from survey_server.distribution.services import list_links, open_campaign
from survey_server.questionnaires.loader import load_file
from survey_server.questionnaires.schema import Questionnaire
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.questionnaires.xlsform import export_xlsform
from survey_server.staff.tables import AuditEvent
from survey_server.timekeeping import today
from survey_server.units.tables import Unit
from tests.conftest import ROOT, Database
from tests.server.builder_support import (
    form_on,
    post_form,
    prepare_province,
    signed_in,
    start_from,
    stored_definition,
)

SATISFACTION = "hai-long-pho-thong"


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_province(settings)


async def _retitle(client: httpx.AsyncClient, csrf: str, draft: str, title: str) -> None:
    general = form_on((await client.get(draft)).text, f"{draft}/general")
    response = await post_form(client, csrf, draft, "/general", {**general, "title.vi": title})
    assert response.status_code == 303


async def _versions(slug: str) -> list[dict[str, object]]:
    return list(
        await QuestionnaireVersion.select(
            QuestionnaireVersion.version,
            QuestionnaireVersion.definition,
            QuestionnaireVersion.owner_unit.code.as_alias("owner"),
        )
        .where(QuestionnaireVersion.slug == slug)
        .order_by(QuestionnaireVersion.version)
    )


async def test_publishing_an_unchanged_draft_is_refused_as_identical(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await signed_in(client, "admin")
    draft = await start_from(client, csrf, f"{SATISFACTION}@1")
    response = await post_form(client, csrf, draft, "/publish", {})
    assert response.status_code == 409
    assert "giống hệt phiên bản 1" in response.text
    assert len(await _versions(SATISFACTION)) == 1
    assert (await client.get(draft)).status_code == 200  # the draft is kept


async def test_a_published_version_keeps_the_content_and_its_publisher(
    settings: Settings, province: None, client: httpx.AsyncClient
) -> None:
    """Publishing never changes a campaign opened on an older version."""
    day = today(settings.timezone)
    await open_campaign(
        CampaignSpec(
            code="HL-CU",
            title={"vi": "Đợt cũ"},
            questionnaire_slug=SATISFACTION,
            root_unit_code="TH-LC1",
            opens_on=day - timedelta(days=1),
            closes_on=day + timedelta(days=9),
        ),
        settings.timezone,
        ("qr_meeting",),
    )
    before = await get_campaign("HL-CU")
    link = (await list_links("HL-CU"))[0]["code"]
    form_before = (await client.get(f"/s/{link}")).text
    csrf = await signed_in(client, "admin")
    draft = await start_from(client, csrf, f"{SATISFACTION}@1")
    await _retitle(client, csrf, draft, "Khảo sát sự hài lòng năm học mới")
    response = await post_form(client, csrf, draft, "/publish", {})
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"published={SATISFACTION}@2")
    versions = await _versions(SATISFACTION)
    assert [(v["version"], v["owner"]) for v in versions] == [(1, None), (2, "SO-HP")]
    stored = Questionnaire.model_validate_json(str(versions[1]["definition"]))
    assert stored.title["vi"] == "Khảo sát sự hài lòng năm học mới"
    shipped = load_file(ROOT / "questionnaires" / f"{SATISFACTION}.yaml").questionnaire
    assert stored.sections == shipped.sections and stored.scales == shipped.scales
    after = await get_campaign("HL-CU")
    assert after["questionnaire"] == before["questionnaire"]
    assert after["questionnaire_version"] == 1
    assert (await client.get(f"/s/{link}")).text.count("năm học mới") == form_before.count(
        "năm học mới"
    )
    assert (await client.get(draft)).status_code == 404  # published: the draft is gone
    listing = (await client.get("/staff/questionnaires")).text
    assert f"{SATISFACTION}@2" in listing and "HL-CU" in listing
    audits = await AuditEvent.select(AuditEvent.detail).where(
        AuditEvent.action == "questionnaire.publish"
    )
    assert [json.loads(a["detail"]) for a in audits] == [{"slug": SATISFACTION, "version": 2}]


async def test_staff_cannot_publish_a_new_version_of_the_sos_questionnaire(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await signed_in(client, "staff")
    draft = await start_from(client, csrf, f"{SATISFACTION}@1")
    await _retitle(client, csrf, draft, "Bản sửa của phòng")
    response = await post_form(client, csrf, draft, "/publish", {})
    assert response.status_code == 403
    assert "không được xuất bản phiên bản mới" in response.text
    assert len(await _versions(SATISFACTION)) == 1
    # the same content under a slug of its own is the office's questionnaire
    general = form_on((await client.get(draft)).text, f"{draft}/general")
    general["slug"] = "hai-long-le-chan"
    assert (await post_form(client, csrf, draft, "/general", general)).status_code == 303
    assert (await post_form(client, csrf, draft, "/publish", {})).status_code == 303
    assert [(v["version"], v["owner"]) for v in await _versions("hai-long-le-chan")] == [
        (1, "XA-LECHAN")
    ]


async def test_an_offices_questionnaire_gets_versions_from_its_subtree_only(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await signed_in(client, "staff")
    draft = await start_from(client, csrf, "tham-van-day-them@1", slug="day-them-le-chan")
    assert (await post_form(client, csrf, draft, "/publish", {})).status_code == 303
    # another commune's office: refused
    other = await signed_in(client, "other")
    draft = await start_from(client, other, "day-them-le-chan@1")
    await _retitle(client, other, draft, "Của phường khác")
    assert (await post_form(client, other, draft, "/publish", {})).status_code == 403
    # the owner office itself, and the Sở above it: accepted
    for who, title in (("staff", "Lần hai"), ("admin", "Lần ba")):
        csrf = await signed_in(client, who)
        draft = await start_from(client, csrf, f"day-them-le-chan@{1 if who == 'staff' else 2}")
        await _retitle(client, csrf, draft, title)
        assert (await post_form(client, csrf, draft, "/publish", {})).status_code == 303
    assert [v["version"] for v in await _versions("day-them-le-chan")] == [1, 2, 3]


async def test_an_invalid_draft_is_not_published(province: None, client: httpx.AsyncClient) -> None:
    csrf = await signed_in(client, "admin")
    draft = await start_from(client, csrf, "tham-van-day-them@1")
    await _retitle(client, csrf, draft, "")
    response = await post_form(client, csrf, draft, "/publish", {})
    assert response.status_code == 422
    assert "Bản nháp còn 1 lỗi" in response.text
    assert 'class="error-summary"' in response.text
    assert len(await _versions("tham-van-day-them")) == 1


async def test_comparing_two_versions(province: None, client: httpx.AsyncClient) -> None:
    csrf = await signed_in(client, "admin")
    draft = await start_from(client, csrf, "tham-van-day-them@1")
    await _retitle(client, csrf, draft, "Tên mới của bảng hỏi")
    definition = await stored_definition(draft)
    first = definition["sections"][0]["questions"][0]["id"]
    assert (await post_form(client, csrf, draft, "/questions/0/0/delete", {})).status_code == 303
    response = await post_form(
        client,
        csrf,
        draft,
        "/sections/0/questions",
        {"id": "cau_moi", "type": "text", "text.vi": "Câu hỏi mới thêm"},
    )
    assert response.status_code == 303
    assert (await post_form(client, csrf, draft, "/publish", {})).status_code == 303
    page = await client.get("/staff/questionnaires/tham-van-day-them/compare")
    assert page.status_code == 200
    text = page.text
    assert "Tên mới của bảng hỏi" in text and "title.vi" in text
    assert "cau_moi" in text and "Câu hỏi mới thêm" in text
    assert first in text
    assert "Thêm" in text and "Bỏ" in text and "Sửa" in text
    same = await client.get("/staff/questionnaires/tham-van-day-them/compare?a=1&b=1")
    assert "giống hệt nhau" in same.text
    for bad in ("?a=9", "?b=abc"):
        response = await client.get(f"/staff/questionnaires/tham-van-day-them/compare{bad}")
        assert response.status_code in (400, 404), bad
    assert (await client.get("/staff/questionnaires/khong-co/compare")).status_code == 404


async def test_exports_of_a_version(province: None, client: httpx.AsyncClient) -> None:
    await signed_in(client, "staff")
    shipped = load_file(ROOT / "questionnaires" / "mot-cua.yaml").questionnaire
    response = await client.get("/staff/questionnaires/mot-cua/1/export.yaml")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert Questionnaire.model_validate(yaml.safe_load(response.text)) == shipped
    response = await client.get("/staff/questionnaires/mot-cua/1/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert {"survey", "choices", "settings"} <= set(book.sheetnames)
    for path in (
        "/staff/questionnaires/mot-cua/9/export.yaml",
        "/staff/questionnaires/x/1/export.xlsx",
    ):
        assert (await client.get(path)).status_code == 404


async def test_importing_an_xlsform_opens_a_draft(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await signed_in(client, "staff")
    shipped = load_file(ROOT / "questionnaires" / "tham-van-day-them.yaml").questionnaire
    response = await client.post(
        "/staff/questionnaires/import",
        data={"csrf": csrf, "kind": "consultation", "slug": "nhap-tu-excel"},
        files={"file": ("form.xlsx", export_xlsform(shipped))},
    )
    assert response.status_code == 200, response.text
    assert "Đã đọc tệp và mở thành một bản nháp" in response.text
    drafts = (await client.get("/staff/questionnaires")).text
    assert "nhap-tu-excel" in drafts


async def test_importing_a_file_that_is_no_xlsform_says_why(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await signed_in(client, "staff")
    for files in (
        {"file": ("form.xlsx", b"not a zip at all")},
        {"file": ("form.xlsx", b"")},
        {},
    ):
        response = await client.post(
            "/staff/questionnaires/import",
            data={"csrf": csrf, "kind": "consultation"},
            files=files or None,
        )
        assert response.status_code == 422, files
        assert 'id="file-error"' in response.text and "Không nhập được tệp" in response.text
    assert "Bản nháp của tôi" not in (await client.get("/staff/questionnaires")).text
    no_csrf = await client.post(
        "/staff/questionnaires/import", files={"file": ("f.xlsx", b"x")}, data={"kind": "feedback"}
    )
    assert no_csrf.status_code == 403


async def test_campaigns_of_other_units_are_not_listed(
    settings: Settings, province: None, client: httpx.AsyncClient
) -> None:
    day = today(settings.timezone)
    for code, root in (("LC-ONLY", "TH-LC1"), ("NQ-ONLY", "XA-NGOQUYEN")):
        await open_campaign(
            CampaignSpec(
                code=code,
                title={"vi": code},
                questionnaire_slug="mot-cua",
                root_unit_code=root,
                opens_on=day,
                closes_on=day + timedelta(days=3),
            ),
            settings.timezone,
            ("qr_meeting",),
        )
    assert await Unit.exists().where(Unit.code == "XA-NGOQUYEN")
    await signed_in(client, "staff")
    listing = (await client.get("/staff/questionnaires")).text
    assert "LC-ONLY" in listing and "NQ-ONLY" not in listing


async def test_a_communes_administrator_cannot_publish_the_provinces_questionnaire(
    province: None, client: httpx.AsyncClient
) -> None:
    """An administrator attached to a commune is measured by the province's satisfaction form:
    only an administrator of the whole province publishes its new versions."""
    from survey_server.staff.services import create_user
    from tests.staff import PASSWORD, csrf_of, sign_in

    await create_user("qt.lechan", "admin", "XA-LECHAN", PASSWORD)
    client.cookies.clear()
    assert (await sign_in(client, "qt.lechan")).status_code == 303
    csrf = csrf_of((await client.get("/staff/password")).text)
    draft = await start_from(client, csrf, f"{SATISFACTION}@1")
    await _retitle(client, csrf, draft, "Bản sửa của xã")
    response = await post_form(client, csrf, draft, "/publish", {})
    assert response.status_code == 403
    assert len(await _versions(SATISFACTION)) == 1
