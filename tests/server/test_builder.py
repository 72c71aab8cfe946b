"""The questionnaire builder: every edit form, the round trip YAML → builder → YAML, and
problems shown next to the field they concern. Both engines."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import httpx
import pytest

from survey_server.config import Settings
from survey_server.questionnaires.builder_check import check_definition
from survey_server.questionnaires.dump import to_yaml
from survey_server.questionnaires.loader import load_file
from tests.conftest import ROOT, Database
from tests.server.builder_support import (
    form_on,
    forms_to,
    post_form,
    prepare_province,
    signed_in,
    start_from,
    stored_definition,
)

SHIPPED = sorted((ROOT / "questionnaires").glob("*.yaml"))


@pytest.fixture
async def admin(settings: Settings, db: Database, client: httpx.AsyncClient) -> str:
    await prepare_province(settings)
    return await signed_in(client, "admin")


async def _resubmit(client: httpx.AsyncClient, page: str, action: str) -> httpx.Response:
    """Post the form of ``page`` that goes to ``action`` exactly as the page shows it."""
    return await client.post(action, data=form_on((await client.get(page)).text, action))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
async def test_shipped_questionnaire_survives_every_form_unchanged(
    path: Path, admin: str, client: httpx.AsyncClient
) -> None:
    """YAML → builder → YAML: a shipped questionnaire opened as a draft, every one of its forms
    posted back as shown, is the same questionnaire, to the byte of its YAML."""
    loaded = load_file(path).questionnaire
    draft = await start_from(client, admin, f"{loaded.slug}@1")
    before = await stored_definition(draft)
    actions = [f"{draft}/general"]
    actions += [f"{draft}/sections/{s}" for s in range(len(loaded.sections))]
    for action in actions:
        response = await _resubmit(client, draft, action)
        assert response.status_code == 303, response.text
    for s, section in enumerate(loaded.sections):
        for q in range(len(section.questions)):
            page = f"{draft}/questions/{s}/{q}"
            response = await _resubmit(client, page, page)
            assert response.status_code == 303, response.text
    for name in loaded.scales:
        html = (await client.get(draft)).text
        fields = next(
            form_fields
            for form_fields in forms_to(html, f"{draft}/scales")
            if form_fields.get("scale") == name
        )
        assert (await client.post(f"{draft}/scales", data=fields)).status_code == 303
    after = await stored_definition(draft)
    assert after == before
    result = check_definition(after)
    assert result.questionnaire == loaded
    assert to_yaml(result.questionnaire) == to_yaml(loaded)


async def test_edit_then_undo_gives_back_the_same_definition(
    admin: str, client: httpx.AsyncClient
) -> None:
    draft = await start_from(client, admin, "hai-long-pho-thong@1")
    before = await stored_definition(draft)
    page = f"{draft}/questions/0/0"
    original = form_on((await client.get(page)).text, page)
    changed = {**original, "text.vi": "Câu hỏi đã sửa", "required": "1"}
    assert (await client.post(page, data=changed)).status_code == 303
    edited = await stored_definition(draft)
    assert edited["sections"][0]["questions"][0]["text"]["vi"] == "Câu hỏi đã sửa"
    assert edited["sections"][0]["questions"][0]["required"] is True
    restored = form_on((await client.get(page)).text, page)
    restored.update({"text.vi": original["text.vi"]})
    restored.pop("required", None)
    assert (await client.post(page, data=restored)).status_code == 303
    assert await stored_definition(draft) == before


async def test_build_a_questionnaire_from_blank(admin: str, client: httpx.AsyncClient) -> None:
    """Every kind of edit, from a blank draft to a valid questionnaire."""
    response = await client.post(
        "/staff/questionnaires/new",
        data={
            "csrf": admin,
            "start": "blank",
            "kind": "consultation",
            "slug": "y-kien-ban-tru",
            "title": "Ý kiến về bán trú",
        },
    )
    assert response.status_code == 303
    draft = response.headers["location"]
    # a blank draft is not yet valid: its section has no question
    assert "Bản nháp còn" in (await client.get(draft)).text
    general = form_on((await client.get(draft)).text, f"{draft}/general")
    general["intro.vi"] = "Phòng GD&ĐT lấy ý kiến phụ huynh về bữa ăn bán trú."
    assert (await post_form(client, admin, draft, "/general", general)).status_code == 303
    assert (await post_form(client, admin, draft, "/languages", {"tag": "km"})).status_code == 303
    definition = await stored_definition(draft)
    assert definition["title"] == {"vi": "Ý kiến về bán trú", "km": ""}
    # the new language's title is blank: shown next to the title field
    html = (await client.get(draft)).text
    assert 'id="f-title-error"' in html and "văn bản &#39;km&#39; đang để trống" in html
    general = form_on(html, f"{draft}/general")
    general["title.km"] = "មតិអំពីអាហារថ្ងៃត្រង់"
    assert (await post_form(client, admin, draft, "/general", general)).status_code == 303
    for question_id, kind in (("co_dang_ky", "yes_no"), ("mon_an", "multi"), ("gop_y", "text")):
        response = await post_form(
            client,
            admin,
            draft,
            "/sections/0/questions",
            {"id": question_id, "type": kind, "text.vi": f"Câu {question_id}"},
        )
        assert response.status_code == 303
    multi = f"{draft}/questions/0/1"
    fields = form_on((await client.get(multi)).text, multi)
    fields.update(
        {
            "option-0-id": "com",
            "option-0.vi": "Cơm",
            "option-0.km": "បាយ",
            "option-1-id": "chao",
            "option-1.vi": "Cháo",
            "show_if_question": "co_dang_ky",
            "show_if_values": "true",
        }
    )
    assert (await client.post(multi, data=fields)).status_code == 303
    text = f"{draft}/questions/0/2"
    fields = form_on((await client.get(text)).text, text)
    fields.update(
        {
            "max_length": "500",
            "show_if_yaml": "{any: [{question: co_dang_ky, in: [false]}, "
            "{not: {question: mon_an, in: [com]}}]}",
        }
    )
    assert (await client.post(text, data=fields)).status_code == 303
    # a second section, moved above the first and back, then deleted after confirmation
    response = await post_form(
        client, admin, draft, "/sections", {"id": "them", "title.vi": "Phần thêm"}
    )
    assert response.status_code == 303
    assert (
        await post_form(client, admin, draft, "/sections/1/move", {"direction": "up"})
    ).status_code == 303
    assert [s["id"] for s in (await stored_definition(draft))["sections"]] == ["them", "phan_1"]
    assert (
        await post_form(client, admin, draft, "/sections/0/move", {"direction": "down"})
    ).status_code == 303
    confirm = await client.get(f"{draft}/sections/1/delete")
    assert confirm.status_code == 200 and "Xóa phần “them”" in confirm.text
    assert (await post_form(client, admin, draft, "/sections/1/delete", {})).status_code == 303
    # questions move within their section
    assert (
        await post_form(client, admin, draft, "/questions/0/2/move", {"direction": "up"})
    ).status_code == 303
    ids = [q["id"] for q in (await stored_definition(draft))["sections"][0]["questions"]]
    assert ids == ["co_dang_ky", "gop_y", "mon_an"]
    assert (
        await post_form(client, admin, draft, "/questions/0/1/move", {"direction": "down"})
    ).status_code == 303
    # a named scale and a scale question on it
    response = await post_form(
        client,
        admin,
        draft,
        "/scales",
        {
            "scale": "",
            "name": "dong_y",
            "point-0.vi": "Không đồng ý",
            "point-1.vi": "Phân vân",
            "point-2.vi": "Đồng ý",
            "point-2.km": "យល់ព្រម",
            "satisfied_from": "3",
        },
    )
    assert response.status_code == 303
    response = await post_form(
        client,
        admin,
        draft,
        "/sections/0/questions",
        {"id": "hai_long_bua_an", "type": "scale", "text.vi": "Bữa ăn đủ chất"},
    )
    assert response.status_code == 303
    definition = await stored_definition(draft)
    result = check_definition(definition)
    assert result.questionnaire is not None, [p.message("vi") for p in result.problems]
    questionnaire = result.questionnaire
    assert questionnaire.languages() == ["vi", "km"]
    assert questionnaire.scales["dong_y"].points[2] == {"vi": "Đồng ý", "km": "យល់ព្រម"}
    by_id = {question.id: question for question in questionnaire.questions()}
    assert by_id["hai_long_bua_an"].scale == "dong_y"
    assert by_id["mon_an"].options[0].label == {"vi": "Cơm", "km": "បាយ"}
    assert by_id["gop_y"].max_length == 500
    assert by_id["gop_y"].show_if is not None
    # removing a language removes its texts everywhere
    assert (
        await post_form(client, admin, draft, "/languages", {"remove": "km"})
    ).status_code == 303
    result = check_definition(await stored_definition(draft))
    assert result.questionnaire is not None
    assert result.questionnaire.languages() == ["vi"]
    assert "km" not in to_yaml(result.questionnaire)
    # a question deleted after confirmation
    assert (await client.get(f"{draft}/questions/0/3/delete")).status_code == 200
    assert (await post_form(client, admin, draft, "/questions/0/3/delete", {})).status_code == 303
    assert "hai_long_bua_an" not in str(await stored_definition(draft))


async def test_problems_are_shown_next_to_their_field_and_in_the_summary(
    admin: str, client: httpx.AsyncClient
) -> None:
    draft = await start_from(client, admin, "hai-long-pho-thong@1")
    definition = await stored_definition(draft)
    second = definition["sections"][0]["questions"][1]["id"]
    page = f"{draft}/questions/0/1"
    fields = form_on((await client.get(page)).text, page)
    fields["text.vi"] = ""
    assert (await client.post(page, data=fields)).status_code == 303
    html = (await client.get(page)).text
    assert 'id="f-text-error">văn bản &#39;vi&#39; đang để trống' in html
    assert 'aria-invalid="true"' in html
    overview = (await client.get(draft)).text
    assert 'class="error-summary"' in overview
    assert f'href="{draft}/questions/0/1#f-text"' in overview
    # the shape is right again: the checks across the questionnaire run (as in the checker)
    fields = form_on(html, page)
    fields["text.vi"] = "Câu hỏi thứ hai"
    fields["id"] = definition["sections"][0]["questions"][0]["id"]  # a duplicate id
    assert (await client.post(page, data=fields)).status_code == 303
    html = (await client.get(page)).text
    assert re.search(r'id="f-id-error">[^<]*bị trùng', html)
    assert f'href="{draft}/questions/0/1#f-id"' in (await client.get(draft)).text
    # a wrong value in a scale: next to its field on the draft page
    html = (await client.get(draft)).text
    fields = next(f for f in forms_to(html, f"{draft}/scales") if f.get("scale"))
    fields["satisfied_from"] = "9"
    assert (await client.post(f"{draft}/scales", data=fields)).status_code == 303
    html = (await client.get(draft)).text
    name = fields["scale"]
    assert f'id="f-scale-{name}-satisfied_from-error"' in html
    assert f'href="#f-scale-{name}-satisfied_from"' in html
    # the question back to its own id: only the scale's problem is left
    fields = form_on((await client.get(page)).text, page)
    fields.update({"id": second, "text.vi": "Câu hỏi thứ hai"})
    assert (await client.post(page, data=fields)).status_code == 303
    assert f"{draft}/questions/0/1#f-id" not in (await client.get(draft)).text


async def test_a_question_type_change_drops_what_the_new_type_has_no_use_for(
    admin: str, client: httpx.AsyncClient
) -> None:
    draft = await start_from(client, admin, "tham-van-day-them@1")
    definition = await stored_definition(draft)
    s, q = next(
        (s, q)
        for s, section in enumerate(definition["sections"])
        for q, question in enumerate(section["questions"])
        if question["type"] == "single"
    )
    page = f"{draft}/questions/{s}/{q}"
    fields = form_on((await client.get(page)).text, page)
    assert (await client.post(page, data={**fields, "type": "text"})).status_code == 303
    question = (await stored_definition(draft))["sections"][s]["questions"][q]
    assert question["type"] == "text" and "options" not in question


async def test_the_preview_renders_the_form_and_cannot_submit(
    admin: str, client: httpx.AsyncClient
) -> None:
    draft = await start_from(client, admin, "tham-van-day-them@1")
    response = await client.get(f"{draft}/preview")
    assert response.status_code == 200
    assert "Xem trước — không ghi nhận câu trả lời" in response.text
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy and "form-action 'none'" in policy
    assert "connect-src 'none'" in policy
    assert 'action="/s/xem-truoc"' in response.text
    english = await client.get(f"{draft}/preview?lang=en")
    assert "Parent consultation on extra classes" in english.text
    # even posted by hand, the preview's form stores nothing: no link has that code
    posted = await client.post("/s/xem-truoc", data={"lang": "vi"})
    assert posted.status_code == 404
    # the draft page frames it; every other page refuses to be framed
    page = await client.get(draft)
    assert f'<iframe src="{draft}/preview"' in page.text
    assert page.headers["x-frame-options"] == "DENY"


async def test_the_preview_of_an_invalid_draft_says_why(
    admin: str, client: httpx.AsyncClient
) -> None:
    draft = await start_from(client, admin, "tham-van-day-them@1")
    general = form_on((await client.get(draft)).text, f"{draft}/general")
    assert (
        await post_form(client, admin, draft, "/general", {**general, "title.vi": ""})
    ).status_code == 303
    response = await client.get(f"{draft}/preview")
    assert response.status_code == 200
    assert "Chưa xem trước được" in response.text


async def test_a_language_tag_that_is_not_bcp47_is_refused(
    admin: str, client: httpx.AsyncClient
) -> None:
    draft = await start_from(client, admin, "tham-van-day-them@1")
    before = await stored_definition(draft)
    for tag in ("khmer", "KM", "id", "x" * 200, "<script>"):
        response = await post_form(client, admin, draft, "/languages", {"tag": tag})
        assert response.status_code == 422, tag
        assert "mã ngôn ngữ" in response.text
    response = await post_form(client, admin, draft, "/languages", {"remove": "vi"})
    assert response.status_code == 422
    assert await stored_definition(draft) == before


def test_a_draft_of_every_shipped_questionnaire_checks_like_its_file() -> None:
    """The builder's check is the command line's: the same questionnaire either way."""
    from survey_server.questionnaires.drafts import compact

    for path in SHIPPED:
        loaded = load_file(path).questionnaire
        assert check_definition(copy.deepcopy(compact(loaded))).questionnaire == loaded
