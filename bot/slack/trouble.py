"""Naming what went wrong when talking to Slack, for log lines and for people.

slack_sdk's errors carry their cause in different places: a `SlackApiError` holds Slack's
error code (or only an HTTP status when the answer was not Slack's JSON, and then its
`response` may even be aiohttp's own object); an upload URL's refusal is a
`SlackRequestError` whose message holds the status and the whole body.
"""

from __future__ import annotations

import re

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError

_STATUS = re.compile(r"status: (\d{3})")


def slack_cause(error: BaseException) -> str:
    """Slack's error code, or the HTTP status, or the kind of network failure: never a URL,
    a token or a body."""
    if isinstance(error, SlackApiError):
        response = error.response
        data = getattr(response, "data", None)
        code = data.get("error") if isinstance(data, dict) else None
        status = getattr(response, "status_code", None) or getattr(response, "status", None)
        if code:
            return str(code)
        return f"HTTP {status}, not Slack's answer" if status else "not Slack's answer"
    if isinstance(error, SlackRequestError):
        found = _STATUS.search(str(error))
        return f"HTTP {found.group(1)}" if found else "request refused"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return f"{type(error).__name__}: {error.strerror}"
    return type(error).__name__


def slack_code(error: BaseException) -> str | None:
    """Slack's own error code (`ratelimited`, `missing_scope`), when Slack answered with one."""
    if isinstance(error, SlackApiError):
        data = getattr(error.response, "data", None)
        code = data.get("error") if isinstance(data, dict) else None
        return str(code) if code else None
    return None


def http_status(error: BaseException) -> int | None:
    """The HTTP status in a Slack error, when there was one."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", None) or getattr(error.response, "status", None)
        return int(status) if isinstance(status, int) else None
    if isinstance(error, SlackRequestError):
        found = _STATUS.search(str(error))
        return int(found.group(1)) if found else None
    return None


def is_slack_trouble(error: BaseException) -> bool:
    """Whether `error` came from Slack or the network (one log line says it all), rather than
    from a fault in the bot (whose traceback is the cause)."""
    return isinstance(error, SlackApiError | SlackRequestError | aiohttp.ClientError | OSError | TimeoutError)
