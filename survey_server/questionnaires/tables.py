"""Stored questionnaire versions."""

from piccolo.columns import Date, Integer, Text, Varchar
from piccolo.table import Table


class QuestionnaireVersion(Table, tablename="questionnaire_version"):
    """One immutable version of a questionnaire, identified by its content hash.

    ``definition`` is the validated questionnaire as canonical JSON: what the form, the
    validator and the scoring read. A version in use is never edited; a changed file must raise
    its ``version`` (docs/questionnaires.md), so responses always know exactly what they answered.
    """

    slug = Varchar(length=100, index=True)
    version = Integer()
    kind = Varchar(length=20)
    content_hash = Varchar(length=64)
    definition = Text()
    loaded_on = Date()
