"""A form in several languages: the respondent picks one, the interface falls back to Vietnamese
where no catalog exists, the texts carry their language for screen readers, and the language picked
is never stored beyond the interface's (a minority language would single out a family)."""

from __future__ import annotations

import json
import re

import pytest

from survey_server.config import Settings
from tests.api.test_form import hidden
from tests.conftest import FIXTURES, Database, Survey, open_survey

QUESTIONNAIRE = FIXTURES / "questionnaires" / "nhieu-ngon-ngu.yaml"


@pytest.fixture
async def multilingual(settings: Settings, db: Database) -> Survey:
    return await open_survey(settings, QUESTIONNAIRE)


async def test_the_picker_offers_every_language_by_its_own_name(client, multilingual):
    html = (await client.get(f"/s/{multilingual.link}")).text
    picker = re.search(r'<nav class="langs".*?</nav>', html, re.S)
    assert picker, html[:2000]
    links = re.findall(r'href="\?lang=([^"]+)" hreflang="\1" lang="\1">([^<]+)<', picker.group(0))
    assert links == [("en", "English"), ("hmn", "Hmoob"), ("km", "ខ្មែរ")]  # stored sorted


async def test_a_khmer_form_marks_its_texts_and_keeps_a_vietnamese_interface(client, multilingual):
    html = (await client.get(f"/s/{multilingual.link}?lang=km")).text
    assert '<html lang="vi">' in html
    assert '<h1><span lang="km">ការពិគ្រោះយោបល់អំពីម៉ោងទទួលសិស្ស</span></h1>' in html
    assert '<span lang="km">ម៉ោង ៤ និង ៣០ នាទី</span>' in html
    assert "Gửi câu trả lời" in html  # no Khmer catalog: the interface stays Vietnamese
    assert 'name="lang" value="km"' in html
    links = re.findall(r'hreflang="([^"]+)"', html)
    assert links == ["vi", "en", "hmn"]


async def test_a_text_missing_in_a_language_falls_back_to_vietnamese_marked_as_such(
    client, multilingual
):
    html = (await client.get(f"/s/{multilingual.link}?lang=hmn")).text
    assert '<span lang="hmn">Koj tus menyuam puas noj su hauv tsev kawm ntawv?</span>' in html
    assert "Giờ đón nào thuận tiện nhất?" in html  # no H'Mông text for this question
    assert '<span lang="hmn">Giờ đón nào' not in html


@pytest.mark.parametrize("asked", ["xx", "KM", "km-KH", "<script>", "a" * 300])
async def test_an_unknown_language_gives_the_vietnamese_form(client, multilingual, asked):
    response = await client.get(f"/s/{multilingual.link}", params={"lang": asked})
    assert response.status_code == 200
    assert 'name="lang" value="vi"' in response.text
    assert "<script>" not in response.text.split("<body>")[1].split("<script src")[0]


async def test_the_khmer_answer_is_stored_with_the_interface_language_only(client, multilingual):
    from survey_server.responses.tables import Submission

    page = (await client.get(f"/s/{multilingual.link}?lang=km")).text
    form = {
        "submission_id": hidden(page, "submission_id"),
        "form_token": hidden(page, "form_token"),
        "lang": "km",
        "ban_tru": "false",
        "gio": "muon",
        "ly_do": "Bố mẹ đi làm về muộn",
    }
    response = await client.post(f"/s/{multilingual.link}", data=form)
    assert response.status_code == 303, response.text
    assert "lang=km" not in response.headers["location"]
    rows = await Submission.select(Submission.lang, Submission.answers)
    assert [row["lang"] for row in rows] == ["vi"]
    assert json.loads(rows[0]["answers"])["ly_do"]


async def test_a_refused_khmer_form_comes_back_in_khmer(client, multilingual):
    page = (await client.get(f"/s/{multilingual.link}?lang=km")).text
    form = {
        "submission_id": hidden(page, "submission_id"),
        "form_token": hidden(page, "form_token"),
        "lang": "km",
        "gio": "khong-co",
    }
    response = await client.post(f"/s/{multilingual.link}", data=form)
    assert response.status_code == 422
    assert '<span lang="km">ម៉ោង ៤ និង ៣០ នាទី</span>' in response.text


@pytest.mark.parametrize(
    ("answers", "kept"),
    [
        ({"ban_tru": "true", "gio": "khac"}, True),  # any: the first test holds
        ({"ban_tru": "false", "gio": "muon"}, True),  # all: no lunch and not 16:30
        ({"ban_tru": "false", "gio": "som"}, False),  # not: 16:30 chosen
        ({"ban_tru": "true", "gio": "muon"}, False),
        ({"gio": "muon"}, False),  # ban_tru unanswered: "in [false]" does not hold
    ],
)
async def test_a_combined_condition_decides_whether_the_comment_is_kept(
    client, multilingual, answers, kept
):
    from survey_server.responses.tables import Submission

    page = (await client.get(f"/s/{multilingual.link}")).text
    form = {
        "submission_id": hidden(page, "submission_id"),
        "form_token": hidden(page, "form_token"),
        "lang": "vi",
        "ly_do": "Giờ tan làm muộn",
        **answers,
    }
    assert (await client.post(f"/s/{multilingual.link}", data=form)).status_code == 303
    stored = json.loads((await Submission.select(Submission.answers))[0]["answers"])
    assert ("ly_do" in stored) is kept


async def test_the_condition_is_said_in_words_and_given_to_the_script(client, multilingual):
    html = (await client.get(f"/s/{multilingual.link}")).text
    assert (
        "Chỉ trả lời nếu ở câu “Giờ đón nào thuận tiện nhất?” ông/bà chọn: Giờ khác hoặc "
        "(ở câu “Con ông/bà có học bán trú không?” ông/bà chọn: Không và ở câu “Giờ đón nào "
        "thuận tiện nhất?” ông/bà không chọn: 16 giờ 30)."
    ) in html
    shown = re.search(r'id="q-ly_do" data-type="text" data-show="([^"]+)"', html)
    assert shown
    data = json.loads(shown.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    assert data == {
        "any": [
            {"q": "gio", "in": ["khac"]},
            {"all": [{"q": "ban_tru", "in": ["false"]}, {"not": {"q": "gio", "in": ["som"]}}]},
        ]
    }
