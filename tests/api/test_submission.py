"""POST /api/v1/responses: the contract of the API contract, /schema, the ugly inputs, and what is stored."""

from __future__ import annotations

import json
import unicodedata

import pytest

from survey_server.timekeeping import today
from tests.conftest import Survey, count_rows, new_id

URL = "/api/v1/responses"


def body(survey: Survey, answers: dict[str, object], **extra: object) -> dict[str, object]:
    return {"link": survey.link, "submission_id": new_id(), "answers": answers, **extra}


async def stored_answers() -> list[dict[str, object]]:
    from survey_server.responses.tables import Submission

    rows = await Submission.select(Submission.answers)
    return [json.loads(row["answers"]) for row in rows]


async def test_valid_submission_is_stored_and_gets_a_receipt(client, survey):
    answers = {
        "tc1": 5,
        "tc2": "na",
        "hai_long_chung": 4,
        "loai": "gop_y",
        "noi_dung": "Tốt",
        "kenh": ["zalo", "hop_phu_huynh"],
        "hoc_them": True,
        "chi_phi": 1500,
    }
    response = await client.post(URL, json=body(survey, answers))
    assert response.status_code == 201
    receipt = response.json()["receipt"]
    assert len(receipt) == 10
    stored = await stored_answers()
    # multi-choice answers are stored in the questionnaire's option order
    assert stored == [{**answers, "kenh": ["hop_phu_huynh", "zalo"]}]


async def test_link_code_is_case_insensitive(client, survey):
    response = await client.post(
        URL, json=body(survey, {"loai": "khen"}) | {"link": survey.link.lower()}
    )
    assert response.status_code == 201


async def test_same_submission_id_returns_first_receipt_and_stores_nothing(client, survey):
    payload = body(survey, {"loai": "khen", "tc1": 3})
    first = await client.post(URL, json=payload)
    again = await client.post(URL, json=payload | {"answers": {"loai": "gop_y"}})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert await count_rows() == 1
    assert await stored_answers() == [{"loai": "khen", "tc1": 3}]


@pytest.mark.parametrize(
    ("answers", "field", "code"),
    [
        ({"loai": "khen", "khong_co": 1}, "khong_co", "unknown_question"),
        ({"loai": "khen", "tc1": 6}, "tc1", "expected_scale_or_na"),
        ({"loai": "khen", "tc1": 0}, "tc1", "expected_scale_or_na"),
        ({"loai": "khen", "tc1": "5"}, "tc1", "expected_scale_or_na"),
        ({"loai": "khen", "tc1": True}, "tc1", "expected_scale_or_na"),
        ({"loai": "khen", "tc1": 4.0}, "tc1", "expected_scale_or_na"),
        ({"loai": "sai"}, "loai", "expected_option"),
        ({"loai": ["khen"]}, "loai", "expected_option"),
        ({"loai": "khen", "kenh": ["zalo", "zalo"]}, "kenh", "expected_options"),
        ({"loai": "khen", "kenh": ["sai"]}, "kenh", "expected_options"),
        ({"loai": "khen", "kenh": "zalo"}, "kenh", "expected_options"),
        ({"loai": "khen", "hoc_them": "true"}, "hoc_them", "expected_yes_no"),
        ({"loai": "khen", "hoc_them": 1}, "hoc_them", "expected_yes_no"),
        ({"loai": "gop_y", "noi_dung": "x" * 51}, "noi_dung", "text_too_long"),
        ({"loai": "gop_y", "noi_dung": 12}, "noi_dung", "expected_text"),
        ({"loai": "khen", "hoc_them": True, "chi_phi": -1}, "chi_phi", "number_too_small"),
        ({"loai": "khen", "hoc_them": True, "chi_phi": 50001}, "chi_phi", "number_too_large"),
        ({"loai": "khen", "hoc_them": True, "chi_phi": "nhiều"}, "chi_phi", "expected_number"),
        ({"loai": "khen", "noi_dung": "ẩn"}, "noi_dung", "hidden"),
        ({"loai": "khen", "hoc_them": False, "chi_phi": 10}, "chi_phi", "hidden"),
        ({"loai": "khen", "chi_phi": 10}, "chi_phi", "hidden"),
        ({"tc1": 4}, "loai", "required"),
    ],
)
async def test_invalid_answers_get_field_errors_and_store_nothing(
    client, survey, answers, field, code
):
    response = await client.post(URL, json=body(survey, answers))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in errors
    ]
    assert all(e["message"] for e in errors)
    assert await count_rows() == 0


async def test_every_problem_is_reported_at_once(client, survey):
    response = await client.post(URL, json=body(survey, {"tc1": 9, "loai": "x", "zzz": 1}))
    assert {e["field"] for e in response.json()["errors"]} == {"tc1", "loai", "zzz"}


async def test_errors_are_vietnamese_by_default_and_english_on_request(client, survey):
    vi = await client.post(URL, json=body(survey, {"tc1": 9, "loai": "khen"}))
    en = await client.post(URL, json=body(survey, {"tc1": 9, "loai": "khen"}, lang="en"))
    assert vi.json()["message"].startswith("Phiếu trả lời chưa hợp lệ")
    assert en.json()["message"].startswith("The response is not valid")
    assert "1 to 5" in en.json()["errors"][0]["message"]


async def test_nfd_text_is_stored_as_nfc(client, survey):
    decomposed = unicodedata.normalize("NFD", "Đề nghị nhà trường sửa nhà vệ sinh")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    response = await client.post(
        URL, json=body(survey, {"loai": "kien_nghi", "noi_dung": decomposed[:50]})
    )
    assert response.status_code == 201
    text = (await stored_answers())[0]["noi_dung"]
    assert unicodedata.is_normalized("NFC", text)


async def test_text_length_counts_characters_after_nfc(client, survey):
    # 50 composed Vietnamese letters are 100+ code points in NFD: still within max_length 50
    decomposed = unicodedata.normalize("NFD", "ệ" * 50)
    response = await client.post(URL, json=body(survey, {"loai": "gop_y", "noi_dung": decomposed}))
    assert response.status_code == 201


async def test_blank_answers_count_as_unanswered(client, survey):
    response = await client.post(URL, json=body(survey, {"loai": "khen", "kenh": [], "tc1": None}))
    assert response.status_code == 201
    assert await stored_answers() == [{"loai": "khen"}]


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"not json", "application/json"),
        (b'{"link": "ABC", "answers": {}}', "application/json"),
        (b'{"link": 5, "submission_id": "x", "answers": {}}', "application/json"),
        (
            b'{"link": "ABC", "submission_id": "6f1c1a8e-4f7e-4b6c-9d2a-1c2b3c4d5e6f", "answers": [], "x": 1}',
            "application/json",
        ),
        (
            b'{"link": "\xff\xfe", "submission_id": "6f1c1a8e-4f7e-4b6c-9d2a-1c2b3c4d5e6f", "answers": {}}',
            "application/json",
        ),
        (b"\xc3\x28\xa0\xa1", "application/json"),
        (b"[]", "application/json"),
    ],
)
async def test_malformed_bodies_get_a_clear_400(client, survey, raw, content_type):
    response = await client.post(URL, content=raw, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Không đọc được dữ liệu")
    assert await count_rows() == 0


async def test_huge_body_is_refused_with_413(client, survey):
    payload = json.dumps(body(survey, {"loai": "gop_y", "noi_dung": "x" * 400_000}))
    response = await client.post(URL, content=payload, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "quá lớn" in response.json()["message"]
    assert await count_rows() == 0


async def test_unknown_link_is_404(client, survey):
    response = await client.post(URL, json=body(survey, {"loai": "khen"}) | {"link": "ZZZZZZZ"})
    assert response.status_code == 404
    assert response.json()["code"] == "link_not_found"


async def test_closed_and_future_campaigns_refuse_answers(client, out_of_date):
    closed, future, draft = out_of_date.closed, out_of_date.future, out_of_date.draft
    gone = await client.post(URL, json=body(closed, {"loai": "khen"}))
    early = await client.post(URL, json=body(future, {"loai": "khen"}))
    not_open = await client.post(URL, json=body(draft, {"loai": "khen"}))
    assert (gone.status_code, early.status_code, not_open.status_code) == (410, 403, 403)
    assert "đã kết thúc" in gone.json()["message"]
    assert "chưa bắt đầu" in early.json()["message"]
    assert await count_rows() == 0


async def test_closing_a_campaign_takes_effect_at_once(client, survey):
    from survey_server.campaigns.services import set_status

    assert (await client.post(URL, json=body(survey, {"loai": "khen"}))).status_code == 201
    await set_status(survey.campaign, "closed")
    assert (await client.post(URL, json=body(survey, {"loai": "khen"}))).status_code == 410


async def test_nothing_about_the_device_or_time_is_stored(client, survey):
    headers = {
        "user-agent": "Mozilla/5.0 (Linux; Android 10; SM-A105F) TestPhone/1.0",
        "x-forwarded-for": "203.0.113.77",
    }
    response = await client.post(URL, json=body(survey, {"loai": "khen"}), headers=headers)
    assert response.status_code == 201
    from survey_server.responses.tables import Submission

    row = (await Submission.select())[0]
    dumped = json.dumps(row, default=str)
    assert "203.0.113.77" not in dumped and "TestPhone" not in dumped
    assert str(row["submitted_on"]) == str(today("Asia/Ho_Chi_Minh"))
    assert set(row) == {
        "id",
        "submission_id",
        "receipt",
        "campaign",
        "link",
        "unit",
        "channel",
        "partner",
        "questionnaire",
        "lang",
        "submitted_on",
        "duration_bucket",
        "closed",
        "answers",
        "released_in",
        "screened",  # the data-quality screen before release: from the answers alone
        "scrubbed",  # the scrubber's second pass before release: from the answers alone
        "held",  # a paper form awaiting approval: about the typist, never the respondent
        "paper_batch",  # the stack a paper form came in (staff's batch, not a person)
    }


async def test_closed_answers_are_packed_one_byte_per_slot(client, survey):
    answers = {"tc1": 5, "tc2": "na", "loai": "kien_nghi", "kenh": ["mttq"], "hoc_them": False}
    assert (await client.post(URL, json=body(survey, answers))).status_code == 201
    from survey_server.responses.tables import Submission

    closed = (await Submission.select(Submission.closed))[0]["closed"]
    # tc1, tc2 (reverse items are stored as answered), hai_long_chung, loai, kenh×3, hoc_them
    assert bytes(closed) == bytes([5, 255, 0, 2, 0, 0, 1, 1])


async def test_an_expired_link_is_refreshed_by_one_query(client, survey, monkeypatch):
    import asyncio

    from survey_server.distribution import services

    calls = []
    real = services._load_link

    async def counted(code):
        calls.append(code)
        return await real(code)

    monkeypatch.setattr(services, "_load_link", counted)
    services.forget_links()
    infos = await asyncio.gather(*(services.resolve_link(survey.link) for _ in range(32)))
    assert len(calls) == 1 and {info.code for info in infos} == {survey.link}


async def test_a_crash_logs_no_answer_text(client, survey, monkeypatch, caplog):
    from survey_server.responses import services

    typed = "Cô Nguyễn Thị Lan dạy thêm, số 0912 345 678"

    def explode(*args, **kwargs):
        raise ValueError(typed)  # an exception whose message quotes the answers

    monkeypatch.setattr(services, "validate_answers", explode)
    response = await client.post(URL, json=body(survey, {"loai": "khen"}))
    assert response.status_code == 500
    assert "Nguyễn Thị Lan" not in response.text
    assert "unhandled ValueError" in caplog.text
    assert "Nguyễn Thị Lan" not in caplog.text and "0912" not in caplog.text


async def test_free_text_is_scrubbed_before_it_is_stored(client, survey):
    text = "Cô Lan, sđt 0912 345 678"
    response = await client.post(URL, json=body(survey, {"loai": "gop_y", "noi_dung": text}))
    assert response.status_code == 201
    stored = (await stored_answers())[0]["noi_dung"]
    assert stored == "Cô [tên], sđt [số điện thoại]"


async def test_an_empty_response_is_refused(client, survey):
    # invisible characters are blank: here the required question is reported
    response = await client.post(URL, json=body(survey, {"noi_dung": "\u200b", "kenh": []}))
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["errors"]] == ["required"]
    assert await count_rows() == 0


def test_a_form_with_no_answer_at_all_is_not_a_response():
    from survey_server.questionnaires.loader import load_file
    from survey_server.responses.validation import FormSpec, validate_answers
    from tests.conftest import ROOT

    spec = FormSpec.build(
        load_file(ROOT / "questionnaires" / "phan-anh-kien-nghi.yaml").questionnaire
    )
    clean, errors = validate_answers(spec, {"noi_dung": " \u200b\x01 "})
    assert clean is None and [(e.field, e.code) for e in errors] == [("answers", "empty")]


async def test_a_retry_after_the_campaign_closed_gets_its_receipt(client, survey):
    from survey_server.campaigns.services import set_status

    payload = body(survey, {"loai": "khen"})
    first = await client.post(URL, json=payload)
    await set_status(survey.campaign, "closed")
    again = await client.post(URL, json=payload)
    assert again.status_code == 201 and again.json() == first.json()
    assert (await client.post(URL, json=body(survey, {"loai": "khen"}))).status_code == 410


async def test_a_huge_integer_for_a_number_is_a_field_error(client, survey):
    response = await client.post(
        URL,
        content=b'{"link": "%s", "submission_id": "%s", "answers": {"loai": "khen", "hoc_them": true, "chi_phi": 1%s}}'
        % (survey.link.encode(), new_id().encode(), b"0" * 400),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "expected_number"
