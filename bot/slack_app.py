"""The Slack adapter: turns Slack requests into handler calls and replies into Slack messages.

Listener style follows slack-bolt's examples: acknowledge first, then work. Handlers
are synchronous (they talk to the database), so they run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.context import BotContext
from bot.slack_views import (
    CALLBACK_ID,
    contact_id_of,
    contact_modal,
    country_option,
    message_modal,
    shorten_block,
    submitted_values,
)
from handlers.countries import suggest_countries
from handlers.i18n import _, use_language
from handlers.replies import Caller, Reply
from handlers.text import unescape

log = logging.getLogger(__name__)
T = TypeVar("T")


class SlackIdentity:
    """The bot's own ids, from one `auth.test` call at start-up (not on a user's request)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.result: dict[str, Any] | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> dict[str, Any]:
        """Call `auth.test` once; later calls return the remembered answer."""
        async with self._lock:
            if self.result is None:
                response = await self.client.auth_test()
                self.result = dict(response.data) if isinstance(response.data, dict) else {}
            return self.result


def build_slack_app(context: BotContext, client: AsyncWebClient | None = None) -> AsyncApp:
    """The slack-bolt app with every listener of contactbot."""
    settings = context.settings
    client = client or AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    identity = SlackIdentity(client)

    async def authorize(
        enterprise_id: str | None, team_id: str | None, logger: logging.Logger
    ) -> AuthorizeResult:
        info = await identity.load()
        return AuthorizeResult(
            enterprise_id=info.get("enterprise_id") or enterprise_id,
            team_id=info.get("team_id") or team_id,
            bot_token=settings.slack_bot_token,
            bot_id=info.get("bot_id"),
            bot_user_id=info.get("user_id"),
        )

    # bolt gets a client without a token: the token reaches each request through
    # `authorize`, and bolt warns about a token given both ways.
    app = AsyncApp(
        signing_secret=settings.slack_signing_secret,
        client=AsyncWebClient(base_url=settings.slack_api_url),
        authorize=authorize,
        process_before_response=False,
    )
    adapter = SlackAdapter(context)
    app.identity = identity  # type: ignore[attr-defined]
    app.adapter = adapter  # type: ignore[attr-defined]

    app.command(settings.slack_command)(adapter.on_command)
    app.view_submission(CALLBACK_ID)(adapter.on_form_submitted)
    app.options({"block_id": "country", "action_id": "value"})(adapter.on_country_typed)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        logger.error("Slack request failed: %s", type(error).__name__)

    return app


class SlackAdapter:
    """The listeners; every reply to a person is ephemeral, in the configured language."""

    def __init__(self, context: BotContext) -> None:
        self.context = context
        self.language = context.settings.language
        self._session: aiohttp.ClientSession | None = None

    async def respond(self, response_url: str, text: str) -> None:
        """An ephemeral message through the command's response URL, on one shared HTTP session
        (bolt's `respond` opens a new session for every message)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        webhook = AsyncWebhookClient(response_url, session=self._session, timeout=10)
        response = await webhook.send(text=text, response_type="ephemeral")
        if response.status_code >= 300:
            log.warning("response URL answered HTTP %d", response.status_code)

    async def close(self) -> None:
        """Close the shared HTTP session."""
        if self._session is not None:
            await self._session.close()

    def caller(self, user_id: str, name: str | None) -> Caller:
        """The Slack user as the handlers see them."""
        return Caller("slack", user_id, name, self.context.is_coordinator(user_id))

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        with use_language(self.language):
            return await asyncio.to_thread(function, *args)

    async def on_command(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """`/kontakt …`: ack at once, then answer through the response URL."""
        await ack()
        caller = self.caller(body.get("user_id", ""), body.get("user_name"))
        text = unescape(body.get("text") or "")
        response_url = body.get("response_url", "")
        handler = self.context.handler()
        try:
            reply = await self._in_thread(handler.handle, text, caller)
            if reply.form is not None and await self._open_form(client, body, reply):
                return
            if reply.attachment is not None:
                reply = await self._send_file(client, caller, reply)
            await self.respond(response_url, shorten_block(reply.text, 3900))
        except Exception as error:  # noqa: BLE001 - a person must get an answer, not silence
            log.error("command reply failed: %s", type(error).__name__)
            with use_language(self.language):
                message = _("Sorry, I could not answer just now. Please try again in a minute.")
            try:
                await self.respond(response_url, message)
            except Exception:  # noqa: BLE001
                log.error("could not send the error reply either")

    async def _open_form(self, client: AsyncWebClient, body: dict[str, Any], reply: Reply) -> bool:
        assert reply.form is not None
        with use_language(self.language):
            view = contact_modal(reply.form.values, reply.form.contact_id)
        try:
            await client.views_open(trigger_id=body.get("trigger_id", ""), view=view)
            return True
        except SlackApiError as error:
            # The trigger id lives three seconds; if it expired the written hint still helps.
            log.warning("views.open failed: %s", error.response.get("error"))
            return False

    async def _send_file(self, client: AsyncWebClient, caller: Caller, reply: Reply) -> Reply:
        assert reply.attachment is not None
        file = reply.attachment
        with use_language(self.language):
            try:
                opened = await client.conversations_open(users=caller.user_id)
                channel = opened["channel"]["id"]
                await client.files_upload_v2(
                    channel=channel,
                    content=file.content,
                    filename=file.filename,
                    title=file.title,
                    initial_comment=reply.text,
                )
                return Reply(reply.text + "\n" + _("I sent the file to you in a direct message."))
            except SlackApiError as error:
                log.warning("file upload failed: %s", error.response.get("error"))
                return Reply(
                    _(
                        "I could not send the file ({error}). Ask the administrator to check the app's "
                        "files:write and im:write scopes, or use `contactbot export`."
                    ).format(error=error.response.get("error")),
                    ok=False,
                )

    async def on_form_submitted(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The form: check and store, then answer in the ack (errors stay on the form)."""
        view = body.get("view", {})
        user = body.get("user", {})
        caller = self.caller(user.get("id", ""), user.get("username") or user.get("name"))
        contact_id = contact_id_of(view)
        values = submitted_values(view)
        source_key = f"slack-view:{view.get('id')}" if contact_id is None and view.get("id") else None
        handler = self.context.handler()
        outcome = await self._in_thread(handler.submit_form, values, caller, contact_id, source_key)
        if outcome.errors:
            await ack(response_action="errors", errors=outcome.errors)
            return
        reply = outcome.reply or Reply("")
        with use_language(self.language):
            title = _("Saved") if reply.ok else _("Not saved")
            await ack(response_action="update", view=message_modal(title, reply.text))

    async def on_country_typed(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Typeahead for the country select: names in both languages match."""
        with use_language(self.language):
            matches = suggest_countries(body.get("value") or "", self.language)
            await ack(options=[country_option(code) for code, _name in matches])
