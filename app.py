"""Composition root and CLI: ``python app.py [serve|shell|migrate|demo]``.

The only module that knows every layer. Wiring, not logic.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from pathlib import Path

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.demo import seed_demo
from bot.dispatch import Core
from bot.settings import Settings
from handlers.console import LOCAL_WORKSPACE, Shell, enable_history, local_caller
from handlers.slack_app import add_routes as add_slack_routes
from handlers.slack_app import add_socket_mode, build_slack_app
from storage.database import create_engine, is_sqlite
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger("handoff")
MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; anything larger is refused before parsing


def build_core(settings: Settings) -> tuple[Core, AsyncEngine]:
    engine = create_engine(settings.database_url)
    return Core(SqlUnitOfWorkFactory(engine), default_timezone=settings.handoff_timezone), engine


async def prepare(settings: Settings, *, migrate: bool | None = None) -> tuple[Core, AsyncEngine]:
    """Build the core; the embedded SQLite default migrates itself, a server DB by `migrate`."""
    core, engine = build_core(settings)
    if migrate if migrate is not None else is_sqlite(engine):
        await upgrade(engine)
    return core, engine


async def run_shell(settings: Settings, actor: str) -> None:
    core, engine = await prepare(settings)
    interactive = sys.stdin.isatty()
    if interactive:
        enable_history(Path.home() / ".handoff_history")
    try:
        await Shell(core, actor).run(sys.stdin, interactive)
    finally:
        await engine.dispose()


def build_web_app(settings: Settings, core: Core, engine: AsyncEngine) -> web.Application:
    """One aiohttp server for every platform route and /healthz."""
    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_get("/healthz", _healthz(engine))
    if settings.slack_enabled:
        bolt, surface = build_slack_app(settings, core, engine)
        add_slack_routes(app, bolt, surface)
        if settings.slack_app_token:
            add_socket_mode(app, bolt, settings.slack_app_token.get_secret_value())
    return app


def _healthz(engine: AsyncEngine):
    async def healthz(_: web.Request) -> web.Response:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            return web.json_response({"status": "degraded", "database": type(exc).__name__}, status=503)
        return web.json_response({"status": "ok", "database": "ok"})

    return healthz


async def run_server(settings: Settings) -> None:
    core, engine = await prepare(settings)
    runner = web.AppRunner(build_web_app(settings, core, engine))
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("listening on http://%s:%s", settings.host, settings.port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await engine.dispose()


async def run_demo(settings: Settings) -> None:
    core, engine = await prepare(settings)
    try:
        summary = await seed_demo(core, LOCAL_WORKSPACE)
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
    sub.add_parser("serve", help="run the bot (the local shell when no Slack/Teams credentials are set)")
    shell = sub.add_parser("shell", help="chat with the bot locally")
    shell.add_argument("--as", dest="actor", default=None, help="who you are in the shell (default: your login)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("demo", help="seed a sample release into the local workspace")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    try:
        settings = Settings()
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if problems := settings.problems():
        print("Refusing to start:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2

    command = args.command or "serve"
    if command == "serve" and settings.teams_enabled and not settings.slack_enabled:
        print("Teams is not part of this build yet; unset MICROSOFT_APP_* to use the local shell.", file=sys.stderr)
        return 2
    if command == "serve" and settings.slack_enabled:
        asyncio.run(run_server(settings))
    elif command in ("serve", "shell"):
        logging.getLogger().setLevel(logging.WARNING)
        asyncio.run(run_shell(settings, getattr(args, "actor", None) or _login()))
    elif command == "migrate":
        asyncio.run(run_migrate(settings))
    elif command == "demo":
        logging.getLogger().setLevel(logging.WARNING)
        asyncio.run(run_demo(settings))
    return 0


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return local_caller("me").display_name


if __name__ == "__main__":
    sys.exit(main())
