"""The one translation layer: every user-facing string goes through `_` or `ngettext`.

Message ids are English; `locale/sv/LC_MESSAGES/contactbot.po` holds the Swedish, and
`contactbot.mo` beside it the same compiled (scripts/update-catalog writes both; a test checks
that they agree). The compiled catalog is read by the standard library in about a millisecond;
parsing the .po with Babel at start cost 70 ms of every start-up.
The language of the current request is a context variable, set by the platform
adapter with `use_language`; asyncio tasks and worker threads inherit it.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
DOMAIN = "contactbot"
LOCALE_DIR = Path(__file__).with_name("locale")

_current: ContextVar[str] = ContextVar("contactbot_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of `language`; English (the message ids) needs none."""
    mo_file = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo_file.exists():
        return gettext.NullTranslations()
    with mo_file.open("rb") as source:
        return gettext.GNUTranslations(source)


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
