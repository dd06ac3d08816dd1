"""Real worker processes (`python app.py worker`) draining one outbox into the fake Slack API.

Two workers on one database, Slack answering 429 to a fifth of the posts and 500 to one in twenty
(half of those after the message was stored, as when the answer is lost on the way back), and a
worker killed mid-batch: every delivery ends up posted exactly once.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.outbox import DeliveryKind, NewDelivery
from bot.reply import Reply
from storage.database import create_engine
from storage.migrate import upgrade
from storage.scheduling import SqlOutboxStore
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import PG_URL, REQUIRE_PG
from tests.fakes.slack_api import FakeSlackApi

ROOT = Path(__file__).resolve().parents[2]
ITEMS = 500
WORKSPACES = 5


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own: worker processes cannot share the test session's schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workers.db'}"
        return
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("HANDOFF_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"handoff_workers_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _admin(statement: str) -> None:
    engine = create_engine(PG_URL or "", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
async def seeded(database_url: str) -> tuple[str, set[str]]:
    engine = create_engine(database_url)
    await upgrade(engine)
    factory = SqlUnitOfWorkFactory(engine)
    keys: set[str] = set()
    now = datetime.now(UTC)
    for w in range(WORKSPACES):
        async with factory(f"slack:TW{w}") as uow:
            await uow.workspaces.ensure("UTC")
            for i in range(w, ITEMS, WORKSPACES):
                key = f"digest:{i}:2026-11-23"
                await uow.deliveries.add(NewDelivery(key, DeliveryKind.DIGEST, f"channel:C{i % 25}", Reply(title=f"digest {i}")), now)
                keys.add(key)
            await uow.commit()
    await engine.dispose()
    return database_url, keys

def _worker(database_url: str, fake: FakeSlackApi, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-workers",
           "SLACK_API_URL": fake.base_url, "HANDOFF_OUTBOX_INTERVAL": "0.3", "HANDOFF_OUTBOX_LEASE": "3",
           "HANDOFF_NUDGE_INTERVAL": "3600", "HANDOFF_DIGEST_INTERVAL": "3600"}
    return subprocess.Popen([sys.executable, "app.py", "worker"], cwd=ROOT, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


async def _until(condition: Callable[[], bool | Awaitable[bool]], seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        done = condition()
        if await done if inspect.isawaitable(done) else done:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"not done within {seconds} s")


def _all_sent(database_url: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await _statuses(database_url) == Counter({"sent": ITEMS})
    return check


async def _statuses(database_url: str) -> Counter[str]:
    engine = create_engine(database_url)
    try:
        return Counter(await SqlOutboxStore(engine).counts())
    finally:
        await engine.dispose()


def _stop(*workers: subprocess.Popen[bytes]) -> None:
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGKILL)
        w.wait(10)


async def test_two_workers_and_a_faulty_slack_deliver_each_message_exactly_once(seeded, tmp_path: Path) -> None:
    database_url, keys = seeded
    async with FakeSlackApi() as fake:
        fake.fault_rates = (0.20, 0.05)
        workers = [_worker(database_url, fake, tmp_path / f"worker{i}.log") for i in range(2)]
        try:
            await _until(_all_sent(database_url), 90)  # every row reconciled, even a post whose answer was lost
            await asyncio.sleep(1.0)  # anything still in flight would show up as a duplicate now
        finally:
            _stop(*workers)
        posted = Counter(fake.posted_keys())
    logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in range(2))
    assert "Traceback" not in logs, logs[-3000:]
    duplicates = {k: n for k, n in posted.items() if n > 1}
    assert not duplicates, f"{len(duplicates)} posted twice"
    assert set(posted) == keys, f"lost: {len(keys - set(posted))}"
    assert fake.faults["429"] > 0 and fake.faults["500_after_post"] > 0, fake.faults
    assert await _statuses(database_url) == Counter({"sent": ITEMS})


async def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(seeded, tmp_path: Path) -> None:
    database_url, keys = seeded
    async with FakeSlackApi() as fake:
        fake.delay = 0.01
        first = _worker(database_url, fake, tmp_path / "first.log")
        try:
            await _until(lambda: len(fake.posted_keys()) >= ITEMS // 5, 60)
        finally:
            _stop(first)  # SIGKILL: no goodbye, leases held, some posts in flight
        killed_at = len(fake.posted_keys())
        assert killed_at < ITEMS, "the worker finished before it could be killed; raise the delay"
        second = _worker(database_url, fake, tmp_path / "second.log")
        try:
            await _until(_all_sent(database_url), 90)
            await asyncio.sleep(1.0)
        finally:
            _stop(second)
        posted = Counter(fake.posted_keys())
    assert {k: n for k, n in posted.items() if n > 1} == {}
    assert set(posted) == keys
    assert await _statuses(database_url) == Counter({"sent": ITEMS})
