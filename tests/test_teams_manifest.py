"""The Teams app package: what a Teams admin uploads is valid, in Swedish and English."""

from __future__ import annotations

import io
import json
import tomllib
import zipfile
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from matplotlib import image

from bot.cli import main
from bot.teams.package import FILES, PLACEHOLDER, manifest_text
from handlers.registry import find_command
from tests.schemas import validate_teams_localization, validate_teams_manifest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "bot" / "teams" / "manifest"
BOT_ID = "0a1b2c3d-1234-5678-9abc-def012345678"


def english() -> dict[str, Any]:
    return json.loads((SOURCES / "en.json").read_text(encoding="utf-8"))


def commands(manifest: dict[str, Any]) -> list[dict[str, str]]:
    return [c for command_list in manifest["bots"][0]["commandLists"] for c in command_list["commands"]]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (IHDR)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No .env, no LANGUAGE: the defaults a new admin has."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LANGUAGE", raising=False)
    return tmp_path


def test_the_shipped_manifest_with_a_bot_id_is_valid_for_the_version_it_declares() -> None:
    text = manifest_text(BOT_ID)
    assert PLACEHOLDER not in text and "{{" not in text
    manifest = json.loads(text)
    validate_teams_manifest(manifest)
    assert manifest["id"] == manifest["bots"][0]["botId"] == BOT_ID


def test_the_english_strings_are_a_valid_localization_file() -> None:
    validate_teams_localization(english())


def test_swedish_is_the_default_and_english_is_offered() -> None:
    manifest = json.loads(manifest_text(BOT_ID))
    info = manifest["localizationInfo"]
    assert info["defaultLanguageTag"] == "sv-SE"
    assert info["additionalLanguages"] == [{"languageTag": "en", "file": "en.json"}]
    bot = manifest["bots"][0]
    assert bot["scopes"] == ["personal", "team", "groupChat"] and bot["isNotificationOnly"] is False


def test_every_command_is_offered_in_swedish_and_english_and_the_bot_understands_both() -> None:
    manifest = json.loads(manifest_text(BOT_ID))
    strings = english()
    swedish = [command["title"] for command in commands(manifest)]
    assert swedish == ["logga", "lista", "sök", "sammanställning", "vem", "integritet", "hjälp"]
    english_titles = []
    for index, command in enumerate(commands(manifest)):
        key = f"bots[0].commandLists[0].commands[{index}]"
        assert command["description"] and strings[f"{key}.description"], key
        english_titles.append(strings[f"{key}.title"])
    assert english_titles == ["log", "list", "search", "digest", "whoami", "privacy", "help"]
    command_keys = {key for key in strings if key.startswith("bots[")}
    assert len(command_keys) == 2 * len(swedish), "en.json names a command the manifest does not have"
    for sv, en in zip(swedish, english_titles, strict=True):
        found_sv, found_en = find_command(sv), find_command(en)
        assert found_sv is not None and found_sv is found_en and found_en.name == en


def test_teams_package_writes_a_zip_an_admin_can_upload(
    clean_environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = clean_environment / "contactbot-teams.zip"
    assert main(["teams", "package", "--bot-id", BOT_ID.upper(), "-o", str(output)]) == 0
    said = capsys.readouterr().out
    assert str(output) in said and "Administrationscenter för Teams" in said and "Developer Portal" in said

    with zipfile.ZipFile(output) as package:
        assert sorted(package.namelist()) == sorted(FILES)
        manifest = json.loads(package.read("manifest.json"))
        strings = json.loads(package.read("en.json"))
        icons = {name: package.read(name) for name in ("color.png", "outline.png")}
    assert manifest["bots"][0]["botId"] == manifest["id"] == BOT_ID
    assert png_size(icons["color.png"]) == (192, 192) and manifest["icons"]["color"] == "color.png"
    assert png_size(icons["outline.png"]) == (32, 32) and manifest["icons"]["outline"] == "outline.png"
    validate_teams_manifest(manifest)
    validate_teams_localization(strings)


def test_the_outline_icon_is_white_on_transparent() -> None:
    pixels = image.imread(io.BytesIO((SOURCES / "outline.png").read_bytes()), format="png")
    drawn = pixels[pixels[..., 3] > 0]
    assert len(drawn) > 0 and (pixels[..., 3] == 0).any()
    assert (drawn[:, :3] == 1.0).all(), "every visible pixel of the outline icon must be white"


def test_packaging_needs_no_database_and_no_settings(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/x")
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    for name in ("SLACK_BOT_TOKEN", "TEAMS_CLIENT_ID", "TEAMS_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["teams", "package", "--bot-id", BOT_ID]) == 0
    assert (clean_environment / "contactbot-teams.zip").is_file()


def test_a_malformed_bot_id_is_refused_in_one_swedish_line_and_writes_nothing(
    clean_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    output = clean_environment / "contactbot-teams.zip"
    assert main(["teams", "package", "--bot-id", "contactbot", "-o", str(output)]) == 2
    error = capsys.readouterr().err
    assert error.splitlines() == [
        "contactbot: 'contactbot' är inget bot-id: ange botens app-id hos Microsoft "
        "(Application (client) ID), ett GUID som 0a1b2c3d-1234-5678-9abc-def012345678."
    ]
    assert not output.exists()
    monkeypatch.setenv("LANGUAGE", "en")
    assert main(["teams", "package", "--bot-id", BOT_ID + "0", "-o", str(output)]) == 2
    assert "is not a bot id" in capsys.readouterr().err and not output.exists()


def test_the_package_sources_ship_with_the_python_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(
        fnmatch("bot.teams", pattern)
        for pattern in config["tool"]["setuptools"]["packages"]["find"]["include"]
    )
    patterns = config["tool"]["setuptools"]["package-data"]["bot.teams"]
    for name in FILES:
        assert (SOURCES / name).is_file(), name
        assert any(fnmatch(f"manifest/{name}", pattern) for pattern in patterns), name
