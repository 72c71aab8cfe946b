"""Every sentence of the report that judges is written only when the data supports it: the
table ``reports.claims.CLAIMS`` against data shapes where each must and must not hold, and the
report of the demo province, whose comments nobody has classified yet."""

from __future__ import annotations

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.reports.claims import CLAIMS, Evidence, evidence, holds
from survey_server.staff.services import create_user
from tests.conftest import Database
from tests.releases import close_and_publish
from tests.staff import PASSWORD, sign_in

SHAPES = {
    # every complaint classified and resolved
    "all resolved": Evidence(comments=40, complaints=12, classified=12, resolved=12),
    # 1 of 1,403 comments classified (and resolved)
    "one classified": Evidence(comments=1403, complaints=700, classified=1, resolved=1),
    # comments, none classified
    "none classified": Evidence(comments=300, complaints=120),
    # only praise, nothing classified, no feedback form
    "praise only": Evidence(comments=50, complaints=0),
    # feedback forms choosing kiến nghị or phản ánh, no comment classified
    "feedback answers": Evidence(case_answers=370),
    # nothing at all
    "silence": Evidence(),
    # classified, some still open
    "some open": Evidence(comments=20, complaints=5, classified=5, resolved=3),
    # nothing published yet, responses waiting for a release
    "waiting": Evidence(waiting=140),
}
EXPECTED = {
    "all_resolved": {"all resolved"},
    "nothing_to_resolve": {"praise only", "silence"},
    "no_comments": {"feedback answers", "silence"},
    "some_waiting": {"waiting"},
    "some_unclassified": {"one classified", "none classified", "feedback answers"},
    # the issuing body takes them up; "tiếp tục" only where some were already classified
    "backlog_untouched": {"none classified", "feedback answers"},
    "backlog_continued": {"one classified"},
}


@pytest.mark.parametrize("claim", sorted(CLAIMS))
def test_each_claim_holds_exactly_where_the_data_supports_it(claim: str) -> None:
    assert {name for name, shape in SHAPES.items() if holds(claim, shape)} == EXPECTED[claim]


def test_feedback_answers_naming_cases_are_counted() -> None:
    choices = [
        {"id": "loai", "n": 741, "percent": {"kien_nghi": 25.0, "phan_anh": 25.0, "khen": 50.0}},
        {"id": "cap_hoc", "n": 741, "percent": {"tieu_hoc": 100.0}},
    ]
    found = evidence([{"comments": 0, "complaint": 0}], {}, choices)
    assert found.case_answers == 370 or found.case_answers == 371
    assert not holds("nothing_to_resolve", found) and holds("some_unclassified", found)


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings, responses=600)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    return settings


async def client_report(client: httpx.AsyncClient) -> str:
    await sign_in(client, "so.admin")
    response = await client.get(
        "/api/v1/reports", params={"campaign": "HL-PT-2026", "format": "md", "unit": "SO-HP"}
    )
    assert response.status_code == 200, response.text[:300]
    return response.text


async def test_the_demo_report_claims_nothing_about_comments_nobody_read(
    client: httpx.AsyncClient, province: Settings
) -> None:
    unpublished = await client_report(client)
    assert "không có phản ánh, kiến nghị, khiếu nại, tố cáo nào" not in unpublished
    assert "không có ý kiến góp ý bằng văn bản" not in unpublished
    assert "chưa được tổng hợp vì chưa đủ nhóm tối thiểu" in unpublished
    await close_and_publish("HL-PT-2026")
    report = await client.get(
        "/api/v1/reports", params={"campaign": "HL-PT-2026", "format": "md", "unit": "SO-HP"}
    )
    assert report.status_code == 200, report.text[:300]
    text = report.text
    assert "Toàn bộ phản ánh, kiến nghị đã được xem xét, giải quyết" not in text
    assert "không có phản ánh, kiến nghị, khiếu nại, tố cáo nào" not in text
    assert "chưa được phân loại, xem xét, giải quyết" in text
    assert "Sở Giáo dục và Đào tạo thành phố Hải Phòng tiếp nhận, phân loại" in text
    assert "tiếp tục" not in text and "đơn vị tiếp tục" not in text
    assert "ý kiến nhiều nhất là" not in text
    body = text[text.index("# BÁO CÁO") :]  # the letterhead leaves room for the number, the day
    prose = [line for line in body.splitlines() if not line.startswith("|")]
    assert "100,0%" not in text and not [line for line in prose if "  " in line]
