"""The sentences of the report that judge, and the facts each one needs.

A head of office signs the report: a sentence such as "Toàn bộ phản ánh, kiến nghị đã được xem
xét, giải quyết" must be true of the data, not of the part of it staff happened to classify. Each
evaluative sentence has a condition on :class:`Evidence` in ``CLAIMS``; the report writes the
sentence only when its condition holds, and tests read the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

#: Options of a feedback-type question that name something to be looked into and answered.
CASE_OPTIONS = frozenset({"phan_anh", "kien_nghi", "khieu_nai", "to_cao"})


@dataclass(frozen=True)
class Evidence:
    """What the claims about comments and their handling rest on, over the report's campaigns.

    ``comments``: published written comments; ``complaints``: those that are not praise alone
    (the theme classifier's count); ``classified``: comments staff gave a kind to;
    ``resolved``: of those, the ones marked resolved; ``case_answers``: answers of a
    feedback-type question choosing phản ánh, kiến nghị, khiếu nại or tố cáo; ``waiting``:
    responses received but not yet published (their comments are not known to the report).
    """

    known: bool = True  # False when the report rests on results packages, which carry no comment
    comments: int = 0
    complaints: int = 0
    classified: int = 0
    resolved: int = 0
    case_answers: int = 0
    waiting: int = 0

    @property
    def unclassified(self) -> int:
        """Comments asking for something that no member of staff has classified yet."""
        return max(0, self.complaints - self.classified)


def _waiting_for_staff(e: Evidence) -> bool:
    """Comments asking for something that nobody classified, or, while nothing is classified,
    feedback forms that chose such a kind."""
    return e.unclassified > 0 or (e.classified == 0 and e.case_answers > 0)


CLAIMS: dict[str, Callable[[Evidence], bool]] = {
    # "Toàn bộ phản ánh, kiến nghị đã được xem xét, giải quyết."
    "all_resolved": lambda e: (
        e.classified > 0 and e.resolved == e.classified and e.unclassified == 0
    ),
    # "Trong kỳ không có phản ánh, kiến nghị, khiếu nại, tố cáo nào … phải xem xét, giải quyết."
    "nothing_to_resolve": lambda e: (
        e.complaints == 0 and e.classified == 0 and e.case_answers == 0 and e.waiting == 0
    ),
    # "Trong kỳ không có ý kiến góp ý bằng văn bản."
    "no_comments": lambda e: e.comments == 0 and e.waiting == 0,
    # "Ý kiến trong ít nhất … phiếu mới nhận chưa được tổng hợp …"
    "some_waiting": lambda e: e.waiting > 0,
    # "Còn … chưa được tiếp nhận, phân loại, xử lý" (III and IV.2 alike)
    "some_unclassified": lambda e: _waiting_for_staff(e),
    # "<cơ quan ban hành> tiếp nhận, phân loại để xem xét, giải quyết theo quy định."
    "backlog_untouched": lambda e: _waiting_for_staff(e) and e.classified == 0,
    # "<cơ quan ban hành> tiếp tục tiếp nhận, phân loại …": only once some were taken up
    "backlog_continued": lambda e: _waiting_for_staff(e) and e.classified > 0,
}


def holds(claim: str, evidence: Evidence) -> bool:
    """Whether the sentence of ``claim`` may be written: never of comments the report does not
    know (a roll-up of packages), whatever its counts say."""
    return evidence.known and CLAIMS[claim](evidence)


def evidence(
    themes: Iterable[dict[str, Any] | None],
    cases: dict[tuple[str, str], int],
    choices: Iterable[dict[str, Any]],
    waiting: int = 0,
) -> Evidence:
    """The evidence of the report's campaigns: their ``themes`` blocks, the classified
    ``cases`` (kind, status) → count, and every ``choices`` entry of their scores."""
    comments = complaints = 0
    for block in themes:
        if block:
            comments += int(block.get("comments", 0))
            complaints += int(block.get("complaint", 0))
    answers = 0
    for choice in choices:
        shares = choice.get("percent") or {}
        answers += round(
            sum(share for option, share in shares.items() if option in CASE_OPTIONS)
            * int(choice.get("n") or 0)
            / 100
        )
    return Evidence(
        comments=comments,
        complaints=complaints,
        classified=sum(cases.values()),
        resolved=sum(n for (_, status), n in cases.items() if status == "da"),
        case_answers=answers,
        waiting=waiting,
    )
