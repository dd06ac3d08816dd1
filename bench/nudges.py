"""How long one nudge pass takes as a workspace's history grows, on PostgreSQL (or SQLite).

A team's handoffs pile up: most are done, a few hundred to a few thousand are active. The pass
must cost what the *active, possibly due* handoffs cost, not what the history costs. This seeds
one workspace (40 people in four time zones, 50 releases) to 1k, 10k and 100k handoffs with
1,000 active ones, then a last row with 10,000 active of 100k, and times:

* ``plan``: one full pass as ``jobs run nudges --dry-run`` does it (load state, run the policy);
* ``record``: the first real pass (plan + write nudges and deliveries), once;
* the candidate query's plan (``EXPLAIN``): which index it uses.

Run from the repository root (PostgreSQL on 127.0.0.1:5432 with trust auth, as in CI)::

    .venv/bin/python -m bench.nudges                 # a fresh PostgreSQL database, dropped after
    .venv/bin/python -m bench.nudges --sqlite        # a temporary SQLite file instead
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bot.ports import NewPerson
from bot.reminders.jobs import Jobs
from storage.database import create_engine
from storage.migrate import upgrade
from storage.models import HandoffRow, ReleaseRow
from storage.uow import SqlUnitOfWorkFactory

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
WORKSPACE = "bench:nudges"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday, inside working hours for Europe
ZONES = ("Europe/Paris", "Europe/London", "America/New_York", "Asia/Tokyo")
SERIES = ((1_000, 1_000), (10_000, 1_000), (100_000, 1_000), (100_000, 10_000))
RUNS = 5
ACTIVE = ("open", "acknowledged", "in_progress", "blocked")


class One:
    async def workspace_ids(self) -> list[str]:
        return [WORKSPACE]


async def seed_base(factory: SqlUnitOfWorkFactory) -> tuple[list[int], list[int]]:
    async with factory(WORKSPACE) as uow:
        await uow.workspaces.ensure("UTC")
        people = [await uow.people.upsert(NewPerson(f"U{i}", f"person{i}", ZONES[i % 4])) for i in range(40)]
        await uow.session.execute(insert(ReleaseRow), [
            {"workspace_id": WORKSPACE, "name": f"v{i}", "name_key": f"v{i}", "status": "planned",
             "target_date": (NOW + timedelta(days=7 * i)).date(), "created_at": NOW} for i in range(50)])
        await uow.commit()
        releases = list((await uow.session.execute(text("SELECT id FROM releases WHERE workspace_id = :w"),
                                                   {"w": WORKSPACE})).scalars())
    return [p.id for p in people], releases


async def grow(factory: SqlUnitOfWorkFactory, people: list[int], releases: list[int], start: int, total: int,
               active_wanted: int, rng: random.Random) -> None:
    """Add handoffs numbered ``start+1 … total``; make exactly ``active_wanted`` of all of them active."""
    async with factory(WORKSPACE) as uow:
        await uow.session.execute(text("UPDATE handoffs SET status = 'done' WHERE workspace_id = :w"), {"w": WORKSPACE})
        rows = []
        for n in range(start + 1, total + 1):
            created = NOW - timedelta(days=rng.uniform(0.1, 400))
            rows.append({
                "workspace_id": WORKSPACE, "number": n, "kind": rng.choice(("requirement", "messaging", "question")),
                "title": f"handoff {n}", "details": "", "requester_id": rng.choice(people),
                "owner_id": rng.choice(people) if rng.random() > 0.02 else None, "release_id": rng.choice(releases),
                "due_date": (created + timedelta(days=rng.randint(1, 30))).date(), "status": "done",
                "version": 1, "created_at": created, "updated_at": created, "private": False,
            })
            if len(rows) == 5_000:
                await uow.session.execute(insert(HandoffRow), rows)
                rows = []
        if rows:
            await uow.session.execute(insert(HandoffRow), rows)
        # The active ones are recent, with due dates around now: the ones a pass has work for.
        numbers = rng.sample(range(1, total + 1), active_wanted)
        for chunk in (numbers[i:i + 20] for i in range(0, len(numbers), 20)):
            await uow.session.execute(text(
                "UPDATE handoffs SET status = :s, due_date = :d, created_at = :c, updated_at = :c "
                "WHERE workspace_id = :w AND number = ANY(:n)" if uow.session.bind.dialect.name == "postgresql" else
                "UPDATE handoffs SET status = :s, due_date = :d, created_at = :c, updated_at = :c "
                f"WHERE workspace_id = :w AND number IN ({','.join(map(str, chunk))})"),
                {"s": rng.choice(ACTIVE), "d": (NOW + timedelta(days=rng.randint(-5, 20))).date(),
                 "c": NOW - timedelta(days=rng.uniform(0.5, 20)), "w": WORKSPACE, "n": chunk})
        await uow.session.execute(text("DELETE FROM nudges WHERE workspace_id = :w"), {"w": WORKSPACE})
        await uow.session.execute(text("DELETE FROM deliveries WHERE workspace_id = :w"), {"w": WORKSPACE})
        await uow.commit()
    if uow.session.bind.dialect.name == "postgresql":
        async with factory(WORKSPACE) as uow:  # what autovacuum would have done by now
            await uow.session.execute(text("ANALYZE handoffs"))
            await uow.commit()


async def explain(engine, postgres: bool) -> str:
    due_by: date = (NOW + timedelta(days=3)).date()
    query = ("SELECT id FROM handoffs WHERE workspace_id = :w AND status IN ('open','acknowledged','in_progress',"
             "'blocked','needs_info') AND (due_date <= :d OR (status = 'open' AND created_at <= :c) OR owner_id IS NULL)")
    prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    async with engine.connect() as conn:
        if postgres:
            await conn.execute(text("ANALYZE handoffs"))
        rows = (await conn.execute(text(prefix + query), {"w": WORKSPACE, "d": due_by, "c": NOW - timedelta(hours=23)})).all()
    lines = [str(r[-1]) for r in rows]
    return next((line.strip() for line in lines if "ix_handoffs" in line or "Index" in line), lines[0].strip())


async def run(url: str, postgres: bool) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    factory = SqlUnitOfWorkFactory(engine)
    rng = random.Random(5)
    people, releases = await seed_base(factory)
    jobs = Jobs(factory, One(), lambda: NOW)
    print(f"{'handoffs':>9} {'active':>7} {'plan p50 ms':>12} {'plan max ms':>12} {'record ms':>10} {'DMs':>5} {'thread':>7}")
    seeded = 0
    for total, active in SERIES:
        t0 = time.perf_counter()
        await grow(factory, people, releases, seeded, total, active, rng)
        seeded = total
        seed_s = time.perf_counter() - t0
        timings = []
        for _ in range(RUNS):
            t = time.perf_counter()
            report = await jobs.nudges(dry_run=True)
            timings.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        recorded = await jobs.nudges()
        record_ms = (time.perf_counter() - t) * 1000
        dms = sum(1 for line in report.lines if "would nudge" in line and "release thread" not in line)
        threads = sum(1 for line in report.lines if "release thread" in line)
        print(f"{total:>9,} {active:>7,} {statistics.median(timings):>12.1f} {max(timings):>12.1f} {record_ms:>10.1f} "
              f"{dms:>5} {threads:>7}   (seeded in {seed_s:.1f} s, queued {recorded.queued})")
    print(f"candidate query: {await explain(engine, postgres)}")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite (WAL), one workspace")
            await run(f"sqlite:///{Path(tmp) / 'bench.db'}", postgres=False)
        return
    name = f"handoff_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        print("PostgreSQL, one workspace")
        await run(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", postgres=True)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
