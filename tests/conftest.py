"""Fixtures: the core on SQLite and on PostgreSQL, each test in a workspace of its own.

PostgreSQL tests run when ``TEST_DATABASE_URL`` is set (CI sets it); each test session gets a
fresh schema that is dropped at the end. With ``HANDOFF_REQUIRE_POSTGRES=1`` a missing or
unreachable server fails the run instead of skipping, so CI can't silently lose those tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.core import Core
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support import Chat, FakeClock

PG_URL = os.environ.get("TEST_DATABASE_URL")
REQUIRE_PG = os.environ.get("HANDOFF_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
async def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    path = tmp_path_factory.mktemp("db") / "handoff.db"
    engine = create_engine(f"sqlite:///{path}")
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def postgres_engine() -> AsyncIterator[AsyncEngine]:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("HANDOFF_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"handoff_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        await admin.dispose()
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    engine = create_engine(PG_URL, schema=schema)
    await upgrade(engine)
    yield engine
    await engine.dispose()
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> AsyncEngine:
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def core(engine: AsyncEngine, clock: FakeClock) -> Core:
    return Core(SqlUnitOfWorkFactory(engine), clock=clock)


@pytest.fixture
def workspace_id() -> str:
    """Every test writes to a workspace of its own: isolation for free, and scoping exercised."""
    return f"test:{uuid.uuid4().hex[:12]}"


@pytest.fixture
def chat(core: Core, workspace_id: str) -> Chat:
    """alex is the workspace's admin (as a Slack workspace owner would be): the one who makes leads."""
    return Chat(core, workspace_id, admins={"alex"})
