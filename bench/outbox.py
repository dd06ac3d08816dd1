"""Exactly-once under load and faults: real worker processes, the fake Slack API, counted messages.

Scenarios (500 digests over 5 workspaces and 25 channels each; SQLite file and PostgreSQL):

* two workers, Slack healthy;
* two workers, Slack answering 429 (Retry-After: 1) to 20 % of posts and 500 to 5 % (half of
  those after it stored the message: the answer is lost, the post is not);
* one worker SIGKILLed after 100 posts, then a fresh one.

For each: messages Slack stored, duplicates, lost deliveries, rows not marked sent, and the time
until every row was marked sent. Run from the repository root (needs PostgreSQL on 127.0.0.1)::

    .venv/bin/python -m bench.outbox
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import text

from storage.database import create_engine
from tests.e2e.worker_harness import all_sent, kill, seed, start_worker, statuses, until
from tests.fakes.slack_api import FakeSlackApi

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ITEMS = 500


async def scenario(name: str, database_url: str, logs: Path) -> str:
    keys = await seed(database_url, ITEMS)
    async with FakeSlackApi() as fake:
        started = time.perf_counter()
        if name == "killed":
            fake.delay = 0.01
            first = start_worker(database_url, fake, logs / "first.log")
            try:
                await until(lambda: len(fake.posted_keys()) >= ITEMS // 5, 60)
            finally:
                kill(first)
            workers = [start_worker(database_url, fake, logs / "second.log")]
        else:
            if name == "faults":
                fake.fault_rates = (0.20, 0.05)
            workers = [start_worker(database_url, fake, logs / f"w{i}.log") for i in range(2)]
        try:
            await until(all_sent(database_url, ITEMS), 120)
            seconds = time.perf_counter() - started
            await asyncio.sleep(1.0)
        finally:
            kill(*workers)
        posted = Counter(fake.posted_keys())
        faults = dict(fake.faults)
    duplicates = sum(n - 1 for n in posted.values() if n > 1)
    lost = len(keys - set(posted))
    unsent = sum(n for status, n in (await statuses(database_url)).items() if status != "sent")
    return (f"{name:>8} {sum(posted.values()):>7} {duplicates:>5} {lost:>5} {unsent:>7} {seconds:>8.1f}   "
            f"429={faults['429']} 500={faults['500']} 500-after-post={faults['500_after_post']}")


async def on_postgres(name: str, logs: Path) -> str:
    db = f"handoff_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        return await scenario(name, PG_ADMIN.rsplit("/", 1)[0] + f"/{db}", logs)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{db}" WITH (FORCE)'))
        await admin.dispose()


async def main() -> None:
    header = f"{'scenario':>8} {'posted':>7} {'dupes':>5} {'lost':>5} {'unsent':>7} {'seconds':>8}   faults injected"
    with tempfile.TemporaryDirectory() as tmp:
        for database in ("SQLite", "PostgreSQL"):
            print(f"{database}: {ITEMS} deliveries")
            print(header)
            for name in ("healthy", "faults", "killed"):
                logs = Path(tmp) / f"{database}-{name}"
                logs.mkdir()
                if database == "SQLite":
                    print(await scenario(name, f"sqlite:///{logs / 'bench.db'}", logs))
                else:
                    print(await on_postgres(name, logs))


if __name__ == "__main__":
    asyncio.run(main())
