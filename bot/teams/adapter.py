"""The Teams adapter: turns Teams activities into handler calls and replies into messages.

The SDK routes activities here (`on_message`, and invoke handlers). Handlers are synchronous
(they talk to the database), so they run in worker threads, as in the Slack adapter. A reply
goes back through the SDK's `ctx.send`, to the activity's serviceUrl with the app's token.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from microsoft_teams.api import ConversationReference, MessageActivityInput
from microsoft_teams.apps import ActivityContext, App

from bot.context import BotContext
from bot.teams.cards import (
    contact_form_card,
    form_title,
    form_values_from_submit,
    log_prompt_card,
    task_message_response,
    task_module_response,
)
from bot.teams.delivery import RetryPolicy, deliver
from bot.teams.digest import REVIEW_VERB
from bot.teams.files import file_offer
from bot.teams.incoming import audience_of, command_text, is_mentioned, mentions_of
from bot.teams.render import attachment, reply_activity
from bot.workload import Overloaded, Workers, busy_message
from handlers.commands import FormOutcome
from handlers.i18n import _, use_language
from handlers.markup import blocks_plain, say
from handlers.replies import Caller, DigestSend, Reply, reply
from handlers.text import shorten

log = logging.getLogger(__name__)
T = TypeVar("T")
WORKERS = 4
SOURCE_KEY_LIMIT = 200  # storage.models.Contact.source_key


class TeamsAdapter:
    """The activity handlers; replies are in the configured language."""

    def __init__(self, context: BotContext, retry: RetryPolicy | None = None) -> None:
        self.context = context
        self.language = context.settings.language
        self.retry = retry or RetryPolicy()
        self.workers = Workers(
            "contactbot-teams", context.pending_limit, WORKERS, initializer=context.db.keep_connection
        )
        # Set by the wiring when the digest and file hand-over are available (see bot/teams/app.py).
        self.digests: Any = None
        self.files: Any = None

    def register(self, app: App) -> None:
        """Route the activities contactbot answers to this adapter."""
        app.on_message(self.on_message)
        app.on_dialog_open(self.on_task_fetch)
        app.on_dialog_submit(self.on_task_submit)
        app.on_card_action(self.on_card_action)
        app.on_file_consent(self.on_file_consent)

    async def close(self) -> None:
        """Stop the worker threads."""
        self.workers.shutdown()

    def caller(self, activity: Any) -> Caller:
        """The sender as the handlers see them: their Entra object id, and who else reads along."""
        sender = activity.from_
        user_id = (sender.aad_object_id or sender.id or "").lower()
        conversation_type = getattr(activity.conversation, "conversation_type", None)
        return Caller(
            "teams",
            user_id,
            sender.name,
            audience=audience_of(conversation_type),
            role=self.context.role_of("teams", user_id),
        )

    async def in_thread(self, function: Callable[..., T], *args: Any) -> T:
        with use_language(self.language):
            return await self.workers.run(function, *args)

    async def on_message(self, ctx: ActivityContext[Any]) -> None:
        """A message to the bot: in a channel or group chat only when the bot is @mentioned."""
        activity = ctx.activity
        bot_id = activity.recipient.id
        mentions = mentions_of(activity.entities)
        caller = self.caller(activity)
        if caller.audience == "shared" and not is_mentioned(bot_id, mentions):
            return
        text = command_text(activity.text, bot_id, mentions, self._bot_name(activity))
        handler = self.context.handler(command=self.invocation(activity))
        try:
            answer = await self.in_thread(handler.handle, text, caller, _message_key(activity))
        except Overloaded:
            log.warning("too much work waiting: a message was turned away")
            with use_language(self.language):
                await self.send_blocks(ctx, [busy_message()])
            return
        with use_language(self.language):
            message = await self._message_for(ctx, answer, caller)
        await self.send_message(ctx, message, "reply in Teams")

    async def _message_for(self, ctx: ActivityContext[Any], answer: Reply, caller: Caller) -> dict[str, Any]:
        """The activity that answers `answer`: a form button, a digest outcome, or the reply itself."""
        if answer.form is not None:
            token = uuid.uuid4().hex
            card = log_prompt_card(answer.form.mode, answer.form.contact_id, answer.blocks, token)
            return {"type": "message", "attachments": [attachment(card)]}
        if answer.digest_here:
            answer = await self.digest_here(ctx, caller)
        elif answer.digest_send is not None:
            answer = await self.digest_send(answer.digest_send, caller)
        elif answer.attachment is not None:
            return self._file_offer(answer)
        return reply_activity(answer.blocks)

    def _file_offer(self, answer: Reply) -> dict[str, Any]:
        """Teams hands a bot's file over only after the person accepts it (bot/teams/files.py)."""
        assert answer.attachment is not None
        file = answer.attachment
        try:
            return file_offer(file.filename, file.title, file.size, file.command)
        finally:
            file.discard()  # made again when the person accepts

    async def send_message(self, ctx: ActivityContext[Any], message: dict[str, Any], what: str) -> None:
        """Post `message` (activity fields) into the conversation of `ctx`, in its thread."""
        activity = MessageActivityInput.model_validate(message)
        await deliver(lambda: ctx.send(activity, _thread_of(ctx)), self.retry, what)

    async def send_blocks(self, ctx: ActivityContext[Any], content: list[Any]) -> None:
        """Post reply content (texts or blocks) into the conversation of `ctx`."""
        await self.send_message(ctx, reply_activity(reply(*content).blocks), "reply in Teams")

    def _bot_name(self, activity: Any) -> str:
        return activity.recipient.name or "contactbot"

    def invocation(self, activity: Any) -> str:
        """How the person invokes the bot where they are: `@contactbot` (in a personal chat too,
        where the mention may be left out)."""
        return "@" + self._bot_name(activity)

    # -- the digest from Teams: wired by the digest delivery (bot/teams/digest_target.py) ----

    async def digest_here(self, ctx: ActivityContext[Any], caller: Caller) -> Reply:
        """`@contactbot digest here`: this channel receives the weekly digest."""
        if self.digests is None:
            return reply(say(_("The weekly digest is not set up in this installation.")), ok=False)
        return await self.digests.choose_here(ctx.activity, caller)

    async def digest_send(self, request: DigestSend, caller: Caller) -> Reply:
        """`@contactbot digest send [week] [--force]`, for coordinators."""
        if self.digests is None:
            return reply(say(_("The weekly digest is not set up in this installation.")), ok=False)
        return await self.digests.send_now(request, caller)

    # -- invokes: the form dialog, the digest's review button, a file accepted ---------------

    async def on_task_fetch(self, ctx: ActivityContext[Any]) -> dict[str, Any]:
        """task/fetch: the contact form, empty for a new contact or prefilled for an edit."""
        caller = self.caller(ctx.activity)
        _values, contact_id, _token = form_values_from_submit(_value_data(ctx.activity))
        handler = self.context.handler(command=self.invocation(ctx.activity))
        command = "log" if contact_id is None else f"edit {contact_id}"
        try:
            answer = await self.in_thread(handler.handle, command, caller)
        except Overloaded:
            log.warning("too much work waiting: a form was not opened")
            with use_language(self.language):
                return task_message_response(busy_message().plain())
        with use_language(self.language):
            if answer.form is None:
                return task_message_response(blocks_plain(answer.blocks))
            # A new token for each dialog opened, as Slack gives each opened modal its own view id:
            # the button stays in the chat, and a second contact logged from it is not a resend.
            card = contact_form_card(
                answer.form.values, contact_id, None, uuid.uuid4().hex, self.context.settings.privacy_url
            )
            return task_module_response(card, form_title(contact_id))

    async def on_task_submit(self, ctx: ActivityContext[Any]) -> dict[str, Any]:
        """task/submit: store the form, or show it again with the errors and what was typed.

        The form's token makes a resent submission store nothing new, as the view id does in
        Slack."""
        caller = self.caller(ctx.activity)
        values, contact_id, token = form_values_from_submit(_value_data(ctx.activity))
        source_key = f"teams-form:{token}" if contact_id is None and token else None
        handler = self.context.handler(command=self.invocation(ctx.activity))
        try:
            outcome = await self.in_thread(handler.submit_form, values, caller, contact_id, source_key)
        except Overloaded:
            log.warning("too much work waiting: a form was turned away")
            # The form again, with what was typed and why nothing was saved (no field of it).
            with use_language(self.language):
                outcome = FormOutcome(errors={"busy": busy_message()})
        with use_language(self.language):
            if outcome.errors:
                card = contact_form_card(
                    values,
                    contact_id,
                    outcome.errors,
                    token or uuid.uuid4().hex,
                    self.context.settings.privacy_url,
                )
                return task_module_response(card, form_title(contact_id))
            answer = outcome.reply or reply()
            message = reply_activity(answer.blocks)
        await self.send_message(ctx, message, "form reply in Teams")
        return task_message_response(shorten(blocks_plain(answer.blocks), 400))

    async def on_card_action(self, ctx: ActivityContext[Any]) -> dict[str, Any]:
        """adaptiveCard/action: the digest's "Reviewed at meeting" button."""
        action = getattr(ctx.activity.value, "action", None)
        verb = getattr(action, "verb", None)
        data = getattr(action, "data", None) or {}
        caller = self.caller(ctx.activity)
        with use_language(self.language):
            if verb != REVIEW_VERB or self.digests is None:
                return _card_message(_("This button is not in use any more."))
            if not caller.is_coordinator:
                return _card_message(
                    _("Thank you! Only a coordinator can mark the digest as reviewed at the meeting.")
                )
        try:
            return await self.digests.reviewed(data, caller)
        except Overloaded:
            log.warning("too much work waiting: a review mark was turned away")
            with use_language(self.language):
                return _card_message(busy_message().plain())

    async def on_file_consent(self, ctx: ActivityContext[Any]) -> dict[str, Any]:
        """fileConsent/invoke: the person accepted or declined the export file."""
        if self.files is None:
            return {"status": 200}
        return await self.files.consent(self, ctx, self.caller(ctx.activity))


def _message_key(activity: Any) -> str | None:
    """What names a message for good: Teams may deliver it again (when our answer came late),
    with the same id in the same conversation; a contact it logs is then stored once. The
    column holds 200 characters; a longer key (a very long conversation id) is hashed."""
    conversation = getattr(getattr(activity, "conversation", None), "id", None)
    if not activity.id or not conversation:
        return None
    key = f"teams-activity:{conversation}:{activity.id}"
    if len(key) > SOURCE_KEY_LIMIT:
        key = "teams-activity:sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _value_data(activity: Any) -> Any:
    value = getattr(activity, "value", None)
    return getattr(value, "data", None) if not isinstance(value, dict) else value.get("data")


def _card_message(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


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
