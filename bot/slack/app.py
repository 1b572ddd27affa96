"""The Slack adapter: turns Slack requests into handler calls and replies into Slack messages.

Listener style follows slack-bolt's examples: acknowledge first, then work. Handlers
are synchronous (they talk to the database), so they run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.delivered import record_delivery
from bot.digest.service import DigestService, digest_service
from bot.slack.digest import REVIEW_ACTION
from bot.slack.guard import REPLAY_STATE, PendingClaim
from bot.slack.render import mrkdwn, render, unescape
from bot.slack.trouble import http_status, is_slack_trouble, slack_cause, slack_code
from bot.slack.upload import send_file
from bot.slack.views import (
    CALLBACK_ID,
    contact_id_of,
    contact_modal,
    country_option,
    message_modal,
    shorten_block,
    submitted_values,
)
from bot.workload import Overloaded, Workers, busy_message
from handlers.commands import CommandHandler, FormOutcome
from handlers.countries import suggest_countries
from handlers.digest import destination_label, outcome_text
from handlers.i18n import _, use_language
from handlers.markup import Block, Paragraph, say
from handlers.registry import find_command
from handlers.replies import Caller, DigestSend, Reply, reply
from handlers.weeks import Week
from storage.digests import DigestStore
from storage.requests import Once, Replayed, RequestStore

log = logging.getLogger(__name__)
T = TypeVar("T")
# Slack's codes for a missing permission: the administrator can fix these.
SCOPE_PROBLEMS = frozenset(
    {"missing_scope", "not_allowed_token_type", "no_permission", "cannot_dm_bot", "restricted_action"}
)
WORKERS = 4
WORKERS_SQLITE = 2


REFUSED_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
FORM_WAIT = 1.5
LATER_WAIT = 5.0  # seconds at shutdown for the direct messages promised after a slow form
RESPONSE_URL_TRIES = 5  # Slack allows five uses of a response URL, within 30 minutes
RESPONSE_URL_TIMEOUT = aiohttp.ClientTimeout(total=10)  # seconds for one use
Sleep = Callable[[float], Awaitable[None]]


class SlackIdentity:
    """The bot's own ids, and whether Slack accepts its token (`token`: unchecked, accepted
    or refused).

    No request waits for this: `authorize` answers with the configured token at once, and
    `keep_trying` asks `auth.test` in the background, with backoff while Slack is unreachable.
    """

    def __init__(self, client: AsyncWebClient, sleep: Sleep = asyncio.sleep) -> None:
        self.client = client
        self.sleep = sleep
        self.result: dict[str, Any] | None = None
        self.token = "unchecked"
        self.problem: str | None = None

    def known(self, result: dict[str, Any]) -> None:
        """Slack already answered `auth.test` (at start-up)."""
        self.result, self.token, self.problem = result, "accepted", None

    async def check(self) -> bool:
        """Ask `auth.test` once; True when Slack gave an answer (accepted or refused)."""
        try:
            response = await self.client.auth_test()
        except SlackApiError as error:
            self.problem = slack_cause(error)
            if self.problem in REFUSED_TOKEN:
                self.token = "refused"
                log.error(
                    "Slack refused SLACK_BOT_TOKEN (%s): install the app again and set the new token",
                    self.problem,
                )
                return True
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            self.problem = slack_cause(error)
        else:
            self.known(dict(response.data) if isinstance(response.data, dict) else {})
            log.info("connected to Slack as %s in %s", self.result.get("user"), self.result.get("team"))
            return True
        log.warning(
            "Slack did not answer auth.test (%s); commands are served meanwhile, asking again", self.problem
        )
        return False

    async def keep_trying(self, first_wait: float = 2.0, longest_wait: float = 300.0) -> None:
        """`check` until Slack answers, waiting twice as long after each failure."""
        wait = first_wait
        while not await self.check():
            await self.sleep(wait)
            wait = min(wait * 2, longest_wait)


def build_slack_app(
    context: BotContext, client: AsyncWebClient | None = None, requests: RequestStore | None = None
) -> AsyncApp:
    """The slack-bolt app with every listener of contactbot.

    With `requests`, the app is served behind the guard (bot/slack/guard.py), which has checked
    every request's signature already, so bolt does not check it again; a slash command claims
    its replay key there with its own work.
    """
    settings = context.settings
    client = client or AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10
    )
    identity = SlackIdentity(client)

    async def authorize(
        enterprise_id: str | None, team_id: str | None, logger: logging.Logger
    ) -> AuthorizeResult:
        # No network here: a slow or unreachable Slack must not hold up acknowledgements,
        # and a failure here would answer people with bolt's "please reinstall this app".
        info = identity.result or {}
        return AuthorizeResult(
            enterprise_id=info.get("enterprise_id") or enterprise_id,
            team_id=info.get("team_id") or team_id,
            bot_token=settings.slack_bot_token,
            bot_id=info.get("bot_id"),
            bot_user_id=info.get("user_id"),
        )

    # bolt gets a client without a token: the token reaches each request through
    # `authorize`. bolt also reads SLACK_BOT_TOKEN from the environment by itself and then
    # warns, at every start, that it will not use it; that warning says nothing to an operator.
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_TOKEN_SKIPPED)  # added once: same object
    app = AsyncApp(
        signing_secret=settings.slack_signing_secret,
        client=AsyncWebClient(base_url=settings.slack_api_url),
        authorize=authorize,
        process_before_response=False,
        request_verification_enabled=requests is None,
    )
    adapter = SlackAdapter(context, requests)
    app.identity = identity  # type: ignore[attr-defined]
    app.adapter = adapter  # type: ignore[attr-defined]

    app.command(settings.slack_command)(adapter.on_command)
    app.action(REVIEW_ACTION)(adapter.on_digest_reviewed)
    app.view_submission(CALLBACK_ID)(adapter.on_form_submitted)
    app.options({"block_id": "country", "action_id": "value"})(adapter.on_country_typed)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        logger.error("Slack request failed: %s", slack_cause(error), exc_info=not is_slack_trouble(error))

    return app


class _NoTokenSkippedWarning(logging.Filter):
    """Drops bolt's start-up warning about SLACK_BOT_TOKEN; shortens its "Unhandled request" lines
    (a payload the bot has no listener for) to their first line, without what a person typed."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message == warning_client_prioritized_and_token_skipped():
            return False
        if message.startswith("Unhandled request"):
            # bolt adds a code snippet to copy; a typeahead's `value` is what someone typed.
            first = message.split("\n", 1)[0]
            record.msg, record.args = _TYPED.sub(r"\1…", first), None
        return True


_TYPED = re.compile(r"('value': )('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")


_TOKEN_SKIPPED = _NoTokenSkippedWarning()


class SlackAdapter:
    """The listeners; every reply to a person is ephemeral, in the configured language."""

    def __init__(self, context: BotContext, requests: RequestStore | None = None) -> None:
        self.context = context
        self.requests = requests  # where slash commands' replay keys are claimed (the guard's)
        self.language = context.settings.language
        self._session: aiohttp.ClientSession | None = None
        self._digests: DigestService | None = None
        # Worker threads for the database. On SQLite more than two only queue for the write
        # lock and take the interpreter lock from the event loop that acknowledges Slack; on
        # PostgreSQL each command waits for its round trip, and four keep more of them going
        # (benchmarks/open_loop.py on a 2-core machine: SQLite kept up with 350 `log`s a
        # second with two threads, not with four; PostgreSQL, with one round trip a `log`, with
        # 750 with four, not with two or three). Each keeps its own PostgreSQL connection.
        threads = WORKERS_SQLITE if context.db.backend == "sqlite" else WORKERS
        self.workers = Workers(
            "contactbot-db", context.pending_limit, threads, initializer=context.db.keep_connection
        )
        self.sleep: Sleep = asyncio.sleep  # between tries of a response URL; tests pass their own
        # Seconds a form's storing may take before its ack says "still saving": with the guard's
        # replay record (up to CLAIM_WAIT) within Slack's 3 s.
        self.form_wait = FORM_WAIT
        self._later: set[asyncio.Task[None]] = set()  # outcomes still to tell (held until done)

    async def respond(self, response_url: str, text: str, about: str = "an answer") -> bool:
        """An ephemeral message through the command's response URL, posted as JSON on one shared
        HTTP session (bolt's `respond` opens a new session for every message; slack_sdk's webhook
        client formats a debug line of every body even when nothing logs it).

        A 5xx, a 429 or a network failure is tried again after 1, 2, 4 and 8 s: at most
        RESPONSE_URL_TRIES uses, well within the URL's 30 minutes. If it still fails, one
        line is logged naming `about` (a contact id or a command: no text, no URL).
        """
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        message = {"text": text, "response_type": "ephemeral"}
        wait, cause = 1.0, "?"
        for attempt in range(1, RESPONSE_URL_TRIES + 1):
            try:
                async with self._session.post(
                    response_url, json=message, timeout=RESPONSE_URL_TIMEOUT
                ) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                cause = slack_cause(error)
            else:
                if status < 300:
                    return True
                cause = f"HTTP {status}"
                if status < 500 and status != 429:
                    break  # expired or used up: asking again cannot help
            if attempt < RESPONSE_URL_TRIES:
                await self.sleep(wait)
                wait *= 2
        log.error(
            "could not deliver %s through the response URL (%s, %d tries): the person was not told",
            about,
            cause,
            attempt,
        )
        return False

    async def close(self) -> None:
        """Close the shared HTTP session and the worker threads, once the outcomes promised to
        people in a direct message are told (a few seconds at most)."""
        if self._later:
            await asyncio.wait(self._later, timeout=LATER_WAIT)
        if self._session is not None:
            await self._session.close()
        self.workers.shutdown()

    def caller(self, user_id: str, name: str | None) -> Caller:
        """The Slack user as the handlers see them."""
        return Caller("slack", user_id, name, role=self.context.role_of("slack", user_id))

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        with use_language(self.language):
            return await self.workers.run(function, *args)

    async def on_command(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        """`/kontakt …`: ack at once, then answer through the response URL (a replay: nothing).

        Past capacity the acknowledgement itself says "busy": no database trip and no post to
        the response URL, so a bot that cannot keep up spends almost nothing on what it turns
        away and catches up. Nothing of the command is done, so its replay key stays unclaimed.
        """
        if self.workers.full():
            log.warning("too much work waiting: a command was turned away")
            with use_language(self.language):
                await ack(text=mrkdwn(busy_message()), response_type="ephemeral")
            return
        await ack()
        text = unescape(body.get("text") or "")
        response_url = body.get("response_url", "")
        handler = self.context.handler()
        about = f"the answer to `{command_name(text)}`"
        try:
            answered = await self._in_thread(
                self._answer,
                handler,
                text,
                body.get("user_id", ""),
                body.get("user_name"),
                context.get(REPLAY_STATE),
            )
            if answered is None:
                log.info("Slack request ignored: the same signed request was handled before")
                return
            caller, answer = answered
            if answer.contact_id is not None:
                about = f"the answer about contact #{answer.contact_id}"
            if answer.form is not None and await self._open_form(client, body, answer):
                return
            if answer.attachment is not None:
                answer = await self._send_file(client, caller, answer)
            if answer.digest_send is not None:
                answer = await self._send_digest(answer.digest_send, caller)
            if answer.digest_here:
                answer = self._digest_here(body)
            await self.respond(response_url, shorten_block(render(answer.blocks), 3900), about)
        except Overloaded:  # full since the check before the ack, or a later step (a digest's send)
            log.warning("too much work waiting: %s was turned away", about)
            with use_language(self.language):
                await self.respond(response_url, mrkdwn(busy_message()), "the busy answer")
        except Exception as error:  # noqa: BLE001 - a person must get an answer, not silence
            log.error("%s failed: %s", about, slack_cause(error), exc_info=not is_slack_trouble(error))
            with use_language(self.language):
                message = mrkdwn(say(_("Sorry, I could not answer just now. Please try again in a minute.")))
            await self.respond(response_url, message, "the error answer")

    def _answer(
        self, handler: CommandHandler, text: str, user_id: str, name: str | None, replay: PendingClaim | None
    ) -> tuple[Caller, Reply] | None:
        """Who asks, and the answer to `text`: one trip to the database threads; None for a
        request handled before (its replay key claimed already, see `CommandHandler.handle`)."""
        caller = self.caller(user_id, name)
        try:
            return caller, handler.handle(text, caller, once=self._once(replay))
        except Replayed:
            return None

    def _once(self, replay: PendingClaim | None) -> Once | None:
        """The request's replay key, for the command to claim; None without one."""
        if replay is None or self.requests is None:
            return None
        return self.requests.once(replay.key, replay.at)

    def _digest_here(self, body: dict[str, Any]) -> Reply:
        """In Slack the digest's channel is a setting; say which value this channel needs."""
        with use_language(self.language):
            return reply(
                say(
                    _("In Slack the digest's channel is set by the administrator: DIGEST_CHANNEL={channel}"),
                    channel=body.get("channel_id") or "?",
                )
            )

    async def _open_form(self, client: AsyncWebClient, body: dict[str, Any], answer: Reply) -> bool:
        assert answer.form is not None
        with use_language(self.language):
            view = contact_modal(
                answer.form.values, answer.form.contact_id, self.context.settings.privacy_url
            )
        try:
            await client.views_open(trigger_id=body.get("trigger_id", ""), view=view)
            return True
        except SlackApiError as error:
            # The trigger id lives three seconds; if it expired the written hint still helps.
            log.warning("views.open failed: %s", slack_cause(error))
            return False

    async def _send_file(self, client: AsyncWebClient, caller: Caller, answer: Reply) -> Reply:
        assert answer.attachment is not None
        file = answer.attachment
        with use_language(self.language):
            try:
                opened = await client.conversations_open(users=caller.user_id)
                channel = opened["channel"]["id"]
                await send_file(client, channel, file, render(answer.blocks))
                await record_delivery(file)
                return Reply(
                    [*answer.blocks, Paragraph(say(_("I sent the file to you in a direct message.")))]
                )
            except Exception as error:  # noqa: BLE001 - refused, unexpected answers, network: say so
                cause = slack_cause(error)
                log.warning("the export file was not sent (%s)", cause)
                status = http_status(error)
                outage = isinstance(error, aiohttp.ClientError | TimeoutError | OSError) or (
                    slack_code(error) is None and status is not None and status >= 500
                )
                if outage:  # no answer of Slack's, or its error page: not the file's fault
                    text = _(
                        "I could not send the file: Slack could not be reached just now. The contacts are "
                        "fine; try again in a few minutes, or ask the administrator for `contactbot export`."
                    )
                elif cause in SCOPE_PROBLEMS:
                    text = _(
                        "I could not send the file ({error}). Ask the administrator to check the app's "
                        "files:write and im:write scopes, or use `contactbot export`."
                    )
                else:
                    text = _(
                        "I could not send the file: Slack answered {error}. The contacts are fine; "
                        "try again in a few minutes, or ask the administrator for `contactbot export`."
                    )
                return reply(say(text, error=cause), ok=False)
            finally:
                file.discard()

    def digest_service(self) -> DigestService | None:
        """The digest's delivery, when at least one destination is configured."""
        if self._digests is None:
            self._digests = digest_service(self.context)
        return self._digests

    async def _send_digest(self, request: DigestSend, caller: Caller) -> Reply:
        service = await self._in_thread(self.digest_service)
        with use_language(self.language):
            if service is None:
                return reply(
                    say(
                        _(
                            "The digest has no destination: the administrator sets DIGEST_CHANNEL "
                            "(or TEAMS_DIGEST_WEBHOOK_URL)."
                        )
                    ),
                    ok=False,
                )
            week = Week.parse(request.week)
            assert week is not None
            outcomes = await service.send(week, force=request.force, requested_by=caller.qualified_id)
            blocks: list[Block] = [
                Paragraph(
                    outcome_text(o.state, o.week, destination_label(o.platform, o.destination), o.error)
                )
                for o in outcomes
            ]
            return Reply(blocks, ok=all(o.state not in {"pending", "unclear"} for o in outcomes))

    async def on_digest_reviewed(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The digest's "Reviewed at meeting" button: coordinators record it; others are told why not."""
        await ack()
        try:
            await self._mark_reviewed(body)
        except Overloaded:
            log.warning("too much work waiting: a review mark was turned away")
            with use_language(self.language):
                await self._respond_quietly(body.get("response_url", ""), busy_message().plain())

    async def _mark_reviewed(self, body: dict[str, Any]) -> None:
        user = body.get("user", {})
        caller = await self._in_thread(
            self.caller, user.get("id", ""), user.get("username") or user.get("name")
        )
        response_url = body.get("response_url", "")
        with use_language(self.language):
            if not caller.is_coordinator:
                await self._respond_quietly(
                    response_url,
                    _("Thank you! Only a coordinator can mark the digest as reviewed at the meeting."),
                )
                return
            try:
                digest_id = int((body.get("actions") or [{}])[0].get("value") or 0)
            except (TypeError, ValueError):
                digest_id = 0
            service = await self._in_thread(self.digest_service)
            record = await self._in_thread(
                DigestStore(self.context.db).mark_reviewed,
                digest_id,
                caller.user_id,
                caller.name,
                self.context.clock(),
            )
            if record is None or record.message_ref is None or service is None:
                await self._respond_quietly(response_url, _("I could not find that digest any more."))
                return
        # The message is updated through its own target (its `update`), retried there.
        await service.show_review(record)

    async def _respond_quietly(self, response_url: str, text: str) -> None:
        await self.respond(response_url, text, "the answer to the digest button")

    async def on_form_submitted(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The form: check and store, then answer in the ack (errors stay on the form).

        Slack drops an answer that comes after 3 s, and the person then sees only "trouble
        connecting". When the database takes longer than `form_wait`, the ack says it is still
        being saved, and the outcome follows in a direct message once it is known.
        """
        view = body.get("view", {})
        user = body.get("user", {})
        contact_id = contact_id_of(view)
        values = submitted_values(view)
        source_key = f"slack-view:{view.get('id')}" if contact_id is None and view.get("id") else None
        handler = self.context.handler()
        user_id = user.get("id", "")
        work = asyncio.ensure_future(
            self._in_thread(
                self._submitted,
                handler,
                values,
                user_id,
                user.get("username") or user.get("name"),
                contact_id,
                source_key,
            )
        )
        try:
            outcome = await asyncio.wait_for(asyncio.shield(work), self.form_wait)
        except TimeoutError:
            with use_language(self.language):
                note = mrkdwn(
                    say(_("It takes longer than usual. I will tell you how it went in a direct message."))
                )
                await ack(response_action="update", view=message_modal(_("Still saving"), note))
            later = asyncio.create_task(self._tell_later(client, user_id, work))
            self._later.add(later)
            later.add_done_callback(self._later.discard)
            return
        except Overloaded:
            with use_language(self.language):
                await ack(
                    response_action="update", view=message_modal(_("Not saved"), mrkdwn(busy_message()))
                )
            return
        if outcome.errors:
            # Field errors show as plain text, where entities would appear literally.
            await ack(response_action="errors", errors={k: v.plain() for k, v in outcome.errors.items()})
            return
        answer = outcome.reply or reply()
        with use_language(self.language):
            title = _("Saved") if answer.ok else _("Not saved")
            await ack(response_action="update", view=message_modal(title, render(answer.blocks)))

    def _submitted(
        self,
        handler: CommandHandler,
        values: dict[str, str],
        user_id: str,
        name: str | None,
        contact_id: int | None,
        source_key: str | None,
    ) -> FormOutcome:
        """Who submits, and the outcome of their form: one trip to the database threads (as
        `_answer`)."""
        return handler.submit_form(values, self.caller(user_id, name), contact_id, source_key)

    async def _tell_later(
        self, client: AsyncWebClient, user_id: str, work: asyncio.Future[FormOutcome]
    ) -> None:
        """The outcome of a form answered "still saving", in a direct message."""
        with use_language(self.language):
            try:
                outcome = await work
            except Overloaded:
                text = mrkdwn(busy_message())
            except Exception as error:  # noqa: BLE001 - the person was promised an answer
                log.error("a slow form failed: %s", slack_cause(error), exc_info=not is_slack_trouble(error))
                text = mrkdwn(say(_("Sorry, I could not answer just now. Please try again in a minute.")))
            else:
                if outcome.errors:
                    problems = "; ".join(problem.plain() for problem in outcome.errors.values())
                    text = mrkdwn(say(_("The form was not saved: {problems}"), problems=problems))
                else:
                    text = render((outcome.reply or reply()).blocks)
            try:
                opened = await client.conversations_open(users=user_id)
                await client.chat_postMessage(channel=opened["channel"]["id"], text=text)
            except Exception as error:  # noqa: BLE001 - refused or unreachable: the log says so
                log.error(
                    "could not tell the outcome of a slow form (%s): the person was not told",
                    slack_cause(error),
                )

    async def on_country_typed(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Typeahead for the country select: names in both languages match."""
        with use_language(self.language):
            matches = suggest_countries(body.get("value") or "", self.language)
            await ack(options=[country_option(code) for code, _name in matches])


def command_name(text: str) -> str:
    """The command `text` asks for, by its English name (for log lines, without the text)."""
    words = text.split(maxsplit=1)
    if not words:
        return "help"
    if "=" in words[0]:
        return "log"
    found = find_command(words[0])
    return found.name if found is not None else "an unknown command"
