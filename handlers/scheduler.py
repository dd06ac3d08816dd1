"""APScheduler wiring: three interval jobs that call the passes; exactly-once lives in the database.

The scheduler keeps no job store (STACK-NOTES: a shared SQLAlchemyJobStore duplicates or misses
runs across processes). Each tick is idempotent, so any number of processes may run it:
``coalesce`` folds missed ticks into one and ``max_instances=1`` keeps a slow pass from
overlapping itself. The first run of each job is at start-up, which is how a digest missed during
downtime goes out within a minute of coming back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.outbox import Outbox
from bot.reminders.jobs import Jobs

log = logging.getLogger("handoff.scheduler")


@dataclass(frozen=True)
class Intervals:
    nudges: float = 300.0
    digests: float = 60.0
    outbox: float = 30.0


class Ticks:
    """What each tick does; a pass that queued messages sends them at once instead of waiting."""

    def __init__(self, jobs: Jobs, outbox: Outbox) -> None:
        self.jobs = jobs
        self.outbox = outbox
        self.last_run: dict[str, datetime] = {}

    async def nudges(self) -> None:
        report = await self.jobs.nudges()
        self._ran("nudges")
        if report.queued:
            await self.outbox.drain()

    async def digests(self) -> None:
        report = await self.jobs.digests()
        self._ran("digests")
        if report.queued:
            await self.outbox.drain()

    async def send(self) -> None:
        await self.outbox.drain()
        self._ran("outbox")

    def _ran(self, job: str) -> None:
        self.last_run[job] = datetime.now(UTC)


def build_scheduler(ticks: Ticks, intervals: Intervals = Intervals()) -> AsyncIOScheduler:
    """Not started: call ``start()`` inside the running loop (aiohttp ``on_startup``)."""
    scheduler = AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    now = datetime.now(UTC)
    scheduler.add_job(ticks.digests, "interval", seconds=intervals.digests, id="digests", next_run_time=now)
    scheduler.add_job(ticks.nudges, "interval", seconds=intervals.nudges, id="nudges", next_run_time=now)
    scheduler.add_job(ticks.send, "interval", seconds=intervals.outbox, id="outbox", next_run_time=now)
    return scheduler
