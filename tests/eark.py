"""eark-validator 1.1.3, run with no network.

When imported, its module eark_validator/ipxml/schematron.py builds its vocabulary tests by
calling urllib's `urlopen` on four https://earkcsip.dilcis.eu/schema/CSIPVocabulary*.xml
addresses. Before it is imported, an opener is installed at urllib's own layer that answers
those four addresses with the copies shipped inside the package
(eark_validator/ipxml/resources/vocabs/) and refuses every other address but loopback (the
other tests' stand-ins in the same process).
"""

from __future__ import annotations

import importlib.util
import io
import urllib.request
from email.message import Message
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.response import addinfourl

VOCABULARY_HOST = "earkcsip.dilcis.eu"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class PackagedVocabularies(urllib.request.BaseHandler):
    """Serves the validator's vocabularies from its own package; nothing reaches the network."""

    handler_order = 100  # asked before urllib's own HTTP(S) handlers

    def __init__(self) -> None:
        spec = importlib.util.find_spec("eark_validator")
        assert spec is not None and spec.origin is not None, "eark-validator is not installed"
        self.folder = Path(spec.origin).parent / "ipxml" / "resources" / "vocabs"

    def _serve(self, request: urllib.request.Request) -> addinfourl | None:
        url = request.full_url
        parts = urlsplit(url)
        if parts.hostname in LOOPBACK:
            return None  # the other tests' stand-ins on this machine: urllib's own handlers go on
        name = Path(parts.path).name
        if parts.hostname != VOCABULARY_HOST or not (self.folder / name).is_file():
            raise URLError(f"no network in tests: {url}")
        headers = Message()
        headers["Content-Type"] = "application/xml"
        answer = addinfourl(io.BytesIO((self.folder / name).read_bytes()), headers, url, 200)
        answer.msg = "OK"
        return answer

    def https_open(self, request: urllib.request.Request) -> addinfourl | None:
        return self._serve(request)

    def http_open(self, request: urllib.request.Request) -> addinfourl | None:
        return self._serve(request)


urllib.request.install_opener(urllib.request.build_opener(PackagedVocabularies()))

from eark_validator.model.validation_report import Severity, StructureStatus  # noqa: E402
from eark_validator.packages import PackageValidator  # noqa: E402
from eark_validator.specifications.specification import SpecificationVersion  # noqa: E402

# Rules that no valid package can meet as eark-validator 1.1.3 reads them:
# - SIP14 asks the CREATOR agent's note for NOTETYPE="IDENTIFICATIONCODE", while CSIP 2.1.0
#   (CSIP10-16) requires that same agent to be the software, with its one note of
#   csip:NOTETYPE="SOFTWARE VERSION".
# - CSIP63 is met by a file group only when it has csip:CONTENTINFORMATIONTYPE="OTHER" with
#   OTHERCONTENTINFORMATIONTYPE, or has none and also does not have it (a contradiction), so the
#   Documentation and Schemas groups that CSIP60 and CSIP113 require can never pass it.
UNMEETABLE = {"SIP14", "CSIP63"}


def validation_errors(package: Path) -> list[str]:
    """Every error the validator reports for the package (a zip or folder), except UNMEETABLE."""
    report = PackageValidator(package, SpecificationVersion.V2_1_0).validation_report
    structure = report.structure
    errors = (
        [f"structure {m.rule_id}: {m.message}" for m in structure.errors] if structure else ["no structure"]
    )
    if structure is not None and structure.status != StructureStatus.WELLFORMED:
        errors.append(f"structure: {structure.status.value}")
    if report.metadata is None:
        return [*errors, "no metadata results: the structure check stopped the validation"]
    for results in (report.metadata.schema_results, report.metadata.schematron_results):
        errors += [
            f"{m.rule_id}: {m.message} ({m.location})"
            for m in results.messages
            if m.severity == Severity.ERROR and m.rule_id not in UNMEETABLE
        ]
    return errors
