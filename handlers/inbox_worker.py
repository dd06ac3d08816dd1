"""The inbox's handler loop, shared by every platform that acknowledges first and works second.

The edge records a request (``storage.inbox``) and answers at once; an :class:`InboxWorker`
claims recorded rows of its own ``source`` under a lease and hands each to :meth:`run`, which a
platform implements (Slack replays the body through bolt, Teams through the CloudAdapter). The
first unit of work that commits while a row is claimed marks it done in the same transaction
(``storage.inbox.finish_in``), so a row whose change committed is never run again; one that died
before it is claimed again when its lease runs out.

Acks come first: a claimed row waits (at most ``QUIET_WAIT``, counted from when it arrived)
while any request is being acknowledged, so the work of a burst runs after its acks.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from bot.log_context import REQUEST_ID, bind_workspace
from storage.inbox import CLAIM, Claim, Claimed, NewRequest, SqlInbox

log = logging.getLogger("handoff.inbox")

AT_ONCE = 16  # rows handled together: a burst's answers overlap their database and platform waits
ANSWERS_FIRST = 1.0  # seconds work after an answer (cards, DMs) may wait for the answers still to come
LEASE = timedelta(seconds=120)  # longer than any command takes; a dead process's rows are retaken after it
POLL_SECONDS = 5.0  # rows another process recorded, or left behind when it died
QUIET_WAIT = 0.5  # seconds a row may wait for the acks in flight
QUIET_GRACE = 0.002  # and how long no ack must have been open: the ack's bytes leave before the work starts
PURGE_AFTER = timedelta(days=1)
DRAIN_SECONDS = 10.0
REQUEST_HEADER = "x-request-id"


class InboxWorker(abc.ABC):
    """Records requests of one ``source`` at the edge and runs them in the background, exactly once."""

    source: str = ""

    def __init__(self, store: SqlInbox, *, at_once: int = AT_ONCE, lease: timedelta = LEASE) -> None:
        self.store = store
        self.at_once = at_once
        self.lease = lease
        self._in_flight = 0  # requests being acknowledged right now
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._idle = asyncio.Event()  # nothing recorded is waiting to be handled
        self._idle.set()
        self._wake = asyncio.Event()
        self._recorded = 0  # requests this process recorded ...
        self._settled = 0  # ... all of which, up to this count, were handled (a later claim found none left)
        self._progress = asyncio.Condition()
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None
        self._token = uuid.uuid4().hex
        self._last_purge = datetime.min.replace(tzinfo=UTC)

    @abc.abstractmethod
    async def run(self, row: Claimed) -> None:
        """Handle one recorded request; the platform's part."""

    # --- the edge ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def acknowledging(self) -> Iterator[None]:
        """Around every request the edge answers: while any is open, handling waits."""
        self._in_flight += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._quiet.set()

    async def record(self, workspace_id: str, key: str, body: str, headers: dict[str, str]) -> bool:
        """Record the request and wake the handler; ``False`` for a repeat of one already recorded."""
        kept = dict(headers)
        if request_id := REQUEST_ID.get():
            kept[REQUEST_HEADER] = request_id  # the handler's log lines carry the request's id
        fresh = await self.store.record(NewRequest(workspace_id, key, self.source, body, kept))
        if not fresh:
            log.info("a repeated %s request (%s) was dropped", self.source, key.partition(":")[0])
        self._recorded += 1
        self._idle.clear()
        self._wake.set()
        return fresh

    async def answers_first(self, longest: float = ANSWERS_FIRST) -> None:
        """Wait (at most ``longest`` seconds) until every recorded request has been answered.

        Work that follows an answer (posting a card, a DM) calls this first: in a burst, the
        answers people wait for go out before the cards of the first ones, not after."""
        if self._runner is None or self._runner.done():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(longest):
                await self._idle.wait()

    # --- the handler ------------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Finish the rows being handled and stop; rows not claimed yet wait for the next start."""
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner

    async def drain(self) -> None:
        """Wait until every request this process recorded so far has been handled (tests, shutdown).

        Gives up after ``DRAIN_SECONDS`` (the database may be away): the rows wait in the inbox."""
        target = self._recorded
        if self._settled >= target or self._runner is None or self._runner.done():
            return
        self._wake.set()
        try:
            async with asyncio.timeout(DRAIN_SECONDS), self._progress:
                await self._progress.wait_for(lambda: self._settled >= target or self._runner is None or self._runner.done())
        except TimeoutError:
            log.warning("requests recorded in the inbox are still waiting after %.0f s", DRAIN_SECONDS)

    async def _run(self) -> None:
        while not self._stopping:
            recorded = self._recorded  # an empty claim below means every one of these was handled
            self._wake.clear()
            now = datetime.now(UTC)
            try:
                rows = await self.store.claim(now, self.at_once, self.lease, self._token, source=self.source)
                if now - self._last_purge > timedelta(hours=1):
                    self._last_purge = now
                    await self.store.purge(now - PURGE_AFTER)
            except Exception as exc:  # the database is away: the rows wait, and so do we
                log.warning("could not read the inbox (%s); trying again in %.0f s", type(exc).__name__, POLL_SECONDS)
                rows = None
            if rows:
                await asyncio.gather(*(self._handle(row) for row in rows))
                continue
            if rows is not None:
                self._idle.set()
                async with self._progress:
                    self._settled = recorded
                    self._progress.notify_all()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._wake.wait()

    async def _handle(self, row: Claimed) -> None:
        """Run one recorded request as its sender, then mark it done."""
        await self._after_acks(row)
        claim = Claim(row, datetime.now(UTC))
        CLAIM.set(claim)  # this task's own context: gather() runs each row in a task of its own
        REQUEST_ID.set(row.headers.get(REQUEST_HEADER))
        bind_workspace(row.workspace_id)
        if row.attempts > 1:
            log.warning("inbox row %s: attempt %s (an earlier handler stopped part-way)", row.id, row.attempts)
        try:
            await self.run(row)
        except Exception:
            log.exception("a recorded %s request failed (inbox row %s)", self.source, row.id)
        marked = claim.finished  # the request's own commit marked the row done: nothing left to write
        claim.finished = True  # what it started (cards, DMs) commits on its own: the request is handled
        if marked:
            return
        try:
            await self.store.finish(row, datetime.now(UTC))  # a read-only command, a refusal, a failure
        except Exception as exc:
            log.warning("could not mark inbox row %s handled (%s): it runs again after its lease", row.id,
                        type(exc).__name__)

    async def _after_acks(self, row: Claimed) -> None:
        """Let the acks in flight go first: they are what the platform times; this row's work can wait a moment."""
        waited = (datetime.now(UTC) - row.received_at).total_seconds()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, QUIET_WAIT - waited)):
                while True:
                    await self._quiet.wait()
                    await asyncio.sleep(QUIET_GRACE)
                    if self._quiet.is_set():
                        return


@contextlib.contextmanager
def unclaimed() -> Iterator[None]:
    """Writes that are bookkeeping, not the request's change (a stored conversation reference):
    their commit must not mark the claimed row done, or a crash just after would lose the change."""
    token = CLAIM.set(None)
    try:
        yield
    finally:
        CLAIM.reset(token)
