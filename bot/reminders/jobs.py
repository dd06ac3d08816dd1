"""The scheduled passes: load state through the unit of work, ask the pure policy, record deliveries.

Each pass works one workspace in one transaction and takes that workspace's job lock, so two
workers (or a web process and a worker) never plan the same nudges twice; the keys of nudges
and deliveries make a repeated pass a no-op. Sending is the outbox's business, not the passes'.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain import DigestSubscription, EntryKind, Person
from bot.duties import load_area_scope
from bot.gates.schedule import gate_state, propose_late_slips
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.records import DeliveryKind, DeliveryStatus, NewDelivery, Target
from bot.reminders import digest
from bot.reminders import messages as nudge_messages
from bot.reminders.policy import Nudge, NudgeState, Plan, plan
from bot.reply import Reply
from bot.working_time import NudgeSettings, WorkingHours, settings_from

log = logging.getLogger("handoff.jobs")

# How far back the policy looks at its own nudges: further than the longest escalation streak
# (20 working days at most) and the cadence of gate reminders.
PAST_WINDOW = timedelta(days=42)
ALREADY_SENT = "already sent under this key"


class WorkspaceLister(Protocol):
    async def workspace_ids(self) -> list[str]: ...


# --- nudges ----------------------------------------------------------------------------------

async def load_nudge_state(uow: UnitOfWork, now: datetime, workspace_timezone: str,
                           settings: NudgeSettings | None = None) -> NudgeState:
    settings = settings or settings_from(await uow.jobs.nudge_settings())
    candidates = await uow.jobs.nudge_candidates(
        now, due_by=now + timedelta(days=settings.due_soon_days + 2), created_before=now - timedelta(hours=23))
    people = {p.id: p for p in await uow.people.list()}
    dm_targets = {_dm(p): p.id for p in people.values()}
    times = await uow.deliveries.times_to(list(dm_targets), DeliveryKind.NUDGE, now - timedelta(days=2))
    releases = {r.id: r for r in await uow.releases.list()}
    gates, slips = await gate_state(uow, now, workspace_timezone, list(people.values()), releases)
    return NudgeState(
        now=now, workspace_timezone=workspace_timezone, settings=settings, handoffs=candidates, people=people,
        releases=releases, areas=await uow.areas.list(),
        assignments=await uow.areas.assignments(), past=await uow.nudges.since(now - PAST_WINDOW),
        dm_times={dm_targets[t]: at for t, at in times.items()}, gates=gates, slips=slips,
        scope=await load_area_scope(uow, releases.values()),
    )


@dataclass
class Recorded:
    """What a plan came to: deliveries queued, and every planned item that was not, with why."""

    queued: int = 0
    not_queued: list[tuple[Nudge, str]] = field(default_factory=list)


async def record_plan(uow: UnitOfWork, p: Plan, now: datetime) -> Recorded:
    """Write each batch's delivery and, in the same transaction, its items as sent: an item is
    recorded only when the delivery that carries it is created, under a key that covers exactly
    the items it carries."""
    out = Recorded()
    planned = [n.key for n in p.nudges]
    done = await uow.nudges.existing(planned)
    for batch in p.dms.values():
        person = batch[0].person
        await _record(uow, out, batch, done, f"nudges:{person.id}", DeliveryKind.NUDGE, _dm(person),
                      nudge_messages.dm, now)
    by_release: dict[int, list[Nudge]] = {}
    for n in p.thread_posts:
        if n.release and n.release.channel_ref and n.release.thread_ref:
            by_release.setdefault(n.release.id, []).append(n)
    for items in by_release.values():
        release = items[0].release
        assert release is not None and release.channel_ref and release.thread_ref
        await _record(uow, out, items, done, f"thread:{release.id}", DeliveryKind.THREAD,
                      str(Target("thread", release.channel_ref, release.thread_ref)), nudge_messages.thread_line, now)
    return out


async def _record(uow: UnitOfWork, out: Recorded, items: list[Nudge], done: set[str], prefix: str, kind: DeliveryKind,
                  target: str, render: Callable[[Sequence[Nudge]], Reply], now: datetime) -> None:
    out.not_queued += [(n, ALREADY_SENT) for n in items if n.key in done]
    items = [n for n in items if n.key not in done]
    if not items:
        return
    digest_of_keys = hashlib.sha256("\n".join(sorted(n.key for n in items)).encode()).hexdigest()[:16]
    key = f"{prefix}:{digest_of_keys}"
    if not await uow.deliveries.add(NewDelivery(key, kind, target, render(items)), now):
        out.not_queued += [(n, f"a delivery {key} exists already") for n in items]
        return
    out.queued += 1
    for n in items:
        await uow.nudges.add(n.key, n.rule, n.person.id, n.handoff.id if n.handoff else None, key, now)


def _dm(person: Person) -> str:
    return str(Target("dm", person.platform_user_id))


# --- digests ---------------------------------------------------------------------------------

async def load_digest_data(uow: UnitOfWork, sub: DigestSubscription, now: datetime, day: date,
                           hours: WorkingHours) -> digest.DigestData:
    since = digest.window_start(sub, day, hours)
    handoffs = await uow.jobs.digest_handoffs(since, now + timedelta(days=digest.DUE_SOON_DAYS + 1), sub.release_id)
    releases = {r.id: r for r in await uow.releases.list()}
    decisions = []
    for release_id in ([sub.release_id] if sub.release_id else list(releases)):
        decisions += await uow.knowledge.latest(release_id, frozenset({EntryKind.DECISION}), 20, include_private=False)
    return digest.DigestData(
        subscription=sub, since=since, today=day, handoffs=handoffs,
        people={p.id: p for p in await uow.people.list()}, releases=releases, areas=await uow.areas.list(),
        assignments=await uow.areas.assignments(), decisions=[d for d in decisions if d.created_at >= since],
        gates=await uow.gates.needing_attention(day + timedelta(days=digest.GATE_DAYS)),
        scope=await load_area_scope(uow, releases.values()),
    )


# --- the passes ------------------------------------------------------------------------------

@dataclass
class PassReport:
    lines: list[str] = field(default_factory=list)
    queued: int = 0
    planned: list[str] = field(default_factory=list)  # the keys of every nudge planned to go out now
    not_queued: list[tuple[str, str]] = field(default_factory=list)  # (key, why) of those that did not
    deferred: list[tuple[str, str]] = field(default_factory=list)  # (key, why) of those that wait


class Jobs:
    def __init__(self, uow_factory: UnitOfWorkFactory, workspaces: WorkspaceLister, clock: Clock,
                 default_timezone: str = "UTC") -> None:
        self.uow_factory = uow_factory
        self.workspaces = workspaces
        self.clock = clock
        self.default_timezone = default_timezone

    async def nudges(self, at: datetime | None = None, *, dry_run: bool = False) -> PassReport:
        report = PassReport()
        now = at or self.clock()
        for workspace_id in await self.workspaces.workspace_ids():
            try:
                await self._nudge_workspace(workspace_id, now, dry_run, report)
            except Exception:  # one workspace's trouble must not starve the others
                log.exception("nudge pass failed for workspace %s", workspace_id)
        return report

    async def _nudge_workspace(self, workspace_id: str, now: datetime, dry_run: bool, report: PassReport) -> None:
        async with self.uow_factory(workspace_id) as uow:
            if not dry_run and not await uow.jobs.try_lock("nudges"):
                report.lines.append(f"{workspace_id}: another worker is on it")
                return
            workspace, _ = await uow.workspaces.ensure(self.default_timezone)
            # A late gate's new target first, so that its owner hears of it in this pass.
            settings = settings_from(await uow.jobs.nudge_settings())
            posts, lines = await propose_late_slips(uow, now, workspace.timezone, settings.hours, dry_run)
            report.lines += [f"{workspace_id}: {line}" for line in lines]
            p = plan(await load_nudge_state(uow, now, workspace.timezone, settings))
            verb = "would nudge" if dry_run else "nudged"
            for batch in p.dms.values():
                report.lines.append(f"{workspace_id}: {verb} {batch[0].person.display_name}: "
                                    + "; ".join(f"{n.rule.value} {_what(n)}" for n in batch))
            report.lines += [f"{workspace_id}: {verb} release thread: {n.handoff.ref} overdue" for n in p.thread_posts if n.handoff]
            report.planned += [n.key for n in p.nudges]
            report.deferred += [(d.nudge.key, d.why) for d in p.deferred]
            if dry_run:
                return
            recorded = await record_plan(uow, p, now)
            report.queued += recorded.queued
            for nudge, why in recorded.not_queued:
                report.not_queued.append((nudge.key, why))
                if why != ALREADY_SENT:  # a long-overdue thread line is planned again each pass: not news
                    report.lines.append(f"{workspace_id}: not sent {nudge.key}: {why}")
            for post in posts:
                report.queued += await uow.deliveries.add(post, now)
            await uow.commit()

    async def digests(self, at: datetime | None = None, *, dry_run: bool = False) -> PassReport:
        report = PassReport()
        now = at or self.clock()
        for workspace_id in await self.workspaces.workspace_ids():
            try:
                await self._digest_workspace(workspace_id, now, dry_run, report)
            except Exception:
                log.exception("digest pass failed for workspace %s", workspace_id)
        return report

    async def _digest_workspace(self, workspace_id: str, now: datetime, dry_run: bool, report: PassReport) -> None:
        async with self.uow_factory(workspace_id) as uow:
            if not dry_run and not await uow.jobs.try_lock("digests"):
                return
            hours = settings_from(await uow.jobs.nudge_settings()).hours
            for sub in await uow.digests.list():
                day = digest.due_day(sub, now, hours)
                if day is None:
                    continue
                key = digest.digest_key(sub, day)
                if await uow.deliveries.get(key):
                    continue
                data = await load_digest_data(uow, sub, now, day, hours)
                reply = digest.compose(data)
                status = DeliveryStatus.PENDING
                if reply is None:  # nothing new: an all-clear line (with any standing risk) if the channel wants one
                    reply = digest.all_clear(sub, day, digest.standing_risks(data))
                    status = DeliveryStatus.PENDING if sub.all_clear else DeliveryStatus.SKIPPED
                target = str(Target("channel", sub.channel))
                word = "would post" if dry_run else ("posted" if status is DeliveryStatus.PENDING else "skipped (nothing new)")
                report.lines.append(f"{workspace_id}: digest {key} -> {target}: {word}")
                if not dry_run and await uow.deliveries.add(NewDelivery(key, DeliveryKind.DIGEST, target, reply, status), now):
                    report.queued += status is DeliveryStatus.PENDING
            if not dry_run:
                await uow.commit()



def _what(n: Nudge) -> str:
    if n.handoff:
        return n.handoff.ref
    if n.gate:
        return f"{n.gate.name} of {n.release.name if n.release else '?'}"
    return n.release.name if n.release else n.reason

