"""The Teams adapter's small parts: reading Teams text, rendering replies, settings, tokens."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, load_settings
from bot.teams.auth import keys_url
from bot.teams.incoming import Mention, audience_of, command_text, is_mentioned
from bot.teams.render import render_text
from bot.teams.tokens import ClientCredentialsTokens, TokenTrouble
from handlers.markup import Paragraph, say
from tests.teams_standin import CLIENT_ID, CLIENT_SECRET, TENANT_ID, TeamsStandIn

BOT = f"28:{CLIENT_ID}"
ME = Mention(BOT, "contactbot", "<at>contactbot</at>")
ANNA = Mention("29:1anna", "Anna Berg", "<at>Anna Berg</at>")
NO_ENV = Path("/nonexistent/.env")


def test_only_the_bots_own_mention_is_removed_and_html_becomes_plain_text() -> None:
    text = "<p><at>contactbot</at>&nbsp;log summary=&quot;Möte med <at>Anna Berg</at> &amp; co&quot;</p>"
    assert command_text(text, BOT, [ME, ANNA]) == 'log summary="Möte med Anna Berg & co"'


def test_a_mention_of_someone_named_like_the_bot_but_with_another_id_stays() -> None:
    impostor = Mention("29:1other", "contactbot", "<at>contactbot</at>")
    assert command_text("<at>contactbot</at> help", BOT, [impostor]) == "contactbot help"
    assert not is_mentioned(BOT, [impostor]) and is_mentioned(BOT, [ME])


def test_text_typed_as_markup_stays_text_and_lines_are_kept() -> None:
    text = "<div>log org=&lt;b&gt;x&lt;/b&gt;<br>summary=två&nbsp;&nbsp;ord</div>"
    assert command_text(text, BOT, []) == "log org=<b>x</b>\nsummary=två ord"


def test_the_bots_name_typed_as_plain_text_is_dropped_at_the_start_only() -> None:
    assert command_text("@contactbot show 3", BOT, [], "contactbot") == "show 3"
    assert command_text("@ContactBot", BOT, [], "contactbot") == ""
    assert command_text("show @contactbot", BOT, [], "contactbot") == "show @contactbot"


def test_personal_chats_are_private_and_everything_else_is_shared() -> None:
    assert audience_of("personal") == "private"
    assert {audience_of(kind) for kind in ("channel", "groupChat", None, "meeting")} == {"shared"}


@given(st.text())
def test_render_never_lets_a_tag_through(user_text: str) -> None:
    rendered = render_text([Paragraph(say("Summary: {text}", text=user_text))])
    assert "<" not in rendered.replace("\\<", "")


def test_teams_settings_are_checked_one_line_each() -> None:
    good = {"TEAMS_CLIENT_ID": CLIENT_ID, "TEAMS_CLIENT_SECRET": CLIENT_SECRET}
    settings = load_settings({**good, "TEAMS_COORDINATORS": "C0000000-0000-4000-8000-00000000C00D"}, NO_ENV)
    assert settings.teams_enabled and not settings.slack_enabled
    assert settings.teams_coordinators == {"c0000000-0000-4000-8000-00000000c00d"}
    assert CLIENT_SECRET not in repr(settings)
    assert (
        settings.teams_openid_metadata_url
        == "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    settings.require_platform()
    for bad, name in [
        ({"TEAMS_CLIENT_ID": "contactbot"}, "TEAMS_CLIENT_ID"),
        ({"TEAMS_CLIENT_ID": CLIENT_ID}, "TEAMS_CLIENT_SECRET"),
        ({"TEAMS_CLIENT_SECRET": CLIENT_SECRET}, "TEAMS_CLIENT_ID"),
        ({**good, "TEAMS_TENANT_ID": "not a tenant"}, "TEAMS_TENANT_ID"),
        ({**good, "TEAMS_COORDINATORS": "UCOORD"}, "TEAMS_COORDINATORS"),
        ({**good, "TEAMS_OPENID_METADATA_URL": "login.botframework.com"}, "TEAMS_OPENID_METADATA_URL"),
        ({**good, "TEAMS_DIGEST_WEBHOOK_URL": "ftp://x"}, "TEAMS_DIGEST_WEBHOOK_URL"),
        ({**good, "TEAMS_DEV_UNAUTHENTICATED": "maybe"}, "TEAMS_DEV_UNAUTHENTICATED"),
    ]:
        with pytest.raises(ConfigError, match=name) as problem:
            load_settings(bad, NO_ENV)
        assert "\n" not in str(problem.value) and CLIENT_SECRET not in str(problem.value)


def test_one_platform_is_enough_and_none_is_not() -> None:
    load_settings({"TEAMS_DEV_UNAUTHENTICATED": "true"}, NO_ENV).require_platform()
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN.*TEAMS_CLIENT_ID"):
        load_settings({}, NO_ENV).require_platform()
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        load_settings(
            {"SLACK_BOT_TOKEN": "xoxb-1", "TEAMS_DEV_UNAUTHENTICATED": "true"}, NO_ENV
        ).require_platform()


def test_the_key_set_address_is_derived_as_the_sdk_derives_it() -> None:
    from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
    from microsoft_teams.apps.auth.token_validator import TokenValidator

    url = "http://127.0.0.1:9/botframework/v1/.well-known/openidconfiguration"
    sdk = TokenValidator.for_service(CLIENT_ID, cloud=with_overrides(PUBLIC, openid_metadata_url=url))
    assert keys_url(url) == sdk.options.jwks_uri == "http://127.0.0.1:9/botframework/v1/.well-known/keys"


def test_the_token_is_cached_until_shortly_before_it_expires(teams_standin: TeamsStandIn) -> None:
    now = [1000.0]

    async def scenario() -> list[str]:
        async with httpx.AsyncClient() as http:
            tokens = ClientCredentialsTokens(
                teams_standin.login_url, CLIENT_ID, CLIENT_SECRET, TENANT_ID, http, clock=lambda: now[0]
            )
            first = await tokens.get_app_token(None)
            again = await tokens.get_app_token("https://api.botframework.com/.default")
            now[0] += 3599 - 299  # within five minutes of expiry
            renewed = await tokens.get_app_token(None)
            assert CLIENT_SECRET not in repr(tokens) and str(first) not in repr(first)
            return [str(first), str(again), str(renewed)]

    first, again, renewed = asyncio.run(scenario())
    assert first == again != renewed and len(teams_standin.calls_to("token")) == 2


def test_a_refused_secret_is_reported_without_the_secret(teams_standin: TeamsStandIn) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            await ClientCredentialsTokens(
                teams_standin.login_url, CLIENT_ID, "wrong-secret-123", None, http
            ).get_app_token(None)

    with pytest.raises(TokenTrouble) as trouble:
        asyncio.run(scenario())
    assert "invalid_client" in str(trouble.value) and "wrong-secret" not in str(trouble.value)
    assert teams_standin.calls_to("token")[0].path == "/login/botframework.com/oauth2/v2.0/token"
