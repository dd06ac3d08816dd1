"""The outbox: every nudge, escalation, digest and report is a row before it is a message.

A pass claims due rows (a lease, so a crashed worker's rows come back), sends each through the
platform's :class:`Messenger`, and marks it sent with the platform's message id. Failures that a
retry can fix wait with backoff and jitter (at least the platform's Retry-After, and nothing more
goes to that conversation before then); permanent ones are recorded and reported once to an
admin. When an earlier attempt may have reached the platform (a timeout, a 5xx, a lease that
ran out mid-send) the next attempt first asks the platform whether the message is already there.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.log_context import bind_workspace
from bot.ports import Clock, UnitOfWorkFactory
from bot.records import Delivery, DeliveryKind, DeliveryStatus, NewDelivery, Target
from bot.reply import Paragraph, Reply

log = logging.getLogger("handoff.outbox")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=30)


class DeliveryFailed(Exception):
    """What a messenger raises when a platform refuses or does not answer."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None,
                 uncertain: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.uncertain = uncertain  # the platform may have accepted it


class Messenger(Protocol):
    """A platform's way to post outside a conversation turn (the scheduler never imports an SDK)."""

    async def send(self, delivery: Delivery, reply: Reply) -> str:
        """Post it; return the platform's message id. Raise :class:`DeliveryFailed`."""

    async def find_sent(self, delivery: Delivery) -> str | None:
        """The message id if an earlier attempt of this delivery did reach the platform."""


class OutboxStore(Protocol):
    """Claims across workspaces: the one place a worker sees more than one workspace's rows."""

    async def claim(self, now: datetime, limit: int, lease: timedelta, token: str) -> list[Delivery]: ...
    async def due(self, now: datetime, limit: int) -> list[Delivery]: ...
    async def mark_sent(self, delivery_id: int, token: str, message_id: str, now: datetime) -> bool: ...
    async def retry(self, delivery_id: int, token: str, at: datetime, error: str, uncertain: bool,
                    counted: bool = True) -> None: ...
    async def hold(self, workspace_id: str, address: str, until: datetime) -> int: ...
    async def fail(self, delivery_id: int, token: str, error: str) -> None: ...


class DeliveryObserver(Protocol):
    """Told each time a delivery reaches a final status: how metrics count them without the
    outbox knowing about any metrics library."""

    def delivery_finished(self, kind: DeliveryKind, status: DeliveryStatus) -> None: ...


@dataclass
class OutboxReport:
    sent: list[Delivery] = field(default_factory=list)
    found_already_sent: list[Delivery] = field(default_factory=list)
    retrying: list[tuple[Delivery, str]] = field(default_factory=list)
    failed: list[tuple[Delivery, str]] = field(default_factory=list)
    held: list[Delivery] = field(default_factory=list)  # due but dry-run
    claimed: int = 0

    def lines(self) -> list[str]:
        out = [f"sent {d.key} -> {d.target}" for d in self.sent]
        out += [f"already there {d.key} -> {d.target}" for d in self.found_already_sent]
        out += [f"retrying {d.key}: {why}" for d, why in self.retrying]
        out += [f"failed {d.key}: {why}" for d, why in self.failed]
        out += [f"would send {d.key} -> {d.target}" for d in self.held]
        return out


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """Exponential with full jitter around it: 2 s, 4 s, 8 s … capped at 30 min."""
    base = min(2.0 ** max(attempts, 1), MAX_BACKOFF.total_seconds())
    return timedelta(seconds=base * rng.uniform(0.5, 1.5))


class Outbox:
    def __init__(self, store: OutboxStore, uow_factory: UnitOfWorkFactory,
                 messenger_for: Callable[[str], Messenger | None], clock: Clock, *,
                 batch: int = 100, concurrency: int = 8, lease: timedelta = LEASE,
                 rng: random.Random | None = None, observer: DeliveryObserver | None = None) -> None:
        self.store = store
        self.uow_factory = uow_factory
        self.messenger_for = messenger_for
        self.clock = clock
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease
        self.rng = rng or random.Random()
        self.observer = observer
        self._holds: dict[tuple[str, str], datetime] = {}  # (workspace, conversation) -> not before

    async def run_once(self, *, dry_run: bool = False) -> OutboxReport:
        report = OutboxReport()
        now = self.clock()
        if dry_run:
            report.held = await self.store.due(now, self.batch)
            return report
        token = uuid.uuid4().hex
        claimed = await self.store.claim(now, self.batch, self.lease, token)
        report.claimed = len(claimed)
        by_conversation: dict[tuple[str, str], list[Delivery]] = {}
        for d in claimed:
            by_conversation.setdefault((d.workspace_id, Target.parse(d.target).address), []).append(d)
        gate = asyncio.Semaphore(self.concurrency)

        async def one_conversation(deliveries: Sequence[Delivery]) -> None:
            async with gate:
                for d in deliveries:  # in order, one at a time: a 429 holds the rest back
                    await self._deliver(d, token, report)

        await asyncio.gather(*(one_conversation(ds) for ds in by_conversation.values()))
        return report

    async def drain(self, max_rounds: int = 50) -> OutboxReport:
        """Pass after pass while passes come back full: a burst (500 digests at 09:00) goes out
        now, not one batch per tick."""
        total = OutboxReport()
        for _ in range(max_rounds):
            report = await self.run_once()
            for name in ("sent", "found_already_sent", "retrying", "failed"):
                getattr(total, name).extend(getattr(report, name))
            total.claimed += report.claimed
            if report.claimed < self.batch:
                break
        return total

    async def _deliver(self, d: Delivery, token: str, report: OutboxReport) -> None:
        bind_workspace(d.workspace_id)  # each conversation runs in a task of its own: logs name the workspace
        conversation = (d.workspace_id, Target.parse(d.target).address)
        now = self.clock()
        hold = self._holds.get(conversation)
        if hold and hold > now:  # not tried, so not counted against the delivery's attempts
            await self.store.retry(d.id, token, hold, d.last_error or "rate limited", d.uncertain, counted=False)
            report.retrying.append((d, "waiting for the platform's Retry-After"))
            return
        messenger = self.messenger_for(d.workspace_id)
        if messenger is None:
            await self._give_up(d, token, "no messenger for this workspace (platform not configured or uninstalled)", report)
            return
        try:
            if d.uncertain and (found := await messenger.find_sent(d)):
                self._finished(d, DeliveryStatus.SENT, await self.store.mark_sent(d.id, token, found, self.clock()))
                report.found_already_sent.append(d)
                return
            message_id = await messenger.send(d, d.reply)
        except DeliveryFailed as exc:
            await self._failed(d, token, exc, conversation, report)
            return
        except Exception as exc:  # a bug in a messenger must not stop the other deliveries
            log.exception("delivery %s raised", d.key)
            await self._failed(d, token, DeliveryFailed(type(exc).__name__, uncertain=True), conversation, report)
            return
        self._finished(d, DeliveryStatus.SENT, await self.store.mark_sent(d.id, token, message_id, self.clock()))
        report.sent.append(d)

    def _finished(self, d: Delivery, status: DeliveryStatus, recorded: bool = True) -> None:
        """Count a final status once: a worker whose lease ran out (``recorded`` false) leaves the
        count to the worker that took the row over."""
        if recorded and self.observer is not None:
            self.observer.delivery_finished(d.kind, status)

    async def _failed(self, d: Delivery, token: str, exc: DeliveryFailed, conversation: tuple[str, str],
                      report: OutboxReport) -> None:
        most = getattr(self.messenger_for(d.workspace_id), "max_attempts", MAX_ATTEMPTS)
        if exc.permanent or (d.attempts >= most and exc.retry_after is None):
            why = exc.reason if exc.permanent else f"gave up after {d.attempts} tries ({exc.reason})"
            await self._give_up(d, token, why, report)
            return
        now = self.clock()
        wait = backoff(d.attempts, self.rng)
        if exc.retry_after is not None:
            # The platform said when: nothing more to this conversation before then, from any
            # worker. Being told to wait is not the message failing, so it costs no attempt.
            until = now + timedelta(seconds=exc.retry_after)
            wait = timedelta(seconds=exc.retry_after + self.rng.uniform(0, 1))  # jitter: workers don't stampede
            self._holds[conversation] = until
            await self.store.hold(d.workspace_id, conversation[1], until)
        await self.store.retry(d.id, token, now + wait, exc.reason[:500], d.uncertain or exc.uncertain,
                               counted=exc.retry_after is None)
        report.retrying.append((d, exc.reason))

    async def _give_up(self, d: Delivery, token: str, why: str, report: OutboxReport) -> None:
        await self.store.fail(d.id, token, why[:500])
        self._finished(d, DeliveryStatus.FAILED)
        report.failed.append((d, why))
        log.warning("delivery %s to %s failed for good: %s", d.key, d.target, why)
        if d.kind is not DeliveryKind.REPORT:
            await self._report_to_admin(d, why)

    async def _report_to_admin(self, d: Delivery, why: str) -> None:
        """Tell one admin (or lead) once per conversation and reason: the report's key makes
        "once" hold across workers and days (an archived channel is reported once, not daily)."""
        async with self.uow_factory(d.workspace_id) as uow:
            people = await uow.people.list()
            admin = next((p for p in people if p.is_admin), None) or next((p for p in people if p.can_lead), None)
            if admin is None:
                return
            reply = Reply(title="A message from Handoff could not be delivered",
                          blocks=(Paragraph((f"{d.kind.value} to {d.target}: {why}. "
                                             "Invite the bot to the channel or check its installation; "
                                             "I will not retry this one."),),))
            reason = why.split()[0] if why else "error"
            await uow.deliveries.add(NewDelivery(f"report:{d.target}:{reason}"[:200], DeliveryKind.REPORT,
                                                 str(Target("dm", admin.platform_user_id)), reply), self.clock())
            await uow.commit()
