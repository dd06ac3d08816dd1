"""The workspace that ``bench.scale`` grows: one team's history, 1k → 10k → 100k handoffs.

The model: about 50 people (40 who hand work to each other in four time zones, 12 more who
drive grey areas), 50 releases, 1,000 grey areas, two digest subscriptions, and handoffs created
at a steady 50 a day. Handoff ``n`` is ``n / 50`` days old, so growing the workspace adds *older*
history: the last 20 days look the same at every size, and only the past gets longer. That is
what a team that keeps using the bot sees, and it isolates what history costs.

* Active handoffs are the recent ones: 70% of the last week's and 25% of the two weeks before
  (about 400 in all, at every size from 1,000 on); everything older is closed (90% done,
  6% cancelled, 4% declined).
* One busy owner owns 15% of all handoffs, one quiet owner 0.5%; 2% have no owner.
* Each handoff has its history (``created``, and the move to its status when it moved) and the
  matching knowledge-thread entries, as the use cases write them; each release has a few
  decisions and notes.

Areas (and the people who drive them) are seeded by ``bench.core.seed_areas``, people and releases
through the repositories; handoffs, events and entries are bulk inserts, 5,000 rows a statement.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.core import QUALIFIERS, SUBJECTS, GeneratedArea, generate_areas, seed_areas
from bench.nudges import NOW, ZONES
from bot.domain import DigestSubscription, EntryKind
from bot.ownership.seed import DEFAULT_AREAS
from bot.ports import NewPerson
from storage.models import HandoffEventRow, HandoffRow, KnowledgeEntryRow, WorkspaceRow
from storage.uow import SqlUnitOfWorkFactory

TENANT = "bench-scale"
WORKSPACE = f"teams:{TENANT}"  # a Teams tenant, so `serve` answers emulator activities from it
AREA_COUNT = 1_000
PER_DAY = 50  # handoffs created a day
BUSY_SHARE, QUIET_SHARE, UNOWNED_SHARE = 0.15, 0.005, 0.02
CHUNK = 5_000  # rows a statement
ACTIVE_MIX = (("open", 35), ("acknowledged", 20), ("in_progress", 25), ("needs_info", 10), ("blocked", 10))
CLOSED_MIX = (("done", 90), ("cancelled", 6), ("declined", 4))
KINDS = ("requirement", "messaging", "question")
DIGEST_ALL, DIGEST_RELEASE = "19:digest-all@thread.tacv2", "19:digest-release@thread.tacv2"


@dataclass(frozen=True)
class Team:
    people: list[int]  # ids; people[0] is the busy owner, people[-1] the quiet one
    releases: list[int]
    areas: list[int]
    generated_areas: list[GeneratedArea]
    headcount: int


def bound(factory: SqlUnitOfWorkFactory, workspace: str) -> Any:
    """A unit-of-work factory that always opens ``workspace``: the shared seeders name their own."""
    return lambda _ignored: factory(workspace)


async def seed_team(factory: SqlUnitOfWorkFactory, rng: random.Random) -> Team:
    generated = generate_areas(rng, AREA_COUNT - len(DEFAULT_AREAS))
    await seed_areas(bound(factory, WORKSPACE), rng, generated)
    async with factory(WORKSPACE) as uow:
        people = [(await uow.people.upsert(NewPerson(f"U{i}", f"person{i}", ZONES[i % 4]))).id for i in range(40)]
        releases = [(await uow.releases.add(f"v{i}", (NOW + timedelta(days=7 * i)).date(), NOW)).id for i in range(50)]
        areas = [a.id for a in await uow.areas.list()]
        for release_id in releases:
            for i in range(8):  # 5 decisions and 3 notes, one a day over the last 8 days
                kind = EntryKind.DECISION if i < 5 else EntryKind.NOTE
                await uow.knowledge.add(kind, f"{kind.value} {i} on release {release_id}: ship the "
                                        f"{rng.choice(QUALIFIERS)} {rng.choice(SUBJECTS)}", rng.choice(people),
                                        NOW - timedelta(days=i, hours=rng.uniform(0, 20)), release_id)
        for channel, release_id in ((DIGEST_ALL, None), (DIGEST_RELEASE, releases[1])):
            await uow.digests.save(DigestSubscription(0, WORKSPACE, channel, time(9), "Europe/Paris",
                                                      NOW - timedelta(days=30), release_id))
        headcount = len(await uow.people.list())
        await uow.commit()
    return Team(people, releases, areas, generated, headcount)


async def grow(engine: AsyncEngine, team: Team, start: int, total: int, rng: random.Random) -> None:
    """Add handoffs ``start+1 … total`` (older than those already there), with events and entries."""
    postgres = engine.dialect.name == "postgresql"
    for first in range(start, total, CHUNK):
        handoffs = [_handoff(i, team, rng) for i in range(first, min(first + CHUNK, total))]
        async with engine.begin() as conn:
            ids = (await conn.execute(insert(HandoffRow).returning(HandoffRow.id, sort_by_parameter_order=True),
                                      handoffs)).scalars().all()
            events = [e for h, hid in zip(handoffs, ids, strict=True) for e in _events(h, hid, team)]
            await conn.execute(insert(HandoffEventRow), events)
            await conn.execute(insert(KnowledgeEntryRow), [_entry(e, h) for e, h in _with_handoffs(events, handoffs, ids)])
    async with engine.begin() as conn:
        await conn.execute(update(WorkspaceRow).where(WorkspaceRow.id == WORKSPACE)
                           .values(next_handoff_number=total + 1))
    if postgres:  # what autovacuum does after a bulk load; SQLite is left as the app leaves it
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("handoffs", "handoff_events", "knowledge_entries"):
                await conn.execute(text(f"VACUUM ANALYZE {table}"))


async def census(engine: AsyncEngine, team: Team) -> str:
    """What the workspace holds now, in one line."""
    active = [s for s, _ in ACTIVE_MIX]
    async with engine.connect() as conn:
        def count(*where: Any) -> Any:
            return select(func.count()).select_from(HandoffRow).where(HandoffRow.workspace_id == WORKSPACE, *where)
        total = (await conn.execute(count())).scalar_one()
        live = (await conn.execute(count(HandoffRow.status.in_(active)))).scalar_one()
        busy = (await conn.execute(count(HandoffRow.owner_id == team.people[0], HandoffRow.status.in_(active)))).scalar_one()
        quiet = (await conn.execute(count(HandoffRow.owner_id == team.people[-1], HandoffRow.status.in_(active)))).scalar_one()
    return f"{total:,} handoffs, {live} active; busy owner has {busy} active, quiet owner {quiet}"


def _handoff(i: int, team: Team, rng: random.Random) -> dict[str, Any]:
    age = timedelta(days=i / PER_DAY + rng.uniform(0, 0.2))
    created = NOW - age
    active = rng.random() < (0.7 if age < timedelta(days=7) else 0.25 if age < timedelta(days=20) else 0)
    status = _pick(rng, ACTIVE_MIX if active else CLOSED_MIX)
    owner, requester = _owner(rng, team.people), rng.choice(team.people[1:-1])
    if active:
        due = None if rng.random() < 0.2 else (NOW + timedelta(days=rng.randint(-10, 20))).date()
        updated = created + (NOW - created) * rng.random()
    else:
        due = None if rng.random() < 0.2 else (created + timedelta(days=rng.randint(1, 30))).date()
        updated = min(created + timedelta(days=rng.uniform(0.1, 10)), NOW - timedelta(hours=1))
    kind = rng.choice(KINDS)
    return {
        "workspace_id": WORKSPACE, "number": i + 1, "kind": kind,
        "title": f"{rng.choice(QUALIFIERS)} {rng.choice(SUBJECTS)} for {kind}",
        "details": "audience: admins\nproblem: they cannot find it\nwhy now: the launch",
        "requester_id": requester, "owner_id": owner,
        "release_id": rng.choice(team.releases) if rng.random() < 0.85 else None,
        "area_id": rng.choice(team.areas) if rng.random() < 0.4 else None,
        "due_date": due, "status": status, "version": 1 if status == "open" else 2,
        "created_at": created, "updated_at": updated, "private": rng.random() < 0.02,
    }


def _owner(rng: random.Random, people: Sequence[int]) -> int | None:
    roll = rng.random()
    if roll < BUSY_SHARE:
        return people[0]
    if roll < BUSY_SHARE + QUIET_SHARE:
        return people[-1]
    if roll < BUSY_SHARE + QUIET_SHARE + UNOWNED_SHARE:
        return None
    return rng.choice(people[1:-1])


def _events(h: dict[str, Any], handoff_id: int, team: Team) -> list[dict[str, Any]]:
    base = {"workspace_id": WORKSPACE, "handoff_id": handoff_id, "note": None}
    events = [{**base, "actor_id": h["requester_id"], "action": "created", "from_status": None,
               "to_status": "open", "at": h["created_at"]}]
    if h["status"] != "open":
        actor = h["requester_id"] if h["status"] == "cancelled" else h["owner_id"] or h["requester_id"]
        events.append({**base, "actor_id": actor, "action": h["status"], "from_status": "open",
                       "to_status": h["status"], "at": h["updated_at"]})
    return events


def _with_handoffs(events: list[dict[str, Any]], handoffs: list[dict[str, Any]],
                   ids: Sequence[int]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    by_id = dict(zip(ids, handoffs, strict=True))
    return [(e, by_id[e["handoff_id"]]) for e in events]


def _entry(event: dict[str, Any], h: dict[str, Any]) -> dict[str, Any]:
    verb = "handed off" if event["action"] == "created" else f"moved to {event['action']}"
    return {
        "workspace_id": WORKSPACE, "release_id": h["release_id"], "handoff_id": event["handoff_id"],
        "author_id": event["actor_id"], "kind": EntryKind.HANDOFF.value, "link": None, "private": h["private"],
        "body": f"person{event['actor_id']} {verb} #{h['number']} {h['kind']}: {h['title']}",
        "created_at": event["at"],
    }


def _pick(rng: random.Random, mix: Sequence[tuple[str, int]]) -> str:
    return rng.choices([s for s, _ in mix], [w for _, w in mix])[0]
