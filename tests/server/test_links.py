"""Links per unit, channel and partner: responses are attributable to them, never to a person."""

from __future__ import annotations

import pytest

from survey_server.distribution.services import LinkInvalid, add_link, list_links
from survey_server.responses.tables import Submission
from survey_server.units.services import UnitNotFound
from tests.conftest import new_id


async def test_partner_and_label_links_are_created_once(client, survey) -> None:
    code = await add_link(
        survey.campaign,
        "TH-LC1-1A",
        "partner",
        " Hội  LHPN phường Lê Chân ",
        "Họp phụ huynh đầu năm 12/9",
    )
    again = await add_link(
        survey.campaign.lower(),
        "th-lc1-1a",
        "partner",
        "Hội LHPN phường Lê Chân",
        "Họp phụ huynh đầu năm 12/9",
    )
    assert code == again and len(code) == 7
    other = await add_link(
        survey.campaign, "TH-LC1-1A", "partner", "Đoàn TNCS Hồ Chí Minh phường Lê Chân"
    )
    assert other != code
    rows = {row["code"]: row for row in await list_links(survey.campaign)}
    assert (
        rows[code]["partner"] == "Hội LHPN phường Lê Chân"
        and rows[code]["label"] == "Họp phụ huynh đầu năm 12/9"
    )

    response = await client.post(
        "/api/v1/responses",
        json={"link": code, "submission_id": new_id(), "answers": {"loai": "khen"}},
    )
    assert response.status_code == 201
    stored = await Submission.select(
        Submission.channel, Submission.partner, Submission.unit.code
    ).first()
    assert stored == {
        "channel": "partner",
        "partner": "Hội LHPN phường Lê Chân",
        "unit.code": "TH-LC1-1A",
    }


@pytest.mark.parametrize(
    ("unit", "channel", "partner", "error", "text"),
    [
        ("TH-LC1", "partner", None, LinkInvalid, "cần tên tổ chức đối tác"),
        ("TH-LC1", "zalo", "Hội CCB", LinkInvalid, "chỉ kênh đối tác"),
        ("TH-LC1", "fax", None, LinkInvalid, "kênh 'fax' không hợp lệ"),
        ("THPT-NQ", "web", None, LinkInvalid, "không thuộc phạm vi"),
        ("KHONG-CO", "web", None, UnitNotFound, "Không tìm thấy đơn vị có mã 'KHONG-CO'"),
    ],
)
async def test_bad_links_are_refused_clearly(survey, unit, channel, partner, error, text) -> None:
    with pytest.raises(error) as caught:
        await add_link(survey.campaign, unit, channel, partner)
    assert text in caught.value.text("vi")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/campaigns/%00/posters.pdf",
        "/api/v1/campaigns/HL/posters.pdf?unit=A%00B",
        "/api/v1/questionnaires/a%00b",
        "/s/AB%00CDEF",
        "/api/v1/links/%00/qr.png",
    ],
)
async def test_nul_characters_never_reach_the_database(client, survey, path) -> None:
    response = await client.get(path)
    assert response.status_code == (401 if "posters.pdf" in path else 404)  # staff only
