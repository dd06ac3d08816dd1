"""The inbox: platform requests recorded before they are acknowledged, handled after.

Slack waits at most 3 s for an ack and shows an error when it is late; the work a command
does (a transaction, cards, DMs) is ten times what an ack costs. So the edge only checks the
signature, records the request here and acks; a handler (``handlers.inbox_worker``) runs it
moments later. What Slack was told was accepted is therefore in the database first
(RELIABILITY 6), and a process that dies after the ack loses nothing: the row is claimed again
when its lease runs out.

Two things keep the edge cheap and the handling exactly-once:

* :class:`SqlInbox` commits the rows of requests that arrive together in one transaction
  (group commit): fifty requests at once cost about one commit, not fifty queued on SQLite's
  single write lock.
* While a claimed row is handled, :data:`CLAIM` names it; the first unit of work that commits
  marks the row done in the same transaction (:func:`finish_in`), so the request's change and
  "handled" are one atomic fact. If the lease was taken over meanwhile, that commit fails and
  the change is not made twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.base import Repository, utc
from storage.database import write_transaction
from storage.dialect import insert_ignore
from storage.models import InboundEventRow, InboxRow

log = logging.getLogger("handoff.inbox")

MAX_ATTEMPTS = 3  # a request that brought a handler down three times is dropped, with an error logged


@dataclass(frozen=True)
class NewRequest:
    workspace_id: str
    key: str
    source: str
    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Claimed:
    id: int
    workspace_id: str
    source: str
    body: str
    headers: dict[str, str]
    received_at: datetime
    attempts: int
    token: str


@dataclass
class Claim:
    """The row being handled in this task; ``finished`` once a transaction has marked it done."""

    row: Claimed
    now: datetime
    finished: bool = False


class LeaseLost(Exception):
    """Another handler took this row over (ours ran past its lease): its change must not be made."""


CLAIM: ContextVar[Claim | None] = ContextVar("inbox_claim", default=None)


async def finish_in(session: AsyncSession) -> None:
    """Mark the current task's claimed row done inside ``session``'s transaction, once.

    Called by the unit of work just before it commits; a no-op outside inbox handling."""
    claim = CLAIM.get()
    if claim is None or claim.finished:
        return
    if not await _finish(session, claim.row, claim.now):
        raise LeaseLost(f"inbox row {claim.row.id} was taken over by another handler")
    claim.finished = True


async def _finish(session: AsyncSession, row: Claimed, now: datetime) -> bool:
    stmt = (update(InboxRow).where(InboxRow.id == row.id, InboxRow.lease_token == row.token, InboxRow.done_at.is_(None))
            .values(done_at=now, lease_token=None, lease_until=None).execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount == 1


@dataclass
class _Waiting:
    request: NewRequest
    done: asyncio.Future[bool] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class SqlInbox:
    """Records, claims and finishes inbox rows across workspaces (the handler is not one workspace's)."""

    def __init__(self, engine: AsyncEngine, writer_lock: asyncio.Lock | None = None) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._postgres = engine.dialect.name == "postgresql"
        self._writer_lock = writer_lock  # SQLite: the unit of work's, so this process's writers queue in order
        self._waiting: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None

    def _write(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        return write_transaction(self._sessions, self._writer_lock)

    # --- the edge: group commit -------------------------------------------------------------

    async def record(self, request: NewRequest) -> bool:
        """Store ``request`` durably; ``False`` when its key was recorded before (a retry or replay).

        Requests that arrive while a commit is running wait for the next one, which takes them
        all: one transaction per burst instead of one per request."""
        waiting = _Waiting(request)
        self._waiting.append(waiting)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())
        return await asyncio.shield(waiting.done)

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                inserted = await self._insert([w.request for w in batch])
            except Exception as exc:  # every request of the batch hears it: each edge answers for itself
                for w in batch:
                    if not w.done.done():
                        w.done.set_exception(exc)
                continue
            for w in batch:  # a key twice in one batch: the first of them recorded it
                key = (w.request.workspace_id, w.request.key)
                if not w.done.done():
                    w.done.set_result(key in inserted)
                inserted.discard(key)

    async def _insert(self, requests: list[NewRequest]) -> set[tuple[str, str]]:
        now = datetime.now(UTC)
        unique = {(r.workspace_id, r.key): r for r in requests}  # one burst may carry a retry of itself
        rows = [{"workspace_id": r.workspace_id, "key": r.key, "source": r.source, "body": r.body, "headers": r.headers,
                 "received_at": now, "attempts": 0} for r in unique.values()]
        async with self._write() as session:
            return {(w, k) for w, k in await session.execute(self._insert_stmt, rows)}

    @functools.cached_property
    def _insert_stmt(self) -> Any:
        """One statement whatever the batch size, so SQLAlchemy compiles it once (``insertmanyvalues``)."""
        dialect = postgresql if self._postgres else sqlite
        return (dialect.insert(InboxRow).on_conflict_do_nothing(index_elements=["workspace_id", "key"])
                .returning(InboxRow.workspace_id, InboxRow.key))

    # --- the handler ------------------------------------------------------------------------

    async def claim(self, now: datetime, limit: int, lease: timedelta, token: str,
                    source: str | None = None) -> list[Claimed]:
        """Take up to ``limit`` rows (of ``source``, when given) not done and not leased (or whose
        lease ran out), oldest first."""
        ready = and_(InboxRow.done_at.is_(None), InboxRow.attempts < MAX_ATTEMPTS,
                     or_(InboxRow.lease_until.is_(None), InboxRow.lease_until < now))
        if source is not None:
            ready = and_(ready, InboxRow.source == source)
        pick = select(InboxRow.id).where(ready).order_by(InboxRow.id).limit(limit)
        if self._postgres:
            pick = pick.with_for_update(skip_locked=True)
        stmt = (update(InboxRow).where(InboxRow.id.in_(pick.scalar_subquery()))
                .values(lease_token=token, lease_until=now + lease, attempts=InboxRow.attempts + 1)
                .returning(InboxRow).execution_options(synchronize_session=False))
        async with self._write() as session:
            rows = (await session.execute(stmt)).scalars().all()
        return sorted((Claimed(r.id, r.workspace_id, r.source, r.body, dict(r.headers or {}), utc(r.received_at), r.attempts, token)
                       for r in rows), key=lambda c: c.id)

    async def finish(self, row: Claimed, now: datetime) -> bool:
        """Mark a row done that no transaction marked (a read-only command, a refusal)."""
        async with self._write() as session:
            return await _finish(session, row, now)

    async def backlog(self) -> tuple[int, datetime | None]:
        """Rows waiting to be handled, and when the oldest arrived: /healthz and /metrics."""
        stmt = select(func.count(), func.min(InboxRow.received_at)).where(InboxRow.done_at.is_(None),
                                                                          InboxRow.attempts < MAX_ATTEMPTS)
        async with self._sessions() as session:
            count, oldest = (await session.execute(stmt)).one()
        return int(count), utc(oldest) if oldest else None

    async def purge(self, before: datetime) -> int:
        """Forget rows received before ``before``: handled ones, and ones dropped after MAX_ATTEMPTS.

        A request's body holds what a person typed; it is kept only as long as a retry can need it."""
        async with self._write() as session:
            result = await session.execute(delete(InboxRow).where(InboxRow.received_at < before)
                                            .execution_options(synchronize_session=False))
            return result.rowcount


class InboundEventRepository(Repository):
    async def claim(self, event_id: str, at: datetime) -> bool:
        """``True`` the first time an event id is seen in this workspace, ``False`` for a retry."""
        return await insert_ignore(
            self.session, InboundEventRow,
            {"workspace_id": self.workspace_id, "event_id": event_id, "received_at": at},
            ["workspace_id", "event_id"],
        )

    async def forget(self, event_id: str) -> None:
        """Un-claim an event whose handling failed, so the platform's retry is processed."""
        await self.session.execute(
            delete(InboundEventRow).where(InboundEventRow.workspace_id == self.workspace_id, InboundEventRow.event_id == event_id)
        )
