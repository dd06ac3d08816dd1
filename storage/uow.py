"""The SQLAlchemy unit of work: one session, one transaction, one workspace."""

from __future__ import annotations

import asyncio
from types import TracebackType

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.errors import Contention, TemporarilyUnavailable
from storage.areas import AreaRepository
from storage.database import is_sqlite
from storage.disputes import DisputeRepository
from storage.drafts import DraftRepository
from storage.gates import GateRepository
from storage.handoffs import HandoffRepository
from storage.inbox import InboundEventRepository, finish_in
from storage.people import PersonRepository, WorkspaceRepository
from storage.plans import PlanRepository
from storage.releases import KnowledgeRepository, ReleaseRepository
from storage.scheduling import (
    ConversationRepository,
    DeliveryRepository,
    DigestRepository,
    JobRepository,
    NudgeRepository,
)
from storage.workload import WorkloadRepository


class SqlUnitOfWork:
    """Rolls back on exit unless :meth:`commit` was called; maps an unreachable database to
    :class:`~bot.errors.TemporarilyUnavailable` so users read "try again in a moment"."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: str, writer_lock: asyncio.Lock | None) -> None:
        self._sessions = sessions
        self.workspace_id = workspace_id
        self._writer_lock = writer_lock

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._writer_lock:
            await self._writer_lock.acquire()
        self.session = self._sessions()
        ws = self.workspace_id
        self.workspaces = WorkspaceRepository(self.session, ws)
        self.people = PersonRepository(self.session, ws)
        self.releases = ReleaseRepository(self.session, ws)
        self.handoffs = HandoffRepository(self.session, ws)
        self.areas = AreaRepository(self.session, ws)
        self.knowledge = KnowledgeRepository(self.session, ws)
        self.inbound_events = InboundEventRepository(self.session, ws)
        self.deliveries = DeliveryRepository(self.session, ws)
        self.nudges = NudgeRepository(self.session, ws)
        self.digests = DigestRepository(self.session, ws)
        self.jobs = JobRepository(self.session, ws)
        self.conversations = ConversationRepository(self.session, ws)
        self.drafts = DraftRepository(self.session, ws)
        self.workload = WorkloadRepository(self.session, ws)
        self.gates = GateRepository(self.session, ws)
        self.disputes = DisputeRepository(self.session, ws)
        self.plans = PlanRepository(self.session, ws)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.session.rollback()
        except (DBAPIError, OSError, TimeoutError):
            if exc is None:
                raise
        finally:
            await self.session.close()
            if self._writer_lock:
                self._writer_lock.release()
        if unreachable(exc):
            raise TemporarilyUnavailable("The database is not answering; try again in a moment.") from exc
        if contended(exc):
            raise Contention("Someone changed the same thing at the same moment; please try again.") from exc

    async def commit(self) -> None:
        # A request handled from the inbox is marked done in the transaction that made its change.
        await finish_in(self.session)
        await self.session.commit()


_UNREACHABLE = (
    "connection refused", "connection was closed", "could not connect", "terminating connection",
    "connection is closed", "database is locked", "the database system is starting up",
)


_CONTENDED = ("40P01", "40001")  # PostgreSQL: deadlock_detected, serialization_failure


def contended(exc: BaseException | None) -> bool:
    """PostgreSQL rolled the transaction back to break a deadlock: running it again is safe."""
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in _CONTENDED or "deadlock detected" in str(exc.orig).lower()


def unreachable(exc: BaseException | None) -> bool:
    """The database is down, restarting or out of reach, as opposed to a bug in a query.

    A refused or timed-out connect comes from the driver as a bare ``OSError`` or
    ``TimeoutError`` (asyncpg raises them before SQLAlchemy can wrap them)."""
    if isinstance(exc, (OSError, TimeoutError)):
        return True
    if isinstance(exc, DBAPIError):
        text = f"{exc.orig!r} {exc.orig}".lower()
        return exc.connection_invalidated or any(s in text for s in _UNREACHABLE)
    return False


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        # SQLite has one writer at a time and every transaction here takes the write lock at
        # BEGIN. Waiting for it inside SQLite means its busy handler's sleeps (up to 100 ms a
        # step, even after the lock frees); queueing this process's transactions on an asyncio
        # lock hands it over at once. Other processes still wait through busy_timeout.
        self._writer_lock = asyncio.Lock() if is_sqlite(engine) else None

    @property
    def writer_lock(self) -> asyncio.Lock | None:
        return self._writer_lock

    def __call__(self, workspace_id: str) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, workspace_id, self._writer_lock)
