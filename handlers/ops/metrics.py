"""``GET /metrics`` in Prometheus format, from a registry each web app owns.

Not the process-wide default registry: tests build several apps in one process, and each app's
numbers must be its own. Labels are bounded on purpose (a route's canonical path, never the raw
URL; a delivery's kind, never its workspace), so scanners and tenants cannot grow the series.
"""

from __future__ import annotations

import logging
import time
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.aiohttp import make_aiohttp_handler
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from bot.records import DeliveryKind, DeliveryStatus
from handlers.ops.health import DatabaseProbe

log = logging.getLogger("handoff.metrics")

# Slack wants an ack within 3 s: the buckets are fine where acks live and stop at the budget.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0)
UNMATCHED = "unmatched"  # 404s and 405s: one series, whatever was asked for


def _package_version() -> str:
    try:
        return version("handoff")
    except PackageNotFoundError:
        return "unknown"


class Metrics:
    """The app's metrics; also the outbox's :class:`bot.delivery.outbox.DeliveryObserver` and the
    scheduler monitor's ``TickObserver``."""

    def __init__(self, *, scheduler: bool) -> None:
        self.registry = r = CollectorRegistry()
        self.requests = Counter("handoff_http_requests", "HTTP requests answered, by route, method and status",
                                ["route", "method", "status"], registry=r)
        self.latency = Histogram("handoff_http_request_duration_seconds", "Time to answer an HTTP request, by route",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=r)
        self.in_flight = Gauge("handoff_http_requests_in_flight", "HTTP requests being answered now", registry=r)
        self.deliveries = Counter("handoff_outbox_deliveries", "Outbox deliveries that reached a final status",
                                  ["kind", "status"], registry=r)
        self.pending = Gauge("handoff_outbox_pending", "Outbox deliveries not yet sent or given up", registry=r)
        self.oldest_pending = Gauge("handoff_outbox_oldest_pending_age_seconds",
                                    "Age of the oldest outbox delivery not yet sent (0 when none)", registry=r)
        self.inbox_pending = Gauge("handoff_inbox_pending", "Slack requests acknowledged and not yet handled", registry=r)
        self.inbox_oldest = Gauge("handoff_inbox_oldest_pending_age_seconds",
                                  "Age of the oldest Slack request acknowledged and not yet handled (0 when none)", registry=r)
        self.database_up = Gauge("handoff_database_up", "1 when the database answered the last scrape", registry=r)
        self.tick_lag = Gauge("handoff_scheduler_lag_seconds",
                              "How late the last tick of each scheduled job started after it was due", ["job"], registry=r)
        self.ticks = Counter("handoff_scheduler_ticks", "Scheduled job ticks by job and outcome (ok, error, missed, skipped)",
                             ["job", "outcome"], registry=r)
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        Info("handoff_build", "This process: version, and whether it runs the scheduler", registry=r).info(
            {"version": _package_version(), "scheduler": "on" if scheduler else "off"})

    # --- the outbox and the scheduler report here ----------------------------------------------

    def delivery_finished(self, kind: DeliveryKind, status: DeliveryStatus) -> None:
        self.deliveries.labels(kind.value, status.value).inc()

    def tick_started(self, job: str, lag: float) -> None:
        self.tick_lag.labels(job).set(lag)

    def tick_finished(self, job: str, outcome: str) -> None:
        self.ticks.labels(job, outcome).inc()

    # --- HTTP -----------------------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else UNMATCHED
        status = 500
        self.in_flight.inc()
        started = time.perf_counter()
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.in_flight.dec()
            self.requests.labels(route, request.method, str(status)).inc()
            self.latency.labels(route).observe(time.perf_counter() - started)

    def handler(self, probe: DatabaseProbe) -> Handler:
        """Serve the registry; the outbox and inbox backlogs are read from the database at scrape time."""
        export = make_aiohttp_handler(self.registry)

        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                backlog, inbox = await probe.check()
            except Exception as exc:
                log.warning("metrics: the database did not answer (%s)", probe.describe(exc))
                self.database_up.set(0)
            else:
                self.database_up.set(1)
                self.pending.set(backlog.pending)
                self.oldest_pending.set(backlog.oldest_age or 0.0)
                if inbox is not None:
                    self.inbox_pending.set(inbox.pending)
                    self.inbox_oldest.set(inbox.oldest_age or 0.0)
            return await export(request)

        return handle
