"""The one place where the digest's targets are assembled, from the settings and the database.

Each factory turns the context into zero or more targets; adding a platform is one more
factory in FACTORIES (the Teams channel chosen with `digest here` reads
`storage.destinations.destinations(db, "teams")` there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.context import BotContext
from bot.digest.targets import DigestTarget
from handlers.digest import Digest
from storage.models import Digest as DigestRecord

TargetFactory = Callable[[BotContext], list[DigestTarget]]


def slack_channel(context: BotContext) -> list[DigestTarget]:
    """The Slack channel in DIGEST_CHANNEL."""
    from bot.slack.digest import SlackChannelTarget

    settings = context.settings
    if not settings.digest_channel:
        return []
    return [
        SlackChannelTarget.from_settings(
            settings.slack_bot_token, settings.slack_api_url, settings.digest_channel, settings.language
        )
    ]


def teams_workflows_webhook(context: BotContext) -> list[DigestTarget]:
    """The Teams channel behind a Workflows webhook (TEAMS_DIGEST_WEBHOOK_URL)."""
    url = context.settings.teams_digest_webhook_url
    if not url:
        return []
    from bot.teams.workflows import WorkflowsWebhookTarget

    return [WorkflowsWebhookTarget(url, card_builder=_card_builder(context))]


def teams_channel(context: BotContext) -> list[DigestTarget]:
    """The Teams channel a coordinator chose with `@contactbot digest here`."""
    if not context.settings.teams_enabled:
        return []  # without importing Teams' modules (httpx) into a Slack-only bot
    from bot.teams.channel_digest import teams_channels

    return list(teams_channels(context))


FACTORIES: tuple[TargetFactory, ...] = (slack_channel, teams_channel, teams_workflows_webhook)


def digest_targets(context: BotContext, factories: Sequence[TargetFactory] = FACTORIES) -> list[DigestTarget]:
    """Every configured target, in the order of `factories`."""
    return [target for factory in factories for target in factory(context)]


def _card_builder(context: BotContext) -> Callable[[Digest, DigestRecord], dict[str, Any]]:
    """The Adaptive Card of a webhook post: the Teams digest card, without its review button
    (a card posted by Workflows cannot send anything back)."""
    from bot.teams.channel_digest import teams_digest_card
    from handlers.i18n import use_language

    language = context.settings.language

    def build(digest: Digest, record: DigestRecord) -> dict[str, Any]:
        with use_language(language):
            return teams_digest_card(digest, record, review=False)

    return build


def webhook_payload(context: BotContext, digest: Digest) -> dict[str, Any]:
    """What the Workflows webhook would be sent for `digest` (`contactbot digest preview --json --to webhook`)."""
    from bot.teams.workflows import webhook_message

    record = DigestRecord(id=0, platform="webhook", week=str(digest.week), attempt=0)
    return webhook_message(_card_builder(context)(digest, record))
