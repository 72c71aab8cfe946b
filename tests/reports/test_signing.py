"""Sentences a head of office signs: the backlog said the same way in III and IV.2, the
issuing body naming itself, a commune's schools as a group and not one more unit, lists from
the most telling, the response rate as forms over people expected, the caution on an index
whose answers are not consistent (both engines)."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from survey_server.campaigns.services import get_campaign
from survey_server.config import Settings
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.reports.compose import compose
from survey_server.reports.gather import CampaignFacts, ReportFacts
from survey_server.reports.model import Table
from survey_server.responses.tables import Submission
from survey_server.scoring.services import publish
from survey_server.staff.tables import FeedbackCase
from tests.reports.test_wording import CAMPAIGN, all_text, province, report_for, section, texts

__all__ = ["province"]

COMMENTS = "Ý KIẾN, KIẾN NGHỊ CỦA CHA MẸ HỌC SINH VÀ NHÂN DÂN"
SHORTCOMINGS = "Tồn tại, hạn chế"
FEEDBACK = "PA-2026"


def backlog(paragraphs: list[str]) -> str:
    """The "Còn … chưa được phân loại, xem xét, giải quyết" clause of a section."""
    found = [text for text in paragraphs if "chưa được phân loại, xem xét, giải quyết" in text]
    assert len(found) == 1, paragraphs
    text = found[0]
    start = text.index("Còn ")
    return text[start : text.index("giải quyết", start) + len("giải quyết")]


async def test_iii_and_iv_give_the_same_backlog_and_the_office_names_itself(
    province: Settings,
) -> None:
    """Comments and feedback forms nobody has classified: one figure, one status in both
    places, and the Sở takes them up (it cannot "continue" what it never started)."""
    await add_synthetic_responses(province, 400, random.Random(21), campaign=CAMPAIGN)
    await add_synthetic_responses(province, 400, random.Random(22), campaign=FEEDBACK)
    _, report = await report_for(province, "SO-HP", CAMPAIGN, FEEDBACK)
    raised, shortcomings = section(report, COMMENTS), section(report, SHORTCOMINGS)
    assert backlog(raised) == backlog(shortcomings)
    assert "ý kiến bằng văn bản và" in backlog(raised)
    assert "phiếu chọn loại phản ánh, kiến nghị (có thể trùng nhau một phần)" in backlog(raised)
    text = " ".join(raised)
    assert (
        "Sở Giáo dục và Đào tạo thành phố Hải Phòng tiếp nhận, phân loại để xem xét, giải "
        "quyết theo quy định." in text
    )
    assert "tiếp tục" not in text and "đơn vị tiếp tục" not in all_text(report)


async def test_continue_only_once_some_comments_were_taken_up(province: Settings) -> None:
    await add_synthetic_responses(province, 300, random.Random(23), campaign=CAMPAIGN)
    await publish(await get_campaign(CAMPAIGN))  # staff classify published comments only
    published = Submission.select(Submission.id).where(Submission.released_in.is_not_null())
    first = await published.first()
    assert first is not None
    await FeedbackCase(submission=first["id"], kind="kien_nghi", status="dang").save()
    _, report = await report_for(province, "SO-HP")
    raised = section(report, COMMENTS)
    assert backlog(raised) == backlog(section(report, SHORTCOMINGS))
    assert "Sở Giáo dục và Đào tạo thành phố Hải Phòng tiếp tục tiếp nhận, phân loại" in " ".join(
        raised
    )


async def test_the_report_words_the_comments_as_an_office_does(province: Settings) -> None:
    await add_synthetic_responses(province, 600, random.Random(24), campaign=CAMPAIGN)
    _, report = await report_for(province, "SO-HP")
    text = all_text(report)
    assert "ý kiến bằng văn bản (đã bảo đảm bí mật thông tin cá nhân của người góp ý)" in text
    assert "ý kiến có nội dung khen ngợi" in text
    assert (
        "Phân theo nhóm nội dung, các ý kiến phản ánh, đề nghị tập trung nhiều nhất vào các nhóm “"
        in (text)
    )
    for machine in ("tự động xóa", "hệ thống tự động nhóm", "ý kiến góp ý bằng văn bản"):
        assert machine not in text
    assert "trường được lấy ý kiến (100%) có phiếu trả lời" in text
    assert "“Không hài lòng” hoặc “Rất không hài lòng” (khoảng tin cậy 95%:" in text
    assert "so với mặt bằng chung" not in text


def with_children(facts: ReportFacts, results: dict[str, tuple[float, int] | None]) -> ReportFacts:
    """The facts with the first campaign's units set to ``results``: code → (index, +1 above
    the rest / −1 below / 0 neither), or None for a unit withheld under k."""
    campaign = facts.campaigns[0]
    children = []
    for child in campaign.children:
        if child.code not in results:
            continue
        result = results[child.code]
        if result is None:
            children.append(replace(child, scores=None))
            continue
        index, side = result
        overall = {**(child.scores or campaign.scores)["overall"], "index": index}
        comparison = {"overall": {"significant": side != 0, "difference": side * 10.0}}
        scores: dict[str, Any] = {"n": 100, "overall": overall, "comparison": comparison}
        children.append(replace(child, scores=scores))
    return replace(facts, campaigns=(replace(campaign, children=tuple(children)),))


async def test_units_run_from_the_most_telling_and_groups_are_not_units(
    province: Settings,
) -> None:
    await add_synthetic_responses(province, 900, random.Random(25), campaign=CAMPAIGN)
    facts, _ = await report_for(province, "SO-HP")
    communes = [c for c in facts.campaigns[0].children if c.kind == "commune"]
    schools = [c for c in facts.campaigns[0].children if c.kind != "commune"]
    results: dict[str, tuple[float, int] | None] = {
        schools[0].code: (52.0, -1),
        communes[0].code: (40.0, -1),
        schools[1].code: (81.0, 1),
        communes[1].code: (90.0, 1),
        schools[2].code: None,
        communes[2].code: None,
    }
    report = compose(with_children(facts, results))
    units = next(text for text in texts(report) if "rõ rệt so với các đơn vị còn lại" in text)
    assert "khối các trường do" in units and "quản lý" in units
    low, high = units.split("; ")[1], units.split("; ")[0]
    assert low.index("(40%)") < low.index("(52%)")  # lowest first
    assert high.index("(90%)") < high.index("(81%)")  # highest first
    assert "01 trường và 01 khối trường có dưới" in units
    assert " đơn vị có chỉ số" not in units and " đơn vị thấp hơn" not in units
    below = next(text for text in section(report, SHORTCOMINGS) if "thấp hơn rõ rệt" in text)
    assert "so với các đơn vị còn lại" in below
    assert below.index("khối các trường do") < below.index(schools[0].name)


def with_dimensions(facts: ReportFacts, flagged: int) -> ReportFacts:
    """The first campaign with its first ``flagged`` dimensions' answers not consistent."""
    campaign = facts.campaigns[0]
    dimensions = [
        {**dim, "alpha_warning": number < flagged}
        for number, dim in enumerate(campaign.scores["dimensions"])
    ]
    scores = {**campaign.scores, "dimensions": dimensions}
    return replace(facts, campaigns=(replace(campaign, scores=scores), *facts.campaigns[1:]))


async def test_an_index_on_inconsistent_answers_carries_its_caution_in_iv(
    province: Settings,
) -> None:
    await add_synthetic_responses(province, 600, random.Random(26), campaign=CAMPAIGN, mood=3.5)
    facts, _ = await report_for(province, "SO-HP")
    total = len(facts.campaigns[0].scores["dimensions"])
    flagged = compose(with_dimensions(facts, 2))
    missed = next(t for t in section(flagged, SHORTCOMINGS) if "chưa đạt mục tiêu" in t)
    assert f"câu trả lời ở 02/{total:02d} nội dung chưa nhất quán với nhau" in missed
    assert "chỉ số cần được đọc thận trọng" in missed
    assert any("chưa nhất quán với nhau" in text for text in texts(flagged))  # II says it too
    clean = compose(with_dimensions(facts, 0))
    missed = next(t for t in section(clean, SHORTCOMINGS) if "chưa đạt mục tiêu" in t)
    assert "thận trọng" not in missed


def with_rates(
    facts: ReportFacts, rates: list[tuple[int, int]], status: str = "closed"
) -> ReportFacts:
    """The campaigns with (responses, expected) as given, all in ``status``."""
    campaigns: list[CampaignFacts] = [
        replace(campaign, responses=responses, expected=expected, status=status)
        for campaign, (responses, expected) in zip(facts.campaigns, rates, strict=True)
    ]
    return replace(facts, campaigns=tuple(campaigns))


async def test_the_response_rate_is_forms_over_people_expected(province: Settings) -> None:
    await add_synthetic_responses(province, 400, random.Random(27), campaign=CAMPAIGN)
    await add_synthetic_responses(province, 400, random.Random(28), campaign=FEEDBACK)
    facts, _ = await report_for(province, "SO-HP", CAMPAIGN, FEEDBACK)
    differing = compose(with_rates(facts, [(400, 4000), (400, 8000)]))
    low = next(t for t in section(differing, SHORTCOMINGS) if "còn thấp" in t)
    assert low.startswith("Tỷ lệ phiếu thu về so với số người dự kiến lấy ý kiến còn thấp (6,7%)")
    assert f"thấp nhất là đợt “{facts.campaigns[1].title}” (5%)" in low
    assert "tham gia trả lời" not in all_text(differing)
    assert "số phiếu thu về bằng 6,7% số người dự kiến lấy ý kiến (12.000 người)" in all_text(
        differing
    )
    alike = compose(with_rates(facts, [(400, 5000), (800, 10000)]))
    low = next(t for t in section(alike, SHORTCOMINGS) if "còn thấp" in t)
    assert "(8%)" in low and "thấp nhất" not in low
    # while forms still arrive, the rate is where it stands today, not a shortcoming yet
    still = compose(with_rates(facts, [(400, 5000), (800, 10000)], status="open"))
    shortcomings = " ".join(section(still, SHORTCOMINGS))
    assert "còn thấp" not in shortcomings
    assert "số phiếu thu về mới bằng 8% số người dự kiến lấy ý kiến" in shortcomings


async def test_the_topics_raised_are_those_of_what_asks_for_something(
    province: Settings,
) -> None:
    """A topic is counted over the comments that raise a problem or ask for something: praise
    of a teacher does not make teachers the office's first concern."""
    await add_synthetic_responses(province, 600, random.Random(25), campaign=CAMPAIGN)
    facts, report = await report_for(province, "SO-HP")
    items = facts.campaigns[0].scores["themes"]["items"]
    praised = [item for item in items if item["praise"] and item["id"] != "khen_ngoi"]
    assert praised, "the demo's praise names a topic"
    raised = " ".join(section(report, COMMENTS))
    named = [item for item in items if f"“{item['label']}” (" in raised]
    assert named, raised
    for item in named:
        assert item["id"] != "khen_ngoi"
        count = f"{item['complaint']:02d}" if item["complaint"] < 1000 else None
        assert count is not None and f"“{item['label']}” ({count} ý kiến)" in raised, item
    # the topics named are the most complained of, whatever the praise
    complaints = sorted((i["complaint"] for i in items if i["id"] != "khen_ngoi"), reverse=True)
    assert sorted((i["complaint"] for i in named), reverse=True) == complaints[: len(named)]


async def test_an_office_takes_part_in_the_campaigns_of_the_office_above(
    province: Settings,
) -> None:
    """The Sở runs its campaigns; the commune office carries them out in its area, and says
    whose they are. A report on named campaigns gives its period as a range, read whole."""
    _, own = await report_for(province, "SO-HP")
    _, commune = await report_for(province, "XA-LECHAN")
    organisation = "CÔNG TÁC TỔ CHỨC LẤY Ý KIẾN"
    assert (
        "Sở Giáo dục và Đào tạo thành phố Hải Phòng triển khai 01 đợt"
        in section(own, organisation)[0]
    )
    first = section(commune, organisation)[0]
    assert "phối hợp triển khai 01 đợt khảo sát, lấy ý kiến do Sở Giáo dục và Đào tạo thành " in (
        first
    )
    assert first.startswith("Từ ngày ") and "Trong từ" not in all_text(commune)
    assert "đã phối hợp tổ chức lấy ý kiến" in texts(commune)[0]
    assert "đã tổ chức lấy ý kiến" in texts(own)[0]


async def test_the_feedback_kinds_the_backlog_counts_are_all_in_the_table(
    province: Settings,
) -> None:
    """The forms choosing phản ánh or kiến nghị that the backlog counts can be traced in the
    table: a feedback-type question shows every option, never "01 lựa chọn khác"."""
    await add_synthetic_responses(province, 300, random.Random(29), campaign=FEEDBACK)
    _, report = await report_for(province, "SO-HP", FEEDBACK)
    table = next(b for b in report.blocks if isinstance(b, Table))
    kinds = next(row for row in table.rows if "Phản ánh (" in row[2] or "Kiến nghị (" in row[2])
    assert "Phản ánh (" in kinds[2] and "Kiến nghị (" in kinds[2]
    assert "lựa chọn khác" not in kinds[2]
