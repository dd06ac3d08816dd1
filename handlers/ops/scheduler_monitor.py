"""What the scheduler has been doing, for /healthz and /metrics, and a stop that lets a pass finish.

APScheduler reports each tick through events: *submitted* when it hands a job to the loop (the
tick starts at once, so "submitted minus due" is the tick's lag), then *executed*, *error* or
*missed*; *max instances* when a job was due while its previous tick still ran. The monitor keeps
the latest of each per job and counts the ticks still running, which is how :meth:`stop` knows
when the scheduler is idle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobExecutionEvent,
    JobSubmissionEvent,
    SchedulerEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING

log = logging.getLogger("handoff.scheduler")

WATCHED = EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES


class _QuietCancel(logging.Filter):
    """APScheduler logs a tick cancelled at shutdown as a job error with a traceback; :meth:`SchedulerMonitor.stop`
    has already said why, and a clean shutdown should not page anyone."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


_QUIET_CANCEL = _QuietCancel()


class TickObserver(Protocol):
    """Metrics' side of the monitor: ``outcome`` is one of ok, error, missed, skipped."""

    def tick_started(self, job: str, lag: float) -> None: ...
    def tick_finished(self, job: str, outcome: str) -> None: ...


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="milliseconds") if value else None


@dataclass
class JobState:
    due: datetime | None = None  # when the last tick was due
    started: datetime | None = None  # when it was handed to the event loop
    finished: datetime | None = None
    lag: float | None = None  # seconds between the two
    result: str | None = None  # ok | error: <type> | missed; None until a tick has finished
    running: int = 0
    skipped: int = 0  # ticks dropped because the previous one was still running

    def as_json(self, next_run: datetime | None) -> dict[str, Any]:
        return {"last_due": _iso(self.due), "last_started": _iso(self.started), "last_finished": _iso(self.finished),
                "lag_seconds": None if self.lag is None else round(self.lag, 3), "result": self.result,
                "running": self.running > 0, "skipped_while_running": self.skipped, "next_run": _iso(next_run)}


class SchedulerMonitor:
    def __init__(self, observer: TickObserver | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.jobs: dict[str, JobState] = {}
        self._observer = observer
        self._clock = clock
        self._scheduler: AsyncIOScheduler | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def watch(self, scheduler: AsyncIOScheduler) -> AsyncIOScheduler:
        scheduler.add_listener(self.on_event, WATCHED)
        self._scheduler = scheduler
        logging.getLogger("apscheduler.executors.default").addFilter(_QUIET_CANCEL)  # adding it twice keeps one
        for job in scheduler.get_jobs():
            self.jobs.setdefault(job.id, JobState())
        return scheduler

    def on_event(self, event: SchedulerEvent) -> None:
        if not isinstance(event, JobSubmissionEvent | JobExecutionEvent):
            return
        state = self.jobs.setdefault(event.job_id, JobState())
        now = self._clock()
        if isinstance(event, JobSubmissionEvent):
            if event.code == EVENT_JOB_MAX_INSTANCES:
                state.skipped += 1
                self._notify_finished(event.job_id, "skipped")
                return
            state.due, state.started = event.scheduled_run_times[-1], now
            state.lag = max(0.0, (now - state.due).total_seconds())
            state.running += len(event.scheduled_run_times)
            self._idle.clear()
            if self._observer:
                self._observer.tick_started(event.job_id, state.lag)
            return
        state.finished = now
        state.running = max(0, state.running - 1)
        if event.code == EVENT_JOB_ERROR:
            state.result, outcome = f"error: {type(event.exception).__name__}", "error"
        elif event.code == EVENT_JOB_MISSED:
            state.result = outcome = "missed"
        else:
            state.result = outcome = "ok"
        if not any(s.running for s in self.jobs.values()):
            self._idle.set()
        self._notify_finished(event.job_id, outcome)

    def _notify_finished(self, job: str, outcome: str) -> None:
        if self._observer:
            self._observer.tick_finished(job, outcome)

    def snapshot(self) -> dict[str, Any]:
        scheduler = self._scheduler
        next_runs = {job.id: job.next_run_time for job in scheduler.get_jobs()} if scheduler else {}
        return {"enabled": True, "running": bool(scheduler and scheduler.state == STATE_RUNNING),
                "jobs": {name: state.as_json(next_runs.get(name)) for name, state in sorted(self.jobs.items())}}

    async def stop(self, grace: float) -> None:
        """Take no new ticks, give the running ones ``grace`` seconds, then shut down.

        A pass cut short is safe: the deliveries it claimed stay leased and another worker (or
        this one, restarted) takes them over when the lease runs out, first checking whether a
        send that was under way reached the platform."""
        scheduler = self._scheduler
        if scheduler is None or not scheduler.running:
            return
        scheduler.pause()
        try:
            async with asyncio.timeout(grace):
                await self._idle.wait()
        except TimeoutError:
            log.warning("a scheduled pass was still running after %g s: stopping it; the messages it claimed "
                        "go out after their lease", grace)
        scheduler.shutdown(wait=False)
