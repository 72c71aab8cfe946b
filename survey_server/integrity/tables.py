"""Integrity flags: aggregate facts about unusual arrivals, and what an administrator decided."""

from piccolo.columns import (
    BigInt,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.campaigns.tables import Campaign
from survey_server.distribution.tables import Link
from survey_server.units.tables import Unit


class IntegrityFlag(Table, tablename="integrity_flag"):
    """ "Link X of school Y: 200 responses within 10 minutes on day D, 7 times its expected
    rate" — the only thing the arrival watcher ever records (``integrity.arrivals``).

    There is no time finer than the day, no address, nothing about any one response. While
    ``status`` is ``review`` the responses of that link on that day are not published; the
    campaign's administrator then ``excluded`` them from the numbers or ``kept`` them, with a
    ``reason`` (either can be undone while they are unpublished; every decision is audited).
    """

    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.cascade)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict)
    link = ForeignKey(Link, on_delete=OnDelete.cascade)
    day = Date()
    kind = Varchar(length=20, default="burst")
    observed = Integer(default=0)
    expected = DoublePrecision(default=0.0)
    window_minutes = SmallInt(default=10)
    status = Varchar(length=10, default="review")
    reason = Text(default="")
    decided_by = Varchar(length=64, default="")
    decided_at = BigInt(default=0)
