"""Campaign tables."""

from piccolo.columns import BigInt, Boolean, Date, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.units.tables import Unit


class Campaign(Table, tablename="campaign"):
    """A campaign (đợt khảo sát): one questionnaire version put to a unit subtree.

    It accepts answers while ``status`` is ``open`` and the local date is within
    ``opens_on``..``closes_on``. ``k`` is its small-cell threshold (never below 5, docs/PRIVACY.md).
    With ``requires_token`` only single-use codes printed on slips open the form. Free-text
    answers are kept ``comment_retention_days`` after the day they were given, then removed by
    ``survey-server purge`` (the period the privacy notice of the form announces).
    ``exclude_flagged`` lists the data-quality flags (docs/scoring.md) whose responses are left out
    of the scores, comma-separated; empty (the default) keeps every response and only counts the
    flags. ``title`` is a language → text map stored as JSON, like questionnaire texts.
    """

    code = Varchar(length=40, unique=True, index=True)
    title = Text()
    questionnaire = ForeignKey(QuestionnaireVersion, on_delete=OnDelete.restrict)
    root_unit = ForeignKey(Unit, on_delete=OnDelete.restrict)
    opens_on = Date()
    closes_on = Date()
    k = Integer(default=10)
    status = Varchar(length=10, default="open")
    requires_token = Boolean(default=False)
    comment_retention_days = Integer(default=730)
    exclude_flagged = Varchar(length=100, default="")
    created_on = Date()


class CampaignEvent(Table, tablename="campaign_event"):
    """A step of a campaign's life: ``open``, ``close`` or ``reopen``, by whom and why.

    A campaign goes draft → open → closed and no further, except that an administrator of the
    office above its root may re-open it, giving a ``reason``; that act is shown on the
    campaign's pages and in its report, so that nobody reads numbers that moved after the
    close without being told. Staff acts carry the account and the exact time (they are not
    respondents).
    """

    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.cascade)
    action = Varchar(length=10)
    reason = Text(default="")
    username = Varchar(length=64)
    happened_on = Date()
    at = BigInt(default=0)
