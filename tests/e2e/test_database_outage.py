"""The database goes away and comes back: PostgreSQL reached through a loopback proxy the test cuts.

While it is down (connections refused) or hanging (connects answered by nothing), commands
answer "try again in a moment" within Slack's 3 s; no transaction is left half-written; once
it is back, commands and scheduled passes work again without restarting anything.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.core import Core
from bot.reminders.jobs import Jobs
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import PG_URL, REQUIRE_PG
from tests.e2e.slack_harness import running_app
from tests.e2e.teams_harness import card_text, running_teams
from tests.fakes.tcp_proxy import TcpProxy
from tests.integration.test_jobs import OneWorkspace
from tests.support import Chat, FakeClock

pytestmark = pytest.mark.postgres
TRY_AGAIN = "try again in a moment"


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[TcpProxy, AsyncEngine]]:
    """A fresh schema on the test server, and an engine that reaches it only through the proxy."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("HANDOFF_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL is not set")
    server = urlsplit(PG_URL)
    schema = f"handoff_outage_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    async with TcpProxy(server.hostname or "127.0.0.1", server.port or 5432) as proxy:
        netloc = server.netloc.replace(f"{server.hostname}:{server.port or 5432}", f"127.0.0.1:{proxy.port}")
        engine = create_engine(server._replace(netloc=netloc).geturl(), schema=schema)
        await upgrade(engine)
        try:
            yield proxy, engine
        finally:
            await proxy.up()
            await engine.dispose()
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


async def timed(chat: Chat, who: str, line: str) -> tuple[str, float]:
    start = time.perf_counter()
    reply = await chat.say(who, line)
    return reply, time.perf_counter() - start


async def test_commands_answer_try_again_while_the_database_is_away_and_work_when_it_is_back(proxied) -> None:
    proxy, engine = proxied
    chat = Chat(Core(SqlUnitOfWorkFactory(engine)), "outage:1")
    assert "Handed off #1" in await chat.ok("dana", "@lee requirement: before the outage")
    for cut in (proxy.down, proxy.hang):  # a restart (refused), then a network that drops everything
        await cut()
        for line in ("@lee requirement: during the outage", "list all", "release new v9"):
            reply, seconds = await timed(chat, "dana", line)
            assert TRY_AGAIN in reply and seconds < 3, (line, reply, seconds)
        await proxy.up()
        reply, seconds = await timed(chat, "dana", "list all")
        assert "before the outage" in reply and "during the outage" not in reply and seconds < 3
    assert "Handed off #2" in await chat.ok("dana", "@lee requirement: after the outage")  # no number was lost


async def test_connections_cut_in_the_middle_of_a_burst_leave_nothing_half_written(proxied) -> None:
    proxy, engine = proxied
    chat = Chat(Core(SqlUnitOfWorkFactory(engine)), "outage:2")
    await chat.ok("dana", "person me role pm")

    answered = asyncio.Event()
    done = 0

    async def create(i: int) -> str:
        nonlocal done
        reply = await chat.say("dana", f"@lee requirement: burst item {i}")
        done += 1
        if done == 10:
            answered.set()
        return reply

    async def cut_in_the_middle() -> None:
        await answered.wait()  # ten are through; the rest are queued, connecting or mid-transaction
        await proxy.down()

    replies, _ = await asyncio.gather(asyncio.gather(*(create(i) for i in range(60))), cut_in_the_middle())
    await proxy.up()
    handed = sum("Handed off" in r for r in replies)
    print(f"burst: {handed} handed off, {len(replies) - handed} told to try again")
    assert all("Handed off" in r or TRY_AGAIN in r for r in replies), replies
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT h.number, (SELECT count(*) FROM handoff_events e WHERE e.handoff_id = h.id), "
            "(SELECT count(*) FROM knowledge_entries k WHERE k.handoff_id = h.id) "
            "FROM handoffs h WHERE h.workspace_id = 'outage:2' ORDER BY h.number"))).all()
    # A commit whose answer was lost in the cut may have landed: never fewer rows than answers.
    assert len(rows) >= handed
    assert [n for n, _, _ in rows] == list(range(1, len(rows) + 1))  # numbers without gaps or twins
    assert all(events == 1 and entries == 1 for _, events, entries in rows), rows  # each one whole
    assert "Handed off" in await chat.ok("dana", "@lee requirement: after the burst")


async def test_scheduled_passes_survive_the_outage_and_resume_by_themselves(proxied) -> None:
    proxy, engine = proxied
    clock = FakeClock()
    core = Core(SqlUnitOfWorkFactory(engine), clock=clock)
    chat = Chat(core, "outage:3")
    await chat.ok("dana", "@lee requirement: due soon by tomorrow")
    jobs = Jobs(core.uow_factory, OneWorkspace("outage:3"), clock)
    clock.advance(days=1)
    await proxy.down()
    report = await jobs.nudges()  # logs the failure, raises nothing
    assert report.queued == 0
    await proxy.up()
    report = await jobs.nudges()
    assert report.queued == 1


async def test_slack_gets_try_again_within_three_seconds_while_the_database_hangs(proxied) -> None:
    proxy, engine = proxied
    async with running_app(engine, FakeClock()) as slack:
        await slack.slash("person me role pm", user="U1")  # the workspace exists before the outage
        await proxy.hang()
        start = time.perf_counter()
        ack = await slack.slash("<@U2|lee> requirement: while it hangs", user="U1")
        assert time.perf_counter() - start < 3
        assert TRY_AGAIN in json.dumps(ack)
        await proxy.up()
        ack = await slack.slash("<@U2|lee> requirement: when it is back", user="U1")
        assert "Handed off #1" in json.dumps(ack)


async def test_a_teams_turn_answers_try_again_while_the_database_is_down(proxied) -> None:
    proxy, engine = proxied
    async with running_teams(engine, FakeClock()) as teams:
        teams.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        await teams.say("person me role pm")
        await proxy.down()
        card = await teams.say("list all")
        assert TRY_AGAIN in card_text(card)
        await proxy.up()
        assert "try again" not in card_text(await teams.say("list all"))
