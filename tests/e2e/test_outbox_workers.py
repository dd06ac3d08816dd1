"""Real worker processes (`python app.py worker`) draining one outbox into the fake Slack API.

Two workers on one database, Slack answering 429 to a fifth of the posts and 500 to one in twenty
(half of those after the message was stored, as when the answer is lost on the way back), and a
worker killed mid-batch: every delivery ends up posted exactly once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import create_engine
from tests.conftest import PG_URL, REQUIRE_PG
from tests.e2e.worker_harness import all_sent, kill, seed, start_worker, statuses, until
from tests.fakes.slack_api import FakeSlackApi

ITEMS = 500


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


async def test_two_workers_and_a_faulty_slack_deliver_each_message_exactly_once(database_url, tmp_path: Path) -> None:
    keys = await seed(database_url, ITEMS)
    async with FakeSlackApi() as fake:
        fake.fault_rates = (0.20, 0.05)
        workers = [start_worker(database_url, fake, tmp_path / f"worker{i}.log") for i in range(2)]
        try:
            await until(all_sent(database_url, ITEMS), 90)  # every row reconciled, even a post whose answer was lost
            await asyncio.sleep(1.0)  # anything still in flight would show up as a duplicate now
        finally:
            kill(*workers)
        posted = Counter(fake.posted_keys())
    logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in range(2))
    assert "Traceback" not in logs, logs[-3000:]
    duplicates = {k: n for k, n in posted.items() if n > 1}
    assert not duplicates, f"{len(duplicates)} posted twice"
    assert set(posted) == keys, f"lost: {len(keys - set(posted))}"
    assert fake.faults["429"] > 0 and fake.faults["500_after_post"] > 0, fake.faults


async def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(database_url, tmp_path: Path) -> None:
    keys = await seed(database_url, ITEMS)
    async with FakeSlackApi() as fake:
        fake.delay = 0.01
        first = start_worker(database_url, fake, tmp_path / "first.log")
        try:
            await until(lambda: len(fake.posted_keys()) >= ITEMS // 5, 60)
        finally:
            kill(first)
        assert len(fake.posted_keys()) < ITEMS, "the worker finished before it could be killed; raise the delay"
        second = start_worker(database_url, fake, tmp_path / "second.log")
        try:
            await until(all_sent(database_url, ITEMS), 90)
            await asyncio.sleep(1.0)
        finally:
            kill(second)
        posted = Counter(fake.posted_keys())
    assert {k: n for k, n in posted.items() if n > 1} == {}
    assert set(posted) == keys
    assert await statuses(database_url) == Counter({"sent": ITEMS})
