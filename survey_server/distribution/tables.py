"""Distribution link tables."""

from piccolo.columns import Date, ForeignKey, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.campaigns.tables import Campaign
from survey_server.units.tables import Unit


class Link(Table, tablename="distribution_link"):
    """A distribution link: the short code printed or shared for one (campaign, unit, channel).

    ``code`` uses an alphabet without look-alike characters and is stored in capitals, so a
    code typed by hand in any case finds it. ``label`` is an optional finer tag (a named parent
    meeting) for response-rate tracking; ``partner`` names the partner organisation of a
    ``partner`` channel. Single-use tokens always hang on a link without a label: the slip
    names the unit, never a person.
    """

    code = Varchar(length=12, unique=True, index=True)
    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.restrict)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict)
    channel = Varchar(length=20)
    partner = Varchar(length=120, null=True, default=None)
    label = Varchar(length=120, null=True, default=None)


class Token(Table, tablename="token"):
    """A single-use code printed on one slip and not spent yet, for campaigns that require them.

    Spending a token deletes its row in the transaction that stores the response, so nothing of
    it is left to pair with that response: no rewritten row, no time of use, no transaction id
    (docs/PRIVACY.md). ``status`` is ``issued`` (still usable) or ``revoked`` (a lost slip); ``link``
    says which unit and channel the slip belongs to, so the response is still attributed to
    them. ``created_on`` is the day it was issued.
    """

    code = Varchar(length=16, unique=True, index=True)
    link = ForeignKey(Link, index=True, on_delete=OnDelete.restrict)
    status = Varchar(length=10, default="issued")
    created_on = Date()


class IssuedToken(Table, tablename="token_issued"):
    """One row per token ever issued, written once when it is issued and never changed.

    It holds a one-way ``digest`` of the code (not the code) and the token's link: a code that
    is no longer in ``token`` but has its digest here was used, which tells a second use of a
    slip apart from a mistyped code, and no new token ever gets the code of a spent one. How
    many tokens of a link were used is the number issued here minus those left in ``token``.
    """

    digest = Varchar(length=64, unique=True, index=True)
    link = ForeignKey(Link, index=True, on_delete=OnDelete.restrict)
