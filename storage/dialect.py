"""The few statements SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignore(session: AsyncSession, model: Any, values: dict[str, Any], keys: Sequence[str]) -> bool:
    """``INSERT … ON CONFLICT (keys) DO NOTHING``: first-sight creation that two requests may race.

    Returns whether this call inserted the row."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    return (await session.execute(stmt)).rowcount == 1


async def upsert(session: AsyncSession, model: Any, values: dict[str, Any], keys: Sequence[str],
                 update: Sequence[str]) -> None:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET update = excluded.update``, in one statement."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in update})
    await session.execute(stmt)
