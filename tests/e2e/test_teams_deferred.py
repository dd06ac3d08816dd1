"""Teams messages are recorded, answered 201, then run: exactly once, and nothing lost.

The route records a message activity in the inbox before it answers (``handlers.teams.inbox``);
the turn runs just after with the identity checked at the edge. These tests post real activities
to the running app and read the loopback connector."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.teams.app import TEAMS_INBOX
from tests.e2e.teams_harness import TeamsHarness, card_text, running_teams
from tests.support import FakeClock


@pytest.fixture
async def teams(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with running_teams(engine, clock) as harness:
        harness.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        yield harness


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


def titles_answered(teams: TeamsHarness, marker: str) -> list[str]:
    """One entry per reply card that names a handoff made in this test (by its marker word)."""
    return [found for card in teams.connector.cards() for found in set(re.findall(rf"{marker}x\d+", card_text(card)))]


async def test_a_burst_of_fifty_messages_is_answered_once_each(teams: TeamsHarness, engine: AsyncEngine) -> None:
    marker = f"b{uuid.uuid4().hex[:6]}"
    bodies = [teams.activity(f"handoff <at>Lee</at> question: {marker}x{i}", user=f"user{i % 7}", mentions=("lee",))
              for i in range(50)]
    statuses = await asyncio.gather(*(teams.post(body, drain=False) for body in bodies))
    assert set(statuses) == {201}
    await teams.web_app[TEAMS_INBOX].drain()
    workspace = f"teams:{teams.tenant}"
    assert await scalar(engine, "SELECT count(*) FROM handoffs WHERE workspace_id = :w", w=workspace) == 50
    answered = titles_answered(teams, marker)
    assert sorted(answered) == sorted(f"{marker}x{i}" for i in range(50)), "each message answered, and only once"
    assert await scalar(engine, "SELECT count(*) FROM inbox WHERE workspace_id = :w AND done_at IS NULL", w=workspace) == 0


async def test_a_message_is_in_the_database_before_the_answer_and_runs_after(teams: TeamsHarness,
                                                                             engine: AsyncEngine) -> None:
    inbox = teams.web_app[TEAMS_INBOX]
    await inbox.stop()  # the handler is away (a deploy, a crash): the edge still takes messages
    before = len(teams.connector.sent)
    assert await teams.post(teams.activity("handoff <at>Lee</at> question: kept while away", mentions=("lee",)),
                            drain=False) == 201
    workspace = f"teams:{teams.tenant}"
    assert await scalar(engine, "SELECT count(*) FROM inbox WHERE workspace_id = :w AND source = 'teams' "
                                "AND done_at IS NULL", w=workspace) == 1
    assert len(teams.connector.sent) == before, "nothing ran yet"
    inbox.start()
    await inbox.drain()
    assert "kept while away" in card_text(teams.connector.cards()[-1])
    assert await scalar(engine, "SELECT count(*) FROM handoffs WHERE workspace_id = :w", w=workspace) == 1


async def test_the_same_activity_delivered_twice_runs_once(teams: TeamsHarness, engine: AsyncEngine) -> None:
    body = teams.activity("handoff <at>Lee</at> question: sent twice by the channel", mentions=("lee",))
    assert await teams.post(body) == 201
    assert await teams.post(body) == 201
    workspace = f"teams:{teams.tenant}"
    assert await scalar(engine, "SELECT count(*) FROM handoffs WHERE workspace_id = :w", w=workspace) == 1
    assert sum("sent twice" in card_text(c) for c in teams.connector.cards()) == 1


async def test_invokes_still_answer_inline(teams: TeamsHarness) -> None:
    """Teams reads an invoke's answer from the HTTP response: it is never deferred."""
    body = teams.activity()
    body |= {"type": "invoke", "name": "fileConsent/invoke", "value": {"action": "decline", "context": {}}}
    assert await teams.post(body, drain=False) == 200


async def test_a_slow_turn_shows_typing_then_answers(teams: TeamsHarness) -> None:
    """A turn still running after a moment (here: the connector is slow to take the reply) shows
    "typing…" in the same chat; the reply follows."""
    teams.connector.send_delay = 1.5
    card = await teams.say("list")
    assert card_text(card)
    assert [t.conversation for t in teams.connector.typing] == [f"a:dm-dana-{teams.tenant}"]


async def test_a_quick_turn_shows_no_typing(teams: TeamsHarness) -> None:
    await teams.say("list")
    assert teams.connector.typing == []
