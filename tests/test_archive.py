"""`contactbot arkivera`: a submission information package the e-archive accepts (FGS 2.0 =
E-ARK CSIP 2.1.0 + SIP 2.1.0), checked with eark-validator 1.1.3 and read back file by file."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from bot.cli import main
from tests.eark import UNMEETABLE, validation_errors
from tests.report_data import stored

METS = "{http://www.loc.gov/METS/}"
PREMIS = "{http://www.loc.gov/premis/v3}"


@pytest.fixture
def at_the_command_line(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The command line as an archivist has it: in a folder of their own (returned), on the
    test's database, in Swedish."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LANGUAGE", "sv")
    return tmp_path


@pytest.fixture
def package(database_url: str, at_the_command_line: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The package of 2026's contacts, made by the command as an archivist runs it."""
    for _db in stored(database_url):
        pass
    status = main(["arkivera", "--from", "2026-01-01", "--to", "2026-12-31", "-o", "paket.zip",
                   "--arkivbildare", "Exempelby kommun"])  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert "6 kontakter, 5 organisationer" in out and "paket.zip" in out
    return at_the_command_line / "paket.zip"


def _files(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        root = names[0].split("/")[0]
        return {name.removeprefix(root + "/"): archive.read(name) for name in names}


def test_the_package_passes_the_e_ark_validator(package: Path) -> None:
    assert validation_errors(package) == [], f"errors other than {sorted(UNMEETABLE)}"


def test_a_damaged_package_fails_the_validator(package: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.count("/") == 1 and item.filename.endswith("/METS.xml"):
                content = content.replace(b'USE="Schemas"', b'USE="Other"')
            target.writestr(item, content)
    assert any(error.startswith("CSIP113") for error in validation_errors(damaged))


def test_the_tables_are_there_as_csv_and_as_xml_valid_against_their_schemas(package: Path) -> None:
    files = _files(package)
    contacts = list(
        csv.DictReader(io.StringIO(files["representations/rep1/data/contacts.csv"].decode("utf-8")))
    )
    assert len(contacts) == 6, "the year's five contacts and the withdrawn one: records are kept"
    assert {c["contact_date"][:4] for c in contacts} == {"2026"}
    withdrawn = [c for c in contacts if c["withdrawn_reason"]]
    assert [(c["withdrawn_reason"], c["organisation_id"] != "") for c in withdrawn] == [("fel", True)]
    organisations = files["representations/rep1/data/organisations.csv"].decode("utf-8")
    assert "Rovaniemen kaupunki" in organisations and "Aarhus Kommune" not in organisations
    for table in ("contacts", "organisations"):
        schema = etree.XMLSchema(etree.fromstring(files[f"schemas/{table}.xsd"]))
        document = etree.fromstring(files[f"representations/rep1/data/{table}.xml"])
        assert schema.validate(document), schema.error_log
    document = etree.fromstring(files["representations/rep1/data/contacts.xml"])
    summaries = [e.text for e in document.iter("{urn:contactbot:archive:contacts:1}summary")]
    assert "Möte med Kauno miestas" in summaries and len(summaries) == 6


def test_mets_and_premis_name_every_file_with_its_checksum(package: Path) -> None:
    files = _files(package)
    mets = etree.fromstring(files["METS.xml"])
    assert mets.get("PROFILE") == "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
    assert (
        mets.find(f"{METS}metsHdr").get("{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}OAISPACKAGETYPE")
        == "SIP"
    )
    archivist = mets.find(f"{METS}metsHdr/{METS}agent[@ROLE='ARCHIVIST']/{METS}name")
    assert archivist.text == "Exempelby kommun"
    for document in (mets, etree.fromstring(files["representations/rep1/METS.xml"])):
        base = "" if document is mets else "representations/rep1/"
        listed = document.findall(f".//{METS}file")
        assert listed
        for entry in listed:
            path = base + entry.find(f"{METS}FLocat").get("{http://www.w3.org/1999/xlink}href")
            assert entry.get("CHECKSUM") == hashlib.sha256(files[path]).hexdigest(), path
    premis = etree.fromstring(files["metadata/preservation/premis.xml"])
    digests = {
        o.findtext(f"{PREMIS}objectIdentifier/{PREMIS}objectIdentifierValue"): o.findtext(
            f".//{PREMIS}messageDigest"
        )
        for o in premis.iter(f"{PREMIS}object")
    }
    data = "representations/rep1/data/contacts.csv"
    assert digests[data] == hashlib.sha256(files[data]).hexdigest()
    assert premis.findtext(f"{PREMIS}event/{PREMIS}eventType") == "creation"
    dc = etree.fromstring(files["metadata/descriptive/dc.xml"])
    assert dc.findtext("{http://purl.org/dc/elements/1.1/}coverage") == "2026-01-01/2026-12-31"


def test_the_register_description_documents_every_column_in_swedish(package: Path) -> None:
    files = _files(package)
    [name] = [n for n in files if n.startswith("documentation/")]
    text = files[name].decode("utf-8")
    assert name == "documentation/registerbeskrivning.txt"
    assert text.startswith("Registerbeskrivning: kommunens internationella kontakter")
    assert "Arkivbildare: Exempelby kommun" in text
    assert "Tabell contacts: 6 rader" in text and "  youth: Barn och unga" in text
    assert "  withdrawn_reason: varför den återkallades" in text


def test_arkivera_with_the_dates_the_wrong_way_round_says_so(
    at_the_command_line: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["arkivera", "--from", "2026-12-31", "--to", "2026-01-01", "-o", "p.zip"]) == 2
    assert "--from 2026-12-31 är efter --to 2026-01-01" in capsys.readouterr().err
    assert not (at_the_command_line / "p.zip").exists()


def test_arkivera_without_a_creator_or_contacts_says_what_to_check(
    at_the_command_line: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["arkivera", "--from", "2020-01-01", "--to", "2020-12-31", "-o", "p.zip"]) == 0
    warned = capsys.readouterr().err
    assert "ange kommunens eget namn med --arkivbildare" in warned
    assert "inga kontakter har mötesdatum mellan 2020-01-01 och 2020-12-31" in warned
    args = [
        "arkivera",
        "--from",
        "2020-01-01",
        "--to",
        "2020-12-31",
        "-o",
        "q.zip",
        "--arkivbildare",
        "Ale kommun",
    ]
    assert main(args) == 0
    assert "--arkivbildare" not in capsys.readouterr().err
    before = (at_the_command_line / "q.zip").read_bytes()
    assert main(args) == 2 and "q.zip finns redan" in capsys.readouterr().err
    assert (at_the_command_line / "q.zip").read_bytes() == before


def test_the_package_is_in_the_audit_trail_and_its_history_rows_are_json(
    database_url: str, at_the_command_line: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import zipfile

    from bot.config import load_settings
    from bot.context import open_context
    from bot.shell.prompt import answer, shell_caller
    from storage.history import audit_trail

    context = open_context(load_settings({"DATABASE_URL": database_url, "LANGUAGE": "sv"}))
    today = context.clock().date().isoformat()
    answer(
        context,
        f"logga org=Tartu land=EE sammanfattning=x datum={today}",
        shell_caller(),
        at_the_command_line,
    )
    answer(context, "ändra 1 ungdom=ja", shell_caller(), at_the_command_line)
    args = ["arkivera", "--from", today, "--to", today, "-o", "p.zip", "--arkivbildare", "Ale kommun"]
    assert main(args) == 0
    [event] = [e for e in audit_trail(context.db) if e.action == "export"]
    assert (
        event.note is not None
        and event.note.startswith("archive package uuid-")
        and "1 contacts, p.zip" in event.note
    )
    with zipfile.ZipFile(at_the_command_line / "p.zip") as package:
        name = next(n for n in package.namelist() if n.endswith("data/history.csv"))
        rows = package.read(name).decode("utf-8").splitlines()
        described = package.read(
            next(n for n in package.namelist() if "registerbeskrivning" in n or "register-description" in n)
        ).decode("utf-8")
    edit = next(row for row in rows if ",edit," in row)
    assert '"{""youth"": true}"' in edit  # JSON, as `contactbot audit` writes it
    assert "  action: vad som gjordes" in described or "  action:" in described
    assert "    personal-data-erasure:" in described
    context.db.dispose()
