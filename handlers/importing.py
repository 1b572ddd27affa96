"""Imported contacts pass the same checks as logged ones.

Each record's fields go through the validator the chat commands use; country and kind
names in either language become codes, and every problem is named by its row and field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers.fields import BY_NAME, field_label
from handlers.markup import Text, say
from handlers.validation import InvalidFields, check_fields

# The export's column -> the field the validator knows.
_COLUMNS = {f.attribute: f.name for f in BY_NAME.values()}


def check_records(records: list[dict[str, Any]], places: list[str], today: date) -> list[Text]:
    """Check every record (`places[i]` names where record i is in the file, e.g. "line 7").

    Valid values replace the typed ones in place (codes for country and kind, tidied
    text); the problems of every bad row are returned, none when all are good.
    """
    problems: list[Text] = []
    for record, place in zip(records, places, strict=True):
        values = {}
        for column, name in _COLUMNS.items():
            value = record.get(column)
            if name == "youth":
                values[name] = "yes" if value else "no"
            elif name == "date":
                values[name] = value.isoformat() if isinstance(value, date) else str(value or "")
            else:
                values[name] = "" if value is None else str(value)
        try:
            data = check_fields(values, today)
        except InvalidFields as invalid:
            problems += [
                say("{place}: {field}: ", place=place, field=field_label(name)) + message
                for name, message in invalid.errors.items()
            ]
            continue
        for column, name in _COLUMNS.items():
            value = getattr(data, name)
            record[column] = bool(value) if name == "youth" else value
        if record.get("kind") is None:
            record["kind"] = "other"
    return problems
