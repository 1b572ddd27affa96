"""METS (E-ARK CSIP 2.1.0 with SIP 2.1.0) and PREMIS documents describing the package's files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

CSIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
SCHEMA_LOCATIONS = (
    "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd "
    "http://www.w3.org/1999/xlink http://www.loc.gov/standards/mets/xlink.xsd "
    "https://DILCIS.eu/XML/METS/CSIPExtensionMETS https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd "
    "https://DILCIS.eu/XML/METS/SIPExtensionMETS https://earksip.dilcis.eu/schema/DILCISExtensionSIPMETS.xsd"
)
NAMESPACES = (
    'xmlns="http://www.loc.gov/METS/" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:csip="https://DILCIS.eu/XML/METS/CSIPExtensionMETS" '
    'xmlns:sip="https://DILCIS.eu/XML/METS/SIPExtensionMETS"'
)


@dataclass(frozen=True)
class PackedFile:
    """A file in the package: its path from the METS file that lists it, and its fixity."""

    path: str
    mimetype: str
    size: int
    sha256: str
    created: datetime
    format_name: str = ""

    @property
    def id(self) -> str:
        """An XML id made from the path."""
        return "ID-" + "".join(c if c.isalnum() else "-" for c in self.path)


@dataclass(frozen=True)
class Agents:
    """Who made and who hands over the package."""

    software: str
    version: str
    archivist: str


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _file(entry: PackedFile, indent: str) -> str:
    return (
        f'{indent}<file ID={quoteattr(entry.id)} MIMETYPE={quoteattr(entry.mimetype)} SIZE="{entry.size}" '
        f'CREATED="{_stamp(entry.created)}" CHECKSUM="{entry.sha256}" CHECKSUMTYPE="SHA-256">\n'
        f'{indent}  <FLocat LOCTYPE="URL" xlink:type="simple" xlink:href={quoteattr(entry.path)}/>\n'
        f"{indent}</file>\n"
    )


def _header(created: datetime, agents: Agents) -> str:
    return (
        f'  <metsHdr CREATEDATE="{_stamp(created)}" LASTMODDATE="{_stamp(created)}" RECORDSTATUS="NEW" '
        'csip:OAISPACKAGETYPE="SIP">\n'
        '    <agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE">\n'
        f"      <name>{escape(agents.software)}</name>\n"
        f'      <note csip:NOTETYPE="SOFTWARE VERSION">{escape(agents.version)}</note>\n'
        "    </agent>\n"
        '    <agent ROLE="ARCHIVIST" TYPE="ORGANIZATION">\n'
        f"      <name>{escape(agents.archivist)}</name>\n"
        "    </agent>\n"
        "  </metsHdr>\n"
    )


def _root(objid: str, label: str, other_type: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<mets {NAMESPACES} OBJID={quoteattr(objid)} '
        f'LABEL={quoteattr(label)} TYPE="Databases" csip:CONTENTINFORMATIONTYPE="OTHER" '
        f'csip:OTHERCONTENTINFORMATIONTYPE={quoteattr(other_type)} PROFILE="{CSIP_PROFILE}" '
        f'xsi:schemaLocation="{SCHEMA_LOCATIONS}">\n'
    )


def _group(use: str, group_id: str, files: Sequence[PackedFile], other_type: str | None = None) -> str:
    kind = ""
    if other_type is not None:
        kind = (
            f' csip:CONTENTINFORMATIONTYPE="OTHER" csip:OTHERCONTENTINFORMATIONTYPE={quoteattr(other_type)}'
        )
    body = "".join(_file(f, "      ") for f in files)
    return f'    <fileGrp ID="{group_id}" USE={quoteattr(use)}{kind}>\n{body}    </fileGrp>\n'


def _premis_reference(premis: PackedFile) -> str:
    return (
        '  <amdSec>\n    <digiprovMD ID="ID-digiprov-premis" STATUS="CURRENT">\n'
        f'      <mdRef LOCTYPE="URL" xlink:type="simple" xlink:href={quoteattr(premis.path)} MDTYPE="PREMIS" '
        f'MIMETYPE="text/xml" SIZE="{premis.size}" CREATED="{_stamp(premis.created)}" '
        f'CHECKSUM="{premis.sha256}" CHECKSUMTYPE="SHA-256"/>\n'
        "    </digiprovMD>\n  </amdSec>\n"
    )


def dublin_core(title: str, creator: str, coverage: str, language: str, made: datetime) -> str:
    """The package described in Dublin Core: what it is, whose, which period, which language."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f"  <dc:title>{escape(title)}</dc:title>\n"
        f"  <dc:creator>{escape(creator)}</dc:creator>\n"
        f"  <dc:coverage>{escape(coverage)}</dc:coverage>\n"
        f"  <dc:date>{_stamp(made)}</dc:date>\n"
        f"  <dc:language>{escape(language)}</dc:language>\n"
        "  <dc:type>Dataset</dc:type>\n"
        "  <dc:format>text/csv; text/xml</dc:format>\n"
        "</metadata>\n"
    )


def _descriptive_reference(dc: PackedFile) -> str:
    return (
        f'  <dmdSec ID="ID-dmd-dc" CREATED="{_stamp(dc.created)}" STATUS="CURRENT">\n'
        f'    <mdRef LOCTYPE="URL" xlink:type="simple" xlink:href={quoteattr(dc.path)} MDTYPE="DC" '
        f'MIMETYPE="text/xml" SIZE="{dc.size}" CREATED="{_stamp(dc.created)}" '
        f'CHECKSUM="{dc.sha256}" CHECKSUMTYPE="SHA-256"/>\n'
        "  </dmdSec>\n"
    )


def representation_mets(
    objid: str, label: str, other_type: str, created: datetime, agents: Agents,
    data: Sequence[PackedFile], schemas: Sequence[PackedFile], premis: PackedFile,
) -> str:  # fmt: skip
    """The representation's METS: its data files, their schemas and its PREMIS file."""
    return (
        _root(objid + "-rep1", label, other_type)
        + _header(created, agents)
        + _premis_reference(premis)
        + '  <fileSec ID="ID-filesec-rep1">\n'
        + _group("Data", "ID-grp-data", data)
        + _group("Schemas", "ID-grp-schemas", schemas)
        + "  </fileSec>\n"
        + '  <structMap ID="ID-structmap-rep1" TYPE="PHYSICAL" LABEL="CSIP">\n'
        + f'    <div ID="ID-div-rep1" LABEL={quoteattr(objid + "-rep1")}>\n'
        + '      <div ID="ID-div-rep1-metadata" LABEL="Metadata" ADMID="ID-digiprov-premis"/>\n'
        + '      <div ID="ID-div-rep1-data" LABEL="Data">\n        <fptr FILEID="ID-grp-data"/>\n      </div>\n'
        + '      <div ID="ID-div-rep1-schemas" LABEL="Schemas">\n        <fptr FILEID="ID-grp-schemas"/>\n'
        + "      </div>\n    </div>\n  </structMap>\n</mets>\n"
    )


def package_mets(
    objid: str, label: str, other_type: str, created: datetime, agents: Agents,
    documentation: Sequence[PackedFile], schemas: Sequence[PackedFile], representation: PackedFile,
    premis: PackedFile, descriptive: PackedFile,
) -> str:  # fmt: skip
    """The package's root METS: documentation, schemas, the representation's METS and PREMIS."""
    return (
        _root(objid, label, other_type)
        + _header(created, agents)
        + _descriptive_reference(descriptive)
        + _premis_reference(premis)
        + '  <fileSec ID="ID-filesec">\n'
        + _group("Documentation", "ID-grp-documentation", documentation)
        + _group("Schemas", "ID-grp-schemas", schemas)
        + _group("Representations/rep1", "ID-grp-rep1", [representation], other_type)
        + "  </fileSec>\n"
        + '  <structMap ID="ID-structmap" TYPE="PHYSICAL" LABEL="CSIP">\n'
        + f'    <div ID="ID-div-package" LABEL={quoteattr(objid)}>\n'
        + '      <div ID="ID-div-metadata" LABEL="Metadata" ADMID="ID-digiprov-premis" DMDID="ID-dmd-dc"/>\n'
        + '      <div ID="ID-div-documentation" LABEL="Documentation">\n'
        + '        <fptr FILEID="ID-grp-documentation"/>\n      </div>\n'
        + '      <div ID="ID-div-schemas" LABEL="Schemas">\n        <fptr FILEID="ID-grp-schemas"/>\n      </div>\n'
        + '      <div ID="ID-div-representations" LABEL="Representations">\n'
        + '        <fptr FILEID="ID-grp-rep1"/>\n'
        + '        <div ID="ID-div-rep1" LABEL="Representations/rep1">\n'
        + f'          <mptr LOCTYPE="URL" xlink:type="simple" xlink:href={quoteattr(representation.path)} '
        + 'xlink:title="ID-grp-rep1"/>\n'
        + "        </div>\n      </div>\n    </div>\n  </structMap>\n</mets>\n"
    )


def premis(files: Sequence[PackedFile], created: datetime, agents: Agents, event_detail: str) -> str:
    """PREMIS 3: each file as an object with its fixity and format, the package's creation as
    an event, and the software and the archivist as agents."""
    objects = "".join(
        '  <object xsi:type="file">\n'
        "    <objectIdentifier><objectIdentifierType>local</objectIdentifierType>"
        f"<objectIdentifierValue>{escape(f.path)}</objectIdentifierValue></objectIdentifier>\n"
        "    <objectCharacteristics>\n"
        "      <compositionLevel>0</compositionLevel>\n"
        "      <fixity><messageDigestAlgorithm>SHA-256</messageDigestAlgorithm>"
        f"<messageDigest>{f.sha256}</messageDigest></fixity>\n"
        f"      <size>{f.size}</size>\n"
        f"      <format><formatDesignation><formatName>{escape(f.format_name or f.mimetype)}</formatName>"
        "</formatDesignation></format>\n"
        "    </objectCharacteristics>\n"
        "  </object>\n"
        for f in files
    )
    links = "".join(
        "    <linkingObjectIdentifier><linkingObjectIdentifierType>local</linkingObjectIdentifierType>"
        f"<linkingObjectIdentifierValue>{escape(f.path)}</linkingObjectIdentifierValue></linkingObjectIdentifier>\n"
        for f in files
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<premis xmlns="http://www.loc.gov/premis/v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.loc.gov/premis/v3 http://www.loc.gov/standards/premis/premis.xsd" '
        'version="3.0">\n' + objects + "  <event>\n"
        "    <eventIdentifier><eventIdentifierType>local</eventIdentifierType>"
        "<eventIdentifierValue>creation</eventIdentifierValue></eventIdentifier>\n"
        "    <eventType>creation</eventType>\n"
        f"    <eventDateTime>{_stamp(created)}</eventDateTime>\n"
        f"    <eventDetailInformation><eventDetail>{escape(event_detail)}</eventDetail></eventDetailInformation>\n"
        "    <eventOutcomeInformation><eventOutcome>success</eventOutcome></eventOutcomeInformation>\n"
        "    <linkingAgentIdentifier><linkingAgentIdentifierType>local</linkingAgentIdentifierType>"
        "<linkingAgentIdentifierValue>software</linkingAgentIdentifierValue></linkingAgentIdentifier>\n"
        + links
        + "  </event>\n"
        "  <agent>\n"
        "    <agentIdentifier><agentIdentifierType>local</agentIdentifierType>"
        "<agentIdentifierValue>software</agentIdentifierValue></agentIdentifier>\n"
        f"    <agentName>{escape(agents.software)} {escape(agents.version)}</agentName>\n"
        "    <agentType>software</agentType>\n"
        "  </agent>\n"
        "  <agent>\n"
        "    <agentIdentifier><agentIdentifierType>local</agentIdentifierType>"
        "<agentIdentifierValue>archivist</agentIdentifierValue></agentIdentifier>\n"
        f"    <agentName>{escape(agents.archivist)}</agentName>\n"
        "    <agentType>organization</agentType>\n"
        "  </agent>\n"
        "</premis>\n"
    )
