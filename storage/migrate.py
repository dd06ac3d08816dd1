"""Run Alembic migrations programmatically (``python app.py migrate`` and start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table: DROP TABLE with foreign keys on deletes the rows
            # that reference it (ON DELETE CASCADE). The pragma only works outside a transaction.
            await conn.run_sync(lambda sync: _pragma(sync, "foreign_keys=OFF"))
        try:
            async with conn.begin():
                await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))
                if sqlite:
                    problems = await conn.exec_driver_sql("PRAGMA foreign_key_check")
                    if bad := problems.fetchall():
                        raise RuntimeError(f"migration left dangling references: {bad[:5]}")
        finally:
            if sqlite:
                await conn.run_sync(lambda sync: _pragma(sync, "foreign_keys=ON"))


def _pragma(sync: Connection, pragma: str) -> None:
    cursor = sync.connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
