"""What the fork server of ``survey_server.bounded`` imports once for all its children: the
spreadsheet and document readers, and the scrubber with its word lists (imports validate free
text), so that a child starts in milliseconds instead of seconds."""

import openpyxl  # noqa: F401
from lxml import etree  # noqa: F401

from survey_server import spreadsheet  # noqa: F401
from survey_server.distribution import pdf  # noqa: F401
from survey_server.paper import form_pdf  # noqa: F401
from survey_server.privacy.scrubber import prepare
from survey_server.reports import insert  # noqa: F401
from survey_server.responses import tabular  # noqa: F401

prepare()
