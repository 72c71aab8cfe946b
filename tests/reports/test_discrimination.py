"""Results that tell units apart, and say no more than the data allow: the ends of the scale
at the ceiling, no ranking where intervals overlap, a question about the child's school level
never presented as an opinion, the method in plain words once, schools counted once and kept
apart from communes (both engines)."""

from __future__ import annotations

import random
import re

from survey_server.config import Settings
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.reports.compose import CEILING, apart, is_other
from survey_server.reports.model import Report, Table
from tests.reports.test_wording import CAMPAIGN, all_text, province, report_for, texts

__all__ = ["province"]


def tables(report: Report) -> list[Table]:
    return [block for block in report.blocks if isinstance(block, Table)]


async def test_at_the_ceiling_the_report_gives_the_ends_of_the_scale(province: Settings) -> None:
    """96–98 % satisfied says little: the report adds "Rất hài lòng" and the dissatisfied
    share with intervals, says the index is at the ceiling, and compares units on the top box
    only where intervals allow it."""
    await add_synthetic_responses(province, 900, random.Random(5), campaign=CAMPAIGN, mood=5.4)
    facts, report = await report_for(province, "SO-HP")
    general = facts.campaigns[0].scores["overall"]["general"]
    assert general["satisfied"] >= CEILING
    top, bottom = general["very_satisfied"], general["dissatisfied"]
    assert top["ci"][0] <= top["share"] <= top["ci"][1] and bottom["share"] < 5
    text = all_text(report)
    assert "người trả lời “Rất hài lòng” (khoảng tin cậy 95%:" in text
    assert "đã ở mức rất cao (từ 95% trở lên) nên ít phân biệt được các đơn vị" in text
    assert re.search(r"Tỷ lệ “Rất hài lòng” của các đơn vị không khác biệt rõ rệt|Xét tỷ lệ", text)
    units = next(t for t in tables(report) if "theo đơn vị" in t.caption)
    assert "Rất hài lòng (câu đánh giá chung)" in units.header


async def test_at_ordinary_levels_there_is_no_ceiling_sentence(province: Settings) -> None:
    await add_synthetic_responses(province, 700, random.Random(6), campaign=CAMPAIGN, mood=3.6)
    facts, report = await report_for(province, "SO-HP")
    assert facts.campaigns[0].scores["overall"]["general"]["satisfied"] < CEILING
    assert "ít phân biệt được các đơn vị" not in all_text(report)
    assert "Xét tỷ lệ “Rất hài lòng”" not in all_text(report)


async def test_aspects_whose_intervals_overlap_are_not_ranked(province: Settings) -> None:
    """Every respondent of one mood: the dimensions differ by noise only."""
    await add_synthetic_responses(province, 700, random.Random(7), campaign=CAMPAIGN, mood=4.0)
    facts, report = await report_for(province, "SO-HP")
    dimensions = facts.campaigns[0].scores["dimensions"]
    ranked = sorted(dimensions, key=lambda d: d["index"])
    assert not apart(ranked[0]["ci"], ranked[-1]["ci"])
    text = all_text(report)
    assert "Các nội dung được đánh giá tương đương nhau" in text
    assert "Nội dung được đánh giá cao nhất" not in text


def test_intervals_apart() -> None:
    assert apart([80.0, 85.0], [60.0, 79.9]) and apart([60.0, 79.9], [80.0, 85.0])
    assert not apart([80.0, 85.0], [70.0, 80.0]) and not apart(None, [1.0, 2.0])


async def test_the_childs_school_level_is_not_presented_as_an_opinion(province: Settings) -> None:
    await add_synthetic_responses(province, 600, random.Random(8), campaign="DT-2026")
    _, report = await report_for(province, "SO-HP", "DT-2026")
    prose = " ".join(texts(report))
    assert "Con ông/bà đang học cấp nào" not in prose
    table = next(t for t in tables(report) if "Kết quả theo từng câu hỏi" in t.caption)
    assert any(row[1] == "Con ông/bà đang học cấp nào" for row in table.rows)
    assert all(len(row[2].split("; ")) <= 4 for row in table.rows)  # three and "n khác"
    assert not [note for note in report.notes() if note.text.startswith("Tỷ lệ lựa chọn")]


async def test_the_method_is_told_once_in_plain_words(province: Settings) -> None:
    for seed, campaign in enumerate(("HL-PT-2026", "HL-MN-2026", "MC-2026")):
        await add_synthetic_responses(province, 400, random.Random(seed), campaign=campaign)
    _, report = await report_for(province, "SO-HP", "HL-PT-2026", "HL-MN-2026", "MC-2026")
    notes = [note.text for note in report.notes()]
    everything = all_text(report) + " ".join(notes)
    for jargon in ("bootstrap", "Holm", "k = ", "kiểm định"):
        assert jargon not in everything, jargon
    assert sum("khoảng tin cậy 95%: phạm vi" in note for note in notes) == 1
    assert not [note for note in notes if note != note.strip() or "  " in note]


async def test_schools_are_counted_once_and_communes_apart(province: Settings) -> None:
    for seed, campaign in enumerate((CAMPAIGN, "DT-2026")):
        await add_synthetic_responses(province, 500, random.Random(seed), campaign=campaign)
    facts, report = await report_for(province, "SO-HP", CAMPAIGN, "DT-2026")
    reached = frozenset().union(*(c.school_ids for c in facts.campaigns))
    assert sum(c.schools for c in facts.campaigns) > len(reached)  # the same schools twice
    text = all_text(report)
    assert "lượt trường" not in text
    found = re.search(r"(\d+)/(\d+) trường được lấy ý kiến \([\d,]+%\) có phiếu trả lời", text)
    assert found and int(found[2]) == len(reached)
    assert re.search(r"có phiếu trả lời, thuộc 0?\d+ xã, phường, đặc khu", text)
    units = next(t for t in tables(report) if "theo đơn vị" in t.caption)
    names = [row[1] for row in units.rows]
    communes, schools = names.index("Xã, phường, đặc khu"), names.index("Trường, trung tâm")
    places = ("Phường ", "Xã ", "Đặc khu ")  # a commune's row pools its schools' answers
    assert all(name.startswith(places) for name in names[communes + 1 : schools])
    assert not [name for name in names[schools + 1 :] if name.startswith(places)]
    group = r"khối các trường do (phường|xã|đặc khu) [^()]+ quản lý"
    assert re.search(group, text, re.IGNORECASE) or "rõ rệt" not in text
    assert not re.search(r"\d+ đơn vị (có chỉ số|thấp hơn)", text)  # a group is no "đơn vị"
    numbers = [row[0] for row in units.rows if row[0]]
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]


def test_a_catch_all_option_is_never_the_named_answer() -> None:
    assert is_other("khac") and is_other("ly_do_khac") and is_other("khac_nua")
    assert not is_other("doi_xu_khac_biet")  # "treated differently" is an answer


async def test_an_open_campaign_misses_its_target_provisionally(province: Settings) -> None:
    """Seven days into a three-month campaign, "chưa đạt" is said of the figures so far."""
    await add_synthetic_responses(province, 500, random.Random(9), campaign=CAMPAIGN, mood=3.5)
    _, report = await report_for(province, "SO-HP")
    missed = [text for text in texts(report) if "chưa đạt mục tiêu 85%" in text]
    assert missed and all(text.startswith("Theo số liệu tạm thời đến ngày ") for text in missed)
