"""Ack first, work second: Slack requests recorded in the inbox before the ack, handled after.

Each test stops or steers the inbox's handler to look at the moment between the ack and the
work: the request is in the database before Slack hears 200; a handler that dies is replaced;
a handler that lost its lease cannot commit; a replay is one row; modals still open inline.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reply import message_of
from handlers.slack.inbox import LEASE, inbox_key
from storage.inbox import CLAIM, Claim, LeaseLost, NewRequest, SqlInbox, finish_in
from storage.models import InboxRow
from tests.e2e.slack_harness import SlackHarness, running_app
from tests.e2e.worker_harness import until
from tests.fakes import slack_requests as sr
from tests.support import FakeClock


@pytest.fixture
async def slack(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with running_app(engine, clock) as harness:
        yield harness


async def scalar(engine: AsyncEngine, sql: str, **params: object) -> object:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def handoffs(engine: AsyncEngine, team: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT title FROM handoffs WHERE workspace_id = :w ORDER BY number"),
                                  {"w": f"slack:{team}"})
        return [r[0] for r in rows]


def command(slack: SlackHarness, text_: str, key: str, user: str = "U1") -> str:
    return sr.slash_command(text_, team_id=slack.team, user_id=user, response_url=slack.fake.response_url(key))


async def test_a_command_is_in_the_database_before_slack_hears_200(slack: SlackHarness, engine: AsyncEngine) -> None:
    assert slack.surface.inbox is not None
    await slack.surface.inbox.stop()  # nobody handles it: only the edge runs
    response = await slack.send(command(slack, "<@U2|lee> question: recorded first", "r1"))
    assert response.status == 200 and await response.text() == ""
    assert await scalar(engine, "SELECT count(*) FROM inbox WHERE workspace_id = :w AND done_at IS NULL",
                        w=f"slack:{slack.team}") == 1
    assert await handoffs(engine, slack.team) == []
    health = await (await slack.http.get(f"{slack.url}/healthz")).json()
    assert health["inbox"]["pending"] >= 1 and health["inbox"]["oldest_pending_age_seconds"] >= 0
    metrics = await (await slack.http.get(f"{slack.url}/metrics")).text()
    assert "handoff_inbox_pending" in metrics and "handoff_inbox_pending 0.0" not in metrics
    slack.surface.inbox.start()  # as a restarted process would
    await slack.surface.drain()
    assert await handoffs(engine, slack.team) == ["recorded first"]
    [answer] = slack.fake.answers("r1")
    assert answer["response_type"] == "ephemeral" and "Handed off #1 to Lee" in answer["text"]
    assert await scalar(engine, "SELECT count(*) FROM inbox WHERE done_at IS NULL AND workspace_id = :w",
                        w=f"slack:{slack.team}") == 0


async def test_a_burst_is_acked_then_every_command_runs_once_in_order(slack: SlackHarness, engine: AsyncEngine) -> None:
    bodies = [command(slack, f"<@U2|lee> question: burst {i}", f"b{i}") for i in range(30)]
    responses = await asyncio.gather(*(slack.send(b) for b in bodies))
    assert [r.status for r in responses] == [200] * 30
    await slack.surface.drain()
    titles = await handoffs(engine, slack.team)
    assert sorted(titles) == sorted(f"burst {i}" for i in range(30))
    numbers = await scalar(engine, "SELECT max(number) FROM handoffs WHERE workspace_id = :w", w=f"slack:{slack.team}")
    assert numbers == 30  # no gap, no duplicate
    assert all(len(slack.fake.answers(f"b{i}")) == 1 for i in range(30))


async def test_a_replayed_request_is_one_row_and_one_handoff(slack: SlackHarness, engine: AsyncEngine) -> None:
    body = command(slack, "<@U2|lee> question: said once", "rp")
    first, again = await asyncio.gather(slack.send(body), slack.send(body))
    assert first.status == again.status == 200
    await slack.send(body)
    await slack.surface.drain()
    assert await handoffs(engine, slack.team) == ["said once"]
    assert len(slack.fake.answers("rp")) == 1


async def test_a_handler_that_died_is_replaced_after_its_lease(slack: SlackHarness, engine: AsyncEngine) -> None:
    inbox = slack.surface.inbox
    assert inbox is not None
    await inbox.stop()
    await slack.send(command(slack, "<@U2|lee> question: orphaned", "d1"))
    # A process claimed it and died: its lease is still running.
    [dead] = await inbox.store.claim(datetime.now(UTC), 10, LEASE, "dead-process")
    inbox.start()
    await slack.surface.drain()
    assert await handoffs(engine, slack.team) == []  # the lease is respected
    # Once the lease has run out, the next claim takes it over.
    await _expire_leases(engine)
    await inbox.stop()
    inbox.start()  # its first look at the inbox takes the row over

    async def taken_over() -> bool:
        return await handoffs(engine, slack.team) == ["orphaned"]

    await until(taken_over, 10)
    await slack.surface.drain()
    assert dead.attempts == 1
    assert await scalar(engine, "SELECT attempts FROM inbox WHERE id = :i", i=dead.id) == 2


async def test_a_handler_that_lost_its_lease_cannot_commit_the_change(slack: SlackHarness, engine: AsyncEngine) -> None:
    inbox = slack.surface.inbox
    assert inbox is not None
    await inbox.stop()
    await slack.send(command(slack, "<@U2|lee> question: taken over", "l1"))
    [slow] = await inbox.store.claim(datetime.now(UTC), 10, LEASE, "slow-process")
    await _expire_leases(engine)
    [fast] = await inbox.store.claim(datetime.now(UTC), 10, LEASE, "fast-process")
    assert fast.id == slow.id

    async def as_handler(row: object) -> None:
        CLAIM.set(Claim(row, datetime.now(UTC)))  # type: ignore[arg-type]
        caller = await slack.surface.caller(slack.surface.inbox.bolt.client, slack.team, "U1", "C1")  # type: ignore[union-attr]
        outcome = await slack.core.handle(caller, "<@U2|lee> question: taken over")
        assert ("went wrong" in message_of(outcome.reply)) == (row is slow), outcome.reply

    await asyncio.create_task(as_handler(fast))
    await asyncio.create_task(as_handler(slow))  # its commit finds the row done by another: rolled back
    assert await handoffs(engine, slack.team) == ["taken over"]


async def test_leaselost_is_raised_when_the_row_is_not_ours(engine: AsyncEngine) -> None:
    store = SqlInbox(engine)
    assert await store.record(NewRequest("slack:TX", "k1", "slack", "{}", {}))
    assert not await store.record(NewRequest("slack:TX", "k1", "slack", "{}", {}))
    [row] = await store.claim(datetime.now(UTC), 5, LEASE, "mine")
    stolen = Claim(dataclasses.replace(row, token="not-mine"), datetime.now(UTC))
    CLAIM.set(stolen)
    try:
        async with store._write() as session:
            with pytest.raises(LeaseLost):
                await finish_in(session)
    finally:
        CLAIM.set(None)
    backlog, _ = await store.backlog()
    assert await store.finish(row, datetime.now(UTC))
    assert not await store.finish(row, datetime.now(UTC))  # once
    assert (await store.backlog())[0] == backlog - 1
    assert await store.purge(datetime.now(UTC) + timedelta(seconds=1)) >= 1
    assert await scalar(engine, "SELECT count(*) FROM inbox WHERE id = :i", i=row.id) == 0


async def test_forms_still_open_inline_with_a_fresh_trigger(slack: SlackHarness) -> None:
    response = await slack.send(sr.slash_command("", team_id=slack.team, trigger_id="trig-1"))
    assert response.status == 200
    assert [c.params["trigger_id"] for c in slack.fake.calls_to("views.open")] == ["trig-1"]  # before any drain
    await slack.surface.drain()


async def test_a_deferred_mention_answers_in_its_thread_once_per_event_id(slack: SlackHarness) -> None:
    event = sr.app_mention("<@UBOT> who owns pricing?", user="U1", channel="C1", ts="1700000000.000100")
    replies = await asyncio.gather(*(slack.event(event, "EvInbox1", **{"X-Slack-Retry-Num": str(n)}) for n in range(1, 4)))
    assert {r.status for r in replies} == {200}
    await slack.event(event, "EvInbox1")
    posted = [c.params for c in slack.fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == "1700000000.000100"]
    assert len(posted) == 1 and "pricing" in json.dumps(posted[0]).lower()


@pytest.mark.parametrize(("body", "deferred"), [
    ({"command": "/handoff", "text": "list", "team_id": "T1"}, "command:"),
    ({"command": "/handoff", "text": " new ", "team_id": "T1"}, None),
    ({"command": "/handoff", "text": "", "team_id": "T1"}, None),
    ({"type": "block_actions", "actions": [{"action_id": "handoff.ack"}]}, "action:"),
    ({"type": "block_actions", "actions": [{"action_id": "cmd.run.abc"}]}, "action:"),
    ({"type": "block_actions", "actions": [{"action_id": "handoff.decline"}]}, None),  # opens a form
    ({"type": "block_actions", "actions": [{"action_id": "cmd.ask.abc"}]}, None),
    ({"type": "view_submission", "view": {}}, None),
    ({"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_mention"}}, "event:Ev1"),
    ({"type": "event_callback", "event_id": "Ev2", "event": {"type": "app_home_opened"}}, None),
    ({"type": "event_callback", "event": {"type": "message"}}, None),  # no event id to dedupe on
])
def test_what_is_deferred(body: dict, deferred: str | None) -> None:
    key = inbox_key(body, json.dumps(body).encode())
    assert (key is None) if deferred is None else (key is not None and key.startswith(deferred))


async def _expire_leases(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(InboxRow).where(InboxRow.lease_until.is_not(None))
                           .values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))


async def test_requests_arriving_together_share_one_commit(engine: AsyncEngine) -> None:
    store = SqlInbox(engine)
    commits = 0

    def counted(_: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(engine.sync_engine, "commit", counted)
    try:
        team = f"slack:T{uuid.uuid4().hex[:8]}"
        results = await asyncio.gather(*(store.record(NewRequest(team, f"k{i % 40}", "slack", "{}", {})) for i in range(50)))
    finally:
        event.remove(engine.sync_engine, "commit", counted)
    assert results.count(True) == 40  # ten of them repeat a key: one row each
    assert commits <= 3  # the first request's commit, then one for everyone who arrived meanwhile
    assert await scalar(engine, "SELECT count(*) FROM inbox WHERE workspace_id = :w", w=team) == 40
