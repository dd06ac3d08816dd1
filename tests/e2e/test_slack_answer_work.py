"""The work behind a Slack answer: what a command costs once it is answered, and what it no longer does.

App Home is republished after a change only for people who opened it, once per burst; the tab is
read in one transaction; a command's own commit finishes its inbox row; a card's attach is one
statement; every Web API call and answer reuses pooled connections. Counted on the real app with
SQLAlchemy's engine events and the fake Slack's record of calls, never timed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.slack.app import SLACK
from tests.e2e.slack_harness import SlackHarness, running_app
from tests.fakes import slack_requests as sr
from tests.support import FakeClock


@pytest.fixture
async def slack(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with running_app(engine, clock) as harness:
        yield harness


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement (transactions as their BEGIN) the engine runs inside the block."""
    seen: list[str] = []

    def statement(conn: object, cursor: object, text: str, *args: object) -> None:
        seen.append(" ".join(text.split()))

    def begin(conn: object) -> None:
        seen.append("BEGIN")

    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", statement)
    event.listen(sync, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", statement)
        event.remove(sync, "begin", begin)


def published_for(slack: SlackHarness, user: str) -> int:
    return sum(1 for call in slack.fake.calls_to("views.publish") if call.params["user_id"] == user)


async def test_home_is_republished_after_a_change_only_for_people_who_opened_it(slack: SlackHarness) -> None:
    await slack.slash("<@U2|lee> requirement: tier table")
    assert slack.fake.calls_to("views.publish") == []  # nobody has looked at their Home: nothing to refresh

    await slack.event(sr.app_home_opened("U2"), f"Ev{uuid.uuid4().hex}")
    assert published_for(slack, "U2") == 1  # opening it publishes it fresh
    await slack.slash("<@U2|lee> requirement: pricing page")
    assert published_for(slack, "U2") == 2 and published_for(slack, "U1") == 0
    assert "pricing page" in str(slack.fake.calls_to("views.publish")[-1].params["view"])


async def test_a_burst_of_changes_republishes_each_open_home_once(slack: SlackHarness) -> None:
    for user in ("U1", "U2"):
        await slack.event(sr.app_home_opened(user), f"Ev{uuid.uuid4().hex}")
    slack.surface.home.quiet = 0.3  # as in use: wait for the burst to end
    before = {user: published_for(slack, user) for user in ("U1", "U2")}

    await asyncio.gather(*(slack.send(sr.slash_command(f"<@U2|lee> question: burst {i}", team_id=slack.team, user_id="U1",
                                                       response_url=slack.fake.response_url(f"burst-{i}")))
                           for i in range(12)))
    await slack.surface.drain()

    assert all(slack.fake.answers(f"burst-{i}") for i in range(12))
    assert {user: published_for(slack, user) - before[user] for user in ("U1", "U2")} == {"U1": 1, "U2": 1}
    assert "burst 11" in str(slack.fake.calls_to("views.publish")[-1].params["view"])  # the last change is in it


async def test_the_home_tab_is_read_in_one_transaction(slack: SlackHarness, engine: AsyncEngine) -> None:
    await slack.slash("<@U2|lee> requirement: tier table")
    caller = await slack.surface.caller(slack.web_app[SLACK].client, slack.team, "U2")
    with statements(engine) as seen:
        await slack.surface.publish_home(slack.web_app[SLACK].client, caller, "U2")
    assert seen.count("BEGIN") == 1
    assert "tier table" in str(slack.fake.calls_to("views.publish")[-1].params["view"])


async def test_a_create_costs_a_handful_of_transactions_and_its_card_is_attached_in_one_statement(
        slack: SlackHarness, engine: AsyncEngine) -> None:
    await slack.slash("<@U2|lee> question: warm-up")  # first sight of the workspace and both people
    with statements(engine) as seen:
        answer = await slack.slash("<@U2|lee> question: counted")
    assert "#2" in str(answer)
    # recorded; claimed; the command (which also finishes its inbox row); the card attached; the
    # claim that finds the inbox empty
    assert seen.count("BEGIN") == 5, seen
    attach = [s for s in seen if s.startswith("UPDATE handoffs SET message_ref")]
    assert len(attach) == 1 and "number" in attach[0]


async def test_web_api_calls_and_answers_reuse_pooled_connections(slack: SlackHarness) -> None:
    for i in range(5):
        await slack.slash(f"<@U2|lee> question: pooled {i}")
    calls = [c for c in slack.fake.calls if c.method in ("chat.postMessage", "response_url")]
    assert len(calls) >= 15
    assert len({c.peer for c in calls}) <= 3  # not one connection per call
