"""Property tests: no submission, however malformed, produces a 500 or a partial write."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import count_rows

QUESTION_IDS = [
    "tc1",
    "tc2",
    "hai_long_chung",
    "loai",
    "noi_dung",
    "kenh",
    "hoc_them",
    "chi_phi",
    "x",
]
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=80),
    st.sampled_from(["na", "gop_y", "khen", "kien_nghi", "zalo", "mttq", "true", "5"]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
answers = st.dictionaries(
    st.sampled_from(QUESTION_IDS) | st.text(max_size=70), json_value, max_size=10
)

SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(answers=answers, lang=st.sampled_from(["vi", "en", "fr", ""]))
async def test_any_answers_get_201_or_422_and_rows_match(client, survey, answers, lang):
    before = await count_rows()
    body = {
        "link": survey.link,
        "submission_id": str(uuid.uuid4()),
        "answers": answers,
        "lang": lang,
    }
    response = await client.post("/api/v1/responses", json=body)
    # 400: an answer key longer than any question id fails the envelope itself
    assert response.status_code in (201, 400, 422), response.text
    payload = response.json()
    if response.status_code == 201:
        assert await count_rows() == before + 1
    else:
        assert payload["errors"] and all(error["message"] for error in payload["errors"])
        assert await count_rows() == before


@SETTINGS
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
async def test_any_bytes_get_a_client_error(client, survey, raw):
    before = await count_rows()
    response = await client.post(
        "/api/v1/responses", content=raw, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert "message" in response.json()
    assert await count_rows() == before


@SETTINGS
@given(
    envelope=st.dictionaries(
        st.sampled_from(["link", "submission_id", "answers", "lang", "form_token", "z"]), json_value
    )
)
async def test_any_envelope_gets_a_client_error_or_201(client, survey, envelope):
    response = await client.post(
        "/api/v1/responses",
        content=json.dumps(envelope),
        headers={"content-type": "application/json"},
    )
    assert response.status_code in (201, 400, 403, 404, 410, 422), response.text


@SETTINGS
@given(
    form=st.dictionaries(
        st.sampled_from([*QUESTION_IDS, "submission_id", "lang", "form_token"]),
        st.text(max_size=60),
        max_size=10,
    )
)
async def test_any_plain_form_gets_303_or_422(client, survey, form):
    before = await count_rows()
    response = await client.post(f"/s/{survey.link}", data=form)
    assert response.status_code in (303, 422), response.text[:500]
    assert await count_rows() == before + (1 if response.status_code == 303 else 0)
