"""The cached area index stays true to the database with several processes on it (SQLite and PostgreSQL).

Each Core has a cache of its own, and a unit-of-work factory of its own, as separate web and
worker processes would: what one adds, the other must see on its next question.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.area_names import AreaIndex
from bot.chat.core import Core
from bot.context import Caller
from bot.domain import Side
from bot.ownership.seed import DEFAULT_AREAS
from bot.ports import NewPerson
from storage.uow import SqlUnitOfWorkFactory
from tests.support import Chat, FakeClock


def _process(engine: AsyncEngine) -> Core:
    return Core(SqlUnitOfWorkFactory(engine), clock=FakeClock())


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_an_area_another_process_adds_is_seen_at_once(engine: AsyncEngine, workspace_id: str) -> None:
    web, worker = Chat(_process(engine), workspace_id), Chat(_process(engine), workspace_id)
    assert "don't know a grey area" in await web.ok("dana", "who owns alliances?")  # web's index is built
    assert "partner marketing" not in await web.core.names(workspace_id, "areas", "partner")
    await worker.ok("alex", "owner new partner marketing outbound aka partners, alliances")
    await worker.ok("alex", "owner set alliances @lee")
    assert "Driver: lee" in await web.ok("dana", "who owns alliances?")
    assert await web.core.names(workspace_id, "areas", "partner") == ["partner marketing"]


async def test_the_index_is_reused_until_the_areas_change(engine: AsyncEngine, workspace_id: str) -> None:
    chat = Chat(_process(engine), workspace_id)
    await chat.ok("dana", "who owns pricing?")
    index = await _index(chat.core, workspace_id)
    with _statements(engine) as seen:
        await chat.ok("dana", "who owns battlecards?")
    assert not [s for s in seen if "FROM areas" in s]  # answered without reading the areas
    assert await _index(chat.core, workspace_id) is index
    await chat.ok("dana", "owner new field events outbound")
    assert await _index(chat.core, workspace_id) is not index


async def test_an_area_added_in_a_transaction_that_rolled_back_is_not_kept(engine: AsyncEngine, workspace_id: str) -> None:
    core = _process(engine)
    chat = Chat(core, workspace_id)
    await chat.ok("dana", "who owns pricing?")
    async with core.uow_factory(workspace_id) as uow:
        await uow.areas.add("ghost area", Side.SHARED, [])
        assert (await core.area_cache.get(workspace_id, uow.areas)).resolve("ghost area").area is not None
        # no commit: rolled back
    assert "don't know a grey area" in await chat.ok("dana", "who owns ghost area?")


async def test_every_write_to_areas_changes_the_version_the_caller_reads(engine: AsyncEngine, workspace_id: str) -> None:
    async with SqlUnitOfWorkFactory(engine)(workspace_id) as uow:
        await uow.workspaces.ensure("UTC")
        versions = [await uow.areas.version()]
        await uow.areas.add_defaults(DEFAULT_AREAS)
        versions.append(await uow.areas.version())
        await uow.areas.add("field events", Side.OUTBOUND, ["events"])
        versions.append(await uow.areas.version())
        _, with_caller = await uow.people.upsert_caller(NewPerson("U1", "dana"))
        await uow.commit()
    assert versions[0] == "" and len(set(versions)) == 3
    assert with_caller == versions[-1]


async def test_an_unchanged_caller_is_not_written(engine: AsyncEngine, workspace_id: str) -> None:
    chat = Chat(_process(engine), workspace_id)
    await chat.ok("dana", "who owns pricing?")
    with _statements(engine) as seen:
        await chat.ok("dana", "who owns pricing?")
    assert not [s for s in seen if s.lstrip().upper().startswith(("UPDATE", "INSERT"))], seen
    with _statements(engine) as seen:
        await chat.core.handle(Caller(workspace_id, "dana", "Dana R."), "who owns pricing?")  # renamed on the platform
    assert [s for s in seen if s.lstrip().upper().startswith("UPDATE PEOPLE")]


async def _index(core: Core, workspace_id: str) -> AreaIndex:
    async with core.uow_factory(workspace_id) as uow:
        return await core.area_cache.get(workspace_id, uow.areas)
