"""The database is locked or gone: users are told, nothing is half-written, the bot keeps serving."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext, open_context
from storage.models import Contact, Organisation
from tests.conftest import FakeClock, serve_app
from tests.slack_standin import SlackStandIn

LOG = 'log org="Tartu linn" country=EE summary="Kulturutbyte"'


def test_a_locked_database_gets_not_saved_and_the_bot_keeps_serving(
    settings, clock: FakeClock, standin: SlackStandIn
) -> None:
    quick = replace(settings, database_timeout=0.3)
    context = open_context(quick, clock=clock)
    locker = create_engine(settings.database_url)
    holding = locker.connect()
    if context.db.backend == "sqlite":
        holding.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        holding.exec_driver_sql("BEGIN")
        holding.exec_driver_sql("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE")
    try:
        with serve_app(context, standin) as app:
            text_ = app.reply_to(LOG, response="locked")
            assert "Not saved" in text_ and "try again" in text_
            holding.rollback()
            holding.close()
            again = app.reply_to(LOG, response="free")
            assert "Saved contact #" in again
            with context.db.session() as session:
                assert session.scalar(select(func.count(Contact.id))) == 1
                assert session.scalar(select(func.count(Organisation.id))) == 1
    finally:
        if not holding.closed:
            holding.close()
        locker.dispose()
        context.db.dispose()


def test_an_unreachable_database_is_reported_by_healthz_and_in_replies(
    settings, clock: FakeClock, standin: SlackStandIn
) -> None:
    # A PostgreSQL URL where no server listens: the bot still starts serving Slack.
    down = replace(
        settings, database_url="postgresql+psycopg://postgres@127.0.0.1:9/contactbot", database_timeout=0.5
    )
    context = open_context(down, clock=clock, migrate=False)
    with serve_app(context, standin) as app:
        health = app.client.get(app.url + "/healthz")
        assert health.status_code == 503 and health.json()["database"] == "unreachable"
        for attempt in range(2):
            answer = app.reply_to(LOG, response=f"down{attempt}")
            assert "Not saved" in answer and "try again" in answer
            assert "Traceback" not in answer and "127.0.0.1" not in answer
        assert app.reply_to("help", response="help").startswith("*Log international contacts*")
    context.db.dispose()


def test_an_error_from_the_database_never_quotes_the_values_people_wrote(context: BotContext) -> None:
    with pytest.raises(SQLAlchemyError) as raised, context.db.engine.connect() as connection:
        connection.execute(
            text("SELECT no_such_column FROM contacts WHERE person = :who"), {"who": "Mari Tamm"}
        )
    assert "Mari Tamm" not in str(raised.value) and "parameters hidden" in str(raised.value)
