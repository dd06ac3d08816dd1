"""Engine creation: async drivers, SQLite pragmas and immediate write transactions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A server that does not answer must not hold a request past Slack's 3 s: the connect gives up
# after 2 s and the user reads "try again in a moment". A statement gets longer, for the jobs.
CONNECT_TIMEOUT_S = 2.0
COMMAND_TIMEOUT_S = 30.0


def async_url(database_url: str) -> URL:
    """Accept the URLs people paste (``postgresql://``, ``sqlite:///``) and pick the async driver."""
    url = make_url(database_url)
    drivers = {"postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}
    if url.drivername in drivers:
        url = url.set(drivername=drivers[url.drivername])
    return url


def create_engine(database_url: str, *, schema: str | None = None, **kwargs: Any) -> AsyncEngine:
    """An engine ready for Handoff; ``schema`` puts PostgreSQL tables in a schema (tests use it)."""
    url = async_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {"timeout": CONNECT_TIMEOUT_S, "command_timeout": COMMAND_TIMEOUT_S}
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, connect_args=connect_args, **kwargs)


async def ping(engine: AsyncEngine) -> None:
    """Raise unless the database answers a trivial query: the health check's first step."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction.

    Python's sqlite3 module starts transactions lazily and as DEFERRED, so two writers that
    both read first deadlock on the upgrade to a write lock and one gets "database is locked"
    at once, whatever the busy timeout. Taking the write lock at BEGIN makes writers queue
    behind the busy timeout instead. Our transactions are short and never span a network call.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


@contextlib.asynccontextmanager
async def write_transaction(sessions: async_sessionmaker[AsyncSession],
                            writer_lock: asyncio.Lock | None) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that commits on exit, for stores that span workspaces.

    On SQLite, ``writer_lock`` is the unit of work's (``SqlUnitOfWorkFactory.writer_lock``): this
    process's writers queue on it in order instead of in SQLite's sleeping busy handler."""
    async with contextlib.AsyncExitStack() as stack:
        if writer_lock:
            await stack.enter_async_context(writer_lock)
        session = await stack.enter_async_context(sessions())
        await stack.enter_async_context(session.begin())
        yield session
