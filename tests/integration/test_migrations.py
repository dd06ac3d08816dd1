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
    assert await current_revision(engine) == "0014"


async def test_upgrade_is_idempotent_and_downgrade_works(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        await upgrade(engine)
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "base"))
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == "0014"
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


async def test_0012_rebuilds_the_search_index_in_english_and_back(tmp_path: Path) -> None:
    """Entries written before 0012 are found by their stems after it, and by prefix only after a downgrade."""
    engine = create_engine(f"sqlite:///{tmp_path / 'english.db'}")

    async def migrate(to: str, up: bool = True) -> None:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: (command.upgrade if up else command.downgrade)(alembic_config(sync), to))

    async def found(query: str) -> list[int]:
        async with engine.connect() as conn:
            rows = await conn.exec_driver_sql("SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH ?", (query,))
            return [r[0] for r in rows]

    try:
        await migrate("0011")
        async with engine.begin() as conn:
            for statement in (
                "INSERT INTO workspaces (id, timezone, next_handoff_number, created_at) VALUES ('w', 'UTC', 1, '2026-12-01')",
                "INSERT INTO people (id, workspace_id, platform_user_id, display_name, name_key, is_admin, created_at) "
                "VALUES (1, 'w', 'U1', 'dana', 'dana', 0, '2026-12-01')",
                "INSERT INTO knowledge_entries (id, workspace_id, author_id, kind, body, created_at) "
                "VALUES (7, 'w', 1, 'note', 'We priced the tiers', '2026-12-01')",
            ):
                await conn.exec_driver_sql(statement)
        assert await found('"pricing"*') == []
        await migrate("0012")
        assert await found('"pricing"*') == [7] and await found('"tier"*') == [7]
        await migrate("0011", up=False)
        assert await found('"pricing"*') == [] and await found('"priced"*') == [7]
    finally:
        await engine.dispose()
