"""The report's wording follows the data: rising and falling indices, a unit under k, periods
with and without kiến nghị; numbers in Vietnamese format and equal to the dashboard's (both
engines)."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from survey_server.campaigns.services import CampaignSpec, get_campaign, set_status
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.distribution.services import open_campaign
from survey_server.i18n import format_number, format_share
from survey_server.reports.compose import compose, count
from survey_server.reports.gather import NothingToReport, ReportFacts, gather, operator_scope
from survey_server.reports.model import Heading, Note, Paragraph, Report, Table
from survey_server.reports.period import parse_period
from survey_server.responses.tables import Submission
from survey_server.scoring.services import campaign_scores, publish
from survey_server.staff.tables import FeedbackCase
from survey_server.timekeeping import today
from survey_server.units.services import get_unit
from tests.conftest import Database

CAMPAIGN = "HL-PT-2026"
EARLIER = "HL-PT-2025"
LEVELS = ("tieu_hoc", "thcs", "thpt")


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings)
    return settings


async def waves(settings: Settings, before: float, after: float) -> None:
    """A closed campaign of last year at satisfaction ``before``, this one at ``after``."""
    day = today(settings.timezone)
    earlier = CampaignSpec(
        code=EARLIER,
        title={"vi": "Khảo sát sự hài lòng năm học 2025–2026"},
        questionnaire_slug="hai-long-pho-thong",
        root_unit_code="SO-HP",
        opens_on=day - timedelta(days=400),
        closes_on=day - timedelta(days=300),
    )
    await open_campaign(earlier, settings.timezone, ("qr_meeting",), LEVELS)
    await add_synthetic_responses(settings, 700, random.Random(1), campaign=EARLIER, mood=before)
    await set_status(EARLIER, "closed")
    await add_synthetic_responses(settings, 700, random.Random(2), campaign=CAMPAIGN, mood=after)


async def report_for(
    settings: Settings, unit_code: str, *campaigns: str
) -> tuple[ReportFacts, Report]:
    unit = await get_unit(unit_code)
    facts = await gather(
        operator_scope(unit), unit_code, None, campaigns or (CAMPAIGN,), today(settings.timezone)
    )
    return facts, compose(facts)


def texts(report: Report) -> list[str]:
    return [block.text for block in report.blocks if isinstance(block, Paragraph)]


def section(report: Report, title: str) -> list[str]:
    """The paragraphs under a heading, up to the next heading of the same or a higher level."""
    out: list[str] = []
    inside: int | None = None
    for block in report.blocks:
        if isinstance(block, Heading):
            if inside is not None and block.level <= inside:
                break
            if block.title == title:
                inside = block.level
        elif inside is not None and isinstance(block, Paragraph):
            out.append(block.text)
    return out


def all_text(report: Report) -> str:
    parts = texts(report)
    parts += [note.text for note in report.notes()]
    for block in report.blocks:
        if isinstance(block, Table):
            parts += [" ".join(row) for row in block.rows]
    return "\n".join(parts)


async def test_a_rising_index_is_reported_as_a_rise(province: Settings) -> None:
    await waves(province, before=3.2, after=4.5)
    facts, report = await report_for(province, "SO-HP")
    scores = facts.campaigns[0].scores
    previous = scores["previous"]
    assert previous["comparison"]["overall"]["significant"]
    change = next(text for text in texts(report) if "so với đợt khảo sát trước" in text)
    assert "tăng" in change and "giảm" not in change.split("trong đó")[0]
    now = format_share(scores["overall"]["index"] / 100)
    before = format_share(previous["overall"] / 100)
    assert f"từ {before} lên {now}" in change
    assert any("tăng rõ rệt so với đợt trước" in text for text in section(report, "Ưu điểm"))
    assert not any("giảm so với đợt trước" in text for text in section(report, "Tồn tại, hạn chế"))


async def test_a_falling_index_is_a_shortcoming(province: Settings) -> None:
    await waves(province, before=4.5, after=3.2)
    _, report = await report_for(province, "SO-HP")
    change = next(text for text in texts(report) if "so với đợt khảo sát trước" in text)
    assert change.startswith("Chỉ số hài lòng tổng hợp giảm")
    shortcomings = section(report, "Tồn tại, hạn chế")
    assert any("giảm so với đợt trước" in text for text in shortcomings)
    assert any("chưa đạt mục tiêu 85%" in text for text in shortcomings)
    table = next(b for b in report.blocks if isinstance(b, Table))
    overall_row = table.rows[-1]
    assert overall_row[-1].startswith("−") and overall_row[-1].endswith("*")


async def test_no_previous_campaign_means_no_change_sentence(province: Settings) -> None:
    await add_synthetic_responses(province, 400, random.Random(3), campaign=CAMPAIGN)
    _, report = await report_for(province, "SO-HP")
    assert not any("đợt khảo sát trước" in text for text in texts(report))
    table = next(b for b in report.blocks if isinstance(b, Table))
    assert not [cell for cell in table.header if "đợt trước" in cell]  # no column of dashes
    # no note about changes; only that the composite comes from the unrounded components
    assert table.note == "Chỉ số tổng hợp được tính từ chỉ số thành phần chưa làm tròn."


async def test_a_unit_under_k_shows_no_number_anywhere(province: Settings) -> None:
    schools = ("TH-LC1", "TH-LC2", "THCS-LC1")
    await add_synthetic_responses(province, 300, random.Random(4), campaign=CAMPAIGN, units=schools)
    await add_synthetic_responses(
        province, 3, random.Random(5), campaign=CAMPAIGN, units=["TH-LC3"]
    )
    facts, report = await report_for(province, "XA-LECHAN")
    campaign = facts.campaigns[0]
    withheld = {child.code for child in campaign.children if child.scores is None}
    assert "TH-LC3" in withheld
    view = await campaign_scores(CAMPAIGN, "XA-LECHAN")
    assert {code for code, group in view["groups"].items() if group["suppressed"]} >= withheld
    names = {child.code: child.name for child in campaign.children}
    units_table = [b for b in report.blocks if isinstance(b, Table)][1]
    for row in units_table.rows:
        if row[1] in {names[code] for code in withheld}:
            assert row[2:5] == ("—", "—", "—")
    body = all_text(report)
    for code in withheld:
        name = names[code]
        for line in body.splitlines():
            for mention in re.finditer(re.escape(name) + r"[^;.]*", line):
                assert "%" not in mention.group(0), mention.group(0)
    assert any(
        f"dưới {count(campaign.k, 'vi')} phiếu nên không công bố số liệu riêng" in text
        for text in texts(report)
    )


async def test_a_scope_under_k_is_withheld_whole(province: Settings) -> None:
    await add_synthetic_responses(
        province, 4, random.Random(6), campaign=CAMPAIGN, units=["TH-LC1"]
    )
    _, report = await report_for(province, "TH-LC1")
    assert any("không công bố chỉ số" in text for text in texts(report))
    assert "%" not in "".join(section(report, "KẾT QUẢ KHẢO SÁT, LẤY Ý KIẾN"))
    assert not [b for b in report.blocks if isinstance(b, Table)]


async def test_comments_nobody_classified_are_not_reported_as_none(province: Settings) -> None:
    """Parents wrote complaints and nobody has classified them yet: the report says they wait,
    never that there were none."""
    await add_synthetic_responses(province, 300, random.Random(7), campaign=CAMPAIGN)
    _, report = await report_for(province, "SO-HP")
    raised = section(report, "Ý KIẾN, KIẾN NGHỊ CỦA CHA MẸ HỌC SINH VÀ NHÂN DÂN")
    assert not any("không có phản ánh, kiến nghị, khiếu nại, tố cáo" in text for text in raised)
    assert any(
        "chưa được tiếp nhận, phân loại" in text or "chưa được tổng hợp" in text for text in raised
    )
    assert all(text.strip() for text in raised)  # no empty paragraph either
    assert not any(
        "Còn" in text and "kiến nghị" in text for text in section(report, "Tồn tại, hạn chế")
    )


async def test_classified_comments_are_counted_with_their_status(province: Settings) -> None:
    await add_synthetic_responses(province, 300, random.Random(8), campaign=CAMPAIGN)
    await publish(await get_campaign(CAMPAIGN))  # staff classify published comments only
    published = Submission.select(Submission.id).where(Submission.released_in.is_not_null())
    ids = [row["id"] for row in await published.limit(6)]
    cases = [("kien_nghi", "da"), ("kien_nghi", "dang"), ("phan_anh", "da"), ("to_cao", "chua")]
    for submission, (kind, status) in zip(ids, cases, strict=False):
        await FeedbackCase(submission=submission, kind=kind, status=status).save()
    await FeedbackCase(submission=ids[5], kind=None, status="chua").save()  # not yet classified
    _, report = await report_for(province, "SO-HP")
    raised = " ".join(section(report, "Ý KIẾN, KIẾN NGHỊ CỦA CHA MẸ HỌC SINH VÀ NHÂN DÂN"))
    assert "01 phản ánh, 02 kiến nghị và 01 tố cáo (tổng số 04)" in raised
    assert "Đã giải quyết: 02" in raised and "Đang giải quyết: 01" in raised
    assert "Chưa giải quyết: 01" in raised
    assert "Luật Khiếu nại, Luật Tố cáo" in raised
    assert any("Còn 02 phản ánh, kiến nghị" in text for text in section(report, "Tồn tại, hạn chế"))


async def test_numbers_are_vietnamese_and_match_the_dashboard(province: Settings) -> None:
    await add_synthetic_responses(province, 2400, random.Random(9), campaign=CAMPAIGN)
    facts, report = await report_for(province, "SO-HP")
    view = await campaign_scores(CAMPAIGN, "SO-HP")
    body = "\n".join(texts(report))
    assert format_share(view["overall"]["index"] / 100) in body
    assert re.search(r"\d,\d%", body) and not re.search(r"\d\.\d%", body)
    total = facts.responses
    assert total >= 1000 and f"{format_number(total)} phiếu" in body
    assert "." in format_number(total)
    notes = [
        part
        for block in report.blocks
        if isinstance(block, Paragraph)
        for part in block.parts
        if isinstance(part, Note)
    ]
    assert len(notes) >= 3


async def test_period_selects_overlapping_campaigns(province: Settings) -> None:
    await add_synthetic_responses(province, 200, random.Random(10))
    year = today(province.timezone).year
    unit = await get_unit("SO-HP")
    facts = await gather(
        operator_scope(unit), "SO-HP", parse_period(str(year)), (), today(province.timezone)
    )
    assert {c.code for c in facts.campaigns} == {
        "HL-PT-2026",
        "HL-MN-2026",
        "MC-2026",
        "DT-2026",
        "PA-2026",
    }
    with pytest.raises(NothingToReport):
        await gather(
            operator_scope(unit), "SO-HP", parse_period(str(year - 5)), (), today(province.timezone)
        )


async def test_a_campaign_that_does_not_reach_the_unit_is_left_out(province: Settings) -> None:
    year = str(today(province.timezone).year)
    unit = await get_unit("MN-LC1")  # a preschool: the phổ thông surveys never reached it
    facts = await gather(
        operator_scope(unit), "MN-LC1", parse_period(year), (), today(province.timezone)
    )
    assert {c.code for c in facts.campaigns} == {"HL-MN-2026", "MC-2026"}
    with pytest.raises(NothingToReport):
        await gather(
            operator_scope(unit), "MN-LC1", None, ("HL-PT-2026",), today(province.timezone)
        )
