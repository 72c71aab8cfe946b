"""Paper forms typed in: the batches they came in, and double-entry passes kept apart until
both agree."""

from piccolo.columns import BigInt, Bytea, ForeignKey, Integer, SmallInt, Text, Varchar
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


class PaperBatch(Table, tablename="paper_batch"):
    """A stack of paper forms typed in or a file imported: who brought its forms in, who
    approved them, when, and how many — nothing about the respondents.

    ``source`` is ``entry`` (typed once), ``double`` (typed twice and agreed) or ``import``
    (a file; ``name`` is then the start of the file's SHA-256, never its file name, which
    may carry a person's name). ``typist_kind`` says whose staff brought the forms in:
    ``school`` (the unit's own staff: a principal's account), ``office`` (an office above it)
    or ``partner`` (a partner organisation, ``partner``). Forms brought in by the school itself
    count only once an account of another organisation or of an office above approves them:
    until then their responses wait (``submission.held``) and ``pending`` counts them.
    ``team`` is whom the batch belongs to, as for ``PaperEntry``. Staff acts carry accounts and
    exact times (Unix seconds).
    """

    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.cascade)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict)
    team = Varchar(length=160, default="")
    partner = Varchar(length=120, null=True, default=None)
    name = Varchar(length=40)
    source = Varchar(length=10)
    typist_kind = Varchar(length=10)
    typed_by = Varchar(length=200, default="")
    typed_at = BigInt(default=0)
    forms = Integer(default=0)
    pending = Integer(default=0)
    approved_by = Varchar(length=64, default="")
    approved_at = BigInt(default=0)
