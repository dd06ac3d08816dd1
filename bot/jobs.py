"""The scheduled passes: load state through the unit of work, ask the pure policy, record deliveries.

Each pass works one workspace in one transaction and takes that workspace's job lock, so two
workers (or a web process and a worker) never plan the same nudges twice; the keys of nudges
and deliveries make a repeated pass a no-op. Sending is the outbox's business, not the passes'.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from bot import digest, nudge_messages
from bot.domain import DigestSubscription, EntryKind, Person
from bot.gate_jobs import plan_gates
from bot.nudge_policy import NudgeSettings, NudgeState, Plan, Rule, plan
from bot.outbox import DeliveryKind, DeliveryStatus, NewDelivery, Target
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.working_time import WorkingHours

log = logging.getLogger("handoff.jobs")

PAST_WINDOW = timedelta(days=14)  # how far back the policy looks at its own nudges


class WorkspaceLister(Protocol):
    async def workspace_ids(self) -> list[str]: ...


# --- settings --------------------------------------------------------------------------------

def settings_from(values: dict[str, Any] | None) -> NudgeSettings:
    v = values or {}
    base = NudgeSettings()
    hours = WorkingHours(
        days=frozenset(v.get("days", sorted(base.hours.days))),
        start=time.fromisoformat(v.get("start", f"{base.hours.start:%H:%M}")),
        end=time.fromisoformat(v.get("end", f"{base.hours.end:%H:%M}")),
        quiet_days=frozenset(datetime.fromisoformat(d).date() for d in v.get("quiet_days", ())),
    )
    return dataclasses.replace(
        base, hours=hours,
        escalate_after=int(v.get("escalate_after", base.escalate_after)),
        max_dms_per_day=int(v.get("max_dms_per_day", base.max_dms_per_day)),
        ack_after_working_days=int(v.get("ack_after_working_days", base.ack_after_working_days)),
    )


def settings_to(s: NudgeSettings) -> dict[str, Any]:
    return {
        "days": sorted(s.hours.days), "start": f"{s.hours.start:%H:%M}", "end": f"{s.hours.end:%H:%M}",
        "quiet_days": sorted(d.isoformat() for d in s.hours.quiet_days), "escalate_after": s.escalate_after,
        "max_dms_per_day": s.max_dms_per_day, "ack_after_working_days": s.ack_after_working_days,
    }


# --- nudges ----------------------------------------------------------------------------------

async def load_nudge_state(uow: UnitOfWork, now: datetime, workspace_timezone: str) -> NudgeState:
    settings = settings_from(await uow.jobs.nudge_settings())
    candidates = await uow.jobs.nudge_candidates(
        now, due_by=now + timedelta(days=settings.due_soon_days + 2), created_before=now - timedelta(hours=23))
    people = {p.id: p for p in await uow.people.list()}
    dm_targets = {_dm(p): p.id for p in people.values()}
    times = await uow.deliveries.times_to(list(dm_targets), DeliveryKind.NUDGE, now - timedelta(days=2))
    return NudgeState(
        now=now, workspace_timezone=workspace_timezone, settings=settings, handoffs=candidates, people=people,
        releases={r.id: r for r in await uow.releases.list()}, areas=await uow.areas.list(),
        assignments=await uow.areas.assignments(), past=await uow.nudges.since(now - PAST_WINDOW),
        dm_times={dm_targets[t]: at for t, at in times.items()},
    )


async def record_plan(uow: UnitOfWork, p: Plan, now: datetime) -> int:
    """Write the plan's nudges and their deliveries; returns the number of deliveries queued."""
    queued = 0
    for batch in p.dms.values():
        person = batch[0].person
        key = f"nudges:{person.id}:{batch[0].key}"[:200]
        kind = DeliveryKind.NUDGE
        if await uow.deliveries.add(NewDelivery(key, kind, _dm(person), nudge_messages.dm(batch)), now):
            queued += 1
        for n in batch:
            await uow.nudges.add(n.key, n.rule, person.id, n.handoff.id if n.handoff else None, key, now)
    by_release: dict[int, list] = {}
    for n in p.thread_posts:
        if n.release and n.release.channel_ref and n.release.thread_ref:
            by_release.setdefault(n.release.id, []).append(n)
    for items in by_release.values():
        release = items[0].release
        key = f"thread:{release.id}:{items[0].key}"[:200]
        target = str(Target("thread", release.channel_ref, release.thread_ref))
        if await uow.deliveries.add(NewDelivery(key, DeliveryKind.THREAD, target, nudge_messages.thread_line(items)), now):
            queued += 1
        for n in items:
            await uow.nudges.add(n.key, Rule.OVERDUE, n.person.id, n.handoff.id if n.handoff else None, key, now)
    return queued


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
    )


# --- the passes ------------------------------------------------------------------------------

@dataclass
class PassReport:
    lines: list[str] = field(default_factory=list)
    queued: int = 0


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
            p = plan(await load_nudge_state(uow, now, workspace.timezone))
            verb = "would nudge" if dry_run else "nudged"
            for batch in p.dms.values():
                report.lines.append(f"{workspace_id}: {verb} {batch[0].person.display_name}: "
                                    + "; ".join(f"{n.rule.value} {n.handoff.ref if n.handoff else n.reason}" for n in batch))
            report.lines += [f"{workspace_id}: {verb} release thread: {n.handoff.ref} overdue" for n in p.thread_posts if n.handoff]
            gate_nudges = await plan_gates(uow, now, workspace.timezone, settings_from(await uow.jobs.nudge_settings()).hours)
            report.lines += [f"{workspace_id}: {'would: ' if dry_run else ''}{g.line}" for g in gate_nudges]
            if not dry_run:
                report.queued += await record_plan(uow, p, now)
                for g in gate_nudges:
                    report.queued += bool(g.delivery and await uow.deliveries.add(g.delivery, now))
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
                reply = digest.compose(await load_digest_data(uow, sub, now, day, hours))
                status = DeliveryStatus.PENDING
                if reply is None:
                    reply, status = digest.all_clear(sub, day), (DeliveryStatus.PENDING if sub.all_clear else DeliveryStatus.SKIPPED)
                target = str(Target("channel", sub.channel))
                word = "would post" if dry_run else ("posted" if status is DeliveryStatus.PENDING else "skipped (nothing new)")
                report.lines.append(f"{workspace_id}: digest {key} -> {target}: {word}")
                if not dry_run and await uow.deliveries.add(NewDelivery(key, DeliveryKind.DIGEST, target, reply, status), now):
                    report.queued += status is DeliveryStatus.PENDING
            if not dry_run:
                await uow.commit()

