"""Forms typed in twice (double entry), kept apart until both passes agree."""

from piccolo.columns import Bytea, ForeignKey, SmallInt, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.campaigns.tables import Campaign
from survey_server.staff.tables import StaffUser
from survey_server.units.tables import Unit


class PaperEntry(Table, tablename="paper_entry"):
    """One pass of one paper form of a double-entry batch, waiting to be compared.

    A batch typed twice by two people counts only when both passes agree form by form; then
    its forms become responses and these rows are deleted. The answers are already validated
    and scrubbed, as a response's are. ``entered_by`` is the member of staff who typed the
    pass (never the respondent, who is unknown): it makes sure the second pass is someone else,
    and only the accounts that typed a batch see its comparison. ``team`` is whom the batch
    belongs to: the unit of the accounts typing it and, for a partner account, its
    organisation. It is part of the batch's identity with the campaign, unit, partner and
    name, so a batch name typed by one team never reaches another team's batch.
    """

    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.cascade)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict)
    partner = Varchar(length=120, null=True, default=None)
    batch = Varchar(length=40)
    team = Varchar(length=160, default="")
    form_number = Varchar(length=20)
    entry_pass = SmallInt()
    entered_by = ForeignKey(StaffUser, null=True, default=None, on_delete=OnDelete.set_null)
    answers = Text()
    closed = Bytea()
