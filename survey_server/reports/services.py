"""Making a report file: the one operation behind the command, the API and the workspace."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import anyio

from survey_server.bounded import WorkRefused, run_bounded
from survey_server.errors import AppError
from survey_server.i18n import N_, gettext
from survey_server.reports.compose import compose
from survey_server.reports.docx import render_docx
from survey_server.reports.gather import ReportFacts, gather
from survey_server.reports.html import render_html
from survey_server.reports.insert import DocumentUnreadable, insert_into
from survey_server.reports.markdown import render_markdown
from survey_server.reports.model import Report
from survey_server.reports.pdf import docx_to_pdf
from survey_server.reports.period import Period, parse_period
from survey_server.staff.services import Scope, audit

#: format → (media type, file extension)
FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "md": ("text/markdown", "md"),  # the framework adds "; charset=utf-8"
    "html": ("text/html", "html"),
    "pdf": ("application/pdf", "pdf"),
}
#: An office's draft report larger than this is refused before it is read.
INTO_LIMIT = 30 * 1024 * 1024


class ReportRequestInvalid(AppError):
    status_code = 422
    code = "report_request_invalid"
    message = N_("Chưa tạo được báo cáo: {detail}")


NEEDS_PERIOD = N_("cần chọn kỳ báo cáo (--period) hoặc đợt khảo sát (--campaign)")
ONE_OF = N_("chỉ chọn kỳ báo cáo hoặc đợt khảo sát, không chọn cả hai")
UNKNOWN_FORMAT = N_("định dạng '{format}' không hỗ trợ; chọn docx, md hoặc html")
INTO_DOCX = N_("chỉ chèn được vào tệp Word khi xuất định dạng docx hoặc pdf")
INTO_TOO_LARGE = N_("tệp báo cáo của đơn vị lớn hơn 30 MB")
INTO_TOO_HEAVY = N_(
    "đọc tệp cần quá nhiều thời gian hoặc bộ nhớ (tệp giải nén ra quá lớn hoặc bị hỏng); hãy "
    "lưu lại bản báo cáo bằng Word rồi thử lại"
)
#: What putting the section into one draft may take in its child process.
INTO_SECONDS = 60.0
INTO_MEMORY_MB = 1536


@dataclass(frozen=True)
class ReportFile:
    filename: str
    media_type: str
    content: bytes


def campaign_codes(values: Sequence[str]) -> tuple[str, ...]:
    """Codes given as repeated options or separated by commas or spaces."""
    return tuple(code for value in values for code in re.split(r"[,\s]+", value) if code)


async def make_report(
    scope: Scope,
    unit_code: str,
    *,
    period: str | None,
    campaigns: Sequence[str],
    fmt: str,
    issued_on: date,
    into: bytes | None = None,
    into_name: str = "",
    lang: str = "vi",
) -> ReportFile:
    """The section for ``unit_code`` (inside ``scope``) as a file, audited."""
    _check_output(fmt, into, lang)
    codes = campaign_codes(campaigns)
    if period and codes:
        raise ReportRequestInvalid(detail=_detail(ONE_OF, lang))
    if not period and not codes:
        raise ReportRequestInvalid(detail=_detail(NEEDS_PERIOD, lang))
    asked: Period | None = parse_period(period) if period else None
    facts = await gather(scope, unit_code, asked, codes, issued_on)
    label = period or "-".join(codes)
    return await report_file(scope, facts, fmt, label, into, into_name, lang)


async def report_file(
    scope: Scope,
    facts: ReportFacts,
    fmt: str,
    label: str,
    into: bytes | None = None,
    into_name: str = "",
    lang: str = "vi",
) -> ReportFile:
    """The report of ``facts`` as a file of ``fmt`` (alone, or put into an office's draft),
    audited; ``label`` names the period or campaigns in the file name."""
    _check_output(fmt, into, lang)
    report = compose(facts, lang)
    if into is None:  # our own content: a thread will do
        content = await anyio.to_thread.run_sync(
            _render, report, "docx" if fmt == "pdf" else fmt, lang, None, ""
        )
    else:  # a file someone sent: in a bounded child process (``survey_server.bounded``)
        try:
            content = await run_bounded(
                insert_into, into, report, into_name or "báo cáo",
                seconds=INTO_SECONDS, memory_mb=INTO_MEMORY_MB,
            )  # fmt: skip
        except WorkRefused:
            raise DocumentUnreadable(
                name=into_name or "báo cáo", detail=_detail(INTO_TOO_HEAVY, lang)
            ) from None
    if fmt == "pdf":  # LibreOffice, its own process, from a thread
        content = await anyio.to_thread.run_sync(docx_to_pdf, content)
    await audit(
        scope.user_id or None,
        scope.username,
        "report",
        {
            "unit": facts.unit["code"],
            "period": label,
            "campaigns": [c.code for c in facts.campaigns],
            "format": fmt,
            "into": into is not None,
            "packages": [source.name for source in facts.sources],
        },
    )
    media_type, extension = FORMATS[fmt]
    name = re.sub(r"[^A-Za-z0-9.-]+", "-", f"bao-cao-lang-nghe-{facts.unit['code']}-{label}")
    return ReportFile(f"{name.lower()}.{extension}", media_type, content)


def _check_output(fmt: str, into: bytes | None, lang: str) -> None:
    """Refuse an unknown format, or a draft with a format it cannot go into, before any work."""
    if fmt not in FORMATS:
        raise ReportRequestInvalid(detail=_detail(UNKNOWN_FORMAT, lang, format=fmt[:20]))
    if into is not None and fmt not in ("docx", "pdf"):
        raise ReportRequestInvalid(detail=_detail(INTO_DOCX, lang))
    if into is not None and len(into) > INTO_LIMIT:
        raise ReportRequestInvalid(detail=_detail(INTO_TOO_LARGE, lang))


def _render(report: Report, fmt: str, lang: str, into: bytes | None, into_name: str) -> bytes:
    if fmt == "docx":
        return render_docx(report, lang)
    if fmt == "md":
        return render_markdown(report, lang)
    return render_html(report, lang)


def _detail(message: str, lang: str, **params: str) -> str:
    return gettext(message, lang, **params)
