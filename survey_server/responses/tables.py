"""Submission storage."""

from piccolo.columns import UUID, Bytea, Date, ForeignKey, Integer, SmallInt, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

from survey_server.campaigns.tables import Campaign
from survey_server.distribution.tables import Link
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.units.tables import Unit


class Release(Table, tablename="response_release"):
    """A release (đợt công bố): at least k responses of a campaign published together.

    Every result shown — scores, counts, comments, exports, the report — is read from released
    responses only, grouped by the release's ``unit``, so any two results ever shown differ by
    whole releases (``analysis.release``). ``released_on`` is the local date of the release, the
    finest time any page gives for a response; ``size`` how many it published.

    A release made while the campaign runs holds the responses of one ``channel`` (and, for a
    partner's links, one ``partner``; for paper, one ``origin``: who typed or imported it, see
    ``scoring.releases.ORIGIN``), so that counts per channel, partner and origin are sums of
    whole releases too; a release pooled at the close may mix them, and then all are ``None``.
    """

    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.restrict)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict)
    channel = Varchar(length=20, null=True, default=None)
    partner = Varchar(length=120, null=True, default=None)
    origin = Varchar(length=16, null=True, default=None)
    released_on = Date()
    size = Integer(default=0)
    tallied = SmallInt(default=0)  # 1 once added to its unit's tally (``scoring.tallies``)


class Submission(Table, tablename="submission"):
    """One anonymous response (phiếu trả lời).

    What is *not* here is deliberate (docs/PRIVACY.md): no IP address, user agent, account or exact
    time; ``submitted_on`` is the local date and ``duration_bucket`` a coarse class of the time
    spent on the form.

    The answers are stored twice, for two readers:

    * ``answers``: the validated answers as canonical JSON (``{question_id: value}``), the
      record of what was said, including scrubbed free text and numbers;
    * ``closed``: the closed answers (scale, single, yes/no, multi) packed one byte per slot in
      the questionnaire version's order (see ``responses.encoding``). Scoring a million
      responses reads this one column and turns it into a numpy matrix with a single
      ``frombuffer`` call, with no JSON parsing on the hot path of analysis.

    ``campaign``, ``unit``, ``channel`` and ``partner`` are copied from the link so that scoring and
    monitoring group without joins. ``submission_id`` is the idempotency key chosen by the
    form: the same id again returns the stored ``receipt`` and stores nothing.
    ``released_in`` is the release that published it (``None`` until then). ``screened`` says
    whether it passed the campaign's data-quality setting before release (``scoring.releases``): a
    response the campaign leaves out is set aside then, and never published, so that a release's
    scores still move by at least k respondents. ``scrubbed`` says whether its free text has
    had the scrubber's second pass (``responses.second_pass``), which comes before any release.
    ``held`` is 1 while a paper form typed by its own school waits for someone else's approval
    (``paper.approval``), 0 when it counts; ``paper_batch`` is the batch a paper form came in.
    """

    submission_id = UUID(unique=True)
    receipt = Varchar(length=16, unique=True)
    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.restrict)
    link = ForeignKey(Link, on_delete=OnDelete.restrict)
    unit = ForeignKey(Unit, index=True, on_delete=OnDelete.restrict)
    channel = Varchar(length=20)
    partner = Varchar(length=120, null=True, default=None)
    questionnaire = ForeignKey(QuestionnaireVersion, on_delete=OnDelete.restrict)
    lang = Varchar(length=5, default="vi")
    submitted_on = Date()
    duration_bucket = SmallInt(default=0)
    closed = Bytea()
    answers = Text()
    released_in = ForeignKey(
        Release, null=True, default=None, index=True, on_delete=OnDelete.restrict
    )
    screened = SmallInt(default=0)
    scrubbed = SmallInt(default=0)
    held = SmallInt(default=0)
    paper_batch = ForeignKey(
        LazyTableReference("PaperBatch", module_path="survey_server.paper.tables"),
        null=True,
        default=None,
        index=True,
        on_delete=OnDelete.restrict,
    )
