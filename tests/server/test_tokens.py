"""Single-use tokens: accepted once, revocable, reprintable, and unlinkable from the response."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from pypdf import PdfReader

from survey_server.distribution.kit import token_kit_links, write_token_slips
from survey_server.distribution.tables import IssuedToken, Token
from survey_server.distribution.tokens import (
    TokenCountInvalid,
    count_tokens,
    issue_tokens,
    list_tokens,
    revoke_tokens,
)
from survey_server.responses.tables import Submission
from tests.conftest import FIXTURES, count_rows, new_id, open_survey

URL = "/api/v1/responses"


@pytest.fixture
async def tokens(settings, db):
    survey = await open_survey(
        settings, FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml", code="MA-2026"
    )
    from survey_server.campaigns.tables import Campaign

    await Campaign.update({Campaign.requires_token: True}).where(Campaign.code == "MA-2026")
    codes = await issue_tokens("MA-2026", "TH-LC1-1A", 5, settings.timezone)
    return survey, codes


def answer(code: str, submission_id: str | None = None) -> dict[str, object]:
    return {"link": code, "submission_id": submission_id or new_id(), "answers": {"loai": "khen"}}


async def test_plain_link_of_a_token_campaign_is_refused(client, tokens):
    survey, _ = tokens
    page = await client.get(f"/s/{survey.link}")
    assert page.status_code == 403 and "mã riêng in trên phiếu" in page.text
    assert (await client.post(URL, json=answer(survey.link))).status_code == 403
    assert await count_rows() == 0


async def test_a_token_works_exactly_once(client, tokens):
    _, codes = tokens
    code = codes[0]
    assert (await client.get(f"/s/{code.lower()}")).status_code == 200
    first_id = new_id()
    first = await client.post(URL, json=answer(code, first_id))
    assert first.status_code == 201
    retry = await client.post(URL, json=answer(code, first_id))
    assert retry.status_code == 201 and retry.json() == first.json()  # the same submission again
    reused = await client.post(URL, json=answer(code))
    assert reused.status_code == 409 and "đã được dùng" in reused.json()["message"]
    page = await client.get(f"/s/{code}")
    assert page.status_code == 409 and "Mỗi phiếu chỉ dùng được một lần" in page.text
    assert await count_rows() == 1
    stored = await Submission.select(Submission.unit.code, Submission.channel).first()
    assert stored == {"unit.code": "TH-LC1-1A", "channel": "paper"}
    assert (await client.post(URL, json=answer(codes[1]))).status_code == 201


async def test_concurrent_use_of_one_token_stores_one_response(client, tokens):
    _, codes = tokens
    responses = await asyncio.gather(*(client.post(URL, json=answer(codes[2])) for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    assert await count_rows() == 1


async def test_plain_form_with_a_token_and_its_reload(client, tokens):
    _, codes = tokens
    page = (await client.get(f"/s/{codes[3]}")).text
    submission_id = re.search(r'name="submission_id" value="([^"]+)"', page).group(1)
    assert f'action="/s/{codes[3]}"' in page
    form = {"submission_id": submission_id, "loai": "gop_y", "noi_dung": "Tốt"}
    first = await client.post(f"/s/{codes[3]}", data=form)
    again = await client.post(f"/s/{codes[3]}", data=form)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    other = await client.post(f"/s/{codes[3]}", data={**form, "submission_id": new_id()})
    assert other.status_code == 409
    assert await count_rows() == 1


async def test_revoked_tokens_are_refused_and_used_ones_stay_used(client, tokens):
    _, codes = tokens
    assert (await client.post(URL, json=answer(codes[0]))).status_code == 201
    assert await revoke_tokens([codes[0], codes[1], "KHONGCOMA"]) == 1
    page = await client.get(f"/s/{codes[1]}")
    assert page.status_code == 410 and "đã bị hủy" in page.text
    assert (await client.post(URL, json=answer(codes[1]))).status_code == 410
    assert (await client.post(URL, json=answer(codes[0]))).status_code == 409
    statuses = {row["code"]: row["status"] for row in await Token.select(Token.code, Token.status)}
    assert codes[0] not in statuses and statuses[codes[1]] == "revoked"  # a used token is gone
    assert await count_tokens("MA-2026") == {"issued": 3, "used": 1, "revoked": 1}
    assert await count_tokens("MA-2026", "TH-LC2") == {"issued": 0, "used": 0, "revoked": 0}
    assert [row["code"] for row in await list_tokens("MA-2026", "TH-LC1", "revoked")] == [codes[1]]


async def test_reprint_lists_only_unused_tokens_each_with_its_own_code(settings, tokens, tmp_path):
    _, codes = tokens
    await revoke_tokens([codes[4]])
    links = await token_kit_links("MA-2026", "https://khaosat.example.vn")
    assert sorted(link.code for link in links) == sorted(codes[:4])
    pdf = PdfReader(io.BytesIO(write_token_slips(links, tmp_path / "slips.pdf").read_bytes()))
    text = "".join(page.extract_text() for page in pdf.pages)
    for code in codes[:4]:
        assert f"https://khaosat.example.vn/s/{code}" in text
    assert len(pdf.pages) == 1


async def test_token_count_is_bounded(settings, tokens):
    with pytest.raises(TokenCountInvalid):
        await issue_tokens("MA-2026", "TH-LC1", 0, settings.timezone)


async def test_nothing_ties_a_token_to_its_response(client, tokens, caplog):
    _, codes = tokens
    assert (await client.post(URL, json=answer(codes[0]))).status_code == 201
    token_columns = set((await Token.select().first()).keys())
    assert token_columns == {"id", "code", "link", "status", "created_on"}
    assert set((await IssuedToken.select().first()).keys()) == {"id", "digest", "link"}
    assert await Token.count().where(Token.code == codes[0]) == 0
    assert await IssuedToken.count().where(IssuedToken.digest == codes[0]) == 0
    submission = (await Submission.select())[0]
    assert codes[0] not in str(submission)
    assert "token" not in {name.lower() for name in submission}
    assert codes[0] not in caplog.text


async def test_postgres_transaction_ids_do_not_pair_a_token_with_its_response(client, tokens, db):
    if db.kind != "postgres":
        pytest.skip("xmin is a PostgreSQL system column")
    _, codes = tokens
    for code in codes[:3]:
        assert (await client.post(URL, json=answer(code))).status_code == 201
    rows = await Token.raw("SELECT count(*) AS n FROM token t JOIN submission s ON t.xmin = s.xmin")
    assert rows[0]["n"] == 0


async def test_token_answer_gets_a_duration_and_a_thanks_page_without_the_token(client, tokens):
    _, codes = tokens
    page = (await client.get(f"/s/{codes[0]}")).text
    submission_id = re.search(r'name="submission_id" value="([^"]+)"', page).group(1)
    form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    done = await client.post(
        f"/s/{codes[0]}",
        data={"submission_id": submission_id, "form_token": form_token, "loai": "khen"},
    )
    assert done.status_code == 303 and codes[0] not in done.headers["location"]
    assert done.headers["location"].startswith("/s/cam-on?ma=")
    assert (await client.get(done.headers["location"])).status_code == 200
    stored = await Submission.select(Submission.duration_bucket).first()
    assert stored["duration_bucket"] == 1


async def test_a_token_of_a_closed_campaign_stores_nothing(client, tokens):
    from survey_server.campaigns.services import set_status

    _, codes = tokens
    await set_status("MA-2026", "closed")
    page = await client.get(f"/s/{codes[0]}")
    refused = await client.post(URL, json=answer(codes[0]))
    assert page.status_code == refused.status_code == 410, refused.text
    assert "kết thúc" in page.text and "kết thúc" in refused.json()["message"]
    assert await count_rows() == 0
    assert await Token.count() == 5  # not spent either: nothing changed
