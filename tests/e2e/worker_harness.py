"""Real `python app.py worker` processes against one database and the fake Slack API: what the
worker tests and `bench/outbox.py` share."""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.records import DeliveryKind, NewDelivery
from bot.reply import Reply
from storage.database import create_engine
from storage.migrate import upgrade
from storage.scheduling import SqlOutboxStore
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes.slack_api import FakeSlackApi

ROOT = Path(__file__).resolve().parents[2]


async def seed(database_url: str, items: int, workspaces: int = 5, channels: int = 25) -> set[str]:
    """``items`` digests due now, spread over workspaces and channels; returns their keys."""
    engine = create_engine(database_url)
    await upgrade(engine)
    factory = SqlUnitOfWorkFactory(engine)
    keys: set[str] = set()
    now = datetime.now(UTC)
    for w in range(workspaces):
        async with factory(f"slack:TW{w}") as uow:
            await uow.workspaces.ensure("UTC")
            for i in range(w, items, workspaces):
                key = f"digest:{i}:2026-11-23"
                await uow.deliveries.add(
                    NewDelivery(key, DeliveryKind.DIGEST, f"channel:C{i % channels}", Reply(title=f"digest {i}")), now)
                keys.add(key)
            await uow.commit()
    await engine.dispose()
    return keys


def start_worker(database_url: str, fake: FakeSlackApi, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-workers",
           "SLACK_API_URL": fake.base_url, "HANDOFF_OUTBOX_INTERVAL": "0.3", "HANDOFF_OUTBOX_LEASE": "3",
           "HANDOFF_NUDGE_INTERVAL": "3600", "HANDOFF_DIGEST_INTERVAL": "3600"}
    return subprocess.Popen([sys.executable, "app.py", "worker"], cwd=ROOT, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


def kill(*workers: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no goodbye, leases held, posts in flight."""
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGKILL)
        w.wait(10)


async def until(condition: Callable[[], bool | Awaitable[bool]], seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        done = condition()
        if await done if inspect.isawaitable(done) else done:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"not done within {seconds} s")


async def statuses(database_url: str) -> Counter[str]:
    engine = create_engine(database_url)
    try:
        return Counter(await SqlOutboxStore(engine).counts())
    finally:
        await engine.dispose()


def all_sent(database_url: str, items: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await statuses(database_url) == Counter({"sent": items})
    return check
