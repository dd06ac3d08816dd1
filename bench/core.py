"""Latency of the core on SQLite, measured through ``Core.handle(caller, text)``.

Every timed call goes through the real public entry point: parse, open a unit of work (``BEGIN
IMMEDIATE``), run the use case, commit and render a ``Reply``. Nothing is mocked.

Scenarios:

* ``who owns <query>?`` in a workspace with 1,000 grey areas (the 15 defaults plus 985 generated
  ones, three aliases each, about half with a driver), with a mix of exact names, aliases, typos
  and unknown words. Typos and unknown words take the fuzzy-matching path.
* ``list mine`` in a workspace with 10,000 handoffs over 20 people and 10 releases, for a caller
  who owns 500 of them and for one who owns 5; and ``show N`` for random handoffs there.

Seeding goes through the storage repositories in a few large transactions, and its time is
printed too. Everything is written to a temporary directory, which is deleted at the end.

Run from the repository root (takes well under a minute on a 2-core machine)::

    .venv/bin/python -m bench.core
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.area_names import normalise
from bot.chat.core import Core, Outcome
from bot.context import Caller
from bot.domain import Assignment, Duty, HandoffEvent, Kind, Person, Role, Side, Status
from bot.ownership.seed import DEFAULT_AREAS
from bot.ports import NewHandoff, NewPerson, UnitOfWorkFactory
from bot.reply import plain_text
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory

RANDOM_SEED = 20_251_122
WARMUP_CALLS = 20
TIMED_CALLS = 500

AREAS_WORKSPACE = "bench-areas"
AREA_COUNT = 1_000

HANDOFFS_WORKSPACE = "bench-handoffs"
HANDOFF_COUNT = 10_000
HANDOFF_BATCH = 2_500  # handoffs per seeding transaction
RELEASE_COUNT = 10
BUSY_OWNER = NewPerson("dana", "Dana")
BUSY_OWNER_HANDOFFS = 500
QUIET_OWNER = NewPerson("finn", "Finn")
QUIET_OWNER_HANDOFFS = 5
OTHER_PEOPLE = 18  # with Dana and Finn: 20 people

QUALIFIERS = (
    "partner", "enterprise", "developer", "mobile", "onboarding", "retention", "churn", "trial",
    "renewal", "upsell", "community", "webinar", "event", "brand", "social", "email", "video",
    "support", "billing", "security", "compliance", "api", "integration", "marketplace", "reseller",
    "channel", "regional", "emea", "apac", "latam", "healthcare", "fintech", "education",
    "public sector", "startup", "self-serve", "freemium", "beta", "localisation", "accessibility",
)
SUBJECTS = (
    "briefs", "playbook", "faq", "demos", "case studies", "personas", "journey maps", "naming",
    "launch tiers", "surveys", "metrics", "dashboards", "newsletters", "one-pagers", "datasheets",
    "objection handling", "references", "testimonials", "awards", "benchmarks", "feedback loops",
    "pricing tests", "nurture flows", "ads", "seo", "tutorials", "docs", "certification",
    "keynotes", "booth content",
)
UNKNOWN_WORDS = (
    "zebra", "quantum", "volcano", "banjo", "nebula", "pistachio", "origami", "glacier", "tuba",
    "lighthouse", "marmalade", "trombone", "cactus", "walrus", "hammock", "kazoo",
)
# Share of each status among seeded handoffs; done and cancelled ones drop out of `list mine`.
STATUS_MIX: tuple[tuple[Status, int], ...] = (
    (Status.OPEN, 60), (Status.ACKNOWLEDGED, 10), (Status.IN_PROGRESS, 10), (Status.NEEDS_INFO, 5),
    (Status.BLOCKED, 5), (Status.DONE, 7), (Status.CANCELLED, 3),
)


@dataclass(frozen=True)
class Stats:
    scenario: str
    n: int
    p50: float
    p95: float
    p99: float
    mean: float

    @classmethod
    def of(cls, scenario: str, samples_ms: Sequence[float]) -> Stats:
        cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
        return cls(scenario, len(samples_ms), cuts[49], cuts[94], cuts[98], statistics.fmean(samples_ms))


@dataclass(frozen=True)
class Query:
    kind: str  # exact | alias | typo | unknown
    text: str


# --- calling the core ----------------------------------------------------------------------

async def call(core: Core, caller: Caller, text: str) -> Outcome:
    outcome = await core.handle(caller, text)
    if outcome.reply.is_error:
        raise RuntimeError(f"{text!r} failed: {plain_text(outcome.reply)}")
    return outcome


async def timed(core: Core, caller: Caller, texts: Sequence[str], warmup: Sequence[str]) -> list[float]:
    """Milliseconds per call of ``texts``, after calling ``warmup`` untimed."""
    for text in warmup:
        await call(core, caller, text)
    samples: list[float] = []
    for text in texts:
        start = time.perf_counter()
        outcome = await core.handle(caller, text)
        samples.append((time.perf_counter() - start) * 1000)
        if outcome.reply.is_error:
            raise RuntimeError(f"{text!r} failed: {plain_text(outcome.reply)}")
    return samples


# --- grey areas ----------------------------------------------------------------------------

@dataclass(frozen=True)
class GeneratedArea:
    name: str
    aliases: tuple[str, ...]


def generate_areas(rng: random.Random, count: int) -> list[GeneratedArea]:
    taken = {normalise(name) for name, *_ in DEFAULT_AREAS}
    pairs = [(q, s) for q in QUALIFIERS for s in SUBJECTS if normalise(f"{q} {s}") not in taken]
    if len(pairs) < count:
        raise ValueError(f"only {len(pairs)} area names available, {count} wanted")
    areas = []
    for qualifier, subject in rng.sample(pairs, count):
        short = qualifier.replace(" ", "")[:3] + subject.replace(" ", "")[:3]
        aliases = (f"{subject} {qualifier}", f"{qualifier}-{subject}".replace(" ", "-"), short)
        areas.append(GeneratedArea(f"{qualifier} {subject}", aliases))
    return areas


async def seed_areas(factory: UnitOfWorkFactory, rng: random.Random, areas: Sequence[GeneratedArea]) -> None:
    """The defaults plus ``areas`` in one transaction; about half get a driver, some a supporter."""
    now = datetime.now(UTC)
    async with factory(AREAS_WORKSPACE) as uow:
        await uow.workspaces.ensure("UTC")
        await uow.areas.add_defaults(DEFAULT_AREAS)
        for area in areas:
            await uow.areas.add(area.name, Side.SHARED, area.aliases, f"generated area {area.name}")
        people: list[Person] = []
        for i in range(12):
            person = await uow.people.upsert(NewPerson(f"u{i:02}", f"Person {i:02}"))
            person.role = (Role.PM, Role.PMM, Role.LEAD)[i % 3]
            await uow.people.set_role(person.id, person.role)
            people.append(person)
        for area_row in await uow.areas.list():
            if rng.random() < 0.5:
                await uow.areas.assign(Assignment(area_row.id, rng.choice(people).id, Duty.DRIVER), now)
            if rng.random() < 0.3:
                await uow.areas.assign(Assignment(area_row.id, rng.choice(people).id, Duty.SUPPORTER, owes="a brief"), now)
        await uow.commit()


def typo(rng: random.Random, text: str) -> str:
    """One deleted, swapped or replaced letter, never the first one."""
    i = rng.randrange(1, len(text) - 1)
    edit = rng.choice(("delete", "swap", "replace"))
    if edit == "delete":
        return text[:i] + text[i + 1:]
    if edit == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + text[i + 1:]


def who_owns_queries(rng: random.Random, areas: Sequence[GeneratedArea], count: int) -> list[Query]:
    names = [a.name for a in areas] + [name for name, *_ in DEFAULT_AREAS]
    aliases = [alias for a in areas for alias in a.aliases] + [alias for *_, al, _ in DEFAULT_AREAS for alias in al]
    queries = []
    for _ in range(count):
        kind = rng.choices(("exact", "alias", "typo", "unknown"), weights=(30, 30, 25, 15))[0]
        if kind == "exact":
            q = rng.choice(names)
        elif kind == "alias":
            q = rng.choice(aliases)
        elif kind == "typo":
            q = typo(rng, rng.choice(names))
        else:
            q = " ".join(rng.sample(UNKNOWN_WORDS, 2))
        queries.append(Query(kind, f"who owns {q}?"))
    return queries


def who_owns_outcome(outcome: Outcome) -> str:
    title = outcome.reply.title or ""
    if title.startswith("Which area do you mean"):
        return "asked which"
    if title.startswith("I don't know a grey area"):
        return "not found"
    return "answered"


# --- handoffs ------------------------------------------------------------------------------

async def seed_handoffs(factory: UnitOfWorkFactory, rng: random.Random) -> None:
    """20 people, 10 releases, 15 default areas and ``HANDOFF_COUNT`` handoffs, each with a
    ``created`` event and, when it moved on from open, a status event."""
    now = datetime.now(UTC)
    today = now.date()
    async with factory(HANDOFFS_WORKSPACE) as uow:
        await uow.workspaces.ensure("UTC")
        await uow.areas.add_defaults(DEFAULT_AREAS)
        busy = await uow.people.upsert(BUSY_OWNER)
        quiet = await uow.people.upsert(QUIET_OWNER)
        others = [await uow.people.upsert(NewPerson(f"p{i:02}", f"Person {i:02}")) for i in range(OTHER_PEOPLE)]
        release_ids = [
            (await uow.releases.add(f"v3.{i}", today + timedelta(days=14 * i), now)).id for i in range(RELEASE_COUNT)
        ]
        area_ids = [a.id for a in await uow.areas.list()]
        await uow.commit()

    rest = HANDOFF_COUNT - BUSY_OWNER_HANDOFFS - QUIET_OWNER_HANDOFFS
    owners = [busy.id] * BUSY_OWNER_HANDOFFS + [quiet.id] * QUIET_OWNER_HANDOFFS
    owners += [others[i % len(others)].id for i in range(rest)]
    rng.shuffle(owners)
    everyone = [busy.id, quiet.id, *(p.id for p in others)]
    statuses = [s for s, _ in STATUS_MIX]
    weights = [w for _, w in STATUS_MIX]

    for start in range(0, HANDOFF_COUNT, HANDOFF_BATCH):
        async with factory(HANDOFFS_WORKSPACE) as uow:
            for owner_id in owners[start:start + HANDOFF_BATCH]:
                created = now - timedelta(days=rng.randrange(0, 120), minutes=rng.randrange(0, 1440))
                due = None if rng.random() < 0.3 else today + timedelta(days=rng.randrange(-30, 60))
                requester_id = rng.choice([p for p in everyone if p != owner_id])
                number = await uow.workspaces.allocate_handoff_number()
                handoff = await uow.handoffs.add(number, NewHandoff(
                    kind=rng.choice(list(Kind)), title=f"Handoff {number}: {rng.choice(QUALIFIERS)} {rng.choice(SUBJECTS)}",
                    details="audience: admins\nproblem: they cannot find it\nwhy now: the launch",
                    requester_id=requester_id, owner_id=owner_id,
                    release_id=rng.choice(release_ids) if rng.random() < 0.8 else None,
                    area_id=rng.choice(area_ids) if rng.random() < 0.5 else None,
                    due_date=due, created_at=created,
                ))
                await uow.handoffs.add_event(_event(handoff.id, requester_id, "created", None, Status.OPEN, created))
                status = rng.choices(statuses, weights)[0]
                if status is not Status.OPEN:
                    moved = dataclasses.replace(handoff, status=status, updated_at=created + timedelta(hours=2))
                    await uow.handoffs.update(moved, handoff.version)
                    await uow.handoffs.add_event(
                        _event(handoff.id, owner_id, "move", Status.OPEN, status, created + timedelta(hours=2))
                    )
            await uow.commit()


def _event(handoff_id: int, actor_id: int, action: str, before: Status | None, after: Status, at: datetime) -> HandoffEvent:
    return HandoffEvent(handoff_id, actor_id, action, before, after, None, at)


# --- the run -------------------------------------------------------------------------------

def print_table(title: str, rows: Sequence[Stats]) -> None:
    print(title)
    print(f"{'scenario':<44}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for r in rows:
        print(f"{r.scenario:<44}{r.n:>5}{r.p50:>9.2f}{r.p95:>9.2f}{r.p99:>9.2f}{r.mean:>9.2f}")


async def run(db_path: Path) -> None:
    wall_start = time.perf_counter()
    rng = random.Random(RANDOM_SEED)
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        await upgrade(engine)
        factory = SqlUnitOfWorkFactory(engine)
        core = Core(factory)
        rows: list[Stats] = []
        seeding: list[tuple[str, float]] = []

        # 1. who owns, over 1,000 grey areas
        generated = generate_areas(rng, AREA_COUNT - len(DEFAULT_AREAS))
        start = time.perf_counter()
        await seed_areas(factory, rng, generated)
        seeding.append((f"{AREA_COUNT:,} areas with aliases and duties (1 transaction)", time.perf_counter() - start))
        asker = Caller(workspace_id=AREAS_WORKSPACE, user_id="ari", display_name="Ari")
        warmup = [q.text for q in who_owns_queries(rng, generated, WARMUP_CALLS)]
        for text in warmup:
            await call(core, asker, text)
        by_kind: dict[str, list[float]] = defaultdict(list)
        outcomes: Counter[str] = Counter()
        for query in who_owns_queries(rng, generated, TIMED_CALLS):
            start = time.perf_counter()
            outcome = await core.handle(asker, query.text)
            by_kind[query.kind].append((time.perf_counter() - start) * 1000)
            if outcome.reply.is_error:
                raise RuntimeError(f"{query.text!r} failed: {plain_text(outcome.reply)}")
            outcomes[who_owns_outcome(outcome)] += 1
        rows.append(Stats.of(f"who owns ({AREA_COUNT:,} areas)", [ms for v in by_kind.values() for ms in v]))
        rows += [Stats.of(f"  {kind}", by_kind[kind]) for kind in ("exact", "alias", "typo", "unknown") if len(by_kind[kind]) > 1]

        # 2. list mine and show, over 10,000 handoffs
        start = time.perf_counter()
        await seed_handoffs(factory, rng)
        seeding.append((f"{HANDOFF_COUNT:,} handoffs + events ({HANDOFF_COUNT // HANDOFF_BATCH + 1} transactions)", time.perf_counter() - start))
        busy = Caller(workspace_id=HANDOFFS_WORKSPACE, user_id=BUSY_OWNER.platform_user_id, display_name=BUSY_OWNER.display_name)
        quiet = Caller(workspace_id=HANDOFFS_WORKSPACE, user_id=QUIET_OWNER.platform_user_id, display_name=QUIET_OWNER.display_name)
        list_warmup = ["list mine"] * WARMUP_CALLS
        rows.append(Stats.of(
            f"list mine ({HANDOFF_COUNT:,} handoffs, owns {BUSY_OWNER_HANDOFFS})",
            await timed(core, busy, ["list mine"] * TIMED_CALLS, list_warmup),
        ))
        rows.append(Stats.of(
            f"list mine ({HANDOFF_COUNT:,} handoffs, owns {QUIET_OWNER_HANDOFFS})",
            await timed(core, quiet, ["list mine"] * TIMED_CALLS, list_warmup),
        ))
        shows = [f"show {rng.randint(1, HANDOFF_COUNT)}" for _ in range(TIMED_CALLS + WARMUP_CALLS)]
        rows.append(Stats.of(
            f"show N ({HANDOFF_COUNT:,} handoffs)", await timed(core, busy, shows[WARMUP_CALLS:], shows[:WARMUP_CALLS])
        ))
        mine = await call(core, busy, "list mine")
        few = await call(core, quiet, "list mine")
    finally:
        await engine.dispose()

    cores = os.cpu_count() or 1
    print_table(f"SQLite {sqlite3.sqlite_version}, Python {platform.python_version()}, {cores} cores", rows)
    print()
    print(f"who owns outcomes: {', '.join(f'{n} {what}' for what, n in outcomes.most_common())}")
    print(f"list mine replies: {mine.reply.title!r}; {few.reply.title!r}")
    print("seeding:")
    for what, seconds in seeding:
        print(f"  {what:<60}{seconds:>7.1f} s")
    print(f"total wall time: {time.perf_counter() - wall_start:.1f} s")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="handoff-bench-") as tmp:
        asyncio.run(run(Path(tmp) / "bench.db"))


if __name__ == "__main__":
    main()
