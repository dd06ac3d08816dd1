"""A platform's time zone fills a person's in and follows it, until the person chooses one (0014)."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import NewPerson
from storage.database import create_engine
from storage.migrate import alembic_config
from storage.uow import SqlUnitOfWorkFactory


async def test_the_platform_zone_is_a_default_that_a_chosen_zone_overrides(engine: AsyncEngine) -> None:
    factory = SqlUnitOfWorkFactory(engine)
    workspace = f"slack:T{uuid.uuid4().hex[:8]}"

    async def seen(zone: str | None, name: str = "Lee") -> str | None:
        async with factory(workspace) as uow:
            await uow.workspaces.ensure("UTC")
            person = await uow.people.upsert(NewPerson("U1", name, zone))
            await uow.commit()
        return person.timezone

    assert await seen("Asia/Tokyo") == "Asia/Tokyo"
    assert await seen("Europe/Berlin") == "Europe/Berlin", "it follows the platform while nobody chose one"
    assert await seen(None) == "Europe/Berlin", "a turn that reports no zone forgets nothing"
    async with factory(workspace) as uow:
        person = await uow.people.by_platform_id("U1")
        assert person is not None
        await uow.people.set_timezone(person.id, "America/Denver")
        await uow.commit()
    assert await seen("Europe/Berlin", name="Lee Park") == "America/Denver"
    async with factory(workspace) as uow:
        person = await uow.people.by_platform_id("U1")
    assert person is not None and (person.display_name, person.timezone) == ("Lee Park", "America/Denver")


async def test_0014_marks_zones_that_only_a_person_could_have_set_as_chosen(tmp_path: Path) -> None:
    """Before 0014 Teams and the shell never reported a zone, so one stored there was set by hand;
    Slack's may have come from the profile and keeps following it."""
    engine = create_engine(f"sqlite:///{tmp_path / 'tz.db'}")

    async def migrate(to: str) -> None:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), to))

    try:
        await migrate("0013")
        async with engine.begin() as conn:
            for n, (workspace, zone) in enumerate((("teams:t1", "Europe/Berlin"), ("teams:t1", None), ("local", "Asia/Tokyo"),
                                                   ("slack:T1", "Asia/Tokyo"))):
                await conn.execute(text("INSERT INTO workspaces (id, timezone, next_handoff_number, created_at) "
                                        "VALUES (:w, 'UTC', 1, '2026-12-01') ON CONFLICT DO NOTHING"), {"w": workspace})
                await conn.execute(text("INSERT INTO people (workspace_id, platform_user_id, display_name, name_key, timezone, "
                                        "is_admin, created_at) VALUES (:w, :u, :u, :u, :z, false, '2026-12-01')"),
                                   {"w": workspace, "u": f"p{n}", "z": zone})
        await migrate("0014")
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT platform_user_id, timezone_chosen FROM people ORDER BY id"))).all()
        assert [(u, bool(chosen)) for u, chosen in rows] == [("p0", True), ("p1", False), ("p2", True), ("p3", False)]
    finally:
        await engine.dispose()
