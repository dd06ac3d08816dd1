"""Composition root and CLI: ``python app.py [serve|worker|shell|migrate|demo|jobs run …]`` (no command: the shell).

The only module that knows every layer. Wiring, not logic.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.core import Core
from bot.chat.demo import seed_demo
from bot.delivery.outbox import DeliveryObserver, Outbox
from bot.reminders.jobs import Jobs
from bot.settings import LOOPBACK, Settings
from handlers.console import LOCAL_WORKSPACE, PROMPT, ConsoleMessenger, Shell, enable_history, local_caller
from handlers.llm import build_drafter
from handlers.messengers import ActiveWorkspaces, Messengers
from handlers.ops.health import DatabaseProbe, healthz
from handlers.ops.logs import configure_logging
from handlers.ops.metrics import Metrics
from handlers.ops.request_context import request_context
from handlers.ops.scheduler_monitor import SchedulerMonitor
from handlers.ops.signals import until_signalled
from handlers.render_text import render as render_text
from handlers.scheduler import Intervals, Ticks, build_scheduler
from handlers.slack.app import add_routes as add_slack_routes
from handlers.slack.app import add_socket_mode, build_slack_app, build_slack_messenger
from handlers.teams.app import TEAMS_BOT, build_teams
from handlers.teams.app import add_routes as add_teams_routes
from handlers.teams.inbox import TeamsInbox
from handlers.teams.messenger import TeamsMessenger
from handlers.teams.package import build_package
from storage.database import create_engine, is_sqlite, ping
from storage.inbox import SqlInbox
from storage.migrate import upgrade
from storage.scheduling import SqlOutboxStore
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger("handoff")
PENDING = web.AppKey("pending_sends", set)
MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; anything larger is refused before parsing


def build_core(settings: Settings) -> tuple[Core, AsyncEngine]:
    engine = create_engine(settings.database_url)
    core = Core(SqlUnitOfWorkFactory(engine), default_timezone=settings.handoff_timezone, drafter=build_drafter(settings),
                draft_daily_tokens=settings.handoff_draft_daily_tokens, admins=settings.admins)
    return core, engine


def build_jobs(settings: Settings, core: Core, engine: AsyncEngine, *, console: bool = False,
               teams: CloudAdapter | None = None, observer: DeliveryObserver | None = None) -> Ticks:
    """The scheduled passes and the outbox, with a messenger per configured platform."""
    messengers = Messengers()
    if settings.slack_enabled:
        messengers.register("slack:", *build_slack_messenger(settings, engine))
    if teams is not None:
        messengers.register("teams:", TeamsMessenger(teams, settings.microsoft_app_id or "", core.uow_factory))
    if console:
        messengers.register(LOCAL_WORKSPACE, ConsoleMessenger())
    uow_factory = core.uow_factory
    store = SqlOutboxStore(engine, getattr(uow_factory, "writer_lock", None))
    jobs = Jobs(uow_factory, ActiveWorkspaces(store.workspace_ids, messengers), core.clock, settings.handoff_timezone)
    outbox = Outbox(store, uow_factory, messengers, core.clock, lease=timedelta(seconds=settings.handoff_outbox_lease),
                    observer=observer)
    return Ticks(jobs, outbox)


def intervals(settings: Settings) -> Intervals:
    return Intervals(settings.handoff_nudge_interval, settings.handoff_digest_interval, settings.handoff_outbox_interval)


async def prepare(settings: Settings, *, migrate: bool | None = None) -> tuple[Core, AsyncEngine]:
    """Build the core; the embedded SQLite default migrates itself, a server DB by `migrate`."""
    core, engine = build_core(settings)
    if migrate if migrate is not None else is_sqlite(engine):
        await upgrade(engine)
    return core, engine


async def run_shell(settings: Settings, actor: str) -> None:
    core, engine = await prepare(settings)
    interactive = sys.stdin.isatty()
    scheduler = None
    if interactive:
        enable_history(Path.home() / ".handoff_history")
        if settings.scheduler_enabled:  # nudges and digests print in the shell as they fall due
            scheduler = build_scheduler(build_jobs(settings, core, engine, console=True), intervals(settings))
            scheduler.start()
    try:
        await Shell(core, actor).run(sys.stdin, interactive)
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)
        await engine.dispose()


def build_web_app(settings: Settings, core: Core, engine: AsyncEngine) -> web.Application:
    """One aiohttp server for every platform route, /healthz and /metrics."""
    metrics = Metrics(scheduler=settings.scheduler_enabled)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[request_context, metrics.middleware])
    app[PENDING] = set()
    probe = DatabaseProbe(partial(ping, engine), SqlOutboxStore(engine).backlog, core.clock,
                          inbox=SqlInbox(engine).backlog if settings.slack_enabled or settings.teams_enabled else None)
    monitor = SchedulerMonitor(metrics) if settings.scheduler_enabled else None
    app.router.add_get("/healthz", healthz(probe, monitor))
    app.router.add_get("/metrics", metrics.handler(probe))
    if settings.slack_enabled:
        bolt, surface = build_slack_app(settings, core, engine)
        add_slack_routes(app, bolt, surface)
        if settings.slack_app_token:
            add_socket_mode(app, bolt, settings.slack_app_token.get_secret_value())
    adapter = None
    if settings.teams_enabled or settings.host in LOOPBACK:  # no app id: emulator mode, loopback only
        adapter, auth, bot = build_teams(settings, core)
        inbox = TeamsInbox(adapter, auth, bot, SqlInbox(engine, getattr(core.uow_factory, "writer_lock", None)),
                           lease=timedelta(seconds=settings.handoff_inbox_lease))
        add_teams_routes(app, adapter, auth, bot, inbox)
    if monitor is not None:
        ticks = build_jobs(settings, core, engine, teams=adapter, observer=metrics)
        _add_scheduler(app, ticks, intervals(settings), monitor, settings.handoff_shutdown_timeout)
        if adapter is not None:
            app[TEAMS_BOT].on_queued = lambda: _soon(app, ticks)
            app.on_cleanup.append(partial(_finish_sends, grace=settings.handoff_shutdown_timeout))
    return app


def _soon(app: web.Application, ticks: Ticks) -> None:
    """A Teams turn queued DMs: send them now rather than at the next outbox tick."""
    task = asyncio.ensure_future(ticks.send())
    app[PENDING].add(task)
    task.add_done_callback(app[PENDING].discard)


async def _finish_sends(app: web.Application, grace: float) -> None:
    """Sends a Teams turn started: let them finish (a cut-short one is retried after its lease)."""
    if app[PENDING]:
        await asyncio.wait(set(app[PENDING]), timeout=grace)


def _add_scheduler(app: web.Application, ticks: Ticks, every: Intervals, monitor: SchedulerMonitor,
                   grace: float) -> None:
    """APScheduler needs the running loop: start with the app. It stops at shutdown, while
    requests in flight finish, and a pass under way gets ``grace`` seconds."""
    scheduler = monitor.watch(build_scheduler(ticks, every))

    async def start(_: web.Application) -> None:
        scheduler.start()

    async def stop(_: web.Application) -> None:
        await monitor.stop(grace)

    app.on_startup.append(start)
    app.on_shutdown.append(stop)


async def run_server(settings: Settings) -> None:
    """Serve until SIGTERM/SIGINT; then stop accepting, let requests in flight finish (up to
    HANDOFF_SHUTDOWN_TIMEOUT), drain background posts and stop the scheduler."""
    core, engine = await prepare(settings)
    # Our middleware writes the access log, with the request id: aiohttp's own is turned off.
    runner = web.AppRunner(build_web_app(settings, core, engine), access_log=None,
                           shutdown_timeout=settings.handoff_shutdown_timeout)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("listening on http://%s:%s", settings.host, runner.addresses[0][1])
    if settings.emulator_mode:
        log.info("no Slack or Teams credentials: serving /api/messages unauthenticated for the Bot Framework "
                 "Emulator on loopback only")
    try:
        await until_signalled()
    finally:
        await runner.cleanup()
        await engine.dispose()
        log.info("server stopped")


async def run_worker(settings: Settings) -> None:
    """Scheduled jobs only: nudges, digests and the outbox; no HTTP server. Stops on SIGTERM."""
    core, engine = await prepare(settings)
    monitor = SchedulerMonitor()
    monitor.watch(build_scheduler(build_jobs(settings, core, engine), intervals(settings))).start()
    log.info("worker running: nudges every %ss, digests every %ss, outbox every %ss",
             settings.handoff_nudge_interval, settings.handoff_digest_interval, settings.handoff_outbox_interval)
    try:
        await until_signalled()
    finally:
        await monitor.stop(settings.handoff_shutdown_timeout)
        await engine.dispose()
        log.info("worker stopped")


async def run_job(settings: Settings, job: str, at: datetime | None, dry_run: bool) -> int:
    """One pass now (or as of ``at``), printing what it sent or would send."""
    core, engine = await prepare(settings)
    if at is not None:
        core.clock = lambda: at
    ticks = build_jobs(settings, core, engine, console=not settings.slack_enabled)
    try:
        if job == "outbox":
            report = await (ticks.outbox.run_once(dry_run=True) if dry_run else ticks.outbox.drain())
            lines = report.lines()
        else:
            run = ticks.jobs.nudges if job == "nudges" else ticks.jobs.digests
            pass_report = await run(at, dry_run=dry_run)
            lines = pass_report.lines
            if pass_report.queued and not dry_run:
                lines += (await ticks.outbox.drain()).lines()
        print("\n".join(lines) if lines else f"{job}: nothing to do.")
        return 0
    finally:
        await engine.dispose()


async def run_demo(settings: Settings) -> None:
    core, engine = await prepare(settings)
    try:
        summary, tour = await seed_demo(core, LOCAL_WORKSPACE)
        for command, reply in tour:
            print(f"{PROMPT}{command}\n{render_text(reply)}\n")
        print(summary)
    finally:
        await engine.dispose()


async def run_migrate(settings: Settings) -> None:
    _, engine = build_core(settings)
    try:
        await upgrade(engine)
        print("Database is at the latest schema.")
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python app.py", description="Handoff: PM ↔ PMM handoffs for Slack and Teams.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve HTTP: Slack and Teams routes, /healthz, /metrics (with no credentials, the "
                                 "Bot Framework Emulator on loopback only)")
    shell = sub.add_parser("shell", help="chat with the bot locally")
    shell.add_argument("--as", dest="actor", default=None, help="who you are in the shell (default: your login)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("demo", help="seed a sample release into the local workspace")
    sub.add_parser("worker", help="run the scheduled jobs only (nudges, digests, outbox)")
    package = sub.add_parser("teams-package", help="write the Teams app package (manifest and icons) to side-load")
    package.add_argument("--host", required=True, help="the public HTTPS host in front of /api/messages")
    package.add_argument("--out", default="handoff-teams.zip", help="where to write the zip")
    jobs = sub.add_parser("jobs", help="run one scheduled pass now")
    jobs.add_argument("action", choices=["run"])
    jobs.add_argument("job", choices=["nudges", "digests", "outbox"])
    jobs.add_argument("--at", type=_instant, default=None, help="evaluate as of this ISO time, e.g. 2026-12-01T09:05:00+01:00")
    jobs.add_argument("--dry-run", action="store_true", help="print what would be sent; change nothing")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.handoff_log_format)
    if problems := settings.problems():
        print("Refusing to start:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2

    command = args.command or "shell"
    if command == "serve":
        if refusal := settings.serve_problem():
            print(refusal, file=sys.stderr)
            return 2
        asyncio.run(run_server(settings))
    elif command == "shell":
        logging.getLogger().setLevel(logging.WARNING)
        asyncio.run(run_shell(settings, getattr(args, "actor", None) or _login()))
    elif command == "migrate":
        asyncio.run(run_migrate(settings))
    elif command == "worker":
        asyncio.run(run_worker(settings))
    elif command == "jobs":
        logging.getLogger().setLevel(logging.WARNING)
        return asyncio.run(run_job(settings, args.job, args.at, args.dry_run))
    elif command == "teams-package":
        if not settings.microsoft_app_id:
            print("Set MICROSOFT_APP_ID (the bot's Azure app id) first: the package names it.", file=sys.stderr)
            return 2
        print(f"Wrote {build_package(settings.microsoft_app_id, args.host, Path(args.out))}")
    elif command == "demo":
        logging.getLogger().setLevel(logging.WARNING)
        asyncio.run(run_demo(settings))
    return 0


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO time such as 2026-12-01T09:05:00+01:00") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone too, such as +01:00 or Z")
    return value.astimezone(UTC)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return local_caller("me").display_name


if __name__ == "__main__":
    sys.exit(main())
