"""The Teams adapter: turns Teams activities into handler calls and replies into messages.

The SDK routes activities here (`on_message`, and invoke handlers). Handlers are synchronous
(they talk to the database), so they run in worker threads, as in the Slack adapter. A reply
goes back through the SDK's `ctx.send`, to the activity's serviceUrl with the app's token.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from microsoft_teams.api import (
    AdaptiveCardActionMessageResponse,
    ConversationReference,
    MessageActivityInput,
    TaskModuleMessageResponse,
    TaskModuleResponse,
)
from microsoft_teams.apps import ActivityContext, App

from bot.context import BotContext
from bot.teams.delivery import RetryPolicy, deliver
from bot.teams.incoming import audience_of, command_text, is_mentioned, mentions_of
from bot.teams.render import render_text
from handlers.i18n import _, use_language
from handlers.replies import Caller, Reply

log = logging.getLogger(__name__)
T = TypeVar("T")
WORKERS = 4


class TeamsAdapter:
    """The activity handlers; replies are in the configured language."""

    def __init__(self, context: BotContext, retry: RetryPolicy | None = None) -> None:
        self.context = context
        self.language = context.settings.language
        self.retry = retry or RetryPolicy()
        self._workers = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="contactbot-teams")

    def register(self, app: App) -> None:
        """Route the activities contactbot answers to this adapter."""
        app.on_message(self.on_message)
        app.on_dialog_open(self.on_task_fetch)
        app.on_dialog_submit(self.on_task_submit)
        app.on_card_action(self.on_card_action)

    async def close(self) -> None:
        """Stop the worker threads."""
        self._workers.shutdown(wait=False)

    def caller(self, activity: Any) -> Caller:
        """The sender as the handlers see them: their Entra object id, and who else reads along."""
        sender = activity.from_
        user_id = (sender.aad_object_id or sender.id or "").lower()
        conversation_type = getattr(activity.conversation, "conversation_type", None)
        return Caller(
            "teams",
            user_id,
            sender.name,
            user_id in self.context.settings.teams_coordinators,
            audience=audience_of(conversation_type),
        )

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        with use_language(self.language):
            call = functools.partial(contextvars.copy_context().run, function, *args)
            return await asyncio.get_running_loop().run_in_executor(self._workers, call)

    async def on_message(self, ctx: ActivityContext[Any]) -> None:
        """A message to the bot: in a channel or group chat only when the bot is @mentioned."""
        activity = ctx.activity
        bot_id = activity.recipient.id
        mentions = mentions_of(activity.entities)
        caller = self.caller(activity)
        if caller.audience == "shared" and not is_mentioned(bot_id, mentions):
            return
        bot_name = activity.recipient.name or "contactbot"
        text = command_text(activity.text, bot_id, mentions, bot_name)
        handler = self.context.handler(command="@" + bot_name)
        reply = await self._in_thread(handler.handle, text, caller)
        with use_language(self.language):
            reply = self._teams_only(reply)
            message = MessageActivityInput(text=render_text(reply)).with_text_format("markdown")
        await deliver(lambda: ctx.send(message, _thread_of(ctx)), self.retry, "reply in Teams")

    def _teams_only(self, reply: Reply) -> Reply:
        """What Teams cannot do yet is said instead of silently dropped."""
        text = reply.text
        if reply.attachment is not None:
            text += "\n" + _(
                "I cannot send files in Teams yet; ask the administrator for `contactbot export`."
            )
        if reply.digest_send is not None:
            text = _("The digest cannot be sent from Teams yet.")
        return Reply(text, ok=reply.ok)

    # -- invokes: stubs until the forms and the digest card come (another engineer's part) --

    async def on_task_fetch(self, ctx: ActivityContext[Any]) -> TaskModuleResponse:
        """STUB (task/fetch): a message instead of the contact form."""
        with use_language(self.language):
            return TaskModuleResponse(
                task=TaskModuleMessageResponse(value=_("The form is not available in Teams yet."))
            )

    async def on_task_submit(self, ctx: ActivityContext[Any]) -> TaskModuleResponse:
        """STUB (task/submit): nothing is stored yet."""
        with use_language(self.language):
            return TaskModuleResponse(
                task=TaskModuleMessageResponse(
                    value=_("The form is not available in Teams yet; nothing was saved.")
                )
            )

    async def on_card_action(self, ctx: ActivityContext[Any]) -> AdaptiveCardActionMessageResponse:
        """STUB (adaptiveCard/action): the digest card's buttons come later."""
        with use_language(self.language):
            return AdaptiveCardActionMessageResponse(value=_("This button does not work in Teams yet."))


def _thread_of(ctx: ActivityContext[Any]) -> ConversationReference:
    """Where a reply goes: the same conversation; in a channel, the thread of the message."""
    ref = ctx.conversation_ref
    conversation = ref.conversation
    message_id = ctx.activity.id or ""
    if (
        getattr(conversation, "conversation_type", None) == "channel"
        and ";messageid=" not in conversation.id
        and message_id.isdigit()
        and message_id != "0"
    ):
        threaded = conversation.model_copy(update={"id": f"{conversation.id};messageid={message_id}"})
        return ref.model_copy(update={"conversation": threaded})
    return ref
