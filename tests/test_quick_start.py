"""A quick start: heavy modules load only when needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.database import Database
from storage.migrate import heads, upgrade

ROOT = Path(__file__).resolve().parent.parent


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in ('matplotlib', 'alembic') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
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
        assert loaded == set()
    finally:
        db.dispose()
