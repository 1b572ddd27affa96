"""The register description (registerbeskrivning) that documents the package, in the current language."""

from __future__ import annotations

from datetime import date, datetime

from handlers.fields import FIELDS
from handlers.i18n import N_, _
from handlers.kinds import KINDS
from handlers.records import ACTION_LABELS
from storage.archive.tables import ArchivedTable

# Columns of one table that mean something else than the same name in another.
TABLE_COLUMNS = {
    ("organisations", "id"): N_(
        "the organisation's number, given by the register (contacts.organisation_id)"
    ),
    ("organisations", "created_at"): N_("when the organisation was first named (UTC)"),
    ("history", "id"): N_("the event's number, in the order the events were recorded"),
    ("history", "contact_id"): N_(
        "the contact the event concerns (contacts.id); empty for an event of the whole register"
    ),
    ("history", "action"): N_("what was done (the values are listed below)"),
    ("history", "actor"): N_(
        "who did it: the user's id on the chat platform, or the login at the command line"
    ),
    ("history", "via"): N_("through what: slack, teams, shell or cli"),
    ("history", "at"): N_("when (UTC)"),
    ("history", "before"): N_(
        "the changed fields before, as JSON; names and e-mail addresses are never kept (***)"
    ),
    ("history", "after"): N_(
        "the changed fields after, as JSON; names and e-mail addresses are never kept (***)"
    ),
    ("history", "note"): N_("a note: a reason, a decision, a file's name"),
}

# Columns that are not fields a person fills in.
COLUMNS = {
    "id": N_("the contact's number, given by the register"),
    "organisation_id": N_("the organisation's number (organisations.id)"),
    "logged_by": N_("who logged the contact: the user's id on the chat platform"),
    "logged_by_name": N_("the name of who logged the contact"),
    "platform": N_("where it was logged: slack, teams or shell"),
    "created_at": N_("when it was logged (UTC)"),
    "updated_at": N_("when it was last changed (UTC)"),
    "withdrawn_at": N_("when it was withdrawn (UTC); withdrawn contacts are kept"),
    "withdrawn_by": N_("who withdrew it"),
    "withdrawn_by_name": N_("the name of who withdrew it"),
    "withdrawn_reason": N_("why it was withdrawn"),
    "search_text": N_("organisation, person, city and summary folded for searching (derived)"),
    "source_key": N_("the chat platform's key of the form it came from (technical)"),
    "name": N_("the organisation's name as first written"),
    "name_key": N_("the name folded (lower case, no accents): one organisation per key"),
}


def register_description(
    tables: list[ArchivedTable],
    counts: dict[str, int],
    start: date,
    end: date,
    made: datetime,
    archivist: str,
) -> str:
    """Plain text: what the register is, the period, and every file and column."""
    fields = {f.attribute: f for f in FIELDS}
    lines = [
        _("Register description: the municipality's international contacts"),
        "",
        _("Archive creator: {archivist}").format(archivist=archivist),
        _("Contacts met from {start} to {end}; package made {made} by contactbot.").format(
            start=start.isoformat(), end=end.isoformat(), made=made.isoformat(timespec="seconds")
        ),
        "",
        _(
            "Staff log international contacts (twin towns, EU projects, school and youth exchanges, "
            "associations, business, study visits) in chat; coordinators follow them up and report "
            "them once a year. Contacts are never deleted: a withdrawn contact is kept and marked."
        ),
        "",
        _(
            "Each table is given twice, with the same rows: as CSV (UTF-8, comma-separated, a header row, "
            "an empty cell is no value) and as XML valid against its schema in schemas/ (an element left "
            "out is no value). Values are exactly as stored; times are in UTC."
        ),
    ]
    for table in tables:
        lines += [
            "",
            _("Table {name}: {count} rows (data/{name}.csv, data/{name}.xml, schemas/{name}.xsd)").format(
                name=table.name, count=counts.get(table.name, 0)
            ),
        ]
        for column in table.columns:
            field = fields.get(column) if table.name == "contacts" else None
            own = TABLE_COLUMNS.get((table.name, column))
            meaning = (
                _(own)
                if own is not None
                else field.shown_label()
                if field is not None
                else _(COLUMNS[column])
                if column in COLUMNS
                else ""
            )
            if column == "country":
                meaning += " " + _("(ISO 3166-1 alpha-2 code)")
            if column == "kind":
                meaning += " (" + ", ".join(f"{kind}: {_(label)}" for kind, label in KINDS.items()) + ")"
            if column == "youth":
                meaning += " " + _("(true: the contact concerned children and youth)")
            lines.append(f"  {column}: {meaning}".rstrip().rstrip(":"))
            if table.name == "history" and column == "action":
                lines += [f"    {action}: {_(label)}" for action, label in ACTION_LABELS.items()]
    lines.append("")
    return "\n".join(lines)
