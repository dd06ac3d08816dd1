"""``GET /healthz``: can this process reach its database, what is its scheduler doing, how far
behind are the outbox and the inbox.

200 when the database answers, 503 when it does not or takes longer than ``timeout`` (a load
balancer must get its answer in time, so the check gives up rather than hang on a server that
does not answer). The reason names the error, never the URL or a credential.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.drafting.redact import redact
from bot.ports import Clock
from handlers.ops.scheduler_monitor import SchedulerMonitor

TIMEOUT_SECONDS = 2.0
_CREDENTIALS = re.compile(r"://[^/\s@]+@")


Count = Callable[[], Awaitable[tuple[int, datetime | None]]]  # rows waiting, and when the oldest was written


@dataclass(frozen=True)
class Backlog:
    pending: int  # deliveries (or recorded requests) waiting, backing off or being handled
    oldest_age: float | None  # seconds since the oldest of them was written

    def as_json(self) -> dict[str, Any]:
        age = None if self.oldest_age is None else round(self.oldest_age, 1)
        return {"pending": self.pending, "oldest_pending_age_seconds": age}


@dataclass(frozen=True)
class DatabaseProbe:
    """The database checks /healthz and /metrics share, under one deadline."""

    ping: Callable[[], Awaitable[None]]
    backlog: Count  # the outbox
    clock: Clock
    timeout: float = TIMEOUT_SECONDS
    inbox: Count | None = None  # Slack requests acknowledged and not yet handled

    async def check(self) -> tuple[Backlog, Backlog | None]:
        """The outbox and inbox backlogs; raises whatever the database raised, or ``TimeoutError``."""
        async with asyncio.timeout(self.timeout):
            await self.ping()
            outbox = self._backlog(*await self.backlog())
            inbox = self._backlog(*await self.inbox()) if self.inbox else None
        return outbox, inbox

    def _backlog(self, count: int, oldest: datetime | None) -> Backlog:
        return Backlog(count, max(0.0, (self.clock() - oldest).total_seconds()) if oldest else None)

    def describe(self, exc: BaseException) -> str:
        """One line about what went wrong: the driver's error (SQLAlchemy keeps it in ``orig``)
        without the SQL, the URL's credentials or anything that looks like a secret."""
        if isinstance(exc, TimeoutError):
            return f"no answer within {self.timeout:g} s"
        cause = getattr(exc, "orig", None) or exc
        lines = str(cause).strip().splitlines()
        text = f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__
        return redact(_CREDENTIALS.sub("://***@", text))[:300]


def healthz(probe: DatabaseProbe, monitor: SchedulerMonitor | None) -> Handler:
    async def handle(_: web.Request) -> web.Response:
        scheduler = monitor.snapshot() if monitor else {"enabled": False}
        try:
            outbox, inbox = await probe.check()
        except Exception as exc:
            return web.json_response({"status": "unavailable", "database": "unavailable", "reason": probe.describe(exc),
                                      "scheduler": scheduler, "outbox": None, "inbox": None}, status=503)
        return web.json_response({"status": "ok", "database": "ok", "scheduler": scheduler,
                                  "outbox": outbox.as_json(), "inbox": inbox.as_json() if inbox else None})

    return handle
