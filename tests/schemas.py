"""Validate what the bot sends and ships against the official JSON schemas.

The schemas are test data kept outside the repository, in `../shared/schemas` (see its README).
Where that folder is missing, a test that needs it is skipped with a message saying so; with
`CI=true` in the environment it fails instead, so CI never passes without having checked.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema.exceptions import ValidationError
from jsonschema.validators import validator_for

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT.parent / "shared" / "schemas"

CARD_VERSION = "1.5"
CARD_SCHEMA_URLS = {
    "http://adaptivecards.io/schemas/adaptive-card.json",
    "https://adaptivecards.io/schemas/adaptive-card.json",
    "http://adaptivecards.io/schemas/1.5.0/adaptive-card.json",
    "https://adaptivecards.io/schemas/1.5.0/adaptive-card.json",
}
TEAMS_SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.schema.json"
TEAMS_LOCALIZATION_VERSION = "1.29"
TEAMS_LOCALIZATION_URL = (
    "https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.Localization.schema.json"
)


def in_ci() -> bool:
    """True when the environment says this is a CI run (`CI=true`)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_schemas(folder: Path | None = None) -> Path:
    """The schema folder; skips the calling test when it is missing, or fails it under CI=true."""
    folder = SCHEMAS if folder is None else folder
    if (folder / "README.md").is_file():
        return folder
    message = (
        f"the official JSON schemas are not at {folder} (expected ../shared/schemas next to the repository)"
    )
    if in_ci():
        pytest.fail(message + "; CI=true, so this fails instead of skipping", pytrace=False)
    pytest.skip(message)
    raise AssertionError("unreachable")  # pytest.skip raises


@cache
def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as source:
        return json.load(source)


@cache
def _validator(relative: str) -> Any:
    """A validator for the schema at `relative` (below the schema folder), built once."""
    path = require_schemas() / relative
    if not path.is_file():
        pytest.fail(f"no schema file {path}", pytrace=False)
    schema = _load(path)
    if relative.startswith("adaptive-cards/"):
        schema = _with_filtered_choice_style(schema)
    # No check_schema(): from Teams v1.23 on, two `\p{L}` patterns do not compile in Python's `re`
    # (only add-in fields use them; see the schemas' README).
    return validator_for(schema)(schema)


def _with_filtered_choice_style(schema: dict[str, Any]) -> dict[str, Any]:
    """Adaptive Cards 1.5 has `Input.ChoiceSet` style "filtered"; the published 1.5.0 file leaves it out."""
    patched = copy.deepcopy(schema)
    enum = patched["definitions"]["ChoiceInputStyle"]["anyOf"][0]["enum"]
    if "filtered" not in enum:
        enum.append("filtered")
    return patched


def without_msteams(node: Any) -> Any:
    """`node` without Teams' `msteams` host extensions, except inside an action's free-form `data`."""
    if isinstance(node, list):
        return [without_msteams(item) for item in node]
    if not isinstance(node, dict):
        return node
    is_action = str(node.get("type", "")).startswith("Action.")
    return {
        key: value if (is_action and key == "data") else without_msteams(value)
        for key, value in node.items()
        if key != "msteams"
    }


_NONE_OF = " fits none of the allowed forms: "


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """The errors worth reading: inside `anyOf`, only the branches whose `type` matched.

    Adaptive Cards pick an element's schema by its `type` through `anyOf`; the error for the
    whole `anyOf` says nothing useful, so report what is wrong in the matching branch instead,
    or that the type is unknown when no branch matches.
    """
    for error in errors:
        if not error.context:
            yield error
            continue
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        matching = [
            subs
            for subs in branches.values()
            if not any(sub.validator == "enum" and list(sub.relative_path) == ["type"] for sub in subs)
        ]
        if not matching:
            kind = error.instance.get("type") if isinstance(error.instance, dict) else None
            error.message = f"unknown type {kind!r}"
            yield error
        elif len(matching) == 1:
            yield from _leaves(matching[0])
        else:
            messages = (leaf.message.split(_NONE_OF)[-1] for subs in matching for leaf in _leaves(subs))
            error.message = _short(error.instance) + _NONE_OF + "; ".join(dict.fromkeys(messages))
            yield error


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:60] + "…"


def _check(relative: str, instance: Any, what: str) -> None:
    """Raise AssertionError naming every place where `instance` breaks the schema."""
    errors = sorted(_leaves(_validator(relative).iter_errors(instance)), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{what}: {len(errors)} schema error(s)"]
        for error in errors:
            where = "/".join(str(part) for part in error.absolute_path) or "(top)"
            message = error.message if len(error.message) <= 400 else error.message[:400] + "…"
            lines.append(f"  at {where}: {message}")
        raise AssertionError("\n".join(lines))


def validate_adaptive_card(card: dict[str, Any]) -> None:
    """Assert that `card` is a valid Adaptive Card 1.5 as Teams renders it."""
    assert card.get("version") == CARD_VERSION, (
        f"card version is {card.get('version')!r}, not {CARD_VERSION!r}"
    )
    if "$schema" in card:
        assert card["$schema"] in CARD_SCHEMA_URLS, f"card $schema {card['$schema']!r} is not the card schema"
    _check("adaptive-cards/1.5.0/adaptive-card.json", without_msteams(card), "Adaptive Card")


def teams_manifest_versions() -> list[str]:
    """The Teams manifest versions there is a schema for, oldest first."""
    folders = (require_schemas() / "teams-manifest").glob("v*/MicrosoftTeams.schema.json")
    versions = [path.parent.name.removeprefix("v") for path in folders]
    return sorted(versions, key=lambda v: tuple(int(part) for part in v.split(".")))


def validate_teams_manifest(manifest: dict[str, Any]) -> None:
    """Assert that `manifest` is valid against the schema of the version it declares."""
    version = manifest.get("manifestVersion")
    known = teams_manifest_versions()
    assert version in known, f"manifestVersion {version!r} has no schema here (known: {', '.join(known)})"
    expected = TEAMS_SCHEMA_URL.format(version=version)
    if "$schema" in manifest:
        assert manifest["$schema"] == expected, f"$schema is {manifest['$schema']!r}, expected {expected!r}"
    _check(f"teams-manifest/v{version}/MicrosoftTeams.schema.json", manifest, f"Teams manifest v{version}")


def validate_teams_localization(strings: dict[str, Any]) -> None:
    """Assert that `strings` is a valid Teams localization file (the v1.29 Localization schema)."""
    expected = TEAMS_LOCALIZATION_URL.format(version=TEAMS_LOCALIZATION_VERSION)
    if "$schema" in strings:
        assert strings["$schema"] == expected, f"$schema is {strings['$schema']!r}, expected {expected!r}"
    relative = f"teams-manifest/v{TEAMS_LOCALIZATION_VERSION}/MicrosoftTeams.Localization.schema.json"
    _check(relative, strings, "Teams localization file")


def validate_slack_manifest(manifest: dict[str, Any]) -> None:
    """Assert that `manifest` (a Slack app manifest as JSON) is valid against the Slack schema."""
    _check("slack/slack-app-manifest.json", manifest, "Slack app manifest")
