"""The one translation layer: every user-facing string goes through `_` or `ngettext`.

Message ids are English; `locale/sv/LC_MESSAGES/contactbot.po` holds the Swedish.
The catalog is read straight from the .po file with Babel, so there is no compile step.
The language of the current request is a context variable, set by the platform
adapter with `use_language`; asyncio tasks and worker threads inherit it.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
DOMAIN = "contactbot"
LOCALE_DIR = Path(__file__).with_name("locale")

_current: ContextVar[str] = ContextVar("contactbot_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of `language`; English (the message ids) needs none."""
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_file.exists():
        return gettext.NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def current_language() -> str:
    """The language replies are written in right now."""
    return _current.get()


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Write replies in `language` inside the block."""
    token = _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language."""
    return translations(_current.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; `_` translates it where used."""
    return message
