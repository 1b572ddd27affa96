"""The two servers the acknowledgement benchmark compares, on the same stack (FastAPI, uvicorn).

python benchmarks/servers.py contactbot PORT DATABASE_URL SLACK_API_URL
python benchmarks/servers.py bare PORT
"""

from __future__ import annotations

import logging
import sys

import uvicorn
from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

from bot.server import settle_memory

SECRET = "benchmark-signing-secret"
TOKEN = "xoxb-benchmark-token"


def bare_app() -> FastAPI:
    """A slack-bolt app whose command listener only acknowledges."""

    async def authorize(**_: object) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token=TOKEN, bot_user_id="UBOT")

    bolt = AsyncApp(signing_secret=SECRET, authorize=authorize)

    @bolt.command("/kontakt")
    async def only_ack(ack) -> None:  # noqa: ANN001
        await ack()

    handler = AsyncSlackRequestHandler(bolt)
    api = FastAPI()

    @api.post("/slack/events")
    async def events(request: Request) -> Response:
        return await handler.handle(request)

    return api


def contactbot_app(database_url: str, api_url: str) -> FastAPI:
    """contactbot's own app, as `contactbot run` builds it."""
    from bot.config import load_settings
    from bot.context import open_context
    from bot.server import create_app

    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
        }
    )
    context = open_context(settings)
    return create_app(context, identity={"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"})


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    kind, port = sys.argv[1], int(sys.argv[2])
    app = bare_app() if kind == "bare" else contactbot_app(sys.argv[3], sys.argv[4])
    settle_memory()  # as `contactbot run` does, for both servers
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
