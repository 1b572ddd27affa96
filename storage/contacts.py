"""Queries on contacts, organisations and user settings.

Every method is one transaction; results are detached objects that stay readable
after the session closes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, make_dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CTE,
    Connection,
    Dialect,
    Insert,
    Row,
    Select,
    bindparam,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from storage import bulk, history
from storage.database import Database
from storage.faults import describe
from storage.folding import fold
from storage.history import UNKNOWN, Actor, changed
from storage.models import Contact, ContactMonth, Organisation, UserSetting
from storage.prepared import DriverTransaction, Prepared
from storage.requests import Once, Replayed, claim_cte
from storage.search import Page, SearchIndex

KNOWN_LIMIT = 10_000  # remembered look-ups (`ContactStore._known`)
# The register's own fields, added by migration 0007.
REGISTER_FIELDS = ("dnr", "direction", "participants", "young_participants", "programme", "project_ref")
EDITABLE = (
    "contact_date",
    "country",
    "city",
    "person",
    "email",
    "kind",
    "youth",
    "unit",
    "summary",
    "benefit",
    "followup",
    *REGISTER_FIELDS,
)


@dataclass
class NewContact:
    """What is needed to store a contact."""

    contact_date: date
    organisation: str
    country: str
    kind: str
    summary: str
    logged_by: str
    platform: str
    youth: bool = False
    city: str | None = None
    person: str | None = None
    email: str | None = None
    unit: str | None = None
    benefit: str | None = None
    followup: str | None = None
    logged_by_name: str | None = None
    dnr: str | None = None
    direction: str | None = None
    participants: int | None = None
    young_participants: int | None = None
    programme: str | None = None
    project_ref: str | None = None


@dataclass
class Added:
    """A stored contact; `created` is False when it had been stored before (a resent form)."""

    contact: Contact  # or, when just stored, a StoredContact (the same attributes)
    created: bool
    unit_remembered: bool = False


class IdsTaken(Exception):
    """Imported contacts would reuse ids that are already in the database."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(", ".join(map(str, ids[:10])))
        self.ids = ids


class ImportRefused(Exception):
    """The database refused the imported rows; `cause` is its own words. Nothing was written."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


COUNT_UP_TO = 100  # a search counts its matches up to here, then says "more than 100"


class ContactStore:
    """Reads and writes contacts in one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._search_index: SearchIndex | None = None
        self._prepared: _Prepared | None = None
        # PostgreSQL: the organisation's columns and the default unit a `log` looked up, by
        # (organisation's key, platform, user): the next such `log` checks them in the statement
        # that stores it instead of a round trip of its own (`_add_remembered`).
        self._known: dict[tuple[str, str, str], tuple[dict[str, Any], str | None]] = {}

    @property
    def search_index(self) -> SearchIndex:
        """The database's text index (looked up once; a missing one is logged then)."""
        if self._search_index is None:
            with self.db.read() as session:
                self._search_index = SearchIndex(session)
        return self._search_index

    # -- organisations -------------------------------------------------------

    @staticmethod
    def _organisation(session: Session, name: str, now: datetime) -> Organisation:
        """The organisation called `name` (case and accents aside), created if new, attached
        to `session`: looked up or created as a `log` does (`_organisation_row`)."""
        found = _organisation_row(session.connection(), name, now)
        return session.get_one(Organisation, found.id)

    # -- writing -------------------------------------------------------------

    def add(
        self,
        new: NewContact,
        now: datetime,
        source_key: str | None = None,
        actor: Actor = UNKNOWN,
        once: Once | None = None,
    ) -> Added:
        """Store a contact in one transaction.

        Without a unit, the user's default unit is used; a unit typed in another case
        takes the spelling already in use, and becomes the user's default if they had none.
        With `source_key`, a second call with the same key returns the first contact
        instead of storing another (a platform resending a form). With `once`, its request key
        is claimed in the transaction that stores the contact: `Replayed`, with nothing stored,
        when it was claimed before.

        Every `log` comes here. The common case (a known organisation, no unit typed) goes
        through the driver (`_add_known`); the rest with SQLAlchemy Core statements on one
        connection (no ORM unit of work): the look-ups in one statement, then the contact and
        its history row, in one transaction.
        """
        try:
            added = self._add_known(new, now, source_key, actor, once) if not new.unit else None
            if added is None:
                # Anything else (a new organisation, a unit typed, a resent form): the look-ups
                # again, in the transaction that writes.
                with self.db.write() as connection:
                    found = connection.execute(_LOOKUPS, _lookup_values(new, source_key)).one()
                    if found.existing is None:
                        if once is not None:
                            once.claim_on(connection)
                        added = self._insert_new(connection, new, now, source_key, actor, found)
            if added is not None:
                if once is not None:
                    once.taken = True  # committed with the contact
                return added
        except IntegrityError:
            if source_key is None:
                raise
            existing = self._by_source_key(source_key)
            if existing is None:
                raise
            return Added(existing, created=False)
        # Stored before: the contact as it is now (read once the write transaction has ended).
        assert source_key is not None
        existing = self._by_source_key(source_key)
        if existing is None:
            raise LookupError(f"the contact stored for {source_key} is gone")
        return Added(existing, created=False)

    def _add_known(
        self, new: NewContact, now: datetime, source_key: str | None, actor: Actor, once: Once | None
    ) -> Added | None:
        """The common `log` (an organisation already known, no unit typed, not stored before)
        through the driver (storage/prepared.py): on SQLite the look-ups, the claim of `once`,
        the contact and its history row in one transaction; on PostgreSQL two statements, each
        committing by itself (under READ COMMITTED a look-up in a transaction saw no more than
        this one does), the second claiming `once` too, or one (`_add_remembered`). None, with
        nothing written, when it is not that case."""
        statements = self._statements()
        lookup = _lookup_values(new, source_key)
        remembered = (lookup["name_key"], new.platform, new.logged_by)
        # PostgreSQL, a Slack `log`: what was looked up is remembered for the next (`_known`).
        remembering = once is not None and source_key is None and not statements.sqlite
        with self.db.driver_transaction() as transaction:
            if once is not None:
                once.prune_in(transaction)
            if remembering:
                assert once is not None
                known = self._known.get(remembered)
                if known is not None:
                    added = self._add_remembered(transaction, new, now, actor, once, lookup, *known)
                    if added is not None:
                        return added
                    self._known.pop(remembered, None)  # changed since: looked up again below
            found = statements.lookups.row(transaction.run(statements.lookups, lookup).fetchone())
            assert found is not None  # scalar subqueries: always one row
            if found["existing"] is not None or found["organisation_id"] is None:
                return None
            columns = {c.name: found[f"organisation_{c.name}"] for c in _ORGANISATIONS.c}
            if remembering:
                self._remember(remembered, columns, found["default_unit"])
            contact, values = _new_contact(
                new, now, source_key, StoredOrganisation(**columns), found["default_unit"]
            )
            after = snapshot(contact)
            if statements.sqlite:
                if once is not None:
                    once.claim_in(transaction)
                cursor = transaction.run(statements.insert_contact, values)
                contact.id = cursor.lastrowid
                row = history.row(contact.id, "create", actor, now, after=after)
                transaction.run(statements.history, row)
            else:
                row = history.row_for(None, "create", actor, now, after=after)
                if once is None:
                    stored = transaction.run(statements.insert_with_history, {**values, **row}).fetchone()
                else:
                    stored = transaction.run(
                        statements.claimed_insert_with_history, {**values, **row, **once.values()}
                    ).fetchone()
                    if stored is None:  # the claim lost: the contact was not inserted
                        raise Replayed
                contact.id = stored[0]
        return Added(contact, created=True)

    def _remember(self, key: tuple[str, str, str], organisation: dict[str, Any], unit: str | None) -> None:
        """Keep what a `log` looked up for the next (the oldest goes first past KNOWN_LIMIT)."""
        known = self._known
        if len(known) >= KNOWN_LIMIT:
            known.pop(next(iter(known), key), None)
        known[key] = (organisation, unit)

    def _add_remembered(
        self,
        transaction: DriverTransaction,
        new: NewContact,
        now: datetime,
        actor: Actor,
        once: Once,
        lookup: dict[str, Any],
        organisation: dict[str, Any],
        default_unit: str | None,
    ) -> Added | None:
        """PostgreSQL: a `log` whose organisation and default unit this process looked up
        before, in one round trip (`_insert_for_known`, which checks they are still so); None,
        with nothing written, when either has changed."""
        contact, values = _new_contact(new, now, None, StoredOrganisation(**organisation), default_unit)
        row = history.row_for(None, "create", actor, now, after=snapshot(contact))
        # The check shares `organisation_id`, `name_key`, `platform` and `user_id` with the
        # contact's own values and the look-up's: the same values under the same names.
        checks = {"organisation_name": organisation["name"], "default_unit": default_unit}
        known, contact_id = transaction.run(
            self._statements().insert_for_known, {**lookup, **values, **row, **once.values(), **checks}
        ).fetchone()
        if not known:
            return None
        if contact_id is None:  # the claim lost: the contact was not inserted
            raise Replayed
        contact.id = contact_id
        return Added(contact, created=True)

    def _statements(self) -> _Prepared:
        if self._prepared is None:
            self._prepared = _Prepared(self.db.engine.dialect)
        return self._prepared

    def _insert_new(
        self,
        connection: Connection,
        new: NewContact,
        now: datetime,
        source_key: str | None,
        actor: Actor,
        found: Row[Any],
    ) -> Added:
        default = found.default_unit
        remembered = False
        unit = default
        if new.unit:
            unit = self._known_unit(connection, new.unit)
            if default is None:
                self._set_default_unit(connection, new.platform, new.logged_by, unit, now)
                remembered = True
        if found.organisation_id is None:
            organisation = _organisation_row(connection, new.organisation, now)
        else:
            organisation = Organisation(
                **{c.name: getattr(found, f"organisation_{c.name}") for c in _ORGANISATIONS.c}
            )
        contact, values = _new_contact(new, now, source_key, organisation, unit)
        after = snapshot(contact)
        if connection.dialect.name == "postgresql":
            # The contact and its history row in one statement: one round trip.
            row = history.row_for(None, "create", actor, now, after=after)
            contact.id = connection.execute(_INSERT_WITH_HISTORY, {**values, **row}).scalar_one()
        else:
            contact.id = connection.execute(_INSERT_CONTACT, values).inserted_primary_key[0]
            history.insert_row(
                connection, contact_id=contact.id, action="create", actor=actor, at=now, after=after
            )
        return Added(contact, created=True, unit_remembered=remembered)

    def _by_source_key(self, source_key: str) -> Contact | None:
        with self.db.read() as session:
            return session.scalar(select(Contact).where(Contact.source_key == source_key))

    def update(
        self, contact_id: int, changes: dict[str, object], now: datetime, actor: Actor = UNKNOWN
    ) -> Contact | None:
        """Change some fields of a contact (`organisation` takes a name); None if no such id.
        The history records each changed field's value before and after."""
        with self.db.session() as session:
            contact = _locked(session, contact_id)
            if contact is None:
                return None
            before = snapshot(contact)
            for name, value in changes.items():
                if name == "organisation" and fold(str(value))[:200] == contact.organisation.name_key:
                    # Only the spelling changed: the organisation itself is renamed.
                    contact.organisation.name = str(value)
                elif name == "organisation":
                    contact.organisation = self._organisation(session, str(value), now)
                elif name == "unit" and value:
                    contact.unit = self._known_unit(session, str(value))
                elif name in EDITABLE:
                    setattr(contact, name, value)
                else:
                    raise ValueError(f"not an editable field: {name}")
            contact.updated_at = now
            contact.search_text = _search_text(contact)
            session.flush()
            old, new = changed(before, snapshot(contact))
            history.record(
                session, contact_id=contact_id, action="edit", actor=actor, at=now, before=old, after=new
            )
            return contact

    def logged_before(self, moment: datetime) -> bool:
        """Whether any contact was logged before `moment`."""
        with self.db.read() as session:
            return session.scalar(select(Contact.id).where(Contact.created_at < moment).limit(1)) is not None

    def organisation_size(self, organisation_id: int) -> int:
        """How many contacts carry the organisation, withdrawn ones included."""
        with self.db.read() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Contact)
                    .where(Contact.organisation_id == organisation_id)
                )
                or 0
            )

    def withdraw(
        self,
        contact_id: int,
        by: str,
        by_name: str | None,
        reason: str | None,
        now: datetime,
        actor: Actor = UNKNOWN,
    ) -> Contact | None:
        """Mark a contact withdrawn (it is kept, with who, when and why); None if no such id."""
        with self.db.session() as session:
            contact = _locked(session, contact_id)
            if contact is None:
                return None
            if contact.withdrawn_at is None:
                contact.withdrawn_at = now
                contact.withdrawn_by = by
                contact.withdrawn_by_name = by_name
                contact.withdrawn_reason = reason
                contact.updated_at = now
                history.record(
                    session, contact_id=contact_id, action="withdraw", actor=actor, at=now, note=reason
                )
            return contact

    def reinstate(
        self, contact_id: int, now: datetime, actor: Actor, note: str | None = None
    ) -> Contact | None:
        """Restore a withdrawn contact (recorded, with who withdrew it and why); None if no such id."""
        with self.db.session() as session:
            contact = _locked(session, contact_id)
            if contact is None:
                return None
            if contact.withdrawn_at is not None:
                before = {
                    "withdrawn_at": contact.withdrawn_at,
                    "withdrawn_by": contact.withdrawn_by,
                    "withdrawn_reason": contact.withdrawn_reason,
                }
                contact.withdrawn_at = None
                contact.withdrawn_by = None
                contact.withdrawn_by_name = None
                contact.withdrawn_reason = None
                contact.updated_at = now
                history.record(
                    session,
                    contact_id=contact_id,
                    action="restore",
                    actor=actor,
                    at=now,
                    before=before,
                    note=note,
                )
            return contact

    # -- reading -------------------------------------------------------------

    def get(self, contact_id: int) -> Contact | None:
        """One contact by id, withdrawn or not."""
        with self.db.read() as session:
            return session.get(Contact, contact_id)

    def _page(self, condition: object, limit: int, offset: int, count_up_to: int | None = None) -> Page:
        active = Contact.withdrawn_at.is_(None)
        with self.db.read() as session:
            capped = False
            if count_up_to is None:
                total = session.scalar(select(func.count(Contact.id)).where(active, condition)) or 0
            else:
                # Stop counting past `count_up_to`: "more than 100" costs what 101 cost.
                found = select(Contact.id).where(active, condition).limit(count_up_to + 1).subquery()
                total = session.scalar(select(func.count()).select_from(found)) or 0
                capped = total > count_up_to
                total = min(total, count_up_to)
            contacts = session.scalars(
                select(Contact)
                .where(active, condition)
                .order_by(Contact.contact_date.desc(), Contact.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return Page(list(contacts), total, capped)

    def by_user(self, platform: str, user_id: str, limit: int = 20, offset: int = 0) -> Page:
        """A user's own contacts, newest meeting first (withdrawn ones left out)."""
        condition = (Contact.platform == platform) & (Contact.logged_by == user_id)
        return self._page(condition, limit, offset)

    def logged_between(self, start: datetime, end: datetime, limit: int = 20, offset: int = 0) -> Page:
        """Contacts logged (created) in [start, end)."""
        condition = (Contact.created_at >= start) & (Contact.created_at < end)
        return self._page(condition, limit, offset)

    def everything(self, limit: int = 20, offset: int = 0) -> Page:
        """All contacts that are not withdrawn, newest meeting first.

        `contact_months` (kept by the database, migration 0009) says how many active contacts
        each month holds: their sum is the total, and they say in which month the page starts.
        The page's first row is then found in `ix_contacts_listing` within that month, and the
        page read from there (keyset), so page 30,000 costs what page 1 costs.
        """
        active = Contact.withdrawn_at.is_(None)
        with self.db.read() as session:
            months = session.execute(
                select(ContactMonth.month, ContactMonth.active)
                .where(ContactMonth.active > 0)
                .order_by(ContactMonth.month.desc())
            ).all()
            total = sum(count for _month, count in months)
            if offset >= total:
                return Page([], total)
            before, index = 0, 0
            while before + months[index].active <= offset:
                before += months[index].active
                index += 1
            month = months[index].month
            following = _next_month(month)
            in_month = (Contact.contact_date >= month) & (Contact.contact_date < following)
            start = session.execute(
                select(Contact.contact_date, Contact.id)
                .where(active, in_month)
                .order_by(Contact.contact_date.desc(), Contact.id.desc())
                .limit(1)
                .offset(offset - before)
            ).first()
            # A contact withdrawn between the two reads (PostgreSQL reads each statement's own
            # snapshot): start from the month's end instead of failing.
            key = tuple(start) if start is not None else (following, 0)
            contacts = session.scalars(
                select(Contact)
                .where(active, tuple_(Contact.contact_date, Contact.id) <= tuple_(*key))
                .order_by(Contact.contact_date.desc(), Contact.id.desc())
                .limit(limit)
            ).all()
            return Page(list(contacts), total)

    def search(self, words: Iterable[str], limit: int = 20, offset: int = 0) -> Page:
        """Contacts whose organisation, person, city or summary contain every word (case and
        accents aside), through the text index; counted up to COUNT_UP_TO."""
        with self.db.read() as session:
            return self.search_index.page(session, list(words), limit, offset, COUNT_UP_TO)

    def export(self, start: date | None = None, end: date | None = None) -> Iterator[Contact]:
        """Every contact, withdrawn ones too, by id; optionally only meetings in [start, end]."""
        statement = select(Contact).order_by(Contact.id)
        if start is not None:
            statement = statement.where(Contact.contact_date >= start)
        if end is not None:
            statement = statement.where(Contact.contact_date <= end)
        with self.db.read() as session:
            yield from session.scalars(statement.execution_options(yield_per=500))

    def ids_taken(self, ids: list[int]) -> list[int]:
        """Which of `ids` the database has already (an import of an export would refuse them)."""
        with self.db.read() as session:
            return bulk.ids_taken(session, ids)

    def restore(
        self, records: list[dict[str, object]], actor: Actor = UNKNOWN, now: datetime | None = None
    ) -> int:
        """Insert exported contacts with every field as it was (ids too), in one transaction,
        in batches (`storage.bulk`) so that any number of rows goes in; each is recorded in the history.

        Raises IdsTaken when any of the ids is already in the database: nothing is written.
        """
        ids = [int(str(r["id"])) for r in records]
        try:
            with self.db.session() as session:
                taken = bulk.ids_taken(session, ids)
                if taken:
                    raise IdsTaken(taken)
                count = bulk.insert_contacts(session, records)
                imported = [
                    (
                        int(str(r["id"])),
                        now or r["created_at"],
                        {"organisation": r["organisation"], **{name: r.get(name) for name in EDITABLE}},
                    )
                    for r in records
                ]
                history.record_imports(session, imported, actor)  # type: ignore[arg-type]
                return count
        except DBAPIError as error:
            # Refused (not unavailable): a value the database will not take, a duplicate id.
            raise ImportRefused(describe(error, self.db.secrets).cause) from None

    # -- units ---------------------------------------------------------------

    def default_unit(self, platform: str, user_id: str) -> str | None:
        """The unit a user set as theirs, if any."""
        with self.db.read() as session:
            return self._default_unit(session, platform, user_id)

    def set_default_unit(self, platform: str, user_id: str, unit: str, now: datetime) -> str:
        """Remember `unit` (in the spelling already in use) as the user's default; returns it."""
        with self.db.session() as session:
            unit = self._known_unit(session, unit)
            self._set_default_unit(session, platform, user_id, unit, now)
            return unit

    @staticmethod
    def _default_unit(session: Session | Connection, platform: str, user_id: str) -> str | None:
        return session.scalar(_DEFAULT_UNIT, {"platform": platform, "user_id": user_id})

    @staticmethod
    def _set_default_unit(
        session: Session | Connection, platform: str, user_id: str, unit: str, now: datetime
    ) -> None:
        mine = {"platform": platform, "user_id": user_id}
        setting = session.scalar(_SETTING_LOCKED, mine)
        if setting is None:
            try:
                with session.begin_nested():
                    session.execute(insert(_SETTINGS), {**mine, "unit": unit, "updated_at": now})
                return
            except IntegrityError:
                setting = session.execute(_SETTING, mine).scalar_one()
        session.execute(_SET_UNIT, {"setting": setting, "new_unit": unit, "now": now})

    @staticmethod
    def _known_unit(session: Session | Connection, name: str) -> str:
        """The spelling already in use for a unit typed in another case, else `name`."""
        lowered = name.casefold()
        for statement in _UNIT_SPELLINGS:
            found = session.scalar(statement, {"lowered": lowered})
            if found:
                return found
        return name


_CONTACTS = Contact.__table__
_ORGANISATIONS = Organisation.__table__
_SETTINGS = UserSetting.__table__
# The statements of `add`, built once (SQLAlchemy caches their compiled form).
_NEW_FIELDS = [f.name for f in fields(NewContact) if f.name not in ("organisation", "unit")]
_INSERT_CONTACT = insert(_CONTACTS)
_CONTACT_COLUMNS = [
    *_NEW_FIELDS,
    "unit",
    "organisation_id",
    "created_at",
    "updated_at",
    "source_key",
    "search_text",
]
_INSERT_ONE_CONTACT = insert(_CONTACTS).values(
    {name: bindparam(name, type_=_CONTACTS.c[name].type) for name in _CONTACT_COLUMNS}
)
_INSERT_WITH_HISTORY = history.with_contact(_INSERT_ONE_CONTACT.returning(_CONTACTS.c.id))


def _contact_if_claimed(claim: CTE) -> Insert:
    """PostgreSQL: the INSERT of one contact (its id returned) that inserts it only where the
    `claim` (`claim_cte`) won."""
    chosen = select(*(bindparam(name, type_=_CONTACTS.c[name].type) for name in _CONTACT_COLUMNS)).where(
        select(claim.c.key).exists()
    )
    return insert(_CONTACTS).from_select(_CONTACT_COLUMNS, chosen).returning(_CONTACTS.c.id)


def _claimed_insert_with_history() -> Insert:
    """PostgreSQL: `_INSERT_WITH_HISTORY` that also claims a request key (`claim_cte`) and
    inserts the contact, and so its history row, only when the claim won."""
    return history.with_contact(_contact_if_claimed(claim_cte()))


_BY_SOURCE_KEY = select(_CONTACTS.c.id).where(_CONTACTS.c.source_key == bindparam("key"))
_ORGANISATION = select(_ORGANISATIONS).where(_ORGANISATIONS.c.name_key == bindparam("key"))
_MINE = (_SETTINGS.c.platform == bindparam("platform")) & (_SETTINGS.c.user_id == bindparam("user_id"))
_DEFAULT_UNIT = select(_SETTINGS.c.unit).where(_MINE)
_SETTING = select(_SETTINGS.c.id).where(_MINE)
_SETTING_LOCKED = _SETTING.with_for_update()
_SET_UNIT = (
    update(_SETTINGS)
    .where(_SETTINGS.c.id == bindparam("setting"))
    .values(unit=bindparam("new_unit"), updated_at=bindparam("now"))
)
# What `add` looks up before it writes, in one SELECT of scalar subqueries (each NULL when
# nothing matches): a contact stored before under the source key, the user's default unit,
# and the organisation's columns.
_LOOKUPS = select(
    _BY_SOURCE_KEY.scalar_subquery().label("existing"),
    _DEFAULT_UNIT.scalar_subquery().label("default_unit"),
    *(
        select(column)
        .where(_ORGANISATIONS.c.name_key == bindparam("name_key"))
        .scalar_subquery()
        .label(f"organisation_{column.name}")
        for column in _ORGANISATIONS.c
    ),
)
_UNIT_SPELLINGS = [
    select(column).where(func.lower(column) == bindparam("lowered")).limit(1)
    for column in (_CONTACTS.c.unit, _SETTINGS.c.unit)
]


def _new_contact(
    new: NewContact, now: datetime, source_key: str | None, organisation: Any, unit: str | None
) -> tuple[Any, dict[str, Any]]:
    """The contact to store (not attached to any session: it is the reply's) and its column values."""
    values = {
        **{name: getattr(new, name) for name in _NEW_FIELDS},
        "unit": unit,
        "organisation_id": organisation.id,
        "created_at": now,
        "updated_at": now,
        "source_key": source_key,
    }
    parts = (organisation.name, new.person, new.city, new.summary)
    values["search_text"] = fold(" ".join(p for p in parts if p))
    return StoredContact(organisation=organisation, **values), values


# A contact just stored, as its reply shows it: the attributes of `Contact` (every column, and
# its organisation's), in plain objects. Building the ORM's instrumented ones cost a `log` more
# CPU than its INSERT did.
StoredContact = make_dataclass(
    "StoredContact", [*((c.name, Any, None) for c in _CONTACTS.c), ("organisation", Any, None)]
)
StoredOrganisation = make_dataclass("StoredOrganisation", [(c.name, Any, None) for c in _ORGANISATIONS.c])


def _insert_for_known() -> Select[Any]:
    """PostgreSQL, one round trip for a `log` whose organisation and default unit this process
    has looked up before (`ContactStore._known`): where both are still as remembered, it claims
    the request key (`claim_cte`) and, where that won, inserts the contact and its history row.
    Returns `known` (False: something changed, nothing was written) and the new `contact_id`
    (NULL when the key was claimed before)."""
    organisations = _ORGANISATIONS.c
    known = (
        select(organisations.id)
        .where(
            (organisations.id == bindparam("organisation_id"))
            & (organisations.name == bindparam("organisation_name"))
            & (organisations.name_key == bindparam("name_key"))
        )
        .exists()
    ) & _DEFAULT_UNIT.scalar_subquery().is_not_distinct_from(
        bindparam("default_unit", type_=_SETTINGS.c.unit.type)
    )
    stored = history.with_contact(_contact_if_claimed(claim_cte(known))).cte("stored")
    return select(known.label("known"), select(stored.c.contact_id).scalar_subquery().label("contact_id"))


class _Prepared:
    """`add`'s statements through the driver, compiled once for the database's dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.sqlite = dialect.name == "sqlite"
        self.lookups = Prepared(_LOOKUPS, dialect)
        if self.sqlite:
            self.insert_contact = Prepared(_INSERT_ONE_CONTACT, dialect)
            self.history = Prepared(history.one_row(), dialect)
        else:
            self.insert_with_history = Prepared(_INSERT_WITH_HISTORY, dialect)
            self.claimed_insert_with_history = Prepared(_claimed_insert_with_history(), dialect)
            self.insert_for_known = Prepared(_insert_for_known(), dialect)


def _lookup_values(new: NewContact, source_key: str | None) -> dict[str, Any]:
    """The parameters of `_LOOKUPS` for `new`."""
    return {
        "platform": new.platform,
        "user_id": new.logged_by,
        "key": source_key,
        "name_key": fold(new.organisation)[:200],
    }


def _organisation_row(connection: Connection, name: str, now: datetime) -> Organisation:
    """The organisation called `name` (case and accents aside), created if new; not attached
    to any session."""
    key = fold(name)[:200]
    found = connection.execute(_ORGANISATION, {"key": key}).first()
    if found is None:
        try:
            with connection.begin_nested():
                values = {"name": name, "name_key": key, "created_at": now}
                new_id = connection.execute(insert(_ORGANISATIONS), values).inserted_primary_key[0]
            return Organisation(id=new_id, **values)
        except IntegrityError:
            # Another writer created it between our look-up and insert (PostgreSQL).
            found = connection.execute(_ORGANISATION, {"key": key}).one()
    return Organisation(**found._asdict())


def _locked(session: Session, contact_id: int) -> Contact | None:
    # FOR UPDATE OF contacts: PostgreSQL refuses to lock the outer-joined organisation.
    return session.scalar(
        select(Contact).where(Contact.id == contact_id).with_for_update(of=Contact.__table__)
    )


def snapshot(contact: Contact) -> dict[str, object]:
    """The fields the history follows, as they are now."""
    values: dict[str, object] = {"organisation": contact.organisation.name}
    values.update({name: getattr(contact, name) for name in EDITABLE})
    return values


def _search_text(contact: Contact) -> str:
    parts = [contact.organisation.name, contact.person, contact.city, contact.summary]
    return fold(" ".join(p for p in parts if p))


def _next_month(month: date) -> date:
    """The first day of the month after `month` (itself a first day)."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
