"""Reporting periods: a year (``2026``), a half-year (``2026-H1``) or dates (``FROM..TO``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from survey_server.errors import AppError
from survey_server.i18n import N_, format_day, gettext

YEAR = re.compile(r"(\d{4})")
HALF = re.compile(r"(\d{4})-H([12])")
RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


class PeriodInvalid(AppError):
    status_code = 422
    code = "period_invalid"
    message = N_(
        "Kỳ báo cáo '{period}' không hợp lệ; ghi năm (2026), nửa năm (2026-H1, 2026-H2) "
        "hoặc khoảng ngày (2026-01-01..2026-06-30)."
    )


@dataclass(frozen=True)
class Period:
    """Inclusive dates, and how the period was asked for (it decides how it is named)."""

    start: date
    end: date
    kind: str  # year | half | range

    def describe(self, lang: str = "vi") -> str:
        """``năm 2026``, ``6 tháng đầu năm 2026`` or ``từ ngày … đến ngày …``."""
        if self.kind == "year":
            return gettext("năm {year}", lang, year=self.start.year)
        if self.kind == "half":
            if self.start.month == 1:
                return gettext("6 tháng đầu năm {year}", lang, year=self.start.year)
            return gettext("6 tháng cuối năm {year}", lang, year=self.start.year)
        return gettext(
            "từ {start} đến {end}",
            lang,
            start=format_day(self.start, lang),
            end=format_day(self.end, lang),
        )


def parse_period(text: str) -> Period:
    """The period written as on the command line; ``PeriodInvalid`` for anything else."""
    value = text.strip().upper()
    try:
        if match := YEAR.fullmatch(value):
            year = int(match[1])
            return Period(date(year, 1, 1), date(year, 12, 31), "year")
        if match := HALF.fullmatch(value):
            year, half = int(match[1]), int(match[2])
            if half == 1:
                return Period(date(year, 1, 1), date(year, 6, 30), "half")
            return Period(date(year, 7, 1), date(year, 12, 31), "half")
        if match := RANGE.fullmatch(value):
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            if start <= end:
                return Period(start, end, "range")
    except ValueError:
        pass
    raise PeriodInvalid(period=text.strip()[:40])
