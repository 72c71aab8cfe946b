"""An honest estimate of the time a questionnaire takes, for the form, posters and messages.

A respondent reads every question and, once per scale, its answer labels, then taps an answer;
a comment box takes time only for those who write. The estimate uses a slow phone reader
(``WORDS_PER_MINUTE`` Vietnamese words, i.e. syllables) so that a parent is not promised less
time than the form takes; docs/PERFORMANCE.md compares it with a scripted respondent.
"""

from __future__ import annotations

import math

from survey_server.questionnaires.schema import Questionnaire

#: Silent reading on a phone, in Vietnamese words (syllables) a minute: below the 200–250 of
#: adult readers on paper, since a phone shows a few lines at a time.
WORDS_PER_MINUTE = 180
#: Finding and tapping an answer, scrolling to the next question.
SECONDS_PER_ANSWER = 3
#: Writing a short comment on a phone keyboard, for a question with a text box.
SECONDS_PER_TEXT = 45


def _words(text: str) -> int:
    return len(text.split())


def estimated_minutes(questionnaire: Questionnaire, lang: str = "vi") -> int:
    """Whole minutes a respondent who answers every question needs, rounded up."""

    def text(value: dict[str, str]) -> str:
        return value.get(lang) or value["vi"]

    words = _words(text(questionnaire.intro)) // 3  # the short notice, not the full text
    seconds = 0.0
    for scale in questionnaire.scales.values():
        words += sum(_words(text(point)) for point in scale.points)
    for question in questionnaire.questions():
        words += _words(text(question.text))
        words += sum(_words(text(option.label)) for option in question.options or ())
        seconds += SECONDS_PER_TEXT if question.type == "text" else SECONDS_PER_ANSWER
    seconds += words * 60 / WORDS_PER_MINUTE
    return max(1, math.ceil(seconds / 60))
