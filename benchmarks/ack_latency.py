"""Commands per second and acknowledgement latency of `/kontakt log` over HTTP.

contactbot's app and a bare slack-bolt app that only acks run on the same stack
(FastAPI on uvicorn, one process each) in the same run; a client sends signed slash
commands at 1, 10 and 50 concurrent clients and times each HTTP answer (the ack).

    python benchmarks/ack_latency.py [--requests 600] [--database-url URL]

The default database is a fresh SQLite file. Prints one row per server and
concurrency, and the ratio of contactbot's throughput to the bare app's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.servers import SECRET  # noqa: E402

TEXT = 'log org="Rovaniemen kaupunki" country=FI kind=twin-town youth=yes summary="Planning a youth football exchange"'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args: list[str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks/servers.py"), args[0], str(port), *args[1:]],
        cwd=ROOT,
        stderr=open(Path(tempfile.gettempdir()) / f"contactbot-bench-{args[0]}.log", "w"),  # noqa: SIM115
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server {args[0]} did not start")


def start_sink() -> tuple[subprocess.Popen[str], str]:
    """The stand-in for Slack's response URLs, in a process of its own."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks/sink.py")], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def signed_body(response_url: str, n: int) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "command": "/kontakt",
            "text": TEXT,
            "user_id": f"U{n % 25}",
            "user_name": "bench",
            "team_id": "T1",
            "channel_id": "C1",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return body.encode(), headers


async def measure(url: str, response_url: str, clients: int, total: int) -> tuple[float, list[float]]:
    """Open `clients` connections, warm them up, then time `total` requests over them."""
    # aiohttp rather than httpx: httpx's connection pool slows down sharply past a few
    # dozen concurrent connections and would measure itself instead of the servers.
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:

        async def run(count: int) -> tuple[float, list[float]]:
            latencies: list[float] = []
            counter = iter(range(count))

            async def worker() -> None:
                for n in counter:
                    body, headers = signed_body(response_url, n)
                    started = time.perf_counter()
                    async with client.post(url, data=body, headers=headers) as answer:
                        await answer.read()
                        latencies.append(time.perf_counter() - started)
                        if answer.status != 200:
                            raise SystemExit(f"HTTP {answer.status}")

            began = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(clients)))
            return count / (time.perf_counter() - began), latencies

        await run(max(clients * 4, 50))  # connections opened and warm: not part of the figures
        return await run(total)


def fresh_database(url: str | None, workdir: str) -> tuple[str, Callable[[], None]]:
    """A new SQLite file, or a new schema in the PostgreSQL database `url` (dropped afterwards)."""
    if url is None or url.startswith("sqlite"):
        return url or f"sqlite:///{workdir}/bench.db", lambda: None
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", drop


def wait_until_stored(database_url: str, expected: int) -> tuple[int, float]:
    """Acks come before the work: wait for the work to finish, and count what was stored."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    began = time.perf_counter()
    stored = 0
    while time.perf_counter() - began < 120:
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT COUNT(*) FROM contacts")).scalar_one()
        if stored >= expected:
            break
        time.sleep(0.2)
    engine.dispose()
    return stored, time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per concurrency level")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    options = parser.parse_args()
    standin, standin_url = start_sink()
    workdir = tempfile.mkdtemp(prefix="contactbot-bench-")
    database_url, drop_schema = fresh_database(options.database_url, workdir)
    servers = {
        "bare bolt": (["bare"], free_port()),
        "contactbot": (["contactbot", database_url, standin_url + "/api/"], free_port()),
    }
    processes: list[subprocess.Popen[bytes]] = []
    results: dict[tuple[str, int], tuple[float, float, float]] = {}
    try:
        processes += [start_server(args, port) for args, port in servers.values()]
        for clients in (1, 10, 50):
            for name, (_args, port) in servers.items():
                url = f"http://127.0.0.1:{port}/slack/events"
                rate, latencies = asyncio.run(
                    measure(url, standin_url + "/response/b", clients, options.requests)
                )
                results[(name, clients)] = (
                    rate,
                    statistics.median(latencies) * 1000,
                    percentile(latencies, 0.99) * 1000,
                )
        sent = sum(options.requests + max(clients * 4, 50) for clients in (1, 10, 50))
        stored, waited = wait_until_stored(database_url, sent)
        with urllib.request.urlopen(standin_url + "/count", timeout=10) as answer:
            replies = json.load(answer)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        standin.terminate()
        drop_schema()
    backend = database_url.split(":", 1)[0]
    print(f"/kontakt log, acknowledgement over HTTP, {options.requests} requests per row, database {backend}")
    print(f"{'clients':>7}  {'server':<11} {'cmd/s':>8} {'p50 ms':>8} {'p99 ms':>8}   ratio")
    for clients in (1, 10, 50):
        bare = results[("bare bolt", clients)][0]
        for name in servers:
            rate, p50, p99 = results[(name, clients)]
            ratio = f"{rate / bare:5.2f}" if name == "contactbot" else ""
            print(f"{clients:>7}  {name:<11} {rate:8.1f} {p50:8.1f} {p99:8.1f}   {ratio}")
    print(
        f"contacts stored: {stored} of {sent} commands (the last stored {waited:.1f} s after the last ack); "
        f"replies: {replies['replies']}, of which 'not saved, try again': {replies['not_saved']}"
    )


if __name__ == "__main__":
    main()
