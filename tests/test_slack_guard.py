"""What reaches `/slack/events` before any work: limits, the signature, replays (the real app)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode, urlparse

import pytest

from bot.context import open_context
from bot.server import create_app
from storage.requests import RequestStore
from tests.conftest import SIGNING_SECRET, FakeClock, RunningApp, serve_app
from tests.test_slack_http import FORM, LOG, count_contacts, submission

FORM_TYPE = "application/x-www-form-urlencoded"


def sign(body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """Slack's signature over raw bytes (also bytes that are not UTF-8)."""
    stamp = timestamp or str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def raw_exchange(app: RunningApp, head: str, body: bytes = b"") -> bytes:
    """Send `head` and `body` on a fresh connection as they are; what the server answers
    before it closes the connection (or within five seconds)."""
    address = urlparse(app.url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as conn:
        conn.sendall(head.encode("latin-1") + b"\r\n\r\n" + body)
        received = b""
        while b"\r\n\r\n" not in received or not received.endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def slack_head(length: int, extra: str = "") -> str:
    return (
        "POST /slack/events HTTP/1.1\r\nHost: contactbot\r\n"
        f"Content-Type: {FORM_TYPE}\r\nContent-Length: {length}" + extra
    )


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def assert_quiet_about(logs: pytest.LogCaptureFixture, marker: str) -> None:
    """No log line holds `marker` (a piece of the body) or a traceback."""
    for record in logs.records:
        assert marker not in record.getMessage(), record.getMessage()
        assert record.exc_info is None and "Traceback" not in logs.text


# -- sizes and time -------------------------------------------------------------------------------


def test_a_body_announced_over_one_megabyte_gets_413_before_any_of_it_is_sent(
    app: RunningApp, logs: pytest.LogCaptureFixture
) -> None:
    answer = raw_exchange(app, slack_head(2_000_000, "\r\n" + _signed_lines(b"")))
    assert answer.startswith(b"HTTP/1.1 413 ")
    refusals = [r for r in logs.records if r.name == "bot.slack.guard"]
    assert len(refusals) == 1 and "413" in refusals[0].getMessage()


def test_a_chunked_body_over_one_megabyte_is_cut_off_while_read(
    app: RunningApp, logs: pytest.LogCaptureFixture
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"text=BODYMARKER"
        for _ in range(20):
            yield b"x" * 65536

    answer = app.client.post(
        app.url + "/slack/events",
        content=chunks(),
        headers={"Content-Type": FORM_TYPE, **sign(b"text=BODYMARKER")},
    )
    assert answer.status_code == 413
    assert count_contacts(app) == 0
    assert_quiet_about(logs, "BODYMARKER")


def test_a_body_that_never_completes_is_cut_off_by_the_read_timeout(
    context, standin, logs: pytest.LogCaptureFixture
) -> None:
    api = create_app(context)
    api.state.slack_guard.read_timeout = 0.2
    with serve_app(context, standin, api) as app:
        answer = raw_exchange(app, slack_head(100, "\r\n" + _signed_lines(b"x" * 100)), b"text=half")
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert len([r for r in logs.records if r.name == "bot.slack.guard"]) == 1


def test_a_refused_request_is_one_log_line_without_its_body(
    app: RunningApp, logs: pytest.LogCaptureFixture
) -> None:
    body = app.command_body('log org="BODYMARKER" country=FI summary="x"')
    answer = app.post(body, FORM_TYPE, headers=app.signed(body, secret="not-the-secret"))
    assert answer.status_code == 401
    # (the test client's own line and uvicorn's access line, off in `contactbot run`, aside)
    lines = [r for r in logs.records if r.name not in {"httpx", "uvicorn.access"}]
    assert len(lines) == 1 and lines[0].name == "bot.slack.guard"
    assert_quiet_about(logs, "BODYMARKER")


def _signed_lines(body: bytes) -> str:
    return "".join(f"\r\n{name}: {value}" for name, value in sign(body).items()).lstrip("\r\n")


# -- the signature before parsing -----------------------------------------------------------------

MALFORMED = [b"\xff\xfe\x00payload", b"payload=%7Bx", b"payload=[1]", b'payload="s"', b"payload=%22s%22"]


@pytest.mark.parametrize("body", MALFORMED)
def test_unsigned_malformed_bodies_get_401_without_a_traceback(
    app: RunningApp, logs: pytest.LogCaptureFixture, body: bytes
) -> None:
    answer = app.client.post(app.url + "/slack/events", content=body, headers={"Content-Type": FORM_TYPE})
    assert answer.status_code == 401
    wrong = dict(sign(body), **{"X-Slack-Signature": "v0=" + "0" * 64})
    answer = app.client.post(
        app.url + "/slack/events", content=body, headers={"Content-Type": FORM_TYPE, **wrong}
    )
    assert answer.status_code == 401
    assert "Traceback" not in logs.text and all(r.exc_info is None for r in logs.records)


@pytest.mark.parametrize("body", MALFORMED)
def test_signed_but_malformed_bodies_get_400_without_a_traceback(
    app: RunningApp, logs: pytest.LogCaptureFixture, body: bytes
) -> None:
    answer = app.client.post(
        app.url + "/slack/events", content=body, headers={"Content-Type": FORM_TYPE, **sign(body)}
    )
    assert answer.status_code == 400
    assert "Traceback" not in logs.text and all(r.exc_info is None for r in logs.records)


def test_a_timestamp_of_superscript_digits_is_unsigned(
    app: RunningApp, logs: pytest.LogCaptureFixture
) -> None:
    body = app.command_body(LOG)
    headers = dict(app.signed(body), **{"X-Slack-Request-Timestamp": "²³"})
    answer = app.client.post(
        app.url + "/slack/events",
        content=body.encode(),
        # HTTP header bytes are read as Latin-1: b"\xb2\xb3" is "²³", which str.isdigit() accepts
        headers={"Content-Type": FORM_TYPE, **{k: v.encode("latin-1") for k, v in headers.items()}},
    )
    assert answer.status_code == 401
    assert count_contacts(app) == 0
    assert "Traceback" not in logs.text


def test_the_five_minutes_are_counted_on_the_guards_clock(context, standin) -> None:
    api = create_app(context)
    policy = api.state.slack_guard
    with serve_app(context, standin, api) as app:
        policy.clock = lambda: time.time() + 5 * 60 + 5
        assert app.command(LOG).status_code == 401
        policy.clock = lambda: time.time() - 5 * 60 - 5
        assert app.command(LOG).status_code == 401
        policy.clock = lambda: time.time() + 4 * 60
        assert "Saved contact #1" in app.reply_to(LOG)


# -- replays --------------------------------------------------------------------------------------


def sent_twice(app: RunningApp, text: str) -> str:
    """Send one signed command, then replay it byte for byte: the first answer; asserts that the
    replay was acknowledged empty and answered nothing."""
    body = app.command_body(text)
    headers = app.signed(body)
    assert app.post(body, FORM_TYPE, headers=headers).status_code == 200
    answer = app.standin.wait_for("/response/r1")[0].body["text"]
    replay = app.post(body, FORM_TYPE, headers=headers)
    assert replay.status_code == 200 and replay.text == ""
    app.reply_to("help", response="probe")  # anything the replay had set off would be done by now
    assert len(app.standin.calls_to("/response/r1")) == 1
    return answer


def test_a_replayed_log_command_stores_one_contact_and_answers_once(app: RunningApp) -> None:
    assert "Saved contact #1" in sent_twice(app, LOG)
    assert count_contacts(app) == 1


def test_a_replayed_log_of_a_known_organisation_stores_one_contact_and_answers_once(app: RunningApp) -> None:
    app.reply_to(LOG, response="first")  # the organisation is known from here on: the shortest path
    assert "Saved contact #2" in sent_twice(app, LOG)
    assert count_contacts(app) == 2


def test_a_replayed_log_with_a_mistake_is_answered_once(app: RunningApp) -> None:
    assert "country" in sent_twice(app, 'log org="Åbo stad" summary="Utbyte"')
    assert count_contacts(app) == 0


def test_a_replayed_withdrawal_is_answered_once(app: RunningApp) -> None:
    app.reply_to(LOG, response="first")
    assert "#1" in sent_twice(app, "ta-bort 1 dubblett")
    assert app.context.store.get(1).withdrawn_at is not None


def test_a_command_turned_away_as_busy_and_its_replay_post_nothing_to_the_person(context, standin) -> None:
    context.pending_limit = 0  # every command finds the queue full
    with serve_app(context, standin) as app:
        body = app.command_body(LOG)
        headers = app.signed(body)
        first = app.post(body, FORM_TYPE, headers=headers)
        replay = app.post(body, FORM_TYPE, headers=headers)
    # The busy answer is the acknowledgement's body: Slack shows it to the person who typed the
    # command; a replay's goes back to whoever replayed it, and nothing reaches the response URL.
    assert "I am busy right now" in first.json()["text"] and replay.status_code == 200
    assert standin.calls_to("/response/r1") == [] and count_contacts(app) == 0


def test_a_json_body_mentioning_a_command_is_claimed_by_the_guard(app: RunningApp) -> None:
    # Only a slash command's form leaves its replay key to the command; a JSON event that
    # mentions "&command=" somewhere is claimed (and its replay refused) by the guard itself.
    body = json.dumps({"type": "event_callback", "event": {"type": "x", "text": "a&command=/kontakt"}})
    headers = app.signed(body)
    app.post(body, FORM_TYPE, headers=headers)  # bolt has no listener for it: answered 404
    assert (
        RequestStore(app.context.db).claim(
            hashlib.sha256(headers["X-Slack-Signature"].encode()).hexdigest(), app.context.clock()
        )
        is False
    )


def test_a_replayed_edit_form_after_a_later_edit_leaves_the_later_edit(app: RunningApp) -> None:
    app.reply_to(LOG)
    first = dict(FORM, org="Rovaniemen kaupunki", country="FI", summary="First edit")
    later = dict(first, summary="Later edit")
    body = urlencode({"payload": json.dumps(submission("V5", first, metadata='{"id": 1}'))})
    headers = app.signed(body)
    assert app.post(body, FORM_TYPE, headers=headers).json()["response_action"] == "update"
    assert (
        app.interaction(submission("V6", later, metadata='{"id": 1}')).json()["response_action"] == "update"
    )
    replay = app.post(body, FORM_TYPE, headers=headers)
    assert replay.status_code == 200 and replay.text == ""
    contact = app.context.store.get(1)
    assert contact is not None and contact.summary == "Later edit"


def test_two_instances_on_one_database_handle_one_signed_request_once(
    app: RunningApp, settings, clock: FakeClock, standin
) -> None:
    other_context = open_context(settings, clock=clock)
    try:
        with serve_app(other_context, standin) as other:
            body = app.command_body(LOG)
            headers = app.signed(body)
            with ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(lambda a: a.post(body, FORM_TYPE, headers=headers), [app, other]))
            assert [a.status_code for a in answers] == [200, 200]
            assert "Saved contact #1" in standin.wait_for("/response/r1")[0].body["text"]
            app.reply_to("list", response="probe-1")
            other.reply_to("list", response="probe-2")
            assert count_contacts(app) == 1
            assert len(standin.calls_to("/response/r1")) == 1
    finally:
        other_context.db.dispose()


def test_a_request_key_is_claimed_once_and_forgotten_after_ten_minutes(context, clock: FakeClock) -> None:
    store = RequestStore(context.db)
    assert store.claim("k" * 64, clock.now)
    assert not store.claim("k" * 64, clock.now + timedelta(minutes=4))
    assert not RequestStore(context.db).claim("k" * 64, clock.now)  # another instance
    later = clock.now + timedelta(minutes=11)
    assert store.prune(later) == 1
    assert store.claim("k" * 64, later)


def test_a_request_head_that_keeps_growing_past_sixteen_kilobytes_is_refused_by_uvicorn(
    app: RunningApp,
) -> None:
    address = urlparse(app.url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as conn:
        conn.sendall(slack_head(0, "\r\nX-Padding: " + "a" * 20_000).encode())  # no blank line: unfinished
        assert conn.recv(65536).startswith(b"HTTP/1.1 400 ")
