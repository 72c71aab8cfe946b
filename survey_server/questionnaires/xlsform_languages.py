"""Which language a column of an XLSForm is written in: ``label::English (en)``,
``label::Tiếng Việt (vi)``, ``label::km``, ``label:english`` or plain ``label``.

XLSForm names languages freely; Kobo and ODK write ``Name (tag)``, older forms only a name. A tag
in parentheses wins; otherwise the name is looked up among the English and Vietnamese names Babel
knows (``English``, ``Chinese``, ``Tiếng Anh``) and among tags themselves.

Indonesian's tag ``id`` is the key of an option's id in the questionnaire format (options carry
their labels beside their ``id``), so it cannot label an option: Indonesian is written with its
well-formed three-letter subtag ``ind`` everywhere in an imported questionnaire (``RENAMED``).
"""

from __future__ import annotations

import functools
import re

from babel import Locale

from survey_server.questionnaires.schema import LANGUAGE_TAG

#: Tags the questionnaire cannot use as a text key, and the tag written instead.
RENAMED = {"id": "ind"}

_TAG_IN_PARENTHESES = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,4}){0,2})\)\s*$")


def canonical_tag(text: str) -> str | None:
    """``zh_hant`` → ``zh-Hant``, ``FR-ca`` → ``fr-CA``; None when it is not a tag the
    questionnaire format accepts."""
    parts = re.split(r"[-_]", text.strip())
    tag = "-".join(
        [
            parts[0].lower(),
            *(
                part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part
                for part in parts[1:]
            ),
        ]
    )
    return tag if LANGUAGE_TAG.match(tag) else None


@functools.cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for display in ("vi", "en"):
        for code, name in Locale(display).languages.items():
            tag = canonical_tag(code)
            if tag is not None:
                names.setdefault(name.casefold(), tag)
                names.setdefault(tag.casefold(), tag)
    return names


def source_tag(name: str) -> str | None:
    """The tag a column's language part names, as written (``id`` for Indonesian), or None
    when it names no known language."""
    name = name.strip()
    found = _TAG_IN_PARENTHESES.search(name)
    if found:
        return canonical_tag(found.group(1))
    return _names().get(name.casefold())


def language_tag(name: str) -> str | None:
    """The tag a column's language is written with in the questionnaire (``RENAMED`` applied)."""
    tag = source_tag(name)
    return RENAMED.get(tag, tag) if tag is not None else None
