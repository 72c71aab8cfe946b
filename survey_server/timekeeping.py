"""Local dates: campaigns open and close, and responses are dated, in the office's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def today(timezone: str) -> date:
    """The current date where the office is (Asia/Ho_Chi_Minh by default)."""
    return datetime.now(ZoneInfo(timezone)).date()
