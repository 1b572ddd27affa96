"""Logging set-up that keeps tokens and signing secrets out of every log line."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\b(xox[abposr]|xapp|xoxe)-[A-Za-z0-9-]+")


class RedactSecrets(logging.Filter):
    """Replaces the configured secrets, and anything shaped like a Slack token, with [redacted]."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _TOKEN.sub("[redacted]", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = str(record.exc_info[1])
            if _TOKEN.search(text) or any(s in text for s in self.secrets):
                record.exc_info = None
                record.exc_text = None
                record.msg = f"{record.msg} (details withheld: they contained a secret)"
        return True


def configure_logging(secrets: list[str], level: int = logging.INFO) -> None:
    """Log to standard error, with secrets redacted from every handler."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    redact = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every minute's run
