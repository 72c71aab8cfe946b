"""The language of the ``survey-server`` command: Vietnamese, or English with ``DEFAULT_LANG=en``.

Two kinds of text make up the command's help and errors.

* Click's own words (``Usage:``, ``Error: No such option``…). Click looks them up with the
  standard library's ``gettext`` in the global text domain, so while a command runs that domain is
  the Vietnamese Click catalog ``locale/vi/LC_MESSAGES/click.po`` and ``LANGUAGE`` is the
  command's language; both are put back afterwards. ``gettext`` reads only compiled ``.mo``
  files, so the catalog is compiled once per process into a temporary folder (never shipped, so
  never stale). The catalog has no English: in English Click keeps its own words.
* The product's help texts: Vietnamese message ids marked with ``N_``, translated by the project
  catalog when help is shown. Click reads ``help`` (and the usage placeholders) when it formats,
  so the classes below hold message ids and give back the text in the language being spoken.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gettext as gettext_module
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from survey_server import i18n
from survey_server.i18n import DEFAULT_LANG, LANGUAGES, LOCALE_DIR, N_

CLICK_CATALOG = LOCALE_DIR / "vi" / "LC_MESSAGES" / "click.po"
CLICK_DOMAIN = "lang-nghe-click"
#: Click's message id for the text of ``--help``.
HELP_OPTION_TEXT = "Show this message and exit."

F = TypeVar("F", bound=Callable[..., Any])
_spoken: ContextVar[str] = ContextVar("survey_server_cli_lang", default=DEFAULT_LANG)


def command_language() -> str:
    """The language of the command: ``DEFAULT_LANG``, the setting that picks the server's."""
    lang = os.environ.get("DEFAULT_LANG", "")
    return lang if lang in LANGUAGES else DEFAULT_LANG


@functools.cache
def _click_catalogs() -> str:
    """A folder holding the compiled Vietnamese Click catalog, removed when the process ends."""
    folder = tempfile.mkdtemp(prefix="lang-nghe-click-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    target = Path(folder, "vi", "LC_MESSAGES", f"{CLICK_DOMAIN}.mo")
    target.parent.mkdir(parents=True)
    with CLICK_CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    with target.open("wb") as out:
        write_mo(out, catalog)
    return folder


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak ``lang`` for the duration: Click's words and the product's help texts."""
    spoken = _spoken.set(lang)
    domain = gettext_module.textdomain()
    language = os.environ.get("LANGUAGE")
    gettext_module.bindtextdomain(CLICK_DOMAIN, _click_catalogs())
    gettext_module.textdomain(CLICK_DOMAIN)
    os.environ["LANGUAGE"] = lang  # where gettext reads the language of the catalog to use
    try:
        yield
    finally:
        gettext_module.textdomain(domain)
        if language is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = language
        _spoken.reset(spoken)


class _Translated:
    """A text attribute that holds a Vietnamese message id and reads as its translation into
    the language being spoken."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = f"_{name}_message_id"

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        message = instance.__dict__.get(self.key)
        return i18n.gettext(message, _spoken.get()) if message else message

    def __set__(self, instance: object, value: str | None) -> None:
        instance.__dict__[self.key] = value


class LocalizedOption(click.Option):
    """An option whose ``help`` is a message id."""

    help = _Translated()


def option(*param_decls: str, **attrs: Any) -> Callable[[F], F]:
    """``click.option`` with a translated ``help``."""
    return click.option(*param_decls, cls=LocalizedOption, **attrs)


class _Localized:
    """What commands and groups share: translated texts, and the language set while they run."""

    help = _Translated()
    short_help = _Translated()
    epilog = _Translated()
    options_metavar = _Translated()

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with speaking(command_language()):
            return super().main(*args, **kwargs)  # type: ignore[misc]

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        help_option = super().get_help_option(ctx)  # type: ignore[misc]
        if help_option is not None:  # made once, in the language of that moment: follow this one
            help_option.help = gettext_module.gettext(HELP_OPTION_TEXT)
        return help_option


class LocalizedCommand(_Localized, click.Command):
    def __init__(
        self, *args: Any, options_metavar: str | None = N_("[TÙY CHỌN]"), **kwargs: Any
    ) -> None:
        super().__init__(*args, options_metavar=options_metavar, **kwargs)


class LocalizedGroup(_Localized, click.Group):
    """A group whose commands and subgroups are localized too."""

    command_class = LocalizedCommand
    group_class = type
    subcommand_metavar = _Translated()

    def __init__(
        self,
        *args: Any,
        options_metavar: str | None = N_("[TÙY CHỌN]"),
        subcommand_metavar: str | None = N_("LỆNH [THAM SỐ]..."),
        **kwargs: Any,
    ) -> None:
        super().__init__(
            *args,
            options_metavar=options_metavar,
            subcommand_metavar=subcommand_metavar,
            **kwargs,
        )
