"""A `serve` process killed after it answered a Teams message loses nothing and does nothing twice.

Real processes on PostgreSQL: the test holds a lock on ``releases`` so the turn is stuck before
its commit, kills the server with SIGKILL, lets go, and starts another server on the same
database. The recorded message is claimed again once its lease runs out, and answered once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.test_teams_emulator import EMULATOR_LINE, clean_env, emulator_message, launch, log_messages, stop
from tests.e2e.worker_harness import ROOT, until
from tests.fakes.teams_connector import TeamsConnector

pytestmark = pytest.mark.postgres
SERVER = os.environ.get("TEST_DATABASE_URL", "")


def asyncpg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


async def started(log: Path, process: object) -> str:
    await until(lambda: any(EMULATOR_LINE in m for m in log_messages(log)) or process.poll() is not None, 30)  # type: ignore[attr-defined]
    return next(m for m in log_messages(log) if m.startswith("listening on ")).split(" on ", 1)[1]


@pytest.mark.skipif(not SERVER.startswith("postgresql"), reason="needs TEST_DATABASE_URL on PostgreSQL")
async def test_a_server_killed_after_answering_loses_nothing(tmp_path: Path) -> None:
    name = f"handoff_crash_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(asyncpg(SERVER), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = SERVER.rsplit("/", 1)[0] + f"/{name}"
    env = clean_env(tmp_path, HOST="127.0.0.1", DATABASE_URL=url, HANDOFF_INBOX_LEASE="2")
    db = create_async_engine(asyncpg(url))
    try:
        migrated = await asyncio.to_thread(subprocess.run, [sys.executable, "app.py", "migrate"], cwd=ROOT, env=env,
                                           capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stderr
        async with TeamsConnector() as connector:
            first_log = tmp_path / "first.log"
            first = launch(env, first_log)
            base = await started(first_log, first)
            async with db.connect() as holder:
                lock = await holder.begin()
                await holder.execute(text("LOCK TABLE releases IN ACCESS EXCLUSIVE MODE"))
                async with aiohttp.ClientSession() as http, http.post(
                        f"{base}/api/messages", json=emulator_message(connector, "release new crashproof 2027-01-15")) as r:
                    assert r.status == 201, await r.text()  # answered: the message is in the database

                async def stuck() -> bool:
                    async with db.connect() as conn:
                        waiting = await conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d "
                                                          "AND wait_event_type = 'Lock'"), {"d": name})
                        return waiting.scalar_one() > 0

                await until(stuck, 15)  # the turn is under way, before its commit
                first.kill()
                await until(lambda: first.poll() is not None, 10)
                await lock.rollback()
            assert not connector.cards("emulator-conversation-1"), "the first process never answered"
            second_log = tmp_path / "second.log"
            second = launch(env, second_log)
            try:
                await started(second_log, second)
                await until(lambda: connector.cards("emulator-conversation-1"), 30)
                async with db.connect() as conn:
                    count = (await conn.execute(text("SELECT count(*) FROM releases WHERE name = 'crashproof'"))).scalar_one()
                assert count == 1
                assert len(connector.cards("emulator-conversation-1")) == 1, "answered once"
            finally:
                await stop(second)
    finally:
        await db.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
