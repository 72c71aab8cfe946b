"""The respondent pages: the form, its plain POST without JavaScript, and the status pages."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import FIXTURES, count_rows

QUESTIONNAIRE = FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


async def test_form_shows_privacy_notice_before_the_questions(client, survey):
    response = await client.get(f"/s/{survey.link}")
    assert response.status_code == 200
    html = response.text
    assert html.index("Trước khi trả lời") < html.index('id="q-tc1"')
    assert "Hạn trả lời: ngày" in html
    assert 'lang="vi"' in html
    assert response.headers["cache-control"] == "no-store"
    for question in (
        "tc1",
        "tc2",
        "hai_long_chung",
        "loai",
        "noi_dung",
        "kenh",
        "hoc_them",
        "chi_phi",
    ):
        assert f'id="q-{question}"' in html
    assert 'value="na"' in html and "Không có ý kiến" in html
    assert re.search(r'src="https?://|href="https?://', html) is None  # no third-party request


async def test_form_is_english_on_request(client, survey):
    html = (await client.get(f"/s/{survey.link}?lang=en")).text
    assert 'lang="en"' in html
    assert "Every question type" in html and "Very satisfied" in html
    assert "Submit answers" in html


async def test_form_code_is_case_insensitive(client, survey):
    assert (await client.get(f"/s/{survey.link.lower()}")).status_code == 200


async def test_plain_post_redirects_to_thanks_with_receipt(client, survey):
    page = (await client.get(f"/s/{survey.link}")).text
    form = {
        "submission_id": hidden(page, "submission_id"),
        "form_token": hidden(page, "form_token"),
        "lang": "vi",
        "tc1": "5",
        "tc2": "na",
        "loai": "gop_y",
        "noi_dung": "Rất tốt",
        "kenh": ["zalo", "mttq"],
        "hoc_them": "true",
        "chi_phi": "1.500",
    }
    response = await client.post(f"/s/{survey.link}", data=form)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"/s/{survey.link}/cam-on?ma=")
    thanks = await client.get(location)
    receipt = location.split("ma=")[1]
    assert thanks.status_code == 200 and receipt in thanks.text
    from survey_server.responses.tables import Submission

    rows = await Submission.select(Submission.answers, Submission.duration_bucket)
    assert json.loads(rows[0]["answers"]) == {
        "tc1": 5,
        "tc2": "na",
        "loai": "gop_y",
        "noi_dung": "Rất tốt",
        "kenh": ["zalo", "mttq"],
        "hoc_them": True,
        "chi_phi": 1500,
    }
    assert rows[0]["duration_bucket"] == 1  # answered within a minute of loading the form

    # a reload of the POST (same hidden submission id) stores nothing new
    again = await client.post(f"/s/{survey.link}", data=form)
    assert again.status_code == 303 and again.headers["location"] == location
    assert await count_rows() == 1


async def test_plain_post_drops_answers_to_questions_whose_condition_is_not_met(client, survey):
    page = (await client.get(f"/s/{survey.link}")).text
    form = {
        "submission_id": hidden(page, "submission_id"),
        "loai": "khen",
        "noi_dung": "ẩn",
        "hoc_them": "false",
        "chi_phi": "100",
    }
    assert (await client.post(f"/s/{survey.link}", data=form)).status_code == 303
    from survey_server.responses.tables import Submission

    stored = json.loads((await Submission.select(Submission.answers))[0]["answers"])
    assert stored == {"loai": "khen", "hoc_them": False}


async def test_plain_post_with_errors_shows_them_and_keeps_the_answers(client, survey):
    page = (await client.get(f"/s/{survey.link}")).text
    form = {
        "submission_id": hidden(page, "submission_id"),
        "tc1": "4",
        "loai": "gop_y",
        "noi_dung": "x" * 60,
        "hoc_them": "true",
        "chi_phi": "nhiều lắm",
    }
    response = await client.post(f"/s/{survey.link}", data=form)
    assert response.status_code == 422
    html = response.text
    assert 'role="alert"' in html and "Có 2 câu cần xem lại" in html
    assert "dài quá 50 ký tự" in html and "Hãy nhập một số." in html
    assert 'value="4" checked' in html and "x" * 60 in html
    assert await count_rows() == 0


async def test_plain_post_without_hidden_fields_still_works(client, survey):
    response = await client.post(f"/s/{survey.link}", data={"loai": "khen"})
    assert response.status_code == 303
    assert await count_rows() == 1


@pytest.mark.parametrize("path", ["/s/ZZZZZZZ", "/s/%C3%28", "/s/" + "A" * 300, "/khong-co"])
async def test_unknown_pages_are_friendly_404s(client, survey, path):
    response = await client.get(path)
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text or "Mã khảo sát không đúng" in response.text
    assert "text/html" in response.headers["content-type"]


async def test_closed_and_future_campaign_pages(client, out_of_date):
    closed, future = out_of_date.closed, out_of_date.future
    gone = await client.get(f"/s/{closed.link}")
    early = await client.get(f"/s/{future.link}")
    assert gone.status_code == 410 and "đã kết thúc" in gone.text
    assert early.status_code == 403 and "chưa bắt đầu" in early.text
    posted = await client.post(f"/s/{closed.link}", data={"loai": "khen"})
    assert posted.status_code == 410
    assert await count_rows() == 0


async def test_code_entry_page(client, survey):
    assert (await client.get("/s")).status_code == 200
    found = await client.get(f"/s?ma= {survey.link.lower()} ")
    assert found.status_code == 303 and found.headers["location"] == f"/s/{survey.link}"
    wrong = await client.get("/s?ma=0O1Il")
    assert wrong.status_code == 422 and "7 ký tự" in wrong.text


async def test_health_and_questionnaire_api(client, survey):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    definition = (await client.get("/api/v1/questionnaires/moi-loai-cau-hoi")).json()
    assert definition["slug"] == "moi-loai-cau-hoi" and definition["version"] == 1
    assert definition["sections"][0]["questions"][0]["id"] == "tc1"
    missing = await client.get("/api/v1/questionnaires/khong-co")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


async def test_openapi_documents_the_json_api(client, survey):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert {"/api/v1/responses", "/api/v1/questionnaires/{slug}", "/healthz"} <= set(paths)
    assert "422" in paths["/api/v1/responses"]["post"]["responses"]
    assert not any(path.startswith("/s/") for path in paths)


async def test_form_page_is_small(client, survey):
    response = await client.get(f"/s/{survey.link}", headers={"accept-encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"
    assert int(response.headers["content-length"]) < 12_000


async def test_huge_plain_form_gets_a_vietnamese_413_page(client, survey):
    response = await client.post(
        f"/s/{survey.link}", data={"loai": "gop_y", "noi_dung": "x" * 300_000}
    )
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]
    assert "quá lớn" in response.text
    assert await count_rows() == 0


async def test_link_page_has_a_preview_card_for_chat_apps(client, survey, settings):
    html = (await client.get(f"/s/{survey.link}")).text
    assert '<meta property="og:title" content="Phiếu thử mọi loại câu hỏi">' in html
    assert f'<meta property="og:url" content="{settings.base_url}/s/{survey.link}">' in html
    image = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert image.startswith(settings.base_url + "/static/img/og-card.png")
    assert (await client.get(image.removeprefix(settings.base_url))).status_code == 200
    assert "Trường Tiểu học Trần Quốc Toản mời ông/bà" in html


async def test_thanks_page_offers_the_link_to_share(client, survey, settings):
    html = (await client.get(f"/s/{survey.link}/cam-on?ma=ABCDEFGHJK")).text
    assert f'value="{settings.base_url}/s/{survey.link}"' in html and "Chia sẻ" in html
    token_page = (await client.get("/s/ABCDEFGHJ/cam-on?ma=ABCDEFGHJK")).text
    assert "Chia sẻ" not in token_page  # a personal single-use code is never offered for sharing


async def test_a_file_upload_is_not_an_answer(client, survey):
    files = {"noi_dung": ("a.txt", b"x"), "lang": ("b.txt", b"en")}
    response = await client.post(f"/s/{survey.link}", data={"loai": "khen"}, files=files)
    assert response.status_code == 303
    from survey_server.responses.tables import Submission

    assert json.loads((await Submission.select(Submission.answers).first())["answers"]) == {
        "loai": "khen"
    }


async def test_plain_form_keeps_the_answers_when_the_database_is_unavailable(
    client, survey, monkeypatch
):
    from survey_server.responses.writer import WriterUnavailable

    async def down(row):
        raise WriterUnavailable("disk full")

    writer = client._transport.app.state.writer
    monkeypatch.setattr(writer, "write", down)
    response = await client.post(
        f"/s/{survey.link}", data={"loai": "gop_y", "noi_dung": "Ý kiến dài đã gõ"}
    )
    assert response.status_code == 503
    assert "Ý kiến dài đã gõ" in response.text and "Câu trả lời chưa được lưu" in response.text
