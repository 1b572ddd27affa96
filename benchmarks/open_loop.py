"""`log` end to end at fixed rates (open loop), contactbot beside a bare slack-bolt app doing
the same minimal work (benchmarks/bare_work.py), in the same run; and a mixed load.

Signed slash commands are sent on a fixed schedule, whatever the answers (open loop); each is
timed from its scheduled send to its reply at a recording response URL (benchmarks/reply_sink.py),
so a server that falls behind shows it. Afterwards every command must be stored exactly once
(counted in the database) unless it was answered "busy, try again" (bot/workload.py).

    python benchmarks/open_loop.py rates [--rates 50,100,200,300] [--seconds 10] [--database-url URL]
    python benchmarks/open_loop.py mixed --database-url URL_OF_A_BIG_DATABASE [--seconds 30]

`mixed`: 20 `log`/s, one `sök` and one `lista alla` a second, and `contactbot export` of the
whole database running (its own process) meanwhile; first, as its baseline, the same 20 `log`/s
alone on the same database.
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
from pathlib import Path

import aiohttp
import jwt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack_latency import free_port, fresh_database, percentile  # noqa: E402
from benchmarks.command_path import Replies, cpu_seconds, slack_request, start_contactbot, start_sink  # noqa: E402
from benchmarks.sink import _BUSY  # noqa: E402
from tests.teams_standin import KEY_ID, new_key  # noqa: E402

TIMEOUT = 30.0  # a reply later than this counts as never answered


def start_bare(database_url: str, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks/bare_work.py"), str(port), database_url],
        cwd=ROOT,
        stderr=open(Path(tempfile.gettempdir()) / "contactbot-bench-bare.log", "w"),  # noqa: SIM115
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the bare app did not start")


class Outcome:
    def __init__(self) -> None:
        self.reply: list[float] = []
        self.ack: list[float] = []
        self.flags: dict[str, int] = {}
        self.unanswered = 0
        self.late_acks = 0  # HTTP answers after Slack's 3 s
        self.refused = 0  # HTTP answers other than 200 (uvicorn's connection limit: 503)


async def fire(
    client: aiohttp.ClientSession,
    url: str,
    replies: Replies,
    body: bytes,
    headers: dict[str, str],
    key: str,
    scheduled: float,
    outcome: Outcome,
) -> None:
    arrived = replies.expect(key)
    try:
        async with client.post(url, data=body, headers=headers) as answer:
            said = await answer.read()
            status = answer.status
        acked = time.monotonic() - scheduled
        if status != 200:
            outcome.refused += 1
            replies.waiting.pop(key, None)
            return
        outcome.ack.append(acked)
        outcome.late_acks += acked > 3.0
        if any(marker in said for marker in _BUSY):  # turned away in the acknowledgement itself
            replies.waiting.pop(key, None)
            outcome.flags["busy"] = outcome.flags.get("busy", 0) + 1
            return
        stamp, flag = await asyncio.wait_for(arrived, TIMEOUT)
    except (TimeoutError, aiohttp.ClientError):
        outcome.unanswered += 1
        replies.waiting.pop(key, None)
        return
    outcome.flags[flag] = outcome.flags.get(flag, 0) + 1
    if flag == "ok":
        outcome.reply.append(stamp - scheduled)


async def open_loop(
    url: str,
    sink: str,
    replies: Replies,
    rate: float,
    seconds: float,
    tag: str,
    text: str | None = None,
    user: int = 0,
) -> Outcome:
    """Commands at `rate` a second for `seconds`, on schedule; `text` instead of a `log`."""
    outcome = Outcome()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as client:
        tasks = []
        began = time.monotonic()
        for n in range(int(rate * seconds)):
            scheduled = began + n / rate
            await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
            body, headers, key = slack_request(sink, f"{tag}-{n}", user or n % 50)
            if text is not None:
                body = _with_text(body, text)
                headers = _signed(body)
            tasks.append(
                asyncio.create_task(fire(client, url, replies, body, headers, key, scheduled, outcome))
            )
        await asyncio.gather(*tasks)
    return outcome


def _with_text(body: bytes, text: str) -> bytes:
    from urllib.parse import parse_qsl, urlencode

    fields = dict(parse_qsl(body.decode()))
    fields["text"] = text
    return urlencode(fields).encode()


def _signed(body: bytes) -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    from benchmarks.servers import SECRET

    stamp = str(int(time.time()))
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
            timestamp=stamp, body=body.decode()
        ),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def count_stored(database_url: str, table: str, tag: str) -> tuple[int, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text(f"SELECT COUNT(*), COUNT(DISTINCT summary) FROM {table} WHERE summary LIKE :tag"),
            {"tag": f"%command {tag}-%"},
        ).one()
    engine.dispose()
    return row[0], row[1]


def held(rate: float, seconds: float, outcome: Outcome, stored: tuple[int, int]) -> bool:
    """The rate was held: every command answered "saved" and stored exactly once, reply p99
    under 1 s, no acknowledgement after Slack's 3 s (issue 11's criterion)."""
    sent = int(rate * seconds)
    return (
        outcome.flags.get("ok", 0) == sent
        and stored == (sent, sent)
        and outcome.late_acks == 0
        and bool(outcome.reply)
        and percentile(outcome.reply, 0.99) < 1.0
    )


def summary_line(name: str, rate: float, outcome: Outcome, stored: tuple[int, int], cpu: float | None) -> str:
    ok = outcome.flags.get("ok", 0)
    p50 = statistics.median(outcome.reply) * 1000 if outcome.reply else float("nan")
    p99 = percentile(outcome.reply, 0.99) * 1000 if outcome.reply else float("nan")
    ack99 = percentile(outcome.ack, 0.99) * 1000 if outcome.ack else float("nan")
    cpu_text = f"{cpu * 1000:6.2f}" if cpu is not None else "     -"
    return (
        f"{name:<11} {rate:6.0f} {p50:9.1f} {p99:9.1f} {ack99:9.1f} {ok:6d} {outcome.flags.get('busy', 0):5d} "
        f"{outcome.flags.get('not_saved', 0):6d} {outcome.unanswered:6d} {outcome.late_acks:5d} "
        f"{stored[0]:7d} {cpu_text} {outcome.refused:7d}"
    )


async def rates_run(options: argparse.Namespace, sink: str, workdir: str) -> None:
    database_url, drop = fresh_database(options.database_url, workdir)
    bare_db, drop_bare = fresh_database(options.database_url, workdir + "/bare")
    Path(workdir + "/bare").mkdir(exist_ok=True)
    servers: dict[str, tuple[subprocess.Popen[bytes], str, str, str]] = {}
    try:
        port = free_port()
        servers["bare bolt"] = (
            start_bare(bare_db, port),
            f"http://127.0.0.1:{port}",
            bare_db,
            "bare_contacts",
        )
        port = free_port()
        app = start_contactbot(database_url, sink, port, workdir)
        servers["contactbot"] = (app, f"http://127.0.0.1:{port}", database_url, "contacts")
        replies = Replies()
        async with aiohttp.ClientSession() as session:
            ready = asyncio.Event()
            follower = asyncio.create_task(replies.follow(session, sink, ready))
            await asyncio.wait_for(ready.wait(), 10)
            backend = database_url.split(":", 1)[0].split("+", 1)[0]
            print(
                f"log, open loop, {options.seconds:.0f} s a rate, database {backend}; ms from scheduled send"
            )
            print(
                f"{'server':<11} {'cmd/s':>6} {'reply p50':>9} {'reply p99':>9} {'ack p99':>9} {'ok':>6} "
                f"{'busy':>5} {'notsvd':>6} {'lost':>6} {'ack>3s':>5} {'stored':>7} CPU ms/cmd refused"
            )
            highest: dict[str, float] = {}
            failed: dict[str, float] = {}
            for rate in options.rates:
                for name, (process, url, db_url, table) in servers.items():
                    await open_loop(url + "/slack/events", sink, replies, 20, 2, "w" + uuid.uuid4().hex[:6])
                    tag = uuid.uuid4().hex[:8]
                    before = cpu_seconds(process.pid)
                    outcome = await open_loop(
                        url + "/slack/events", sink, replies, rate, options.seconds, tag
                    )
                    after = cpu_seconds(process.pid)
                    cpu = (
                        (after - before) / (rate * options.seconds)
                        if before is not None and after is not None
                        else None
                    )
                    stored = count_stored(db_url, table, tag)
                    print(summary_line(name, rate, outcome, stored, cpu), flush=True)
                    if held(rate, options.seconds, outcome, stored):
                        if name not in failed:
                            highest[name] = rate
                    else:
                        failed.setdefault(name, rate)
            follower.cancel()
            print(verdict(highest, failed))
    finally:
        for process, *_rest in servers.values():
            process.terminate()
            process.wait(timeout=15)
        drop()
        drop_bare()


def verdict(highest: dict[str, float], failed: dict[str, float]) -> str:
    """The highest rate each server held before its first failed rate, and their ratio."""

    def said(name: str) -> str:
        top = f"{highest[name]:.0f}/s" if name in highest else "none"
        first = f", first failed at {failed[name]:.0f}/s" if name in failed else ", held every rate tried"
        return f"{name} {top}{first}"

    line = "highest rate held (nothing lost, reply p99 < 1 s): " + "; ".join(
        said(name) for name in ("contactbot", "bare bolt")
    )
    if "contactbot" in highest and "bare bolt" in highest:
        bound = "at most " if "bare bolt" not in failed else ""
        line += f"; ratio {bound}{highest['contactbot'] / highest['bare bolt']:.2f}"
    return line


async def mixed_run(options: argparse.Namespace, sink: str, workdir: str) -> None:
    database_url = options.database_url
    port = free_port()
    app = start_contactbot(database_url, sink, port, workdir)
    url = f"http://127.0.0.1:{port}/slack/events"
    export = None
    try:
        replies = Replies()
        async with aiohttp.ClientSession() as session:
            ready = asyncio.Event()
            follower = asyncio.create_task(replies.follow(session, sink, ready))
            await asyncio.wait_for(ready.wait(), 10)
            # The baseline, in the same run on the same database: the same logs with nothing beside them.
            alone_tag = uuid.uuid4().hex[:8]
            alone = await open_loop(url, sink, replies, 20, options.seconds, alone_tag)
            environment = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
            began = time.monotonic()
            export = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "export", "--format", "json", "-o", os.devnull],
                cwd=workdir,
                env=environment,
                stderr=subprocess.PIPE,
            )
            tag = uuid.uuid4().hex[:8]
            logs, searches, lists = await asyncio.gather(
                open_loop(url, sink, replies, 20, options.seconds, tag),
                open_loop(url, sink, replies, 1, options.seconds, "s" + tag, "sök samarbete malmo", 9001),
                open_loop(url, sink, replies, 1, options.seconds, "l" + tag, "lista alla 500", 9002),
            )
            running = export.poll() is None
            follower.cancel()
        stored = count_stored(database_url, "contacts", tag)
        stored_alone = count_stored(database_url, "contacts", alone_tag)
        print(
            f"mixed load for {options.seconds:.0f} s on {database_url.split(':', 1)[0]}; export still running at the end: {running}"
        )
        print(
            f"{'what':<11} {'cmd/s':>6} {'reply p50':>9} {'reply p99':>9} {'ack p99':>9} {'ok':>6} "
            f"{'busy':>5} {'notsvd':>6} {'lost':>6} {'ack>3s':>5} {'stored':>7} {'CPU':>6} refused"
        )
        print(summary_line("log alone", 20, alone, stored_alone, None))
        print(summary_line("log", 20, logs, stored, None))
        print(summary_line("sök", 1, searches, (0, 0), None))
        print(summary_line("lista alla", 1, lists, (0, 0), None))
        if export is not None:
            export.wait()
            print(
                f"export of the whole database finished after {time.monotonic() - began:.0f} s (exit {export.returncode})"
            )
    finally:
        if export is not None and export.poll() is None:
            export.terminate()
        app.terminate()
        app.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("rates", "mixed"))
    parser.add_argument("--rates", default="50,100,200,300", type=lambda v: [float(r) for r in v.split(",")])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    key = new_key()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=KEY_ID, use="sig", alg="RS256", endorsements=["msteams"])
    sink_process, sink = start_sink(jwk)
    workdir = tempfile.mkdtemp(prefix="contactbot-open-loop-")
    try:
        if options.what == "rates":
            asyncio.run(rates_run(options, sink, workdir))
        else:
            if not options.database_url:
                raise SystemExit("mixed needs --database-url of a big database (benchmarks/generate.py)")
            asyncio.run(mixed_run(options, sink, workdir))
    finally:
        sink_process.terminate()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
