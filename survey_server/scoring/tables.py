"""Stored scores of a campaign, and the tallies they are assembled from."""

from piccolo.columns import BigInt, Bytea, ForeignKey, Integer, Real, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.campaigns.tables import Campaign
from survey_server.units.tables import Unit


class ScoreSnapshot(Table, tablename="score_snapshot"):
    """The last scoring of a whole campaign, shared by every server process and kept across
    restarts, so that a view never waits for a campaign of a million responses to be read and
    scored again (``scoring.services``).

    ``newest`` is the id of the newest response it counts (responses are only ever added) and
    ``units`` a digest of the unit tree it grouped by; ``k`` and ``exclude_flagged`` are the
    campaign's settings it applied and ``method`` a digest of the scoring code: a snapshot
    scored under other settings or by other code is never shown.
    ``body`` is the result as gzip-compressed JSON (``NULL`` until a first scoring is stored) and
    ``seconds`` how long the scoring took. No time of day is kept: beside ``newest`` it would
    date the arrival of responses (docs/PRIVACY.md). ``refreshing_until`` is a lease (Unix seconds,
    compared the same way on both engines): the process that set it is scoring the campaign
    again, and the others wait for it rather than repeat the work; it is cleared when done.
    """

    campaign = ForeignKey(Campaign, unique=True, on_delete=OnDelete.cascade)
    newest = Integer(default=0)
    units = Varchar(length=64)
    k = Integer()
    exclude_flagged = Varchar(length=100, default="")
    method = Varchar(length=64, default="")
    seconds = Real(default=0.0)
    body = Bytea(null=True, default=None)
    refreshing_until = BigInt(null=True, default=None)


class UnitTally(Table, tablename="unit_tally"):
    """The additive statistics of a campaign's published responses attributed to one unit
    (``analysis.tally``; ``scoring.tallies``): each release is added once, when it is made, so
    that scoring a campaign adds up these rows instead of reading its responses again.

    ``settings`` names what a tally depends on besides the responses (the scoring code's digest
    and the campaign's excluded flags): tallies made under other settings are made again.
    ``body`` holds the scrubbed comments of the theme samples quotes are chosen from, so it is
    removed with them (``privacy.retention``). ``responses`` is how many it counts.
    """

    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.cascade)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict)
    settings = Varchar(length=200)
    responses = Integer(default=0)
    body = Bytea()
