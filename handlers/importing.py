"""Imported contacts pass the same checks as logged ones.

Each record's fields go through the validator the chat commands use; country and kind
names in either language become codes, and every problem is named by its row and field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers.fields import BY_NAME, field_label
from handlers.markup import Text, say
from handlers.validation import InvalidFields, Memo, check_fields

# The export's column -> the field the validator knows.
_COLUMNS = {f.attribute: f.name for f in BY_NAME.values()}
_YOUTH = BY_NAME["youth"].attribute
_DATE = BY_NAME["date"].attribute


def check_records(records: list[dict[str, Any]], places: list[str], today: date) -> list[Text]:
    """Check every record (`places[i]` names where record i is in the file, e.g. "line 7").

    Valid values replace the typed ones in place (codes for country and kind, tidied
    text); the problems of every bad row are returned, none when all are good.
    """
    problems: list[Text] = []
    memo: Memo = {}
    for record, place in zip(records, places, strict=True):
        # Every field as text, in the fields' order (the order of a row's problems).
        values = {
            name: "" if (v := record.get(column)) is None else str(v) for column, name in _COLUMNS.items()
        }
        values["youth"] = "yes" if record.get(_YOUTH) else "no"
        day = record.get(_DATE)
        values["date"] = day.isoformat() if isinstance(day, date) else str(day or "")
        try:
            data = check_fields(values, today, memo=memo)
        except InvalidFields as invalid:
            problems += [
                say("{place}: {field}: ", place=place, field=field_label(name)) + message
                for name, message in invalid.errors.items()
            ]
            continue
        record.update({column: getattr(data, name) for column, name in _COLUMNS.items()})
        record[_YOUTH] = bool(data.youth)
        if record.get("kind") is None:
            record["kind"] = "other"
    return problems
