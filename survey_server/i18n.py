"""Interface language: gettext catalogs, content-text lookup and Vietnamese formatting.

Message ids are Vietnamese (the primary language, NFC); the English catalog translates them, and a
missing English entry falls back to Vietnamese, never the other way round. Catalogs are compiled
from the ``.po`` files when first needed, so a stale ``.mo`` can never ship. This is also the one
place that formats numbers and dates for people (12.345; 87,5%; ngày 08 tháng 4 năm 2022).
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("vi", "en")
DEFAULT_LANG = "vi"


@functools.cache
def translations(lang: str) -> gettext_module.NullTranslations:
    """The catalog of ``lang`` (Vietnamese needs none: its ids are the texts)."""
    po_file = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANG or not po_file.exists():
        return gettext_module.NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def pick_lang(*candidates: str | None) -> str:
    """The first supported language among query parameter, form field, header…, else Vietnamese."""
    for candidate in candidates:
        if not candidate:
            continue
        for part in candidate.replace(" ", "").split(","):
            code = part.split(";")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
    return DEFAULT_LANG


def gettext(message: str, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """Translate ``message`` into ``lang`` and fill ``{name}`` placeholders."""
    text = translations(lang).gettext(message)
    return text.format(**params) if params else text


def ngettext(
    singular: str, plural: str, n: int, lang: str = DEFAULT_LANG, /, **params: object
) -> str:
    text = translations(lang).ngettext(singular, plural, n)
    return text.format(n=n, **params)


def localize(text_map: Mapping[str, str] | None, lang: str = DEFAULT_LANG) -> str:
    """The text of a language → text map (questionnaire content), falling back to Vietnamese."""
    if not text_map:
        return ""
    return text_map.get(lang) or text_map["vi"]


#: Own names of languages of Vietnam that CLDR (and so Babel) does not know yet.
MINORITY_AUTONYMS = {
    "hmn": "Hmoob",
    "rad": "Êđê",
    "jra": "Jrai",
    "cjm": "Cham",
    "bdq": "Bahnar",
    "tyz": "Tày",
    "nut": "Nùng",
    "kjm": "Khmú",
}


@functools.cache
def language_name(tag: str) -> str:
    """A language's own name (``ខ្មែរ``, ``Hmoob``), for a picker that people of that language read;
    the tag itself when no name is known."""
    if tag in MINORITY_AUTONYMS:
        return MINORITY_AUTONYMS[tag]
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return tag
    name = locale.get_display_name(locale) or tag
    return name[:1].upper() + name[1:]


def format_number(value: float, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """``12.345`` in Vietnamese, ``12,345`` in English."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=lang)


def format_share(value: float, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """A share in 0..1 as a percentage: ``87,5%`` in Vietnamese."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=lang)


def format_day(day: date, lang: str = DEFAULT_LANG) -> str:
    """``ngày 08 tháng 4 năm 2022`` (the administrative form), ``8 April 2022`` in English."""
    if lang == "vi":  # Nghị định 30/2020: a zero before days under 10 and months 1 and 2
        month = "MM" if day.month < 3 else "M"
        return format_date(day, format=f"'ngày' dd 'tháng' {month} 'năm' y", locale="vi")
    return format_date(day, format="d MMMM y", locale=lang)


def format_short_day(day: date, lang: str = DEFAULT_LANG) -> str:
    """``08/04/2022`` in Vietnamese (one dd/mm/yyyy form on every page), ``8 Apr 2022`` in
    English."""
    if lang == "vi":
        return format_date(day, format="dd/MM/y", locale="vi")
    return format_date(day, format="d MMM y", locale=lang)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a message for extraction where it is defined; it is translated where it is shown."""
    return message
