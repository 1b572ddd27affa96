"""The register's tables as the archive takes them: CSV, XML and the XML's schema (XSD).

Each table is described once (its columns, their types and whether they may be empty),
and the three files are written from that description, streaming the rows.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any
from xml.sax.saxutils import XMLGenerator, quoteattr

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Table, select
from sqlalchemy.engine import Connection

from storage.models import Base, Contact, Organisation

NAMESPACE = "urn:contactbot:archive:{table}:1"
# Characters XML 1.0 cannot hold (control characters other than tab and line breaks).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class ArchivedTable:
    """One table of the register: its name in the package, its rows' element and its columns."""

    name: str
    row: str
    table: Table

    @property
    def columns(self) -> list[str]:
        return [column.name for column in self.table.columns]


def archived_tables() -> list[ArchivedTable]:
    """Contacts, organisations and (once storage/history.py exists) every history table."""
    tables = [
        ArchivedTable("contacts", "contact", Contact.__table__),  # type: ignore[arg-type]
        ArchivedTable("organisations", "organisation", Organisation.__table__),  # type: ignore[arg-type]
    ]
    if importlib.util.find_spec("storage.history") is not None:
        importlib.import_module("storage.history")
        for name, table in sorted(Base.metadata.tables.items()):
            if "history" in name:
                tables.append(ArchivedTable(name, "entry", table))
    return tables


def rows(connection: Connection, archived: ArchivedTable, start: date, end: date) -> Iterator[Any]:
    """The table's rows that belong to contacts met between `start` and `end`, by id."""
    table = archived.table
    in_period = select(Contact.id).where(Contact.contact_date.between(start, end))
    statement = select(table)
    if table.name == "contacts":
        statement = statement.where(table.c.contact_date.between(start, end))
    elif table.name == "organisations":
        used = select(Contact.organisation_id).where(Contact.contact_date.between(start, end))
        statement = statement.where(table.c.id.in_(used))
    elif "contact_id" in table.c:
        statement = statement.where(table.c.contact_id.in_(in_period))
    order = [c for c in table.primary_key.columns] or list(table.columns)[:1]
    result = connection.execution_options(yield_per=1000).execute(statement.order_by(*order))
    yield from result


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):  # a history row's before and after: JSON, as `contactbot audit`
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def write_csv(connection: Connection, archived: ArchivedTable, start: date, end: date, out: IO[str]) -> int:
    """RFC 4180 CSV in UTF-8 with a header row; values exactly as stored (an empty cell is no value)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(archived.columns)
    count = 0
    for row in rows(connection, archived, start, end):
        writer.writerow([_text(value) for value in row])
        count += 1
    return count


def write_xml(connection: Connection, archived: ArchivedTable, start: date, end: date, out: IO[str]) -> int:
    """The same rows as XML, valid against the table's schema; an empty value leaves its element out."""
    namespace = NAMESPACE.format(table=archived.name)
    xml = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)
    xml.startDocument()
    xml.startPrefixMapping(None, namespace)
    xml.startElementNS((namespace, archived.name), archived.name, {})
    count = 0
    for row in rows(connection, archived, start, end):
        out.write("\n  ")
        xml.startElementNS((namespace, archived.row), archived.row, {})
        for name, value in zip(archived.columns, row, strict=True):
            if value is None:
                continue
            xml.startElementNS((namespace, name), name, {})
            xml.characters(_NOT_IN_XML.sub("\ufffd", _text(value)))
            xml.endElementNS((namespace, name), name)
        xml.endElementNS((namespace, archived.row), archived.row)
        count += 1
    out.write("\n")
    xml.endElementNS((namespace, archived.name), archived.name)
    xml.endPrefixMapping(None)
    xml.endDocument()
    return count


def _xsd_type(column: Any) -> tuple[str, int | None]:
    kind = column.type
    if isinstance(kind, Boolean):
        return "xs:boolean", None
    if isinstance(kind, Integer):
        return "xs:integer", None
    if (
        isinstance(kind, DateTime)
        or getattr(kind, "impl", None) is not None
        and isinstance(kind.impl, DateTime)
    ):
        return "xs:dateTime", None
    if isinstance(kind, Date):
        return "xs:date", None
    if isinstance(kind, String) and kind.length:
        return "xs:string", kind.length
    return "xs:string", None


def xsd(archived: ArchivedTable) -> str:
    """The XML schema of the table's XML file."""
    namespace = NAMESPACE.format(table=archived.name)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace={quoteattr(namespace)} '
        f'xmlns={quoteattr(namespace)} elementFormDefault="qualified">',
        f'  <xs:element name="{archived.name}">',
        "    <xs:complexType>",
        "      <xs:sequence>",
        f'        <xs:element name="{archived.row}" minOccurs="0" maxOccurs="unbounded">',
        "          <xs:complexType>",
        "            <xs:sequence>",
    ]
    for column in archived.table.columns:
        kind, length = _xsd_type(column)
        optional = ' minOccurs="0"' if column.nullable or column.name == "search_text" else ""
        if length is None:
            lines.append(f'              <xs:element name="{column.name}" type="{kind}"{optional}/>')
        else:
            lines += [
                f'              <xs:element name="{column.name}"{optional}>',
                f'                <xs:simpleType><xs:restriction base="{kind}">'
                f'<xs:maxLength value="{length}"/></xs:restriction></xs:simpleType>',
                "              </xs:element>",
            ]
    lines += [
        "            </xs:sequence>",
        "          </xs:complexType>",
        "        </xs:element>",
        "      </xs:sequence>",
        "    </xs:complexType>",
        "  </xs:element>",
        "</xs:schema>",
        "",
    ]
    return "\n".join(lines)
