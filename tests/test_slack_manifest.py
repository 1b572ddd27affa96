"""The Slack app manifest an admin pastes into api.slack.com is one Slack accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.config import Settings
from tests.schemas import validate_slack_manifest

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


def slack_manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_the_slack_manifest_is_valid() -> None:
    validate_slack_manifest(slack_manifest())


def test_the_slack_manifest_offers_the_default_command() -> None:
    commands = [command["command"] for command in slack_manifest()["features"]["slash_commands"]]
    assert commands == [Settings().slack_command] == ["/kontakt"]
