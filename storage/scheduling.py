"""Storage for scheduled work: deliveries (the outbox), the nudge log, digest subscriptions,
per-workspace job locks, and the cross-workspace claim a worker makes on due deliveries."""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import codec
from bot.domain import DigestSubscription, Handoff, Status
from bot.records import Delivery, DeliveryKind, DeliveryStatus, NewDelivery, PastNudge, Rule
from bot.reminders.digest import DECLINED_DAYS
from storage.base import Repository, utc
from storage.database import write_transaction
from storage.dialect import insert_ignore
from storage.handoffs import _handoff
from storage.models import ConversationRefRow, DeliveryRow, DigestSubscriptionRow, HandoffRow, NudgeRow, WorkspaceRow


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id, workspace_id=row.workspace_id, key=row.key, kind=DeliveryKind(row.kind), target=row.target,
        payload=row.payload, status=DeliveryStatus(row.status), attempts=row.attempts,
        next_attempt_at=utc(row.next_attempt_at), created_at=utc(row.created_at), uncertain=row.uncertain,
        lease_token=row.lease_token, message_id=row.message_id, last_error=row.last_error,
        sent_at=utc(row.sent_at) if row.sent_at else None,
    )


class DeliveryRepository(Repository):
    async def add(self, new: NewDelivery, now: datetime) -> bool:
        """Write it once: a second call with the same key changes nothing and returns False."""
        return await insert_ignore(self.session, DeliveryRow, {
            "workspace_id": self.workspace_id, "key": new.key, "kind": new.kind.value, "target": new.target,
            "payload": codec.dumps(new.reply), "status": new.status.value, "attempts": 0, "next_attempt_at": now,
            "uncertain": new.uncertain, "created_at": now,
        }, ["workspace_id", "key"])

    async def get(self, key: str) -> Delivery | None:
        row = (await self.session.execute(
            select(DeliveryRow).where(DeliveryRow.workspace_id == self.workspace_id, DeliveryRow.key == key))).scalar()
        return _delivery(row) if row else None

    async def existing_keys(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        stmt = select(DeliveryRow.key).where(DeliveryRow.workspace_id == self.workspace_id, DeliveryRow.key.in_(keys))
        return set((await self.session.execute(stmt)).scalars())

    async def times_to(self, targets: Sequence[str], kind: DeliveryKind, since: datetime) -> dict[str, list[datetime]]:
        """When each target was last sent (or queued) a delivery of this kind: the daily DM limit."""
        if not targets:
            return {}
        stmt = select(DeliveryRow.target, DeliveryRow.created_at).where(
            DeliveryRow.workspace_id == self.workspace_id, DeliveryRow.kind == kind.value,
            DeliveryRow.target.in_(targets), DeliveryRow.created_at >= since)
        found: dict[str, list[datetime]] = {}
        for target, at in await self.session.execute(stmt):
            found.setdefault(target, []).append(utc(at))
        return found

    async def cancel_pending(self) -> int:
        """An uninstalled workspace: nothing of it goes out any more."""
        stmt = (update(DeliveryRow)
                .where(DeliveryRow.workspace_id == self.workspace_id,
                       DeliveryRow.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value]))
                .values(status=DeliveryStatus.FAILED.value, last_error="workspace uninstalled", lease_token=None))
        return (await self.session.execute(stmt)).rowcount


class NudgeRepository(Repository):
    async def add(self, key: str, rule: Rule, person_id: int, handoff_id: int | None, delivery_key: str, at: datetime) -> bool:
        return await insert_ignore(self.session, NudgeRow, {
            "workspace_id": self.workspace_id, "key": key, "rule": rule.value, "person_id": person_id,
            "handoff_id": handoff_id, "delivery_key": delivery_key, "at": at,
        }, ["workspace_id", "key"])

    async def since(self, since: datetime) -> list[PastNudge]:
        """The nudges recorded since then, each with whether its delivery reached the platform."""
        sent = (DeliveryRow.status == DeliveryStatus.SENT.value).label("sent")
        stmt = (select(NudgeRow.key, NudgeRow.rule, NudgeRow.person_id, NudgeRow.at, NudgeRow.handoff_id, sent)
                .outerjoin(DeliveryRow, and_(DeliveryRow.workspace_id == NudgeRow.workspace_id,
                                             DeliveryRow.key == NudgeRow.delivery_key))
                .where(NudgeRow.workspace_id == self.workspace_id, NudgeRow.at >= since)
                .order_by(NudgeRow.at))
        return [PastNudge(key, Rule(rule), person_id, utc(at), handoff_id, bool(delivered))
                for key, rule, person_id, at, handoff_id, delivered in (await self.session.execute(stmt)).all()]

    async def existing(self, keys: Sequence[str]) -> set[str]:
        """Which of these keys were recorded already, however long ago."""
        if not keys:
            return set()
        stmt = select(NudgeRow.key).where(NudgeRow.workspace_id == self.workspace_id, NudgeRow.key.in_(set(keys)))
        return set((await self.session.execute(stmt)).scalars())


class DigestRepository(Repository):
    async def list(self) -> list[DigestSubscription]:
        stmt = select(DigestSubscriptionRow).where(DigestSubscriptionRow.workspace_id == self.workspace_id)
        return [_subscription(r) for r in (await self.session.execute(stmt.order_by(DigestSubscriptionRow.id))).scalars()]

    async def by_channel(self, channel: str) -> DigestSubscription | None:
        stmt = select(DigestSubscriptionRow).where(DigestSubscriptionRow.workspace_id == self.workspace_id,
                                                   DigestSubscriptionRow.channel == channel)
        row = (await self.session.execute(stmt)).scalar()
        return _subscription(row) if row else None

    async def save(self, sub: DigestSubscription) -> DigestSubscription:
        """Create or change the channel's subscription (one per channel)."""
        stmt = select(DigestSubscriptionRow).where(DigestSubscriptionRow.workspace_id == self.workspace_id,
                                                   DigestSubscriptionRow.channel == sub.channel)
        row = (await self.session.execute(stmt)).scalar()
        if row is None:
            row = DigestSubscriptionRow(workspace_id=self.workspace_id, channel=sub.channel, created_at=sub.created_at)
            self.session.add(row)
        row.local_time = f"{sub.local_time:%H:%M}"
        row.timezone = sub.timezone
        row.release_id = sub.release_id
        row.private = sub.private
        row.all_clear = sub.all_clear
        row.created_by = sub.created_by
        await self.session.flush()
        return _subscription(row)

    async def remove(self, channel: str) -> bool:
        stmt = delete(DigestSubscriptionRow).where(DigestSubscriptionRow.workspace_id == self.workspace_id,
                                                   DigestSubscriptionRow.channel == channel)
        return (await self.session.execute(stmt)).rowcount > 0


def _subscription(row: DigestSubscriptionRow) -> DigestSubscription:
    hour, minute = (int(x) for x in row.local_time.split(":"))
    return DigestSubscription(
        id=row.id, workspace_id=row.workspace_id, channel=row.channel, local_time=time(hour, minute),
        timezone=row.timezone, created_at=utc(row.created_at), release_id=row.release_id, private=row.private,
        all_clear=row.all_clear, created_by=row.created_by,
    )


class JobRepository(Repository):
    """What the scheduled passes read and the lock that keeps two workers off one workspace."""

    async def try_lock(self, job: str) -> bool:
        """PostgreSQL: a transaction-scoped advisory lock, skipped (not waited for) when taken.
        SQLite: every transaction already holds the one write lock (BEGIN IMMEDIATE)."""
        if self.session.bind.dialect.name != "postgresql":
            return True
        key = zlib.crc32(f"{job}:{self.workspace_id}".encode()) - 2**31
        return bool((await self.session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})).scalar())

    async def nudge_settings(self) -> dict | None:
        return (await self.session.execute(
            select(WorkspaceRow.nudge_settings).where(WorkspaceRow.id == self.workspace_id))).scalar()

    async def set_nudge_settings(self, values: dict) -> None:
        await self.session.execute(update(WorkspaceRow).where(WorkspaceRow.id == self.workspace_id)
                                   .values(nudge_settings=values))

    async def nudge_candidates(self, now: datetime, due_by: datetime, created_before: datetime) -> list[Handoff]:
        """Active handoffs that a rule could fire on: due soon or overdue, still open a day on,
        or with no owner. Uses the (workspace, status, due_date) index; the policy decides."""
        active = [s.value for s in (Status.OPEN, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.BLOCKED,
                                    Status.NEEDS_INFO)]
        stmt = select(HandoffRow).where(
            HandoffRow.workspace_id == self.workspace_id,
            HandoffRow.status.in_(active),
            or_(HandoffRow.due_date <= due_by.date(),
                and_(HandoffRow.status == Status.OPEN.value, HandoffRow.created_at <= created_before),
                HandoffRow.owner_id.is_(None)),
            or_(HandoffRow.snoozed_until.is_(None), HandoffRow.snoozed_until <= now),
        )
        return [_handoff(r) for r in (await self.session.execute(stmt)).scalars()]

    async def digest_handoffs(self, since: datetime, due_by: datetime, release_id: int | None) -> list[Handoff]:
        """What a digest can mention: changed since the last one, or active and due by ``due_by``,
        still unacknowledged (status open), stuck (blocked or waiting for an answer), or declined
        within the last week."""
        # The workspace (and release) is repeated inside each branch so that SQLite, like
        # PostgreSQL, answers each branch from an index (updated_at, or status and due date)
        # instead of walking the workspace's whole history.
        scope = [HandoffRow.workspace_id == self.workspace_id]
        if release_id is not None:
            scope.append(HandoffRow.release_id == release_id)
        busy = [s.value for s in (Status.ACKNOWLEDGED, Status.IN_PROGRESS)]
        stuck = [Status.OPEN.value, Status.BLOCKED.value, Status.NEEDS_INFO.value]
        stmt = select(HandoffRow).where(or_(
            and_(*scope, HandoffRow.updated_at >= since),
            and_(*scope, HandoffRow.status.in_(stuck)),
            and_(*scope, HandoffRow.status.in_(busy), HandoffRow.due_date <= due_by.date()),
            and_(*scope, HandoffRow.status == Status.DECLINED.value,
                 HandoffRow.updated_at >= since - timedelta(days=DECLINED_DAYS + 1)),
        ))
        return [_handoff(r) for r in (await self.session.execute(stmt.order_by(HandoffRow.number))).scalars()]


class SqlOutboxStore:
    """Claims due deliveries across workspaces: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so two
    workers take disjoint rows; on SQLite the claim is one ``UPDATE … RETURNING`` under the
    database's single write lock."""

    def __init__(self, engine: AsyncEngine, writer_lock: asyncio.Lock | None = None) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._postgres = engine.dialect.name == "postgresql"
        self._writer_lock = writer_lock  # SQLite: share the unit of work's, so writers queue in-process

    def _write(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        return write_transaction(self._sessions, self._writer_lock)

    async def claim(self, now: datetime, limit: int, lease: timedelta, token: str) -> list[Delivery]:
        ready = or_(
            and_(DeliveryRow.status == DeliveryStatus.PENDING.value, DeliveryRow.next_attempt_at <= now),
            and_(DeliveryRow.status == DeliveryStatus.SENDING.value, DeliveryRow.lease_until < now),
        )
        pick = select(DeliveryRow.id).where(ready).order_by(DeliveryRow.next_attempt_at, DeliveryRow.id).limit(limit)
        if self._postgres:
            pick = pick.with_for_update(skip_locked=True)
        # A row still "sending" when its lease ran out may have reached the platform: uncertain.
        stmt = (
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(pick.scalar_subquery()))
            .values(status=DeliveryStatus.SENDING.value, lease_token=token, lease_until=now + lease,
                    attempts=DeliveryRow.attempts + 1,
                    uncertain=or_(DeliveryRow.uncertain, DeliveryRow.status == DeliveryStatus.SENDING.value))
            .returning(DeliveryRow)
            .execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            rows = (await session.execute(stmt)).scalars().all()
            return sorted((_delivery(r) for r in rows), key=lambda d: (d.next_attempt_at, d.id))

    async def due(self, now: datetime, limit: int) -> list[Delivery]:
        stmt = (select(DeliveryRow).where(DeliveryRow.status == DeliveryStatus.PENDING.value,
                                          DeliveryRow.next_attempt_at <= now)
                .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id).limit(limit))
        async with self._sessions() as session:
            return [_delivery(r) for r in (await session.execute(stmt)).scalars()]

    async def mark_sent(self, delivery_id: int, token: str, message_id: str, now: datetime) -> bool:
        return await self._finish(delivery_id, token, status=DeliveryStatus.SENT.value, message_id=message_id,
                                  sent_at=now, last_error=None, lease_token=None, lease_until=None)

    async def retry(self, delivery_id: int, token: str, at: datetime, error: str, uncertain: bool,
                    counted: bool = True) -> None:
        extra = {} if counted else {"attempts": DeliveryRow.attempts - 1}
        await self._finish(delivery_id, token, status=DeliveryStatus.PENDING.value, next_attempt_at=at,
                           last_error=error, uncertain=uncertain, lease_token=None, lease_until=None, **extra)

    async def hold(self, workspace_id: str, address: str, until: datetime) -> int:
        """Push every pending delivery to one conversation past ``until`` (a 429's Retry-After)."""
        stmt = (update(DeliveryRow)
                .where(DeliveryRow.workspace_id == workspace_id, DeliveryRow.status == DeliveryStatus.PENDING.value,
                       DeliveryRow.next_attempt_at < until,
                       or_(DeliveryRow.target.in_([f"channel:{address}", f"dm:{address}"]),
                           DeliveryRow.target.startswith(f"thread:{address}:", autoescape=True)))
                .values(next_attempt_at=until).execution_options(synchronize_session=False))
        async with self._write() as session:
            return (await session.execute(stmt)).rowcount

    async def fail(self, delivery_id: int, token: str, error: str) -> None:
        await self._finish(delivery_id, token, status=DeliveryStatus.FAILED.value, last_error=error,
                           lease_token=None, lease_until=None)

    async def _finish(self, delivery_id: int, token: str, **values: object) -> bool:
        """Only the lease holder may finish a row: a worker whose lease ran out changes nothing."""
        stmt = (update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id, DeliveryRow.lease_token == token)
                .values(**values).execution_options(synchronize_session=False))
        async with self._write() as session:
            return (await session.execute(stmt)).rowcount == 1

    async def counts(self) -> dict[str, int]:
        stmt = select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
        async with self._sessions() as session:
            return {status: n for status, n in await session.execute(stmt)}

    async def backlog(self) -> tuple[int, datetime | None]:
        """Deliveries not yet finished (waiting, backing off or being sent) and when the oldest
        of them was written: what health checks and metrics report. Uses the status index."""
        unfinished = [DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value]
        stmt = select(func.count(), func.min(DeliveryRow.created_at)).where(DeliveryRow.status.in_(unfinished))
        async with self._sessions() as session:
            count, oldest = (await session.execute(stmt)).one()
        return count, utc(oldest) if oldest else None

    async def workspace_ids(self) -> list[str]:
        async with self._sessions() as session:
            return list((await session.execute(select(WorkspaceRow.id).order_by(WorkspaceRow.id))).scalars())


class ConversationRepository(Repository):
    """Conversation references by conversation, and a person's 1:1 chat."""

    async def save(self, conversation_id: str, kind: str, user_id: str | None, reference: dict, now: datetime) -> None:
        stmt = select(ConversationRefRow).where(ConversationRefRow.workspace_id == self.workspace_id,
                                                ConversationRefRow.conversation_id == conversation_id)
        row = (await self.session.execute(stmt)).scalar()
        if row is None:
            inserted = await insert_ignore(self.session, ConversationRefRow, {
                "workspace_id": self.workspace_id, "conversation_id": conversation_id, "kind": kind, "user_id": user_id,
                "reference": reference, "active": True, "updated_at": now}, ["workspace_id", "conversation_id"])
            if inserted:
                return
            row = (await self.session.execute(stmt)).scalar_one()
        row.kind, row.reference, row.active, row.updated_at = kind, reference, True, now
        row.user_id = user_id or row.user_id

    async def get(self, conversation_id: str) -> dict | None:
        stmt = select(ConversationRefRow.reference).where(
            ConversationRefRow.workspace_id == self.workspace_id, ConversationRefRow.conversation_id == conversation_id,
            ConversationRefRow.active.is_(True))
        return (await self.session.execute(stmt)).scalar()

    async def personal(self, user_id: str) -> dict | None:
        stmt = (select(ConversationRefRow.reference)
                .where(ConversationRefRow.workspace_id == self.workspace_id, ConversationRefRow.user_id == user_id,
                       ConversationRefRow.kind == "personal", ConversationRefRow.active.is_(True))
                .order_by(ConversationRefRow.updated_at.desc()).limit(1))
        return (await self.session.execute(stmt)).scalar()

    async def any_reference(self) -> dict | None:
        """Any live reference of the workspace: its service URL and tenant start a new 1:1 chat."""
        stmt = (select(ConversationRefRow.reference)
                .where(ConversationRefRow.workspace_id == self.workspace_id, ConversationRefRow.active.is_(True))
                .order_by(ConversationRefRow.updated_at.desc()).limit(1))
        return (await self.session.execute(stmt)).scalar()

    async def mark_dead(self, conversation_id: str) -> bool:
        stmt = (update(ConversationRefRow)
                .where(ConversationRefRow.workspace_id == self.workspace_id,
                       ConversationRefRow.conversation_id == conversation_id, ConversationRefRow.active.is_(True))
                .values(active=False))
        return (await self.session.execute(stmt)).rowcount == 1
