"""Socket Mode: with SLACK_APP_TOKEN set, the bot connects out to Slack and takes commands there."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from bot.context import BotContext
from tests.conftest import serve_app
from tests.slack_standin import SlackStandIn


class SocketModeStandIn:
    """A WebSocket endpoint on loopback speaking Slack's Socket Mode envelope protocol."""

    def __init__(self) -> None:
        self.outbox: asyncio.Queue[dict[str, Any]] | None = None
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def socket(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))

            async def sender() -> None:
                assert self.outbox is not None
                while not ws.closed:
                    await ws.send_str(json.dumps(await self.outbox.get()))

            task = asyncio.ensure_future(sender())
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self.received.put(json.loads(message.data))
            task.cancel()
            return ws

        async def start() -> None:
            self.outbox = asyncio.Queue()
            app = web.Application()
            app.router.add_get("/ws", socket)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    def send(self, envelope: dict[str, Any]) -> None:
        """Send an envelope to the connected bot."""
        assert self.outbox is not None
        self.loop.call_soon_threadsafe(self.outbox.put_nowait, envelope)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def socket_standin() -> Iterator[SocketModeStandIn]:
    server = SocketModeStandIn()
    yield server
    server.close()


def test_a_command_over_socket_mode_is_acked_and_answered(
    context: BotContext, standin: SlackStandIn, socket_standin: SocketModeStandIn
) -> None:
    standin.answers["apps.connections.open"] = {"ok": True, "url": f"ws://127.0.0.1:{socket_standin.port}/ws"}
    context.settings = replace(context.settings, slack_app_token="xapp-1-A1-test")
    with serve_app(context, standin):
        opened = standin.wait_for("/api/apps.connections.open")[0]
        assert opened.headers.get("Authorization") == "Bearer xapp-1-A1-test"
        socket_standin.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "command": "/kontakt",
                    "text": 'log org="Tartu linn" country=EE summary="Kulturutbyte"',
                    "user_id": "UALICE",
                    "user_name": "alice",
                    "team_id": "T0001",
                    "channel_id": "C0001",
                    "response_url": standin.response_url("sm"),
                    "trigger_id": "1.2.3",
                },
            }
        )
        ack = socket_standin.received.get(timeout=10)
        assert ack["envelope_id"] == "env-1"
        reply = standin.wait_for("/response/sm")[0].body["text"]
        assert "Saved contact #1" in reply
    assert context.store.get(1) is not None


def test_healthz_says_socket_mode_is_connected(
    context: BotContext, standin: SlackStandIn, socket_standin: SocketModeStandIn
) -> None:
    standin.answers["apps.connections.open"] = {"ok": True, "url": f"ws://127.0.0.1:{socket_standin.port}/ws"}
    context.settings = replace(context.settings, slack_app_token="xapp-1-A1-test")
    with serve_app(context, standin) as app:
        standin.wait_for("/api/apps.connections.open")
        health = app.client.get(app.url + "/healthz")
        assert health.status_code == 200 and health.json()["slack"]["socket_mode"] == "connected"
