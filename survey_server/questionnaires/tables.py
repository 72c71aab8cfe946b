"""Stored questionnaire versions."""

from piccolo.columns import Date, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.units.tables import Unit


class QuestionnaireVersion(Table, tablename="questionnaire_version"):
    """One immutable version of a questionnaire, identified by its content hash.

    ``definition`` is the validated questionnaire as canonical JSON: what the form, the
    validator and the scoring read. A version in use is never edited; a changed file must raise
    its ``version`` (docs/questionnaires.md), so responses always know exactly what they answered.

    ``owner_unit`` is the unit of the account that published the version from the workspace
    (docs/BUILDER.md): the slug's later versions may come only from that unit's subtree (or an
    administrator). Versions loaded from files have none and belong to administrators.
    """

    slug = Varchar(length=100, index=True)
    version = Integer()
    kind = Varchar(length=20)
    content_hash = Varchar(length=64)
    definition = Text()
    loaded_on = Date()
    owner_unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=True, default=None)
