"""A quick start: heavy modules load only when needed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.database import Database
from storage.migrate import heads, upgrade

ROOT = Path(__file__).resolve().parent.parent


HEAVY = (
    "matplotlib",
    "alembic",
    "openpyxl",
    "numpy",
    "jwt",
    "cryptography",
    "httpx",
    "microsoft_teams",
    "sqlalchemy.dialects.postgresql",
)


def _loaded_after(code: str, environment: dict[str, str] | None = None) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, env=environment
    )
    return set(result.stdout.split())


def test_the_server_starts_without_the_chart_library_and_an_upgraded_database_without_alembic(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        upgrade(db)
        assert len(heads()) == 1
        loaded = _loaded_after(
            f"import bot.server\nfrom storage.database import Database\nfrom storage.migrate import upgrade\n"
            f"db = Database({database_url!r})\nupgrade(db)\ndb.dispose()"
        )
        assert not loaded & {"matplotlib", "alembic"}
    finally:
        db.dispose()


def test_a_slack_only_bot_starts_without_spreadsheets_charts_or_teams_token_checks(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    try:
        upgrade(db)
    finally:
        db.dispose()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "TEAMS_", "DIGEST_"))
    }
    environment.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-quick-start",
        SLACK_SIGNING_SECRET="quick-start-secret",
        DIGEST_CHANNEL="C0DIGEST",
        HOME=str(tmp_path),
    )
    loaded = _loaded_after(
        "from bot.config import load_settings\n"
        "from bot.context import open_context\n"
        "from bot.server import create_app\n"
        "from bot.digest.wiring import digest_targets\n"
        "context = open_context(load_settings())\n"
        "create_app(context, {'user_id': 'UBOT', 'team_id': 'T1'}, scheduler=False)\n"
        "digest_targets(context)\n"
        "context.db.dispose()",
        environment,
    )
    own_dialect = {"sqlalchemy.dialects.postgresql"} if database_url.startswith("postgresql") else set()
    assert loaded == own_dialect, "loaded at start-up though nothing asked for them"
