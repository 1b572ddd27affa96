"""The Teams app package: the zip a Teams admin uploads to add contactbot to Teams.

The sources are package data in `bot/teams/manifest/`: manifest.json (Swedish, the default
language) with the placeholder {{BOT_ID}}, en.json (English) and the two icons
(`scripts/make-teams-icons.py` draws them).
"""

from __future__ import annotations

import re
import zipfile
from importlib import resources
from pathlib import Path

from handlers.i18n import _

PLACEHOLDER = "{{BOT_ID}}"
FILES = ("manifest.json", "en.json", "color.png", "outline.png")
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Fixed time stamps: the same bot id always gives the same zip, byte for byte.
_STAMP = (2026, 1, 1, 0, 0, 0)


class BadBotId(ValueError):
    """The bot id is not a GUID; the message says what to give instead."""


def check_bot_id(value: str) -> str:
    """`value` as a lower-case GUID, or BadBotId: Entra app (client) ids are GUIDs."""
    bot_id = value.strip().lower()
    if not _GUID.fullmatch(bot_id):
        raise BadBotId(
            _(
                "{value} is not a bot id: give the bot's Microsoft app id (Application (client) ID), "
                "a GUID like 0a1b2c3d-1234-5678-9abc-def012345678."
            ).format(value=repr(value))
        )
    return bot_id


def manifest_text(bot_id: str) -> str:
    """manifest.json with the bot id filled in.

    The app's own `id` is the bot id too, as in Microsoft's samples: one id for the admin to
    look for, and a package made again for the same bot updates the same app.
    """
    text = _source("manifest.json").decode("utf-8")
    return text.replace(PLACEHOLDER, check_bot_id(bot_id))


def write_package(bot_id: str, output: Path) -> Path:
    """Write the app package for `bot_id` to `output` and return its path."""
    manifest = manifest_text(bot_id).encode("utf-8")
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name in FILES:
            entry = zipfile.ZipInfo(name, date_time=_STAMP)
            entry.external_attr = 0o644 << 16  # rw-r--r-- when unpacked
            data = manifest if name == "manifest.json" else _source(name)
            package.writestr(entry, data, zipfile.ZIP_DEFLATED)
    return output


def _source(name: str) -> bytes:
    return resources.files("bot.teams").joinpath("manifest", name).read_bytes()
