"""``python -m survey_server`` is the same as the ``survey-server`` command."""

from survey_server.cli import main

main()
