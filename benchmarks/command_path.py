"""Time to reply for `log …` from Slack and from Teams, side by side, in one contactbot process.

One `contactbot run` process (its own process, both platforms configured, a fresh database) and
one stand-in process for everything it talks to (benchmarks/reply_sink.py: Slack's response
URLs and Web API; the Bot Framework key set, the token endpoint and the Bot Connector). For each
platform, at 1 and 10 concurrent clients, the client sends N commands

    log org="Rovaniemen kaupunki" country=FI summary="…"

as signed slash commands (Slack; response_url at the stand-in) or as message activities in a
personal chat with a Bot Framework JWT (Teams; serviceUrl at the stand-in), and times each from
sending the request to the reply arriving at the stand-in: the response URL (Slack), the
connector's `/v3/conversations/{id}/activities` (Teams). Each client waits for the HTTP answer
and the reply before sending its next command; a warm-up run before each row is not counted.
Afterwards the contacts are counted in the database per platform: each command stored once.

    python benchmarks/command_path.py [--requests 300] [--database-url URL]
                                      [--platforms slack,teams] [--clients 1,10]

The default database is a fresh SQLite file; a PostgreSQL URL gets a fresh schema, dropped
afterwards. Prints commands per second, p50 and p99 time to reply, and p50 time to the HTTP
answer per platform and concurrency, and contactbot's CPU time per command (all its threads,
from /proc: steadier than the rates on a busy machine). Exits with 1 when a command was not
stored exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import jwt
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack_latency import free_port, fresh_database, percentile  # noqa: E402
from benchmarks.servers import SECRET, TOKEN  # noqa: E402
from tests.teams_standin import CLIENT_ID, CLIENT_SECRET, KEY_ID, TENANT_ID, BotFrameworkSigner, new_key  # noqa: E402

PLATFORMS = ("slack", "teams")
CONCURRENCY = (1, 10)
BOT = f"28:{CLIENT_ID}"
REPLY_TIMEOUT = 30.0
LOG_PATH = Path(tempfile.gettempdir()) / "contactbot-bench-command-path.log"


def text_for(key: str) -> str:
    return f'log org="Rovaniemen kaupunki" country=FI summary="Youth football exchange, command {key}"'


@dataclass
class Row:
    rate: float  # commands per second, each client waiting for its reply
    reply: list[float]  # seconds from sending to the reply at the stand-in
    ack: list[float]  # seconds from sending to the HTTP answer
    cpu: float | None = None  # contactbot's CPU seconds (all threads) per command, where /proc tells


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` so far (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Replies:
    """Follows the stand-in's `/watch` stream and hands each arrival to whoever waits for its key."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[tuple[float, str]]] = {}
        self.unexpected = 0

    def expect(self, key: str) -> asyncio.Future[tuple[float, str]]:
        assert key not in self.waiting, f"two commands wait for {key}"
        future: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self.waiting[key] = future
        return future

    async def follow(self, session: aiohttp.ClientSession, url: str, ready: asyncio.Event) -> None:
        async with session.get(url + "/watch", timeout=aiohttp.ClientTimeout(total=None)) as stream:
            ready.set()
            async for line in stream.content:
                key, stamp, flag = line.decode().rstrip("\n").split("\t")
                future = self.waiting.pop(key, None)
                if future is None or future.done():
                    self.unexpected += 1
                else:
                    future.set_result((float(stamp), flag))


def start_sink(jwk: dict[str, object]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks/reply_sink.py"), json.dumps(jwk)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def start_contactbot(database_url: str, sink: str, port: int, workdir: str) -> subprocess.Popen[bytes]:
    """`contactbot run` with Slack and Teams aimed at the stand-in; returns once /healthz answers."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DIGEST_", "CLIENT_"))
    }
    environment.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=sink + "/api/",
        TEAMS_CLIENT_ID=CLIENT_ID,
        TEAMS_CLIENT_SECRET=CLIENT_SECRET,
        TEAMS_TENANT_ID=TENANT_ID,
        TEAMS_OPENID_METADATA_URL=sink + "/botframework/v1/.well-known/openidconfiguration",
        TEAMS_LOGIN_URL=sink + "/login",
    )
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())"]
        + ["run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir,  # no .env from the checkout
        env={**environment, "PYTHONPATH": str(ROOT)},
        stderr=open(LOG_PATH, "w"),  # noqa: SIM115
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"contactbot did not start; see {LOG_PATH}")


def slack_request(sink: str, key: str, worker: int) -> tuple[bytes, dict[str, str], str]:
    body = urlencode(
        {
            "command": "/kontakt",
            "text": text_for(key),
            "user_id": f"U{worker:04d}",
            "user_name": "bench",
            "team_id": "T1",
            "channel_id": "C1",
            "response_url": f"{sink}/response/{key}",
            "trigger_id": "1.2.3",
        }
    )
    stamp = str(int(time.time()))
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return body.encode(), headers, key


def teams_request(
    service_url: str, bearer: str, key: str, worker: int, tag: str
) -> tuple[bytes, dict[str, str], str]:
    """A message in the bot's personal chat with one person per client; the reply's key is the chat."""
    person = f"b0000000-0000-4000-8000-{worker:012d}"
    conversation = f"a:bench-{tag}-{worker}"
    activity = {
        "type": "message",
        "id": str(1732612345000 + int(key.rsplit("-", 1)[1])),
        "timestamp": "2026-11-26T09:30:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:1{person[:8]}{worker}", "name": f"Bench {worker}", "aadObjectId": person},
        "conversation": {"conversationType": "personal", "tenantId": TENANT_ID, "id": conversation},
        "recipient": {"id": BOT, "name": "contactbot"},
        "textFormat": "plain",
        "locale": "sv-SE",
        "text": text_for(key),
        "entities": [{"type": "clientInfo", "locale": "sv-SE", "country": "SE", "platform": "Web"}],
        "channelData": {"tenant": {"id": TENANT_ID}},
    }
    headers = {"Authorization": bearer, "Content-Type": "application/json"}
    return json.dumps(activity).encode(), headers, conversation


async def measure(
    url: str,
    replies: Replies,
    request: Callable[[str, int, str], tuple[bytes, dict[str, str], str]],
    clients: int,
    total: int,
    pid: int,
) -> Row:
    """`clients` clients, each sending a command and waiting for its reply; a warm-up run first."""
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:

        async def run(count: int, tag: str) -> Row:
            reply: list[float] = []
            ack: list[float] = []
            counter = iter(range(count))

            async def worker(number: int) -> None:
                for n in counter:
                    body, headers, key = request(f"{tag}-{n}", number, tag)
                    arrived = replies.expect(key)
                    started = time.monotonic()
                    async with client.post(url, data=body, headers=headers) as answer:
                        await answer.read()
                        ack.append(time.monotonic() - started)
                        if answer.status >= 300:
                            raise SystemExit(f"{url}: HTTP {answer.status}")
                    try:
                        stamp, _flag = await asyncio.wait_for(arrived, REPLY_TIMEOUT)
                    except TimeoutError:
                        raise SystemExit(f"no reply for {key} within {REPLY_TIMEOUT:.0f} s") from None
                    reply.append(stamp - started)

            began = time.monotonic()
            await asyncio.gather(*(worker(number) for number in range(clients)))
            return Row(count / (time.monotonic() - began), reply, ack)

        tag = uuid.uuid4().hex[:6]
        await run(warmup(clients), "w" + tag)  # connections, keys and tokens fetched: not in the figures
        before = cpu_seconds(pid)
        row = await run(total, "m" + tag)
        after = cpu_seconds(pid)
        if before is not None and after is not None:
            row.cpu = (after - before) / total
        return row


def warmup(clients: int) -> int:
    return max(clients * 4, 50)


async def benchmark(
    app: subprocess.Popen[bytes],
    app_url: str,
    sink: str,
    bearer: str,
    total: int,
    platforms: list[str],
    concurrency: list[int],
) -> tuple[dict[tuple[str, int], Row], int]:
    replies = Replies()
    results: dict[tuple[str, int], Row] = {}
    async with aiohttp.ClientSession() as session:
        ready = asyncio.Event()
        follower = asyncio.create_task(replies.follow(session, sink, ready))
        await asyncio.wait_for(ready.wait(), 10)
        service_url = sink + "/amer/"
        requests: dict[str, tuple[str, Callable[[str, int, str], tuple[bytes, dict[str, str], str]]]] = {
            "slack": (app_url + "/slack/events", lambda key, worker, _tag: slack_request(sink, key, worker)),
            "teams": (
                app_url + "/api/messages",
                lambda key, worker, tag: teams_request(service_url, bearer, key, worker, tag),
            ),
        }
        for clients in concurrency:
            for platform in platforms:
                url, request = requests[platform]
                results[(platform, clients)] = await measure(url, replies, request, clients, total, app.pid)
        await asyncio.sleep(0.5)  # a late second reply would still show up as unexpected
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
    return results, replies.unexpected


def stored(database_url: str) -> dict[str, tuple[int, int]]:
    """Per platform: contacts stored, and distinct summaries among them (each command's is unique)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT platform, COUNT(*), COUNT(DISTINCT summary) FROM contacts GROUP BY platform")
        ).all()
    engine.dispose()
    return {platform: (count, distinct) for platform, count, distinct in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="commands per platform and concurrency")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--platforms", default=",".join(PLATFORMS), help="default: slack,teams")
    parser.add_argument("--clients", default=",".join(map(str, CONCURRENCY)), help="default: 1,10")
    options = parser.parse_args()
    platforms = [p for p in options.platforms.split(",") if p in PLATFORMS]
    concurrency = [int(c) for c in options.clients.split(",")]

    key = new_key()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=KEY_ID, use="sig", alg="RS256", endorsements=["msteams"])
    sink_process, sink = start_sink(jwk)
    # One token for the whole run, as the Bot Connector reuses its token until it expires.
    bearer = "Bearer " + BotFrameworkSigner(key).token(sink + "/amer/")
    workdir = tempfile.mkdtemp(prefix="contactbot-bench-")
    database_url, drop_schema = fresh_database(options.database_url, workdir)
    app: subprocess.Popen[bytes] | None = None
    try:
        port = free_port()
        app = start_contactbot(database_url, sink, port, workdir)
        print(f"contactbot: pid {app.pid}, log in {LOG_PATH}", file=sys.stderr, flush=True)
        results, unexpected = asyncio.run(
            benchmark(app, f"http://127.0.0.1:{port}", sink, bearer, options.requests, platforms, concurrency)
        )
        counts = stored(database_url)
        with urllib.request.urlopen(sink + "/count", timeout=10) as answer:
            seen = json.load(answer)
    finally:
        if app is not None:
            app.terminate()
            app.wait(timeout=15)
        sink_process.terminate()
        sink_process.wait(timeout=10)
        drop_schema()
        shutil.rmtree(workdir, ignore_errors=True)

    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    print(f"log command to reply at the stand-in, {options.requests} commands per row, database {backend}")
    print(
        f"{'clients':>7}  {'platform':<8} {'msg/s':>7} {'reply p50':>10} {'reply p99':>10} {'ack p50':>8}"
        f" {'CPU/msg':>8}"
    )
    for clients in concurrency:
        for platform in platforms:
            row = results[(platform, clients)]
            cpu = f"{row.cpu * 1000:6.1f}ms" if row.cpu is not None else "       -"
            print(
                f"{clients:>7}  {platform:<8} {row.rate:7.1f} {statistics.median(row.reply) * 1000:8.1f}ms"
                f" {percentile(row.reply, 0.99) * 1000:8.1f}ms {statistics.median(row.ack) * 1000:6.1f}ms {cpu}"
            )
    sent = sum(options.requests + warmup(clients) for clients in concurrency)
    failed = False
    for platform in platforms:
        count, distinct = counts.get(platform, (0, 0))
        verdict = "ok" if count == distinct == sent else "MISMATCH"
        failed |= verdict != "ok"
        print(f"{platform}: {count} contacts stored ({distinct} distinct) for {sent} commands: {verdict}")
    not_saved = seen["not_saved"]  # warm-up included
    print(
        f"replies at the stand-in: slack {seen['slack']}, teams {seen['teams']}, 'not saved' {not_saved}, "
        f"unexpected {unexpected}; tokens fetched {seen['tokens']}, key set fetched {seen['keys']}; "
        f"Slack Web API calls {seen['api']}"
    )
    if failed or not_saved or unexpected:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
