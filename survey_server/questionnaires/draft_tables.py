"""Questionnaire drafts of the workspace builder (docs/BUILDER.md).

A draft is kept apart from ``questionnaire_version``: it may be invalid while it is edited, it
belongs to one account only, and it never reaches a campaign until it is published as a new
immutable version.
"""

from piccolo.columns import BigInt, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.staff.tables import StaffUser


class QuestionnaireDraft(Table, tablename="questionnaire_draft"):
    """One account's questionnaire being edited.

    ``definition`` is the questionnaire as JSON in the file format, possibly invalid.
    ``revision`` rises with every saved edit: a form posted from an older page (a second tab, a
    double submit) is refused instead of silently undoing the newer edit.
    """

    owner = ForeignKey(StaffUser, on_delete=OnDelete.cascade, index=True, null=False)
    slug = Varchar(length=100)
    based_on = ForeignKey(QuestionnaireVersion, on_delete=OnDelete.set_null, null=True)
    definition = Text()
    revision = Integer(default=1)
    updated_at = BigInt(default=0)
