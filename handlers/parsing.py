"""Reads what users type after the command: words, quoted text and key=value pairs.

Chat clients often turn straight quotes into typographic ones (“…”, ”…”, „…“), so
every one of those counts as a double quote. Apostrophes are left alone: they belong
in text ("O'Brien", "didn't").
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from handlers.fields import FIELDS, KEYS, keys_shown
from handlers.i18n import _
from handlers.markup import Text, say

QUOTES = frozenset('"“”„«»')
_KEY = re.compile(r"^([A-Za-zÅÄÖåäöÉé][A-Za-zÅÄÖåäöÉé_-]*)=(.*)$", re.DOTALL)

FIELD_KEYS = KEYS
FREE_TEXT = frozenset(f.name for f in FIELDS if f.input in {"text", "multiline"})


class ParseError(Exception):
    """What the user typed cannot be read; `text` says what to fix."""

    def __init__(self, text: Text | str) -> None:
        self.text = text if isinstance(text, Text) else say(text)
        super().__init__(self.text.plain())


@dataclass
class Token:
    """One word or quoted text; `key` is set for key=value tokens."""

    text: str
    key: str | None = None
    quoted: bool = False


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens, keeping quoted text together.

    Raises ParseError for an unbalanced quote.
    """
    tokens: list[Token] = []
    current: list[str] = []
    in_quotes = False
    quoted = False
    started = False
    for char in text:
        if char in QUOTES:
            in_quotes = not in_quotes
            quoted = True
            started = True
        elif char.isspace() and not in_quotes:
            if started:
                tokens.append(_token("".join(current), quoted))
            current, quoted, started = [], False, False
        else:
            current.append(char)
            started = True
    if in_quotes:
        raise ParseError(
            _('A quote is not closed. Put text with spaces in straight quotes: summary="Two words".')
        )
    if started:
        tokens.append(_token("".join(current), quoted))
    return tokens


def _token(raw: str, quoted: bool) -> Token:
    match = _KEY.match(raw)
    if match:
        return Token(text=match.group(2), key=match.group(1).casefold(), quoted=quoted)
    return Token(text=raw, quoted=quoted)


@dataclass
class FieldInput:
    """Field values as typed (field name -> raw text), and the remaining free text."""

    values: dict[str, str] = field(default_factory=dict)
    free_text: str = ""


def read_fields(tokens: list[Token]) -> FieldInput:
    """Sort tokens into known fields and free text, the way people type.

    A free-text field's value (organisation, person, city, unit, summary, benefit,
    follow-up) runs until the next `key=`, so `org=Malmö stad` is one organisation; a
    quoted value ends at its closing quote. A closed field's value (country, kind,
    date, youth, email) is one word (`datum=i dag` is two); words after it that are not
    `key=` are free text, which becomes the summary.

    Raises ParseError for an unknown key (suggesting the closest known one), a key given
    twice, or `=` with no field name before it.
    """
    result = FieldInput()
    words: list[str] = []
    open_field: str | None = None
    for index, token in enumerate(tokens):
        if token.key is None:
            if token.text.startswith("=") and not token.quoted:
                raise ParseError(
                    say(
                        _("“{word}” has no field name before =. Write it like org=Name or summary=Text."),
                        word=token.text,
                    )
                )
            if open_field is not None:
                joined = f"{result.values[open_field]} {token.text}".strip()
                result.values[open_field] = joined
            elif _continues_date(result, tokens, index):
                result.values["date"] += " " + token.text
            else:
                words.append(token.text)
            continue
        name = FIELD_KEYS.get(token.key)
        if name is None:
            raise ParseError(unknown_key_message(token.key))
        if name in result.values:
            raise ParseError(say(_("{key} is given twice. Give each field once."), key=token.key))
        result.values[name] = token.text
        open_field = name if name in FREE_TEXT and not token.quoted else None
    result.free_text = " ".join(w for w in words if w)
    return result


def _continues_date(result: FieldInput, tokens: list[Token], index: int) -> bool:
    """`datum=i dag`, `datum=i går`: the recommended Swedish spelling is two words."""
    previous = tokens[index - 1] if index else None
    return (
        previous is not None
        and previous.key is not None
        and FIELD_KEYS.get(previous.key) == "date"
        and not previous.quoted
        and previous.text.casefold() == "i"
        and tokens[index].text.casefold() in {"dag", "går", "gar"}
    )


def unknown_key_message(key: str) -> Text:
    """'Unknown field x. Did you mean y?' with the list of fields."""
    close = difflib.get_close_matches(key, list(FIELD_KEYS), n=1, cutoff=0.6)
    keys = keys_shown()
    if close:
        return say(
            _("Unknown field “{key}”. Did you mean {suggestion}? Fields: {keys}."),
            key=key,
            suggestion=close[0],
            keys=keys,
        )
    return say(_("Unknown field “{key}”. Fields: {keys}."), key=key, keys=keys)
