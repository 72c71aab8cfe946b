"""Distribution link tables."""

from piccolo.columns import Date, ForeignKey, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.campaigns.tables import Campaign
from survey_server.units.tables import Unit


class Link(Table, tablename="distribution_link"):
    """A distribution link: the short code printed or shared for one (campaign, unit, channel).

    ``code`` uses an alphabet without look-alike characters and is stored in capitals, so a
    code typed by hand in any case finds it. ``label`` is an optional finer tag (a class, a
    named parent meeting) for response-rate tracking; ``partner`` names the partner
    organisation of a ``partner`` channel.
    """

    code = Varchar(length=12, unique=True, index=True)
    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.restrict)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict)
    channel = Varchar(length=20)
    partner = Varchar(length=120, null=True, default=None)
    label = Varchar(length=120, null=True, default=None)


class Token(Table, tablename="token"):
    """A single-use code printed on one slip, for campaigns that require them.

    Deliberately unlinkable, as LimeSurvey's anonymized responses: the row has no reference to
    the response it produced and no time of use, only whether it is still ``issued``, ``used``
    or ``revoked`` (DESIGN §4). ``link`` says which unit and channel the slip belongs to, so the
    response is still attributed to them.
    """

    code = Varchar(length=16, unique=True, index=True)
    link = ForeignKey(Link, index=True, on_delete=OnDelete.restrict)
    status = Varchar(length=10, default="issued")
    created_on = Date()
