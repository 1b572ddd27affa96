"""The schema helpers catch what Teams and Slack would refuse, and say where."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.schemas import require_schemas, validate_adaptive_card, validate_teams_manifest


def card(*body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body), **extra}


def test_a_broken_card_is_rejected_with_every_mistake_named() -> None:
    broken = card(
        {"type": "Fancy", "text": "x"},
        {"type": "TextBlock"},
        {"type": "TextBlock", "text": "Veckans kontakter", "weight": "Heavy"},
    )
    with pytest.raises(AssertionError) as rejected:
        validate_adaptive_card(broken)
    report = str(rejected.value)
    assert "3 schema error(s)" in report
    assert "at body/0: unknown type 'Fancy'" in report
    assert "at body/1: 'text' is a required property" in report
    assert "at body/2/weight:" in report and "'Heavy' is not one of" in report


def test_a_teams_card_with_type_to_filter_choices_and_execute_passes() -> None:
    validate_adaptive_card(
        card(
            {"type": "TextBlock", "text": "Logga en kontakt", "weight": "Bolder", "wrap": True},
            {
                "type": "Input.ChoiceSet",
                "id": "country",
                "style": "filtered",
                "choices": [{"title": "Finland", "value": "FI"}, {"title": "Litauen", "value": "LT"}],
            },
            {
                "type": "Image",
                "url": "https://contactbot.example.se/chart.png",
                "msteams": {"allowExpand": True},
            },
            msteams={"width": "Full"},
            actions=[
                {
                    "type": "Action.Execute",
                    "title": "Granskad på mötet",
                    "verb": "review",
                    "data": {"week": 47},
                },
                {"type": "Action.Submit", "title": "Öppna", "data": {"msteams": {"type": "task/fetch"}}},
            ],
        )
    )


def test_a_card_for_another_version_or_schema_is_rejected() -> None:
    with pytest.raises(AssertionError, match="not '1.5'"):
        validate_adaptive_card({**card({"type": "TextBlock", "text": "x"}), "version": "1.6"})
    with pytest.raises(AssertionError, match=r"\$schema"):
        validate_adaptive_card(
            {**card({"type": "TextBlock", "text": "x"}), "$schema": "https://example.se/x"}
        )
    with pytest.raises(AssertionError, match="unknown type 'Action.ResetInputs'"):
        validate_adaptive_card(card(actions=[{"type": "Action.ResetInputs", "title": "Rensa"}]))


def test_a_teams_manifest_of_a_version_without_a_schema_is_rejected() -> None:
    with pytest.raises(AssertionError, match="manifestVersion '1.24' has no schema"):
        validate_teams_manifest({"manifestVersion": "1.24"})
    with pytest.raises(AssertionError, match="is too long"):
        validate_teams_manifest(
            {
                "manifestVersion": "1.29",
                "version": "1.0.0",
                "id": "0a1b2c3d-1234-5678-9abc-def012345678",
                "developer": {
                    "name": "x" * 40,
                    "websiteUrl": "https://example.se",
                    "privacyUrl": "https://example.se",
                    "termsOfUseUrl": "https://example.se",
                },
                "name": {"short": "contactbot"},
                "description": {"short": "a", "full": "b"},
                "icons": {"color": "color.png", "outline": "outline.png"},
                "accentColor": "#1D4F91",
            }
        )


def test_missing_schemas_skip_the_test_but_fail_it_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not at"):
        require_schemas(tmp_path / "shared" / "schemas")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true, so this fails instead of skipping"):
        require_schemas(tmp_path / "shared" / "schemas")
