"""The report's prose: facts in, a document model out, in the register of a dân vận report.

Sentences are chosen by the data — a rising or falling index, a target met or missed, units
clearly above or below the others, comments with or without kiến nghị — and every number is
formatted for Vietnamese (12.345; 87,5%; ngày 20 tháng 11 năm 2026). Only numbers of groups
that the campaign's scoring shows are written: a withheld group (fewer than k responses) is
named as withheld and carries no figure, in the text, the tables and the footnotes alike.
The detail a reader may want — per-unit figures, method, distributions — goes to footnotes,
as the reference reports do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from babel.numbers import format_percent

from analysis.intervals import wilson_bounds
from survey_server.i18n import (
    N_,
    format_number,
    format_short_day,
    gettext,
    localize,
)
from survey_server.questionnaires.schema import Question
from survey_server.rendering import CASE_LABELS, KIND_LABELS, mix_label
from survey_server.reports.claims import CASE_OPTIONS, Evidence, evidence, holds
from survey_server.reports.gather import CampaignFacts, ChildFacts, ReportFacts
from survey_server.reports.letterheads import commune_area, speaker
from survey_server.reports.model import (
    Block,
    Heading,
    Letterhead,
    Note,
    Paragraph,
    Report,
    Span,
    Table,
)
from survey_server.responses.prefill import asks_school_level
from survey_server.scoring.releases import POOLED

#: Đề án 2034/QĐ-BGDĐT: at least 85 % of parents satisfied.
TARGET = 85.0
#: How each channel is named in a sentence ("… qua {channel} (n phiếu)").
CHANNEL_PHRASES = {
    "qr_meeting": N_("quét mã QR tại các buổi họp phụ huynh"),
    "zalo": N_("đường dẫn gửi qua nhóm Zalo của lớp"),
    "partner": N_("phiếu do Ủy ban MTTQ và các đoàn thể phát, thu"),
    "paper": N_("phiếu giấy"),
    "web": N_("trang thông tin điện tử"),
    POOLED: N_("nhiều hình thức, gộp lại khi kết thúc đợt"),
}
#: At or above this satisfied share an index no longer tells units apart (real campaigns: 96–98 %).
CEILING = 95.0
#: Below this response rate (% of expected respondents) the report calls participation low.
LOW_RESPONSE = 30.0
#: How many options of a question the consultation table shows (the export has them all).
TOP_OPTIONS = 3
#: How many themes the text names; the footnote lists them all.
THEMES_NAMED = 4
QUOTE_LIMIT = 160
#: What the issuing body does with the comments still waiting, by the claim that allows it:
#: it names itself, and says "tiếp tục" only once some comments were taken up.
FOLLOW_UPS = {
    "backlog_untouched": N_("{unit} tiếp nhận, phân loại để xem xét, giải quyết theo quy định"),
    "backlog_continued": N_(
        "{unit} tiếp tục tiếp nhận, phân loại để xem xét, giải quyết theo quy định"
    ),
}


OPENING = N_(
    "Thực hiện mô hình “Ngành Giáo dục lắng nghe ý kiến nhân dân” {period}, {unit} đã tổ chức "
    "lấy ý kiến của cha mẹ học sinh và Nhân dân bằng phiếu khảo sát, phiếu góp ý, bảo đảm ẩn "
    "danh người trả lời; kết quả cụ thể như sau:"
)
OPENING_TAKING_PART = N_(
    "Thực hiện mô hình “Ngành Giáo dục lắng nghe ý kiến nhân dân” {period}, {unit} đã phối hợp "
    "tổ chức lấy ý kiến của cha mẹ học sinh và Nhân dân bằng phiếu khảo sát, phiếu góp ý, bảo "
    "đảm ẩn danh người trả lời; kết quả cụ thể như sau:"
)


def compose(facts: ReportFacts, lang: str = "vi") -> Report:
    """The whole section for ``facts``."""
    writer = _Writer(facts, lang)
    return Report(
        letterhead=Letterhead(
            governing=facts.letterhead.governing,
            issuer=facts.letterhead.issuer,
            symbol=facts.letterhead.symbol,
            place=facts.letterhead.place,
            issued_on=facts.issued_on,
            signer_title=facts.letterhead.signer_title,
            signer_authority=facts.letterhead.signer_authority,
            signer_name=facts.letterhead.signer_name,
            recipients=facts.letterhead.recipients,
        ),
        title=gettext("BÁO CÁO", lang),
        subtitle=gettext(
            "Kết quả thực hiện mô hình “Ngành Giáo dục lắng nghe ý kiến nhân dân” {period}",
            lang,
            period=unbroken(facts.period.describe(lang)),
        ),
        blocks=tuple(writer.blocks()),
        closing=(
            Paragraph.of(
                gettext(
                    "Trên đây là kết quả thực hiện mô hình “Ngành Giáo dục lắng nghe ý kiến "
                    "nhân dân” {period} của {unit}./.",
                    lang,
                    period=facts.period.describe(lang),
                    unit=speaker(facts.unit, facts.letterhead),
                )
            ),
        ),
    )


def count(value: int, lang: str) -> str:
    """A count as administrative reports write it: ``03``, ``12``, ``12.345``."""
    return f"0{value}" if 0 <= value < 10 else format_number(value, lang)


def percent(value: float, lang: str) -> str:
    """An index or share on the 0–100 scale as an office writes it: ``87,5%``, ``100%`` (no
    decimal that says nothing)."""
    return format_percent(value / 100, format="#,##0.#%", locale=lang)


def interval(bounds: Sequence[float] | None, lang: str) -> str:
    """A 95 % interval: ``86,1–88,8%``; a dash when there is none."""
    if not bounds:
        return "—"
    return f"{format_number(bounds[0], lang, 1)}–{format_number(bounds[1], lang, 1)}%"


def unbroken(period: str) -> str:
    """A period with its last two words (``năm 2026``) joined by a no-break space: a title
    line never leaves the year alone."""
    head, _, year = period.rpartition(" ")
    return f"{head}\u00a0{year}" if head else period


def points(value: float, lang: str) -> str:
    """A difference of percentages, without its sign: ``2,3 điểm phần trăm``."""
    return gettext("{value} điểm phần trăm", lang, value=format_number(abs(value), lang, 1))


def listing(items: Sequence[str], lang: str) -> str:
    """``a, b và c``."""
    if len(items) <= 1:
        return "".join(items)
    return gettext("{first} và {last}", lang, first=", ".join(items[:-1]), last=items[-1])


def headline(question: Question, kind: str) -> bool:
    """Whether a choice question's leading answer may stand in the text: asked of everyone
    (not shown only after another answer, whose share it would misstate), a single answer or
    yes/no, and about the matter, not about the respondent's child."""
    return (
        kind in ("single", "yes_no")
        and question.show_if is None
        and not asks_school_level(question)  # about the child, not an opinion
    )


def is_other(option: str) -> bool:
    """ "Khác", "Lý do khác": a catch-all is never the answer the text names."""
    return option == "khac" or option.startswith("khac_") or option.endswith("_khac")


def option_labels(question: Question, lang: str) -> dict[str, str]:
    if question.type == "yes_no":
        return {"yes": gettext("Có", lang), "no": gettext("Không", lang)}
    return {o.id: localize(o.label, lang) for o in question.options or []}


def wilson_interval(share: float, n: int) -> list[float]:
    """The 95 % Wilson interval of a share given in percent of ``n``."""
    low, high = wilson_bounds(np.array(round(share * n / 100)), np.array(n))
    return [100 * float(low), 100 * float(high)]


def apart(first: Sequence[float] | None, second: Sequence[float] | None) -> bool:
    """Whether two 95 % intervals do not overlap: only then does the report rank the two."""
    if not first or not second:
        return False
    return first[0] > second[1] or second[0] > first[1]


def shown(scores: dict[str, Any]) -> bool:
    """Whether a scores view carries numbers (it is withheld below k)."""
    return not scores.get("suppressed")


def has_index(scores: dict[str, Any]) -> bool:
    return shown(scores) and scores["overall"].get("index") is not None


class _Writer:
    """Writes the blocks of one report; holds the facts and the language."""

    def __init__(self, facts: ReportFacts, lang: str) -> None:
        self.facts = facts
        self.lang = lang
        self.unit = speaker(facts.unit, facts.letterhead)
        self.tables = 0
        self.method_told = False
        self.told: set[str] = set()
        published = [c.scores for c in facts.campaigns if shown(c.scores)]
        self.evidence = (
            Evidence(known=False)
            if facts.sources
            else evidence(
                (scores.get("themes") for scores in published),
                facts.cases(),
                (choice for scores in published for choice in scores.get("choices", [])),
                waiting=sum(c.unpublished for c in facts.campaigns),
            )
        )

    def _(self, message: str, **params: Any) -> str:
        return gettext(message, self.lang, **params)

    def count(self, value: int) -> str:
        return count(value, self.lang)

    def amount(self, value: int) -> str:
        """A count in running text, where an office writes "không có" for none."""
        return self._("không có") if value == 0 else self.count(value)

    def percent(self, value: float) -> str:
        return percent(value, self.lang)

    # -- the section --------------------------------------------------------------------------

    def blocks(self) -> Iterable[Block]:
        lang = self.lang
        satisfaction = [c for c in self.facts.campaigns if c.kind == "satisfaction"]
        # an office that only carries out the campaigns of the one above it did not organise them
        organised = not all(c.organiser for c in self.facts.campaigns)
        yield Paragraph.of(
            gettext(
                OPENING if organised else OPENING_TAKING_PART,
                lang,
                period=self.facts.period.describe(lang),
                unit=self.unit,
            )
        )
        yield Heading(1, gettext("CÔNG TÁC TỔ CHỨC LẤY Ý KIẾN", lang))
        yield from self.organisation()
        yield Heading(1, gettext("KẾT QUẢ KHẢO SÁT, LẤY Ý KIẾN", lang))
        for campaign in self.facts.campaigns:
            yield Heading(2, campaign.title)
            if campaign.kind == "satisfaction":
                yield from self.satisfaction(campaign)
            else:
                yield from self.consultation(campaign)
        yield Heading(1, gettext("Ý KIẾN, KIẾN NGHỊ CỦA CHA MẸ HỌC SINH VÀ NHÂN DÂN", lang))
        yield from self.comments()
        # the model's own assessment: the office's report has its general one
        yield Heading(1, gettext("ĐÁNH GIÁ VIỆC LẤY Ý KIẾN", lang))
        yield Heading(2, gettext("Ưu điểm", lang))
        yield from self.strengths(satisfaction)
        yield Heading(2, gettext("Tồn tại, hạn chế", lang))
        yield from self.shortcomings(satisfaction)

    # -- I. what was done ---------------------------------------------------------------------

    def organisation(self) -> Iterable[Block]:
        facts, lang = self.facts, self.lang
        campaigns = facts.campaigns
        yield Paragraph.of(
            self._(
                "{during}, {unit} {what}.", during=self.during(), unit=self.unit, what=self.done()
            ),
            Note(self._campaigns_note()),
        )
        channels = self.channels()
        partners: Counter[str] = Counter()
        for campaign in campaigns:
            partners.update(campaign.partners)
        if channels:
            ways = [
                self._("{channel} ({n} phiếu)", channel=self.channel(name), n=self.count(n))
                for name, n in channels.most_common()
            ]
            yield Paragraph.of(
                self._(
                    "Hình thức lấy ý kiến phù hợp với điều kiện của cha mẹ học sinh và người dân: "
                    "{ways}.",
                    ways=listing(ways, lang),
                )
            )
        if partners:
            names = [
                self._("{partner} ({n} phiếu)", partner=name, n=self.count(n))
                for name, n in sorted(partners.items())
            ]
            yield Paragraph.of(
                self._(
                    "Phối hợp với Ủy ban Mặt trận Tổ quốc và các tổ chức chính trị - xã hội "
                    "phát phiếu, tiếp nhận ý kiến: {names}.",
                    names=listing(names, lang),
                )
            )
        yield Paragraph.of(*self._totals())
        still_open = [c for c in campaigns if c.status != "closed"]
        if still_open:
            yield Paragraph.of(
                self._(
                    "{campaigns} còn đang nhận phiếu (đến ngày {end}); số liệu trong báo cáo "
                    "tính đến ngày {today} là số liệu tạm thời.",
                    campaigns=(
                        listing([f"“{c.title}”" for c in still_open], lang)
                        if len(still_open) < len(campaigns)
                        else self._("Các đợt khảo sát")
                        if len(still_open) > 1
                        else self._("Đợt khảo sát")
                    ),
                    end=format_short_day(max(c.closes_on for c in still_open), lang),
                    today=format_short_day(facts.issued_on, lang),
                )
            )

    def during(self) -> str:
        """``Trong năm 2026`` or, for a range, ``Từ ngày … đến ngày …``."""
        period = self.facts.period.describe(self.lang)
        if self.facts.period.kind == "range":
            return period[:1].upper() + period[1:]
        return self._("Trong {period}", period=period)

    def done(self) -> str:
        """What the office did: ran its own campaigns, took part in those of the office above
        it (named), or rolled up the packages of the offices below it."""
        campaigns, lang = self.facts.campaigns, self.lang
        if self.facts.sources:
            return self._(
                "tổng hợp kết quả {title} của {n} đơn vị ({names}) từ các gói kết quả có chữ "
                "ký số; gói chỉ gồm số liệu thống kê của các đơn vị đủ số phiếu để công bố, "
                "không chuyển phiếu hay ý kiến nào",
                title=listing([f"“{c.title}”" for c in campaigns], lang),
                n=self.count(len(self.facts.sources)),
                names=listing([source.name for source in self.facts.sources], lang),
            )
        by_organiser: dict[str, list[CampaignFacts]] = {}
        for campaign in campaigns:
            by_organiser.setdefault(campaign.organiser, []).append(campaign)
        clauses = []
        for organiser, group in by_organiser.items():
            titles = listing([f"“{c.title}”" for c in group], lang)
            n = self.count(len(group))
            clauses.append(
                self._(
                    "phối hợp triển khai {n} đợt khảo sát, lấy ý kiến do {organiser} tổ chức: "
                    "{titles}",
                    n=n,
                    organiser=organiser,
                    titles=titles,
                )
                if organiser
                else self._("triển khai {n} đợt khảo sát, lấy ý kiến: {titles}", n=n, titles=titles)
            )
        return "; ".join(clauses)

    def channels(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for campaign in self.facts.campaigns:
            total.update(campaign.channels)
        return total

    def channel(self, name: str) -> str:
        return self._(CHANNEL_PHRASES[name]) if name in CHANNEL_PHRASES else name

    def target(self) -> str:
        return percent(TARGET, self.lang)

    def table_caption(self, title: str) -> str:
        self.tables += 1
        return self._("Bảng {n}. {title}", n=self.tables, title=title)

    def _totals(self) -> list[Span | Note | str]:
        facts = self.facts
        campaigns = facts.campaigns
        schools = len(frozenset().union(*(c.school_ids for c in campaigns)))
        answered = len(frozenset().union(*(c.answered_ids for c in campaigns)))
        communes = len(frozenset().union(*(c.commune_ids for c in campaigns)))
        parts: list[Span | Note | str] = [
            self._("Tổng số phiếu thu về: {n} phiếu", n=self.count(facts.responses))
        ]
        unpublished = sum(c.unpublished for c in campaigns)
        if unpublished:
            parts.append(
                self._(
                    " (chưa tính ít nhất {n} phiếu mới nhận, chưa đủ nhóm tối thiểu để công bố)",
                    n=self.count(unpublished),
                )
            )
        if schools:
            parts.append(
                self._(
                    "; {answered}/{schools} trường được lấy ý kiến ({share}) có phiếu trả lời",
                    answered=self.count(answered),
                    schools=self.count(schools),
                    share=self.percent(100 * answered / schools),
                )
            )
            if communes > 1:
                parts.append(self._(", thuộc {n} xã, phường, đặc khu", n=self.count(communes)))
        expected = sum(c.expected or 0 for c in campaigns)
        if expected:
            parts.append(
                self._(
                    "; số phiếu thu về bằng {rate} số người dự kiến lấy ý kiến ({expected} người)",
                    rate=self.percent(100 * facts.responses / expected),
                    expected=self.count(expected),
                )
            )
        parts.append(".")
        return parts

    def _campaigns_note(self) -> str:
        if self.facts.sources:
            return (
                "; ".join(
                    self._(
                        "{name}: đợt {code}, {start}–{end}, {n} phiếu",
                        name=source.name,
                        code=source.campaign,
                        start=format_short_day(source.opens_on, self.lang),
                        end=format_short_day(source.closes_on, self.lang),
                        n=self.count(source.responses),
                    )
                    for source in self.facts.sources
                )
                + "."
            )
        lines = []
        for c in self.facts.campaigns:
            lines.append(
                self._(
                    "{code} (bảng hỏi phiên bản {version}): {start}–{end}, {n} phiếu, "
                    "{schools} trường",
                    code=c.code,
                    version=c.questionnaire.version,
                    start=format_short_day(c.opens_on, self.lang),
                    end=format_short_day(c.closes_on, self.lang),
                    n=self.count(c.responses),
                    schools=self.count(c.schools),
                )
                + self._life(c)
            )
        return "; ".join(lines) + "."

    def _life(self, campaign: CampaignFacts) -> str:
        """The campaign's state, and each re-opening with its reason: a reader must know when
        numbers moved after a close, and why."""
        text = ", " + (
            self._("đã kết thúc") if campaign.status == "closed" else self._("đang nhận phiếu")
        )
        for day, reason in campaign.reopenings:
            text += ", " + self._(
                "được mở lại ngày {day} với lý do: {reason}",
                day=format_short_day(day, self.lang),
                reason=reason.rstrip("."),
            )
        return text

    # -- II. satisfaction ---------------------------------------------------------------------

    def satisfaction(self, campaign: CampaignFacts) -> Iterable[Block]:
        scores = campaign.scores
        if not has_index(scores):
            yield Paragraph.of(self._withheld(campaign))
            return
        overall = scores["overall"]
        index = overall["index"]
        verdict = (
            self._("đạt mục tiêu từ {target} trở lên", target=self.target())
            if index >= TARGET
            else self._("thấp hơn mục tiêu {target} của Đề án 2034/QĐ-BGDĐT", target=self.target())
        )
        # each note hangs on what it explains: the forms, then the index
        forms = self._forms_note(campaign)
        method = self._method_note(campaign)
        parts: list[Span | Note | str] = [
            self._("Kết quả {n} phiếu khảo sát", n=self.count(scores["n"])),
            *([Note(forms)] if forms else []),
            self._(" cho thấy chỉ số hài lòng tổng hợp đạt "),
            Span(self.percent(index), bold=True),
            self._(" (khoảng tin cậy 95%: {ci})", ci=interval(overall["ci"], self.lang)),
            *([Note(method)] if method else []),
            ", " + verdict,
        ]
        general = overall.get("general")
        if general and general.get("satisfied") is not None:
            parts.append(
                self._(
                    "; tỷ lệ hài lòng chung (câu hỏi đánh giá chung) là {share}",
                    share=self.percent(general["satisfied"]),
                )
            )
        parts.append(".")
        yield Paragraph.of(*parts)
        if overall.get("general_question", "") is None:  # no general index to report, said so
            yield Paragraph.of(
                self._("Bảng hỏi không có câu hỏi đánh giá chung; kết quả theo từng tiêu chí.")
            )
        ends = self._ends(general)
        if ends:
            yield ends
        change = self._change(campaign)
        if change:
            yield change
        yield from self._aspects(campaign)
        yield self._dimension_table(campaign)
        yield from self._units(campaign)

    def _ends(self, general: dict[str, Any] | None) -> Paragraph | None:
        """The two ends of the general question's scale, with their intervals; at the ceiling
        (most real campaigns report 96–98 % satisfied) they are what still says something."""
        top = (general or {}).get("very_satisfied") or {}
        bottom = (general or {}).get("dissatisfied") or {}
        if top.get("share") is None or bottom.get("share") is None:
            return None
        text = self._(
            "Ở câu hỏi đánh giá chung, {top} người trả lời “Rất hài lòng” (khoảng tin cậy 95%: "
            "{top_ci}) và {bottom} “Không hài lòng” hoặc “Rất không hài lòng” (khoảng tin cậy 95%: "
            "{bottom_ci})",
            top=self.percent(top["share"]),
            top_ci=interval(top["ci"], self.lang),
            bottom=self.percent(bottom["share"]),
            bottom_ci=interval(bottom["ci"], self.lang),
        )
        if general and general["satisfied"] >= CEILING:
            text += "; " + self._(
                "tỷ lệ hài lòng đã ở mức rất cao (từ {ceiling} trở lên) nên ít phân biệt được "
                "các đơn vị, vì vậy bảng theo đơn vị nêu thêm tỷ lệ “Rất hài lòng”",
                ceiling=percent(CEILING, self.lang),
            )
        return Paragraph.of(text + ".")

    def _once(self, key: str, text: str) -> tuple[Note, ...]:
        """A footnote the first time it is needed; the reader has it from then on."""
        if key in self.told:
            return ()
        self.told.add(key)
        return (Note(text),)

    def _withheld(self, campaign: CampaignFacts) -> str:
        return self._(
            "Số phiếu thu về chưa đủ {k} phiếu nên không công bố chỉ số, để bảo đảm không thể "
            "nhận biết người trả lời.",
            k=self.count(campaign.k),
        )

    def _method_note(self, campaign: CampaignFacts) -> str:
        """How the index is made, in plain words, in the first satisfaction note only; then
        the campaign's share satisfied with everything, another reading of the same index."""
        scores = campaign.scores
        sentences = []
        if not self.method_told:
            sentences.append(
                self._(
                    "Chỉ số của mỗi nội dung là tỷ lệ người trả lời chọn “Hài lòng” hoặc “Rất "
                    "hài lòng” ở các câu hỏi của nội dung đó; chỉ số hài lòng tổng hợp là trung "
                    "bình của các nội dung theo Quyết định 3476/QĐ-BGDĐT. Vì chỉ một phần cha mẹ "
                    "học sinh trả lời phiếu, mỗi chỉ số kèm khoảng tin cậy 95%: phạm vi mà chỉ "
                    "số có thể dao động. Một đơn vị chỉ được nêu là cao hơn hay thấp hơn chỉ số "
                    "chung của các đơn vị còn lại khi chênh lệch đủ lớn để không thể là ngẫu "
                    "nhiên (mức ý nghĩa 5%, đã tính đến việc so sánh nhiều đơn vị cùng lúc). "
                    "Nhóm có dưới {k} phiếu không được nêu số liệu riêng, để không ai bị nhận ra "
                    "qua câu trả lời.",
                    k=self.count(campaign.k),
                )
            )
            self.method_told = True
        fully = scores["overall"].get("fully_satisfied") or {}
        if fully.get("share") is not None:
            sentences.append(
                self._(
                    "Tỷ lệ hài lòng toàn diện (hài lòng với mọi câu hỏi): {share}.",
                    share=self.percent(fully["share"]),
                )
            )
        return " ".join(sentences)

    def _forms_note(self, campaign: CampaignFacts) -> str:
        """What the forms behind the index were like: careless answers, channels, anything
        unusual in how they came in."""
        sentences = []
        quality = campaign.scores.get("quality") or {}
        if quality.get("straight_lining") or quality.get("speeding"):
            sentences.append(
                self._(
                    "Phiếu có dấu hiệu trả lời chiếu lệ: {straight} phiếu chọn cùng một mức cho "
                    "mọi câu, {speeding} phiếu làm quá nhanh; {excluded} phiếu bị loại khỏi kết "
                    "quả.",
                    straight=self.amount(quality.get("straight_lining", 0)),
                    speeding=self.amount(quality.get("speeding", 0)),
                    excluded=self.amount(quality.get("excluded", 0)),
                )
            )
        return " ".join([*sentences, *self._integrity(campaign)])

    def _integrity(self, campaign: CampaignFacts) -> list[str]:
        """How the responses came in, and what looked unusual: the channel mix, the units whose
        result rests mostly on paper they typed themselves, and the arrival flags."""
        text: list[str] = []
        total = sum(campaign.mix.values())
        if total:
            shares = [
                f"{self._(mix_label(key))} {self.percent(100 * n / total)}"
                for key, n in sorted(campaign.mix.items(), key=lambda item: -item[1])
            ]
            text.append(self._("Cơ cấu phiếu theo kênh: {shares}.", shares="; ".join(shares)))
        if campaign.self_typed:
            text.append(
                self._(
                    "Kết quả của {units} chủ yếu dựa trên phiếu giấy do chính nhà trường nhập "
                    "(đã được cơ quan cấp trên hoặc tổ chức đối tác duyệt).",
                    units=listing(campaign.self_typed, self.lang),
                )
            )
        if campaign.patterns:
            text.append(
                self._(
                    "Câu trả lời ở {units} có tỷ lệ phiếu giống hệt nhau, chọn cùng một mức cho "
                    "mọi câu hoặc làm quá nhanh cao bất thường so với các đơn vị khác; cần xem "
                    "xét thêm trước khi sử dụng kết quả của các đơn vị này.",
                    units=listing(campaign.patterns, self.lang),
                )
            )
        flagged = sum(campaign.flags.values())
        if flagged:
            text.append(
                self._(
                    "Hệ thống ghi nhận {n} trường hợp số phiếu gửi qua một đường dẫn trong ít "
                    "phút cao bất thường; {excluded} trường hợp đã bị loại khỏi kết quả, {kept} "
                    "trường hợp được giữ lại sau khi xem xét, {review} trường hợp chưa xem xét "
                    "(chưa được tính).",
                    n=self.count(flagged),
                    excluded=self.amount(campaign.flags.get("excluded", 0)),
                    kept=self.amount(campaign.flags.get("kept", 0)),
                    review=self.amount(campaign.flags.get("review", 0)),
                )
            )
        return text

    def _change(self, campaign: CampaignFacts) -> Paragraph | None:
        previous = campaign.scores.get("previous")
        if not previous or previous.get("suppressed") or previous.get("overall") is None:
            return None
        index = campaign.scores["overall"]["index"]
        before = previous["overall"]
        result = previous["comparison"]["overall"]
        difference = index - before
        if not result["significant"]:
            wording = self._(
                "tương đương đợt khảo sát trước ({before}; chênh lệch {delta}, không có ý nghĩa "
                "thống kê)",
                before=self.percent(before),
                delta=points(difference, self.lang),
            )
        elif difference > 0:
            wording = self._(
                "tăng {delta} so với đợt khảo sát trước (từ {before} lên {now})",
                delta=points(difference, self.lang),
                before=self.percent(before),
                now=self.percent(index),
            )
        else:
            wording = self._(
                "giảm {delta} so với đợt khảo sát trước (từ {before} xuống {now})",
                delta=points(difference, self.lang),
                before=self.percent(before),
                now=self.percent(index),
            )
        moved = self._moved_dimensions(campaign)
        text = self._("Chỉ số hài lòng tổng hợp {wording}", wording=wording)
        if moved:
            text += "; " + moved
        return Paragraph.of(
            text + ".",
            Note(
                self._(
                    "So sánh với đợt {code} ({n} phiếu) cùng bảng hỏi. Chỉ nêu tăng hoặc giảm "
                    "khi chênh lệch đủ lớn để không thể là ngẫu nhiên (mức ý nghĩa 5%, đã tính "
                    "đến việc so sánh nhiều nội dung cùng lúc).",
                    code=previous["campaign"],
                    n=self.count(previous["n"]),
                )
            ),
        )

    def _moved_dimensions(self, campaign: CampaignFacts) -> str:
        comparison = campaign.scores["previous"]["comparison"].get("dimensions", {})
        up = [
            self._("“{title}”", title=campaign.dimension_title(dim, self.lang))
            for dim, result in comparison.items()
            if result["significant"] and result["difference"] > 0
        ]
        down = [
            self._("“{title}”", title=campaign.dimension_title(dim, self.lang))
            for dim, result in comparison.items()
            if result["significant"] and result["difference"] < 0
        ]
        parts = []
        if up:
            parts.append(self._("tăng rõ rệt ở {items}", items=listing(up, self.lang)))
        if down:
            parts.append(self._("giảm rõ rệt ở {items}", items=listing(down, self.lang)))
        return self._("trong đó {parts}", parts=listing(parts, self.lang)) if parts else ""

    def _aspects(self, campaign: CampaignFacts) -> Iterable[Block]:
        dimensions = [d for d in campaign.scores["dimensions"] if d.get("index") is not None]
        if len(dimensions) < 2:
            return
        ranked = sorted(dimensions, key=lambda d: d["index"], reverse=True)
        best, weakest = ranked[0], ranked[-1]
        if apart(best.get("ci"), weakest.get("ci")):
            text = self._(
                "Nội dung được đánh giá cao nhất là “{best}” ({best_index}); nội dung có chỉ số "
                "thấp nhất là “{weakest}” ({weakest_index})",
                best=campaign.dimension_title(best["id"], self.lang),
                best_index=self.percent(best["index"]),
                weakest=campaign.dimension_title(weakest["id"], self.lang),
                weakest_index=self.percent(weakest["index"]),
            )
        else:
            text = self._(
                "Các nội dung được đánh giá tương đương nhau (chỉ số từ {low} đến {high}; mức "
                "chênh lệch giữa các nội dung không đáng kể)",
                low=self.percent(weakest["index"]),
                high=self.percent(best["index"]),
            )
        question = self._weakest_question(campaign)
        if question:
            text += self._(
                "; câu hỏi có tỷ lệ hài lòng thấp nhất là “{question}” ({share})",
                question=question[0],
                share=self.percent(question[1]),
            )
        unreliable = [d for d in dimensions if d.get("alpha_warning")]
        yield Paragraph.of(text + ".")
        if unreliable:
            yield Paragraph.of(
                self._(
                    "Câu trả lời cho các câu hỏi của {items} chưa nhất quán với nhau, nên chỉ số "
                    "của {which} cần được đọc thận trọng; cần rà soát lại các câu hỏi ở đợt sau.",
                    which=self._("nội dung này")
                    if len(unreliable) == 1
                    else self._("các nội dung này"),
                    items=listing(
                        [f"“{campaign.dimension_title(d['id'], self.lang)}”" for d in unreliable],
                        self.lang,
                    ),
                ),
                *self._once(
                    "alpha",
                    self._(
                        "Hệ số Cronbach’s alpha dưới 0,7: các câu hỏi của nội dung không cùng "
                        "phản ánh một mức độ hài lòng."
                    ),
                ),
            )

    def _weakest_question(self, campaign: CampaignFacts) -> tuple[str, float] | None:
        """The least satisfying question, when its interval lies wholly below the index (a
        question among thirty is always lowest; it is named only when it is clearly low)."""
        texts = {q.id: localize(q.text, self.lang) for q in campaign.questionnaire.questions()}
        index = campaign.scores["overall"]["index"]
        rated = [
            (texts[q["id"]], q["satisfied"])
            for q in campaign.scores.get("questions", [])
            if q.get("satisfied") is not None
            and q["id"] in texts
            and q.get("satisfied_ci")
            and q["satisfied_ci"][1] < index
        ]
        return min(rated, key=lambda item: item[1]) if rated else None

    def _dimension_table(self, campaign: CampaignFacts) -> Table:
        previous = campaign.scores.get("previous") or {}
        before = previous.get("dimensions") or {}
        compared = (previous.get("comparison") or {}).get("dimensions", {})
        rows = []
        for number, dim in enumerate(campaign.scores["dimensions"], start=1):
            index = dim.get("index")
            change = "—"
            if index is not None and dim["id"] in before:
                delta = index - before[dim["id"]]
                sign = "+" if delta > 0 else ("−" if delta < 0 else "")
                change = sign + format_number(abs(delta), self.lang, 1)
                if compared.get(dim["id"], {}).get("significant"):
                    change += "*"
            rows.append(
                (
                    str(number),
                    campaign.dimension_title(dim["id"], self.lang),
                    self.count(dim["n"]),
                    "—" if index is None else self.percent(index),
                    interval(dim.get("ci"), self.lang),
                    change,
                )
            )
        overall = campaign.scores["overall"]
        rows.append(
            (
                "",
                self._("Chỉ số hài lòng tổng hợp"),
                self.count(overall["n"]),
                self.percent(overall["index"]),
                interval(overall["ci"], self.lang),
                self._overall_change(campaign),
            )
        )
        header = (
            self._("TT"),
            self._("Thành phần"),
            self._("Số phiếu"),
            self._("Chỉ số"),
            self._("Khoảng tin cậy 95%"),
            self._("So với đợt trước (điểm %)"),
        )
        # the composite is the mean of the unrounded components: a reader adding up the
        # printed ones may land a tenth away
        rounding = self._("Chỉ số tổng hợp được tính từ chỉ số thành phần chưa làm tròn.")
        if not before:  # no previous campaign: no column of dashes, no note about them
            return Table(
                caption=self.table_caption(self._("Chỉ số hài lòng theo thành phần")),
                header=header[:-1],
                rows=tuple(row[:-1] for row in rows),
                note=rounding,
                numeric=frozenset({2, 3, 4}),
            )
        changed = any(row[-1].endswith("*") for row in rows)
        return Table(
            caption=self.table_caption(self._("Chỉ số hài lòng theo thành phần")),
            header=header,
            rows=tuple(rows),
            note=" ".join(
                [
                    *([self._("(*) Thay đổi có ý nghĩa thống kê ở mức 5%.")] if changed else []),
                    rounding,
                ]
            ),
            numeric=frozenset({2, 3, 4, 5}),
        )

    def _overall_change(self, campaign: CampaignFacts) -> str:
        previous = campaign.scores.get("previous") or {}
        if previous.get("overall") is None:
            return "—"
        delta = campaign.scores["overall"]["index"] - previous["overall"]
        sign = "+" if delta > 0 else ("−" if delta < 0 else "")
        mark = "*" if previous["comparison"]["overall"]["significant"] else ""
        return sign + format_number(abs(delta), self.lang, 1) + mark

    def _units(self, campaign: CampaignFacts) -> Iterable[Block]:
        children = campaign.children
        if not children:
            return
        shown_children = [
            c for c in children if c.scores and c.scores["overall"].get("index") is not None
        ]
        above, below = _apart(shown_children)
        withheld = [c for c in children if c.scores is None]
        parts: list[Span | Note | str] = []
        if above or below:
            sentences = []
            if above:
                sentences.append(
                    self._(
                        "{units} có chỉ số hài lòng cao hơn rõ rệt so với các đơn vị còn lại",
                        units=self._unit_list(above),
                    )
                )
            if below:
                sentences.append(
                    self._(
                        "{units} có chỉ số hài lòng thấp hơn rõ rệt so với các đơn vị còn lại",
                        units=self._unit_list(below),
                    )
                )
            text = "; ".join(sentences)
            parts.append(text[:1].upper() + text[1:])
        else:
            parts.append(
                self._(
                    "Không có đơn vị nào có chỉ số hài lòng khác biệt rõ rệt so với các đơn vị "
                    "còn lại"
                )
            )
        if withheld:
            parts.append(
                self._(
                    "; {units} có dưới {k} phiếu nên không công bố số liệu riêng",
                    units=self._tally(withheld),
                    k=self.count(campaign.k),
                )
            )
        parts.append(".")
        yield Paragraph.of(*parts)
        ceiling = self._at_ceiling(campaign, shown_children)
        if ceiling:
            yield ceiling
        yield self._units_table(campaign)

    def _at_ceiling(
        self, campaign: CampaignFacts, children: Sequence[ChildFacts]
    ) -> Paragraph | None:
        """At the ceiling, the units whose "Rất hài lòng" share is clearly apart from the whole
        (their intervals do not overlap the whole's, which contains them: a cautious test)."""
        general = campaign.scores["overall"].get("general") or {}
        whole = general.get("very_satisfied") or {}
        if general.get("satisfied") is None or general["satisfied"] < CEILING or not whole:
            return None
        above: list[tuple[float, str]] = []
        below: list[tuple[float, str]] = []
        for child in children:
            top = ((child.scores or {})["overall"].get("general") or {}).get("very_satisfied")
            if top and apart(top.get("ci"), whole.get("ci")):
                named = f"{self.named(child, in_text=True)} ({self.percent(top['share'])})"
                (above if top["share"] > whole["share"] else below).append((top["share"], named))
        # the most telling first: the highest of those above, the lowest of those below
        above = sorted(above, key=lambda item: -item[0])
        below = sorted(below, key=lambda item: item[0])
        if not above and not below:
            return Paragraph.of(
                self._(
                    "Tỷ lệ “Rất hài lòng” của các đơn vị không khác biệt rõ rệt so với chung "
                    "({share}).",
                    share=self.percent(whole["share"]),
                )
            )
        sentences = []
        if above:
            units = listing([named for _, named in above], self.lang)
            sentences.append(self._("cao hơn rõ rệt ở {units}", units=units))
        if below:
            units = listing([named for _, named in below], self.lang)
            sentences.append(self._("thấp hơn rõ rệt ở {units}", units=units))
        return Paragraph.of(
            self._(
                "Xét tỷ lệ “Rất hài lòng” (chung: {share}), {sentences}.",
                share=self.percent(whole["share"]),
                sentences="; ".join(sentences),
            )
        )

    def named(self, child: ChildFacts, *, in_text: bool = False) -> str:
        """A unit as a reader knows it: a commune's figure pools the answers about its schools,
        so it is "khối các trường do phường Lê Chân quản lý" in a sentence and "Phường Lê Chân"
        in a table."""
        area = commune_area(child.name) if child.kind == "commune" else None
        if area is None:
            return child.name
        if in_text:
            return self._("khối các trường do {area} quản lý", area=area)
        return area[:1].upper() + area[1:]

    def _tally(self, children: Sequence[ChildFacts]) -> str:
        """``02 trường và 01 khối trường``: a commune's group of schools is not counted as
        one more school, nor the two as "đơn vị" alike."""
        groups = sum(1 for child in children if child.kind == "commune")
        schools = len(children) - groups
        counted = []
        if schools:
            counted.append(self._("{n} trường", n=self.count(schools)))
        if groups:
            counted.append(self._("{n} khối trường", n=self.count(groups)))
        return listing(counted, self.lang)

    def _unit_list(self, children: Sequence[ChildFacts]) -> str:
        return listing(
            [
                self._(
                    "{name} ({index})",
                    name=self.named(c, in_text=True),
                    index=self.percent(c.scores["overall"]["index"]),  # type: ignore[index]
                )
                for c in children
            ],
            self.lang,
        )

    def _units_table(self, campaign: CampaignFacts) -> Table:
        """One row per unit; communes (which pool their schools) and schools in groups of
        their own when both are there; the "Rất hài lòng" share when the form has a general
        question."""
        general = campaign.scores["overall"].get("general") or {}
        with_top = bool(general.get("very_satisfied"))
        groups = [
            (self._("Xã, phường, đặc khu"), [c for c in campaign.children if c.kind == "commune"]),
            (self._("Trường, trung tâm"), [c for c in campaign.children if c.kind != "commune"]),
        ]
        grouped = all(children for _, children in groups)
        width = 7 if with_top else 6
        rows: list[tuple[str, ...]] = []
        number = 0
        for label, children in groups:
            if grouped and children:
                rows.append(("", label, *[""] * (width - 2)))
            for child in children:
                number += 1
                rows.append(self._unit_row(number, child, with_top))
        header = [
            self._("TT"),
            self._("Đơn vị"),
            self._("Số phiếu"),
            self._("Chỉ số"),
            self._("Khoảng tin cậy 95%"),
        ]
        if with_top:
            header.append(self._("Rất hài lòng (câu đánh giá chung)"))
        header.append(self._("Tỷ lệ phản hồi"))
        return Table(
            caption=self.table_caption(self._("Chỉ số hài lòng theo đơn vị")),
            header=tuple(header),
            rows=tuple(rows),
            note=self._(
                "“—”: đơn vị có dưới {k} phiếu (hoặc có thể suy ra từ tổng), không công bố "
                "để bảo vệ người trả lời.",
                k=self.count(campaign.k),
            )
            if any(row[3] == "—" for row in rows)
            else "",
            numeric=frozenset(range(2, width)),
        )

    def _unit_row(self, number: int, child: ChildFacts, with_top: bool) -> tuple[str, ...]:
        rate = "—"
        if child.expected:
            rate = self.percent(100 * child.responses / child.expected)
        if child.scores is None or child.scores["overall"].get("index") is None:
            blanks = ["—"] * (4 if with_top else 3)
            return (str(number), self.named(child), *blanks, "—" if child.scores is None else rate)
        overall = child.scores["overall"]
        cells = [
            str(number),
            self.named(child),
            self.count(child.scores["n"]),
            self.percent(overall["index"]),
            interval(overall["ci"], self.lang),
        ]
        if with_top:
            top = (overall.get("general") or {}).get("very_satisfied") or {}
            cells.append("—" if top.get("share") is None else self.percent(top["share"]))
        cells.append(rate)
        return tuple(cells)

    # -- II. consultations and feedback forms -------------------------------------------------

    def consultation(self, campaign: CampaignFacts) -> Iterable[Block]:
        scores = campaign.scores
        if not shown(scores):
            yield Paragraph.of(self._withheld(campaign))
            return
        questions = {q.id: q for q in campaign.questionnaire.questions()}
        leading = []
        rows = []
        for choice in scores.get("choices", []):
            question = questions.get(choice["id"])
            shares = choice.get("percent") or {}
            if question is None or not choice.get("n") or not shares:
                continue
            labels = option_labels(question, self.lang)
            ranked = sorted(
                ((option, share) for option, share in shares.items() if share is not None),
                key=lambda kv: -kv[1],
            )
            text = localize(question.text, self.lang).rstrip("?:. ")
            if len(leading) < 3 and headline(question, choice["type"]):
                leading.append(self._leading(text, ranked, labels, int(choice["n"])))
            # every option when one more would only be replaced by "01 lựa chọn khác", or when
            # the options are kinds of feedback the backlog counts (phản ánh, kiến nghị…)
            whole = len(ranked) <= TOP_OPTIONS + 1 or any(o in CASE_OPTIONS for o, _ in ranked)
            top = len(ranked) if whole else TOP_OPTIONS
            shown_options = [
                f"{labels.get(option, option)} ({self.percent(share)})"
                for option, share in ranked[:top]
            ]
            if len(ranked) > top:
                shown_options.append(self._("{n} lựa chọn khác", n=self.count(len(ranked) - top)))
            rows.append(
                (str(len(rows) + 1), text, "; ".join(shown_options), self.count(choice["n"]))
            )
        opening = self._(
            "Đợt lấy ý kiến thu về {n} phiếu",
            n=self.count(scores["n"]),
        )
        if leading:
            yield Paragraph.of(opening + "; " + "; ".join(leading) + ".")
        else:
            yield Paragraph.of(opening + ".")
        if rows:
            yield Table(
                caption=self.table_caption(self._("Kết quả theo từng câu hỏi")),
                header=(
                    self._("TT"),
                    self._("Câu hỏi"),
                    self._("Các lựa chọn nhiều nhất (tỷ lệ)"),
                    self._("Số người trả lời"),
                ),
                rows=tuple(rows),
                note=self._(
                    "Tỷ lệ trên số người trả lời từng câu; ở câu chọn nhiều đáp án, tổng các tỷ "
                    "lệ có thể vượt 100%."
                ),
                numeric=frozenset({3}),
            )

    def _leading(
        self, text: str, ranked: list[tuple[str, float]], labels: dict[str, str], answered: int
    ) -> str:
        """The most chosen answer, only when it is clearly ahead of the next (their Wilson
        intervals apart); else the leading answers side by side, as the near tie they are."""
        named = [(option, value) for option, value in ranked if not is_other(option)]
        ranked = named or ranked
        first, share = ranked[0]
        runner = ranked[1] if len(ranked) > 1 else None
        if runner is None or apart(
            wilson_interval(share, answered), wilson_interval(runner[1], answered)
        ):
            return self._(
                "về “{question}”, lựa chọn nhiều nhất là “{option}” ({share})",
                question=text,
                option=labels.get(first, first),
                share=self.percent(share),
            )
        close = [
            f"“{labels.get(option, option)}” ({self.percent(value)})"
            for option, value in ranked[:TOP_OPTIONS]
        ]
        return self._(
            "về “{question}”, các lựa chọn có tỷ lệ tương đương: {options}",
            question=text,
            options=listing(close, self.lang),
        )

    # -- III. comments ------------------------------------------------------------------------

    def comments(self) -> Iterable[Block]:
        if self.facts.sources:
            yield Paragraph.of(
                self._(
                    "Ý kiến bằng văn bản của cha mẹ học sinh, Nhân dân và việc xem xét, giải quyết "
                    "phản ánh, kiến nghị do từng đơn vị tổng hợp trong báo cáo của mình; gói kết "
                    "quả không chuyển nội dung ý kiến nên báo cáo này không tổng hợp phần này."
                )
            )
            return
        themes: Counter[str] = Counter()
        labels: dict[str, str] = {}
        quotes: dict[str, list[str]] = {}
        written = praise = complaint = 0
        for campaign in self.facts.campaigns:
            block = campaign.scores.get("themes") if shown(campaign.scores) else None
            if not block:
                continue
            written += block.get("comments", 0)
            praise += block.get("praise", 0)
            complaint += block.get("complaint", 0)
            for item in block.get("items", []):
                # the topics of what asks for something: praise of teachers is no concern
                themes[item["id"]] += item.get("complaint", item["count"])
                labels.setdefault(item["id"], item["label"])
                quotes.setdefault(item["id"], []).extend(item.get("quotes", []))
        if written:
            yield from self._themes(written, praise, complaint, themes, labels, quotes)
        elif holds("no_comments", self.evidence):
            yield Paragraph.of(self._("Trong kỳ không có ý kiến góp ý bằng văn bản."))
        if holds("some_waiting", self.evidence):
            yield Paragraph.of(
                self._(
                    "Ý kiến trong ít nhất {n} phiếu mới nhận chưa được tổng hợp vì chưa đủ nhóm "
                    "tối thiểu để công bố; sẽ được tổng hợp ở kỳ sau.",
                    n=self.count(self.evidence.waiting),
                )
            )
        handled = self._cases()
        if handled.text:
            yield handled

    def _themes(
        self,
        written: int,
        praise: int,
        complaint: int,
        themes: Counter[str],
        labels: dict[str, str],
        quotes: dict[str, list[str]],
    ) -> Iterable[Block]:
        named = [
            # quoted: topic names hold commas and "và" themselves ("học phí và các khoản thu")
            self._("“{label}” ({n} ý kiến)", label=labels[theme], n=self.count(n))
            for theme, n in themes.most_common()
            if theme != "khen_ngoi" and n
        ][:THEMES_NAMED]
        parts: list[Span | Note | str] = [
            self._(
                "Tổng hợp {n} ý kiến bằng văn bản (đã bảo đảm bí mật thông tin cá nhân của người "
                "góp ý), trong đó {praise} ý kiến có nội dung khen ngợi, {complaint} ý kiến phản "
                "ánh hạn chế hoặc đề nghị",
                n=self.count(written),
                praise=self.count(praise),
                complaint=self.count(complaint),
            )
        ]
        if named:
            parts.append(
                self._(
                    ". Phân theo nhóm nội dung, các ý kiến phản ánh, đề nghị tập trung nhiều nhất "
                    "vào các nhóm {themes}",
                    themes=listing(named, self.lang),
                )
            )
        parts.append(
            Note(
                self._(
                    "Số ý kiến phản ánh hạn chế hoặc đề nghị theo chủ đề (một ý kiến có thể thuộc "
                    "nhiều chủ đề): "
                )
                + "; ".join(
                    f"{labels[theme]}: {self.count(n)}"
                    for theme, n in themes.most_common()
                    if n and theme != "khen_ngoi"  # praise is counted in the text
                )
                + "."
            )
        )
        parts.append(".")
        yield Paragraph.of(*parts)
        chosen = self._quotes(themes, quotes)
        if chosen:
            quoted: list[Span | str] = [self._("Một số ý kiến tiêu biểu: ")]
            for number, quote in enumerate(chosen):
                if number:
                    quoted.append("; ")
                quoted.append(Span(f"“{quote}”", italic=True))
            yield Paragraph.of(*quoted, ".")

    def _quotes(self, themes: Counter[str], quotes: dict[str, list[str]]) -> list[str]:
        """One or two short quotes from the most frequent complaint themes."""
        chosen: list[str] = []
        for theme, _ in themes.most_common():
            if theme == "khen_ngoi":
                continue
            for quote in quotes.get(theme, []):
                text = " ".join(quote.split())
                if text and len(text) <= QUOTE_LIMIT and text not in chosen:
                    chosen.append(text.rstrip("."))
                    break
            if len(chosen) == 2:
                break
        return chosen

    def _cases(self) -> Paragraph:
        """How comments were handled, claiming only what the evidence holds (``claims``)."""
        cases = self.facts.cases()
        kinds: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        for (kind, status), n in cases.items():
            kinds[kind] += n
            statuses[status] += n
        if holds("nothing_to_resolve", self.evidence):
            return Paragraph.of(
                self._(
                    "Trong kỳ không có phản ánh, kiến nghị, khiếu nại, tố cáo nào qua các kênh "
                    "lấy ý kiến phải xem xét, giải quyết."
                )
            )
        text = ""
        if kinds:
            by_kind = [
                self._("{n} {kind}", n=self.count(kinds[kind]), kind=self._(label).lower())
                for kind, label in KIND_LABELS.items()
                if kinds[kind]
            ]
            by_status = [
                self._("{label}: {n}", label=self._(label), n=self.amount(statuses[status]))
                for status, label in CASE_LABELS.items()
            ]
            text = self._(
                "Các ý kiến được phân loại, xem xét, giải quyết theo quy định: {kinds} (tổng số "
                "{total}). Tình trạng giải quyết: {statuses}.",
                kinds=listing(by_kind, self.lang),
                total=self.count(sum(kinds.values())),
                statuses="; ".join(by_status),
            )
        backlog = self._backlog()
        if backlog:
            follow_up = [
                self._(message, unit=self.unit)
                for claim, message in FOLLOW_UPS.items()
                if holds(claim, self.evidence)
            ]
            text += (" " if text else "") + "; ".join([backlog, *follow_up]) + "."
        if kinds["khieu_nai"] or kinds["to_cao"]:
            text += " " + self._(
                "Khiếu nại, tố cáo được hướng dẫn, chuyển xử lý theo trình tự của Luật Khiếu "
                "nại, Luật Tố cáo."
            )
        return Paragraph.of(text)

    def _backlog(self) -> str:
        """What still waits to be taken up, as one clause that III and IV.2 share: the
        written comments nobody classified and, while nothing is classified, the feedback forms
        that chose phản ánh or kiến nghị (a form may carry one of those comments)."""
        if not holds("some_unclassified", self.evidence):
            return ""
        waiting = []
        if self.evidence.unclassified:
            waiting.append(
                self._("{n} ý kiến bằng văn bản", n=self.count(self.evidence.unclassified))
            )
        if not self.evidence.classified and self.evidence.case_answers:
            waiting.append(
                self._(
                    "{n} phiếu chọn loại phản ánh, kiến nghị",
                    n=self.count(self.evidence.case_answers),
                )
            )
        items = listing(waiting, self.lang)
        if len(waiting) > 1:
            items = self._("{items} (có thể trùng nhau một phần)", items=items)
        return self._("Còn {items} chưa được phân loại, xem xét, giải quyết", items=items)

    # -- IV. assessment -----------------------------------------------------------------------

    def strengths(self, satisfaction: Sequence[CampaignFacts]) -> Iterable[Block]:
        ways = [self.channel(name) for name, _ in self.channels().most_common() if name != POOLED]
        items = [
            self._(
                "Việc lấy ý kiến bằng {ways} giúp cha mẹ học sinh, người dân tham gia thuận "
                "tiện, ẩn danh; kết quả được tổng hợp tự động, góp phần thực hiện "
                "phương châm “dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ "
                "hưởng”.",
                ways=listing(ways, self.lang) if ways else self._("phiếu khảo sát"),
            )
        ]
        for campaign in satisfaction:
            if not has_index(campaign.scores):
                continue
            index = campaign.scores["overall"]["index"]
            if index >= TARGET:
                items.append(
                    self._(
                        "Chỉ số hài lòng của đợt “{title}” đạt {index}, đạt mục tiêu của Đề án "
                        "2034/QĐ-BGDĐT.",
                        title=campaign.title,
                        index=self.percent(index),
                    )
                )
            if _wave_direction(campaign) > 0:
                items.append(
                    self._(
                        "Sự hài lòng của cha mẹ học sinh trong đợt “{title}” tăng rõ rệt so với "
                        "đợt trước.",
                        title=campaign.title,
                    )
                )
        if holds("all_resolved", self.evidence):
            items.append(self._("Toàn bộ phản ánh, kiến nghị đã được xem xét, giải quyết."))
        for item in items:
            yield Paragraph.of(item)

    def _missed(self, campaign: CampaignFacts) -> str:
        """A campaign below the target, with II's caution when its questions' answers were
        not consistent (an index resting on them is only indicative)."""
        index = self.percent(campaign.scores["overall"]["index"])
        dimensions = [d for d in campaign.scores["dimensions"] if d.get("index") is not None]
        flagged = [d for d in dimensions if d.get("alpha_warning")]
        if not flagged:
            return self._("“{title}” ({index})", title=campaign.title, index=index)
        return self._(
            "“{title}” ({index}; câu trả lời ở {flagged}/{total} nội dung chưa nhất quán với "
            "nhau, chỉ số cần được đọc thận trọng)",
            title=campaign.title,
            index=index,
            flagged=self.count(len(flagged)),
            total=self.count(len(dimensions)),
        )

    def _low_response(self) -> str:
        """Forms received over the people expected to be asked, when low: a ratio of forms
        (one parent may fill in several), with the lowest campaign when they differ."""
        expected = sum(c.expected or 0 for c in self.facts.campaigns)
        if not expected or 100 * self.facts.responses / expected >= LOW_RESPONSE:
            return ""
        rate = self.percent(100 * self.facts.responses / expected)
        if any(c.status != "closed" for c in self.facts.campaigns):  # still collecting
            text = self._(
                "Đến ngày {today}, số phiếu thu về mới bằng {rate} số người dự kiến lấy ý kiến",
                today=format_short_day(self.facts.issued_on, self.lang),
                rate=rate,
            )
        else:
            text = self._(
                "Tỷ lệ phiếu thu về so với số người dự kiến lấy ý kiến còn thấp ({rate}), chưa "
                "phản ánh đầy đủ ý kiến của Nhân dân",
                rate=rate,
            )
        rates = {
            c.title: self.percent(100 * c.responses / c.expected)
            for c in sorted(self.facts.campaigns, key=lambda c: c.responses / (c.expected or 1))
            if c.expected
        }
        lowest = next(iter(rates))
        if len(set(rates.values())) > 1 and rates[lowest] != rate:
            text += "; " + self._(
                "thấp nhất là đợt “{title}” ({rate})", title=lowest, rate=rates[lowest]
            )
        return text + "."

    def shortcomings(self, satisfaction: Sequence[CampaignFacts]) -> Iterable[Block]:
        """Each kind of shortcoming once, naming every campaign it concerns."""
        items = []
        scored = [c for c in satisfaction if has_index(c.scores)]
        for campaign in scored:
            if _wave_direction(campaign) < 0:
                items.append(
                    self._(
                        "Chỉ số hài lòng của đợt “{title}” giảm so với đợt trước; cần làm rõ "
                        "nguyên nhân ở các nội dung có chỉ số giảm.",
                        title=campaign.title,
                    )
                )
        missed = [self._missed(c) for c in scored if c.scores["overall"]["index"] < TARGET]
        if missed:
            text = self._(
                "Chỉ số hài lòng chưa đạt mục tiêu {target}: {campaigns}.",
                target=self.target(),
                campaigns=listing(missed, self.lang),
            )
            if any(c.status != "closed" for c in scored):
                text = self._(
                    "Theo số liệu tạm thời đến ngày {day}, {text}",
                    day=format_short_day(self.facts.issued_on, self.lang),
                    text=text[:1].lower() + text[1:],
                )
            items.append(text)
        below = []
        for campaign in scored:
            _, lower = _apart([c for c in campaign.children if c.scores])
            names = [self.named(c, in_text=True) for c in lower]
            if names:
                below.append(
                    self._(
                        "{units} (đợt “{title}”)",
                        units=listing(names, self.lang),
                        title=campaign.title,
                    )
                    if len(scored) > 1
                    else listing(names, self.lang)
                )
        if below:
            items.append(
                self._(
                    "Một số đơn vị có chỉ số hài lòng thấp hơn rõ rệt so với các đơn vị còn lại: "
                    "{units}.",
                    units="; ".join(below),
                )
            )
        backlog = self._backlog()
        if backlog:
            items.append(backlog + ".")
        low = self._low_response()
        if low:
            items.append(low)
        reached = frozenset().union(*(c.school_ids for c in self.facts.campaigns))
        silent = len(reached - frozenset().union(*(c.answered_ids for c in self.facts.campaigns)))
        if silent:
            items.append(
                self._(
                    "Còn {n}/{schools} trường chưa có phiếu trả lời nào.",
                    n=self.count(silent),
                    schools=self.count(len(reached)),
                )
            )
        pending = sum(n for (_, status), n in self.facts.cases().items() if status != "da")
        if pending:
            items.append(
                self._(
                    "Còn {n} phản ánh, kiến nghị đang hoặc chưa được giải quyết.",
                    n=self.count(pending),
                )
            )
        if not items:
            items.append(self._("Qua kết quả lấy ý kiến, chưa ghi nhận tồn tại, hạn chế nổi bật."))
        for item in items:
            yield Paragraph.of(item)


def _significant(child: ChildFacts) -> int:
    """+1 / −1 when a unit differs significantly from the rest of its parent, else 0."""
    result = ((child.scores or {}).get("comparison") or {}).get("overall") or {}
    if not result.get("significant"):
        return 0
    return 1 if result["difference"] > 0 else -1


def _apart(children: Sequence[ChildFacts]) -> tuple[list[ChildFacts], list[ChildFacts]]:
    """The units clearly above the rest, highest first, and those clearly below, lowest first:
    each list starts with the unit that most calls for attention."""
    ranked = sorted(children, key=lambda child: (child.scores or {})["overall"]["index"])
    above = [child for child in reversed(ranked) if _significant(child) > 0]
    return above, [child for child in ranked if _significant(child) < 0]


def _wave_direction(campaign: CampaignFacts) -> int:
    """+1 / −1 when the overall index moved significantly since the previous campaign."""
    previous = campaign.scores.get("previous") or {}
    result = (previous.get("comparison") or {}).get("overall")
    if not result or not result["significant"] or previous.get("overall") is None:
        return 0
    return 1 if campaign.scores["overall"]["index"] > previous["overall"] else -1
