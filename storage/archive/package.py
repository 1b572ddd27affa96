"""The submission information package as a zip: FGS Paketstruktur 2.0, which is E-ARK CSIP 2.1.0
with E-ARK SIP 2.1.0.

    <OBJID>/METS.xml                                  the package's METS
    <OBJID>/metadata/preservation/premis.xml           PREMIS for every file
    <OBJID>/documentation/<register description>.txt
    <OBJID>/schemas/<table>.xsd                        the XML files' schemas
    <OBJID>/representations/rep1/METS.xml              the representation's METS
    <OBJID>/representations/rep1/data/<table>.csv|.xml the tables
    <OBJID>/representations/rep1/schemas/<table>.xsd
    <OBJID>/representations/rep1/metadata/preservation/premis.xml

The tables are written to temporary files as they stream from the database, then zipped.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from storage.archive.mets import Agents, PackedFile, dublin_core, package_mets, premis, representation_mets
from storage.archive.tables import ArchivedTable, archived_tables, write_csv, write_xml, xsd
from storage.database import Database

CONTENT_TYPE = "contactbot register tables (CSV and XML)"
FORMATS = {".csv": ("text/csv", "CSV (RFC 4180)"), ".xml": ("text/xml", "XML 1.0"),
           ".xsd": ("text/xml", "XML Schema 1.0"), ".txt": ("text/plain", "Plain text (UTF-8)")}  # fmt: skip


@dataclass(frozen=True)
class Packed:
    """What went into the package."""

    objid: str
    counts: dict[str, int]
    tables: list[ArchivedTable]


def _describe(root: Path, relative: str, made: datetime) -> PackedFile:
    path = root / relative
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    mimetype, name = FORMATS[path.suffix]
    return PackedFile(relative, mimetype, path.stat().st_size, digest.hexdigest(), made, name)


def _relative(entry: PackedFile, prefix: str) -> PackedFile:
    return PackedFile(entry.path.removeprefix(prefix), entry.mimetype, entry.size, entry.sha256, entry.created,
                      entry.format_name)  # fmt: skip


def write_package(
    db: Database,
    start: date,
    end: date,
    output: Path,
    made: datetime,
    objid: str,
    agents: Agents,
    label: str,
    description: Callable[[list[ArchivedTable], dict[str, int]], tuple[str, str]],
    language: str = "sv",
) -> Packed:
    """Write the package of contacts met from `start` to `end` to the zip `output`.

    `description(tables, counts)` gives the register description's file name and text."""
    tables = archived_tables()
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="contactbot-archive-") as folder:
        root = Path(folder) / objid
        rep = "representations/rep1/"
        folders = ("metadata/preservation", "metadata/descriptive", "documentation", "schemas")
        for part in (*folders, rep + "data", rep + "schemas", rep + "metadata/preservation"):
            (root / part).mkdir(parents=True, exist_ok=True)
        data: list[PackedFile] = []
        schemas: list[PackedFile] = []
        with db.engine.connect() as connection, connection.begin():
            for table in tables:
                with (root / f"{rep}data/{table.name}.csv").open("w", encoding="utf-8", newline="") as out:
                    counts[table.name] = write_csv(connection, table, start, end, out)
                with (root / f"{rep}data/{table.name}.xml").open("w", encoding="utf-8", newline="\n") as out:
                    write_xml(connection, table, start, end, out)
                data += [_describe(root, f"{rep}data/{table.name}.{kind}", made) for kind in ("csv", "xml")]
                for where in ("schemas/", rep + "schemas/"):
                    (root / f"{where}{table.name}.xsd").write_text(xsd(table), encoding="utf-8")
                schemas.append(_describe(root, f"schemas/{table.name}.xsd", made))
        name, text = description(tables, counts)
        (root / "documentation" / name).write_text(text, encoding="utf-8")
        documentation = [_describe(root, f"documentation/{name}", made)]
        rep_schemas = [_describe(root, f"{rep}schemas/{t.name}.xsd", made) for t in tables]
        detail = f"{label}: {start.isoformat()}/{end.isoformat()}"
        rep_data = [_relative(f, rep) for f in data]
        rep_schema_files = [_relative(f, rep) for f in rep_schemas]
        (root / rep / "metadata/preservation/premis.xml").write_text(
            premis(rep_data + rep_schema_files, made, agents, detail), encoding="utf-8"
        )
        rep_premis = _relative(_describe(root, f"{rep}metadata/preservation/premis.xml", made), rep)
        rep_premis = PackedFile(rep_premis.path, "text/xml", rep_premis.size, rep_premis.sha256, made)
        (root / rep / "METS.xml").write_text(
            representation_mets(
                objid, label, CONTENT_TYPE, made, agents, rep_data, rep_schema_files, rep_premis
            ),
            encoding="utf-8",
        )
        representation = PackedFile(
            f"{rep}METS.xml", "text/xml", (root / rep / "METS.xml").stat().st_size,
            _describe_xml(root / rep / "METS.xml"), made, "METS",
        )  # fmt: skip
        (root / "metadata/preservation/premis.xml").write_text(
            premis([*documentation, *schemas, representation, *data, *rep_schemas], made, agents, detail),
            encoding="utf-8",
        )
        package_premis = _describe(root, "metadata/preservation/premis.xml", made)
        (root / "metadata/descriptive/dc.xml").write_text(
            dublin_core(label, agents.archivist, f"{start.isoformat()}/{end.isoformat()}", language, made),
            encoding="utf-8",
        )
        descriptive = _describe(root, "metadata/descriptive/dc.xml", made)
        (root / "METS.xml").write_text(
            package_mets(
                objid,
                label,
                CONTENT_TYPE,
                made,
                agents,
                documentation,
                schemas,
                representation,
                package_premis,
                descriptive,
            ),
            encoding="utf-8",
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                archive.write(path, str(path.relative_to(root.parent)))
        partial.replace(output)
    return Packed(objid, counts, tables)


def _describe_xml(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
