"""The Alembic history builds exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine
from storage.migrate import alembic_config, current_revision, upgrade
from storage.models import Base
from storage.slack_tables import slack_metadata


def _ignore_search_objects(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (name or "").startswith(("knowledge_fts", "ix_knowledge_fts"))


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    def diff(sync_conn):
        context = MigrationContext.configure(sync_conn, opts={"include_object": _ignore_search_objects, "compare_type": True})
        return compare_metadata(context, [Base.metadata, slack_metadata()])

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
    assert await current_revision(engine) == "0011"


async def test_upgrade_is_idempotent_and_downgrade_works(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        await upgrade(engine)
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "base"))
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == "0011"
    finally:
        await engine.dispose()


async def test_search_triggers_survive_every_migration_both_ways(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fts.db'}")

    async def triggers() -> list[str]:
        async with engine.connect() as conn:
            rows = await conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            return [r[0] for r in rows]

    expected = ["knowledge_fts_delete", "knowledge_fts_insert", "knowledge_fts_update"]
    try:
        await upgrade(engine)
        assert await triggers() == expected
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0001"))
        assert await triggers() == expected
    finally:
        await engine.dispose()
