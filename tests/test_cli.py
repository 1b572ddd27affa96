"""The command line as people use it: a real process, real files, real databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, load_settings
from bot.logs import RedactSecrets
from tests.spreadsheet_helpers import workbook_cells

NO_DOTENV = Path("/nonexistent/.env")
LOG = 'logga org="Rovaniemen kaupunki" land=FI typ=vänort ungdom=ja datum=2026-11-20 sammanfattning="Fotbollsutbyte för unga" nytta="Båda städerna får nya kontakter"'


def contactbot(
    args: list[str], database_url: str, cwd: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "LANGUAGE"))
    }
    environment.update({"DATABASE_URL": database_url, **env})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=120,
    )


def test_shell_reads_commands_from_standard_input(database_url: str, tmp_path: Path) -> None:
    result = contactbot(
        ["shell"], database_url, tmp_path, stdin=f"{LOG}\n/kontakt lista\nvisa 1\nexport\nlog org=\n"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Kontakt #1 är sparad:" in out and "Dina kontakter: 1" in out
    assert "Ömsesidig nytta: Båda städerna får nya kontakter" in out
    assert "Sparad som" in out and "Organisationen saknas" in out
    assert "Traceback" not in out + result.stderr
    exported = next(tmp_path.glob("kontakter-*.xlsx")).read_bytes()
    assert "Rovaniemen kaupunki" in workbook_cells(exported)


def test_export_then_import_into_an_empty_database_gives_the_same_contacts(
    database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    contactbot(
        ["shell"], database_url, tmp_path, stdin=f"{LOG}\nlog org=B land=SE sammanfattning=x\nta-bort 2 fel\n"
    )
    first = contactbot(["export", "--format", "json"], database_url, tmp_path)
    assert first.returncode == 0, first.stderr
    contacts = json.loads(first.stdout)["contacts"]
    assert [c["id"] for c in contacts] == [1, 2] and contacts[1]["withdrawn_reason"] == "fel"
    assert contacts[0]["contact_date"] == "2026-11-20" and contacts[0]["youth"] is True
    (tmp_path / "export.json").write_text(first.stdout, encoding="utf-8")
    csv_result = contactbot(["export", "--format", "csv", "-o", "export.csv"], database_url, tmp_path)
    assert csv_result.returncode == 0

    for name in ("export.json", "export.csv"):
        other = tmp_path_factory.mktemp("other")
        other_url = f"sqlite:///{other / 'restored.db'}"
        imported = contactbot(["import", str(tmp_path / name)], other_url, other)
        assert imported.returncode == 0, imported.stderr
        assert "Läste in 2 kontakter" in imported.stdout
        again = contactbot(["export", "--format", "json"], other_url, other)
        assert json.loads(again.stdout) == json.loads(first.stdout), name
        # New contacts continue after the imported ids.
        added = contactbot(["shell"], other_url, other, stdin="log org=C land=SE sammanfattning=y\n")
        assert "Kontakt #3 är sparad" in added.stdout
        # A second import would reuse ids: refused, nothing written.
        twice = contactbot(["import", str(tmp_path / name)], other_url, other)
        assert twice.returncode == 1 and "databasen har redan kontakter med id 1, 2" in twice.stderr


def test_export_filters_by_meeting_date(database_url: str, tmp_path: Path) -> None:
    contactbot(
        ["shell"],
        database_url,
        tmp_path,
        stdin=f"{LOG}\nlog org=B land=SE datum=2026-10-01 sammanfattning=x\n",
    )
    result = contactbot(
        ["export", "--format", "json", "--from", "2026-11-01", "--to", "2026-11-30"], database_url, tmp_path
    )
    assert [c["organisation"] for c in json.loads(result.stdout)["contacts"]] == ["Rovaniemen kaupunki"]
    bad = contactbot(["export", "--from", "November"], database_url, tmp_path)
    assert bad.returncode == 2 and "är inget datum" in bad.stderr and "Traceback" not in bad.stderr


def test_import_of_a_broken_file_says_where_and_imports_nothing(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(
        '{"contacts": [{"id": 1, "contact_date": "yesterday"}]}', encoding="utf-8"
    )
    result = contactbot(["import", "bad.json"], database_url, tmp_path)
    assert result.returncode == 1 and "kontakt 1: contact_date har ett felaktigt värde" in result.stderr
    missing = contactbot(["import", "nope.csv"], database_url, tmp_path)
    assert (
        missing.returncode == 1
        and "det finns ingen fil nope.csv" in missing.stderr
        and "Traceback" not in missing.stderr
    )


def test_bad_settings_stop_start_up_with_one_line(database_url: str, tmp_path: Path) -> None:
    result = contactbot(["run"], database_url, tmp_path)
    assert result.returncode == 2 and result.stderr.strip() == (
        "contactbot: Ingen chattplattform är inställd: sätt SLACK_BOT_TOKEN och SLACK_SIGNING_SECRET för Slack, "
        "eller TEAMS_CLIENT_ID och TEAMS_CLIENT_SECRET för Teams."
    )
    english = contactbot(["run"], database_url, tmp_path, LANGUAGE="en")
    assert (
        english.stderr.strip()
        == "contactbot: No chat platform is configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for Slack, "
        "or TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET for Teams."
    )
    result = contactbot(["shell"], database_url, tmp_path, TIMEZONE="Mars/Olympus")
    assert (
        result.returncode == 2
        and len(result.stderr.strip().splitlines()) == 1
        and "TIMEZONE" in result.stderr
    )
    result = contactbot(["shell"], "postgresql+psycopg://nobody@127.0.0.1:9/x", tmp_path)
    assert result.returncode == 2 and "DATABASE_URL: kan inte öppna databasen" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_come_from_dotenv_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("LANGUAGE=en\nCOORDINATORS=U1, U2;U3\nTIMEZONE=Europe/Helsinki\n", encoding="utf-8")
    settings = load_settings({"TIMEZONE": "Europe/Stockholm"}, env_file=dotenv)
    assert settings.language == "en" and settings.coordinators == {"slack:U1", "slack:U2", "slack:U3"}
    assert str(settings.timezone) == "Europe/Stockholm"
    with pytest.raises(ConfigError, match="LANGUAGE"):
        load_settings({"LANGUAGE": "fi"}, env_file=dotenv)
    with pytest.raises(ConfigError, match="SLACK_API_URL"):
        load_settings({"SLACK_API_URL": "slack.com"}, env_file=dotenv)


@pytest.mark.parametrize(
    ("value", "language"),
    [("fi:sv", "sv"), ("sv_SE.UTF-8:en", "sv"), ("en_GB:sv", "en"), ("de_DE@euro:EN", "en"), ("sv-SE", "sv")],
)
def test_language_is_also_read_as_gettexts_list_of_languages(value: str, language: str) -> None:
    assert load_settings({"LANGUAGE": value}, env_file=NO_DOTENV).language == language


@given(
    st.lists(st.sampled_from(["fi", "de_DE", "nb_NO.UTF-8", "C", ""]), max_size=3),
    st.sampled_from(["sv", "en", "sv_SE", "en_US.UTF-8", "SV"]),
    st.lists(st.sampled_from(["fi", "sv", "en", "de"]), max_size=2),
)
def test_the_first_language_the_bot_speaks_in_the_list_wins(
    before: list[str], first: str, after: list[str]
) -> None:
    value = ":".join([*before, first, *after])
    assert load_settings({"LANGUAGE": value}, env_file=NO_DOTENV).language == first[:2].casefold()
    if not ":".join(before):
        return  # empty: the default, Swedish
    with pytest.raises(ConfigError, match="LANGUAGE"):
        load_settings({"LANGUAGE": ":".join(before)}, env_file=NO_DOTENV)


def test_secrets_never_reach_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s3cr3t-signing"})
    assert "xoxb" not in repr(settings) and "s3cr3t" not in repr(settings)
    logger = logging.getLogger("test.secrets")
    redact = RedactSecrets(["s3cr3t-signing"])
    logger.addFilter(redact)
    with caplog.at_level(logging.INFO, logger="test.secrets"):
        logger.info("token %s and secret %s and another xapp-1-A0-xyz", "xoxb-1-2-abc", "s3cr3t-signing")
    assert caplog.records[0].getMessage() == "token [redacted] and secret [redacted] and another [redacted]"


def test_a_file_that_cannot_be_written_is_one_line_in_swedish_and_no_traceback(
    database_url: str, tmp_path: Path
) -> None:
    contactbot(["shell"], database_url, tmp_path, stdin=f"{LOG}\n")
    missing = tmp_path / "finns-inte"
    for args in (
        ["export", "-o", str(missing / "k.csv")],
        ["export", "--format", "json", "-o", str(missing / "k.json")],
        ["export", "--format", "xlsx", "-o", str(missing / "k.xlsx")],
        ["utlamna", "--from", "2026-01-01", "--to", "2026-12-31", "-o", str(missing / "u.xlsx")],
        ["export", "-o", str(tmp_path)],
    ):
        result = contactbot(args, database_url, tmp_path)
        assert result.returncode == 1, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("contactbot: kan inte"), (args, result.stderr)
        assert "mappen eller filen finns inte" in lines[0] or "det är en mapp" in lines[0]
    assert not missing.exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to fill the disk")
def test_a_workbook_written_to_a_full_disk_says_so_once(database_url: str, tmp_path: Path) -> None:
    contactbot(["shell"], database_url, tmp_path, stdin=f"{LOG}\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LANGUAGE"))}
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "export", "--format", "xlsx"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env={**environment, "DATABASE_URL": database_url},
            timeout=120,
        )
    assert result.returncode == 1
    assert result.stderr.strip() == "contactbot: kan inte skriva standardutmatningen: disken är full"
