"""RELIABILITY 10: 16 concurrent writers, no "database is locked", no handoff lost or numbered twice."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.core import Core
from bot.errors import Contention
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support import Chat, FakeClock

WRITERS = 16
EACH = 5


async def _write(core: Core, workspace_id: str, writer: int) -> list[str]:
    chat = Chat(core, workspace_id)
    return [await chat.say(f"pm{writer}", f"@pmm{writer} requirement: item {writer}-{i}") for i in range(EACH)]


async def _numbers(engine: AsyncEngine, workspace_id: str) -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT number FROM handoffs WHERE workspace_id = :w ORDER BY number"), {"w": workspace_id})
        return [r[0] for r in rows]


async def test_sixteen_sqlite_processes_write_at_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """One engine per writer, as separate processes would have, on one SQLite file."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    setup = create_engine(url)
    await upgrade(setup)
    engines = [create_engine(url) for _ in range(WRITERS)]
    try:
        with caplog.at_level(logging.ERROR):
            replies = await asyncio.gather(
                *(_write(Core(SqlUnitOfWorkFactory(e), clock=FakeClock()), "ws", i) for i, e in enumerate(engines))
            )
        flat = [r for writer in replies for r in writer]
        assert [r for r in flat if "Handed off" not in r] == []
        assert "locked" not in caplog.text
        assert await _numbers(setup, "ws") == list(range(1, WRITERS * EACH + 1))
    finally:
        for e in [setup, *engines]:
            await e.dispose()


async def test_concurrent_writers_on_the_shared_engine(core: Core, engine: AsyncEngine, workspace_id: str) -> None:
    replies = await asyncio.gather(*(_write(core, workspace_id, i) for i in range(WRITERS)))
    assert [r for writer in replies for r in writer if "Handed off" not in r] == []
    assert await _numbers(engine, workspace_id) == list(range(1, WRITERS * EACH + 1))


async def test_sqlite_pragmas(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000


@pytest.mark.postgres
async def test_a_deadlock_is_contention_and_the_core_runs_the_command_again(postgres_engine: AsyncEngine,
                                                                           workspace_id: str) -> None:
    """Two transactions locking two rows in opposite orders: PostgreSQL rolls one back (40P01),
    the unit of work says so as Contention, and a command that meets it runs again whole."""
    core = Core(SqlUnitOfWorkFactory(postgres_engine), clock=FakeClock())
    chat = Chat(core, workspace_id)
    await chat.ok("dana", "person me role pm")
    await chat.ok("lee", "person me role pmm")
    factory = SqlUnitOfWorkFactory(postgres_engine)
    rows = "UPDATE people SET display_name = display_name WHERE workspace_id = :w AND platform_user_id = :u"
    first_locked, second_locked = asyncio.Event(), asyncio.Event()

    async def lock(first: str, then: str, mine: asyncio.Event, theirs: asyncio.Event) -> str:
        try:
            async with factory(workspace_id) as uow:
                await uow.session.execute(text(rows), {"w": workspace_id, "u": first})
                mine.set()
                await theirs.wait()
                await uow.session.execute(text(rows), {"w": workspace_id, "u": then})
                await uow.commit()
            return "committed"
        except Contention:
            return "contention"

    outcomes = await asyncio.gather(lock("dana", "lee", first_locked, second_locked),
                                    lock("lee", "dana", second_locked, first_locked))
    assert sorted(outcomes) == ["committed", "contention"]

    class ContendedOnce:
        """The real unit of work, whose first commit meets a deadlock (as the race above did)."""

        def __init__(self) -> None:
            self.commits = 0

        def __call__(self, ws: str):  # type: ignore[no-untyped-def]
            uow = factory(ws)
            commit, outer = uow.commit, self

            async def contended_commit() -> None:
                outer.commits += 1
                if outer.commits == 1:
                    raise Contention("deadlock")
                await commit()

            uow.commit = contended_commit  # type: ignore[method-assign]
            return uow

    flaky = ContendedOnce()
    retried = Chat(Core(flaky, clock=FakeClock()), workspace_id)
    assert "Handed off #1 to lee" in await retried.ok("dana", "@lee requirement: tier table")
    assert flaky.commits == 2
    assert "#1 tier table" in await retried.ok("dana", "show 1")
