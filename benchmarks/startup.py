"""Start-up: `contactbot run` until /healthz answers, and its memory once idle; `contactbot
shell` until it has answered one command. Beside baselines measured in the same run: a bare
slack-bolt app on FastAPI (benchmarks/bare_work.py) for `run`, the bare interpreter for `shell`.
Median of five starts each, on an existing SQLite database (schema up to date), with the
project's bytecode compiled first, as Python leaves it after any first start (where
PYTHONDONTWRITEBYTECODE is set, as on some build machines, nothing would be cached and every
start would compile the project's modules again: about 0.1 s more).

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack_latency import free_port  # noqa: E402
from benchmarks.servers import SECRET, TOKEN  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def until_healthy(
    command: list[str], port: int, environment: dict[str, str], cwd: str
) -> tuple[float, float]:
    """Seconds from start until /healthz answers 200, and RSS (MB) after 3 s idle."""
    began = time.monotonic()
    process = subprocess.Popen(command, env=environment, cwd=cwd, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"{command} ended") from None
                time.sleep(0.01)
        ready = time.monotonic() - began
        time.sleep(3)
        return ready, rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def shell_answer(command: list[str], environment: dict[str, str], cwd: str) -> float:
    """Seconds from start until the shell has answered `hjälp` and ended (stdin closed)."""
    began = time.monotonic()
    subprocess.run(
        command, input="hjälp\n", text=True, env=environment, cwd=cwd, capture_output=True, check=True
    )
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="contactbot-startup-")
    database = f"sqlite:///{work}/contacts.db"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DIGEST_"))}
    environment.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing listens: Slack "unreachable", asked again later
    )
    cli = [sys.executable, "-m", "bot.cli"]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "bot", "handlers", "storage", "benchmarks"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run([*cli, "db", "upgrade"], env=environment, cwd=work, check=True, capture_output=True)
    rows: dict[str, list[tuple[float, float]]] = {"contactbot run": [], "bare bolt app": []}
    shells: dict[str, list[float]] = {"contactbot shell": [], "python -c pass": []}
    for _ in range(options.runs):
        port = free_port()
        rows["contactbot run"].append(
            until_healthy(
                [*cli, "run", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"],
                port,
                environment,
                work,
            )
        )
        port = free_port()
        bare = [sys.executable, str(ROOT / "benchmarks/bare_work.py"), str(port), database]
        rows["bare bolt app"].append(until_healthy(bare, port, environment, work))
        shells["contactbot shell"].append(shell_answer([*cli, "shell"], environment, work))
        shells["python -c pass"].append(shell_answer([sys.executable, "-c", "pass"], environment, work))
    print(f"start-up, median of {options.runs}")
    print(f"{'what':<18} {'s to /healthz':>14} {'idle RSS MB':>12}")
    for name, values in rows.items():
        print(
            f"{name:<18} {statistics.median(v[0] for v in values):14.2f} {statistics.median(v[1] for v in values):12.0f}"
        )
    print(f"{'what':<18} {'s to first answer':>18}")
    for name, times in shells.items():
        print(f"{name:<18} {statistics.median(times):18.2f}")


if __name__ == "__main__":
    main()
