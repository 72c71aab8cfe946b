"""XLSForm import and export of questionnaires (docs/XLSFORM.md).

``import_xlsform`` reads a workbook and lists every row it did not carry as it is;
``import_bounded`` runs it in a child process with ``survey_server.bounded``'s time and memory
limits, which is how the server and the command line call it on a file from outside.
``export_xlsform`` writes a questionnaire as a workbook Kobo, ODK and this import read back.
"""

from __future__ import annotations

from survey_server.bounded import WorkRefused, run_bounded
from survey_server.questionnaires.xlsform_export import export_xlsform
from survey_server.questionnaires.xlsform_import import import_xlsform
from survey_server.questionnaires.xlsform_report import MESSAGES, Skipped, XlsImport

__all__ = ["MESSAGES", "Skipped", "XlsImport", "export_xlsform", "import_bounded", "import_xlsform"]

#: What reading one form may take in its child process: a form at the limits of
#: ``xlsform_read`` reads in a few seconds.
IMPORT_SECONDS = 60.0
IMPORT_MEMORY_MB = 1024


def _import_positional(
    data: bytes,
    filename: str,
    slug: str | None,
    kind: str | None,
    satisfied_from: dict[str, int] | None,
) -> XlsImport:
    return import_xlsform(
        data, filename=filename, slug=slug, kind=kind, satisfied_from=satisfied_from
    )


async def import_bounded(
    data: bytes,
    *,
    filename: str,
    slug: str | None = None,
    kind: str | None = None,
    satisfied_from: dict[str, int] | None = None,
) -> XlsImport:
    """``import_xlsform`` in a limited child process; running out of time or memory is an
    import that failed with that reason, like any other unreadable file."""
    try:
        return await run_bounded(
            _import_positional,
            data,
            filename,
            slug,
            kind,
            satisfied_from,
            seconds=IMPORT_SECONDS,
            memory_mb=IMPORT_MEMORY_MB,
        )
    except WorkRefused as error:
        return XlsImport(None, [], [Skipped("", 0, "", error.reason)])
