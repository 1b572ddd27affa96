"""Every string a user can see has a Swedish translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def extracted() -> set[str]:
    found: set[str] = set()
    for package in ("handlers", "bot", "storage"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def swedish() -> dict[str, object]:
    with (ROOT / "handlers/locale/sv/LC_MESSAGES/contactbot.po").open("rb") as source:
        catalog = read_po(source, locale="sv")
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog if m.id}


def test_every_message_has_a_swedish_translation() -> None:
    catalog = swedish()
    missing = sorted(m for m in extracted() if m not in catalog or not catalog[m].string or catalog[m].fuzzy)
    assert missing == [], "run scripts/update-catalog and translate: " + "; ".join(missing[:5])


def test_translations_keep_every_placeholder() -> None:
    for msgid, message in swedish().items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(msgid)), msgid


def test_no_swedish_message_suggests_an_english_command_word() -> None:
    from handlers.registry import COMMANDS

    english_only = {w for c in COMMANDS for w in c.english} - {w for c in COMMANDS for w in c.swedish}
    typed = re.compile(r"(?:\{c\}|\{command\}|/kontakt|@contactbot)\s+([\w-]+)")
    offenders = []
    for msgid, message in swedish().items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            offenders += [(msgid, word) for word in typed.findall(string) if word in english_only]
    assert offenders == []


def test_the_compiled_catalog_the_bot_reads_says_what_the_po_file_says() -> None:
    from handlers.i18n import translations

    compiled = translations("sv")
    stale = []
    for msgid, message in swedish().items():
        if message.fuzzy or not message.string:
            continue
        if isinstance(message.id, tuple):  # Swedish, like English: one, then the rest
            expected = message.string if isinstance(message.string, tuple) else (message.string,)
            got = tuple(compiled.ngettext(message.id[0], message.id[1], n) for n in (1, 2)[: len(expected)])
        else:
            expected, got = message.string, compiled.gettext(msgid)
        if got != expected:
            stale.append(msgid)
    assert stale == [], "run scripts/update-catalog to compile contactbot.mo: " + "; ".join(stale[:5])
