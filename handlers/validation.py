"""Turns typed field values into a contact's data, or says exactly what to fix.

The same rules serve the inline command (`log org=… country=…`) and the form (modal),
so the two can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.countries import find_country
from handlers.fields import LIMITS, REQUIRED, field_label
from handlers.i18n import _
from handlers.kinds import find_kind, kind_names
from handlers.markup import Text, say
from handlers.register_fields import check_register_field
from handlers.text import tidy, visible

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]{2,}$")
_YES = {"yes", "y", "ja", "j", "true", "1", "x", "on"}
_NO = {"no", "n", "nej", "false", "0", "off", ""}
_TODAY = {"today", "idag", "i dag"}
_YESTERDAY = {"yesterday", "igår", "i går"}


@dataclass
class ContactData:
    """A contact's fields after checking; None means "not given"."""

    org: str | None = None
    country: str | None = None
    city: str | None = None
    person: str | None = None
    email: str | None = None
    kind: str | None = None
    youth: bool | None = None
    unit: str | None = None
    date: date | None = None
    summary: str | None = None
    benefit: str | None = None
    followup: str | None = None
    dnr: str | None = None
    direction: str | None = None
    participants: int | None = None
    young: int | None = None
    programme: str | None = None
    project_ref: str | None = None

    def given(self) -> dict[str, object]:
        """The fields that were given, as a dict."""
        return {name: value for name, value in self.__dict__.items() if value is not None}


class InvalidFields(Exception):
    """Field name -> what to fix; the contact was not stored."""

    def __init__(self, errors: dict[str, Text]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def check_fields(
    values: dict[str, str],
    today: date,
    *,
    partial: bool = False,
    form: bool = False,
    memo: Memo | None = None,
) -> ContactData:
    """Check every given value; raise InvalidFields naming each problem.

    With `partial` (an edit), missing required fields are fine but clearing one is not.
    With `form`, the messages speak of the form's fields, not of the command line.
    `memo` keeps each field's typed values' outcomes from one call to the next, for checking
    many rows at once (an import repeats the same countries, kinds and dates): a value is
    then checked once, whatever the number of rows it is in.
    """
    data = ContactData()
    errors: dict[str, Text] = {}
    for name, raw in values.items():
        if memo is None:
            outcome = _outcome(name, raw, today)
        else:
            known = memo.get(name)
            if known is None:
                known = memo[name] = {}
            outcome = known.get(raw, _UNSEEN)
            if outcome is _UNSEEN:
                if len(known) >= MEMO_LIMIT:  # a field whose values seldom repeat (a summary)
                    known.clear()
                outcome = known[raw] = _outcome(name, raw, today)
        if isinstance(outcome, _Problem):
            errors[name] = say(_form_message("date")) if form and name == "date" else outcome.text
            continue
        setattr(data, name, outcome)
    if partial and "date" in values and "date" not in errors and data.date is None:
        errors["date"] = (
            say(_form_message("date"))
            if form
            else say(
                _("The date can't be emptied: give the date of the contact, e.g. {example}."),
                example=today.isoformat(),
            )
        )
    errors.update(check_people(data.participants, data.young, errors))
    if data.young is not None and data.participants is None and not partial and "young" not in errors:
        errors["young"] = _young_without_all(data.young)
    if data.young is not None:
        said = data.youth if values.get("youth", "").strip() else None
        if said is not None and said != (data.young > 0) and not form and "youth" not in errors:
            errors["youth"] = _youth_contradicted(data.young)
        data.youth = data.young > 0  # the youth flag follows the number of young participants
    for name in REQUIRED:
        if name in errors:
            continue
        missing = getattr(data, name) is None
        if missing and (not partial or name in values):
            errors[name] = say(_form_message(name) if form else _required_message(name))
    if errors:
        raise InvalidFields(errors)
    return data


@dataclass(frozen=True)
class _Problem:
    """What is wrong with one typed value."""

    text: Text


_UNSEEN = object()
# Field name -> typed value -> its checked value, or the _Problem with it (see check_fields).
Memo = dict[str, dict[str, object]]
MEMO_LIMIT = 50_000  # values kept a field


def _outcome(name: str, raw: str, today: date) -> object:
    """`raw` checked as field `name`: the value to store, or a _Problem."""
    try:
        return _check_one(name, tidy(raw), today)
    except ValueError as problem:
        return _Problem(problem.args[0] if isinstance(problem.args[0], Text) else say(str(problem)))


def _young_without_all(young: int) -> Text:
    return say(
        _(
            "{young} young participants, but no number of participants in all: give participants= too "
            "(everyone taking part, the young included)."
        ),
        young=young,
    )


def _youth_contradicted(young: int) -> Text:
    return say(
        _(
            "Children and youth follows the young participants ({young}): leave youth= out, or change "
            "young_participants= instead."
        ),
        young=young,
    )


def check_people(participants: int | None, young: int | None, errors: dict[str, Text]) -> dict[str, Text]:
    """An error for `young` when more young participants than participants are given."""
    if participants is None or young is None or "young" in errors or "participants" in errors:
        return {}
    if young <= participants:
        return {}
    return {
        "young": say(
            _(
                "{young} young participants, but {participants} participants in all: the young are "
                "counted among all participants, so give at most {participants}."
            ),
            young=young,
            participants=participants,
        )
    }


def _form_message(name: str) -> str:
    if name == "org":
        return _("Fill in the organisation.")
    if name == "country":
        return _("Choose a country.")
    if name == "date":
        return _("Choose a date.")
    return _("Fill in the summary: what the contact was about.")


def _required_message(name: str) -> str:
    if name == "org":
        return _('The organisation is missing. Add org="Name of the organisation".')
    if name == "country":
        return _("The country is missing. Add country=FI (a code or a name, e.g. Finland or Litauen).")
    return _('The summary is missing. Add summary="What the contact was about".')


def _check_one(name: str, text: str, today: date) -> object:
    if name == "youth":
        return _check_youth(text)
    if name == "date":
        return _check_date(text, today)
    if not visible(text):  # empty, or only zero-width characters and spaces: not given
        return None
    if name in {"direction", "programme", "participants", "young"}:
        return check_register_field(name, text)
    limit = LIMITS.get(name)
    if limit is not None and len(text) > limit:
        raise ValueError(
            say(
                _("{field} is {length} characters long; at most {limit} fit. Shorten it."),
                field=field_label(name),
                length=len(text),
                limit=limit,
            )
        )
    if name == "country":
        code = find_country(text)
        if code is None:
            raise ValueError(
                say(
                    _("Unknown country “{value}”. Use a code like FI or a name like Finland or Litauen."),
                    value=text,
                )
            )
        return code
    if name == "kind":
        kind = find_kind(text)
        if kind is None:
            raise ValueError(
                say(_("Unknown kind “{value}”. Use one of: {kinds}."), value=text, kinds=kind_names())
            )
        return kind
    if name == "email":
        if not _EMAIL.match(text):
            raise ValueError(
                say(_("“{value}” is not an email address. Write it like name@example.org."), value=text)
            )
        return text
    return text


def _check_youth(text: str) -> bool:
    folded = text.casefold()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise ValueError(say(_("youth takes yes or no (ja/nej), not “{value}”."), value=text))


def _check_date(text: str, today: date) -> date | None:
    folded = text.casefold()
    if not folded:
        return None
    if folded in _TODAY:
        return today
    if folded in _YESTERDAY:
        return today - timedelta(days=1)
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            say(
                _("“{value}” is not a date. Write it as YYYY-MM-DD, e.g. {example}."),
                value=text,
                example=today.isoformat(),
            )
        ) from None
    if value > today:
        raise ValueError(
            say(
                _("The date {value} is in the future. Log contacts that have happened (today is {today})."),
                value=value.isoformat(),
                today=today.isoformat(),
            )
        )
    if value.year < 1900:
        raise ValueError(say(_("The date {value} is too far back."), value=value.isoformat()))
    return value


def check_edit(
    stored_participants: int | None, stored_young: int | None, data: ContactData, values: dict[str, str]
) -> None:
    """An edit must leave no more young participants than participants, counting the stored
    numbers the edit does not change; raises InvalidFields."""
    participants = data.participants if "participants" in values else stored_participants
    young = data.young if "young" in values else stored_young
    errors = check_people(participants, young, {})
    if errors and "young" not in values:
        errors = {"participants": errors["young"]}
    if not errors and young is not None and participants is None:
        errors = {"participants" if "participants" in values else "young": _young_without_all(young)}
    said_youth = data.youth if "young" not in values and values.get("youth", "").strip() else None
    if not errors and young is not None and said_youth is not None and said_youth != (young > 0):
        errors = {"youth": _youth_contradicted(young)}
    if errors:
        raise InvalidFields(errors)
