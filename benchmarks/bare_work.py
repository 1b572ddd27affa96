"""The baseline of the end-to-end benchmarks: a bare slack-bolt app (FastAPI on uvicorn) doing
the least work a `log` needs: ack, one INSERT in a thread pool, one post to the response URL.

    python benchmarks/bare_work.py PORT DATABASE_URL
"""

from __future__ import annotations

import asyncio
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import uvicorn
from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.servers import SECRET, TOKEN  # noqa: E402
from bot.server import settle_memory  # noqa: E402


def bare_work_app(database_url: str) -> FastAPI:
    engine = create_engine(database_url, pool_size=4)
    # PostgreSQL numbers rows itself only for a SERIAL (SQLite: any INTEGER PRIMARY KEY).
    key = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    with engine.begin() as connection:
        connection.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS bare_contacts (id {key} PRIMARY KEY, platform TEXT, summary TEXT)"
            )
        )
    workers = ThreadPoolExecutor(max_workers=4)
    session: dict[str, aiohttp.ClientSession] = {}

    def insert(summary: str) -> None:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bare_contacts (platform, summary) VALUES ('slack', :summary)"),
                {"summary": summary},
            )

    async def authorize(**_: object) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token=TOKEN, bot_user_id="UBOT")

    bolt = AsyncApp(signing_secret=SECRET, authorize=authorize)

    @bolt.command("/kontakt")
    async def log(ack, body) -> None:  # noqa: ANN001
        await ack()
        summary = body.get("text", "").rsplit('summary="', 1)[-1].rstrip('"')
        await asyncio.get_running_loop().run_in_executor(workers, insert, summary)
        if "s" not in session:
            session["s"] = aiohttp.ClientSession()
        async with session["s"].post(body["response_url"], json={"text": "Sparat"}) as answer:
            await answer.read()

    handler = AsyncSlackRequestHandler(bolt)
    api = FastAPI()

    @api.post("/slack/events")
    async def events(request: Request) -> Response:
        return await handler.handle(request)

    @api.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return api


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app = bare_work_app(sys.argv[2])
    settle_memory()
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
