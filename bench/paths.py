"""What one Slack request costs end to end: SQL statements, transactions, Web API calls, CPU.

Runs the real web app (bolt, the inbox, the core, storage) on SQLite, or on PostgreSQL with
``--postgres``, with Web API calls on a loopback fake Slack. Each path is sent one request at a
time, and everything it starts (its answer, its card, DMs, App Home) is settled before the next,
so the counts are what one request causes, with nothing else running::

    .venv/bin/python -m bench.paths                 # per-request table, SQLite
    .venv/bin/python -m bench.paths --postgres      # the same on PostgreSQL
    .venv/bin/python -m bench.paths --profile create  # plus the top of a cProfile of that path

CPU is this process's user+system time per request (the fake Slack runs in the same process, so
it is included; it is small next to the app's share).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import itertools
import os
import pstats
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aiohttp
from sqlalchemy import event, text

from app import build_web_app
from bench.ack import FORM, JSON, SECRET, Request, fire, serve
from bot.chat.core import Core
from bot.settings import Settings
from handlers.slack.app import SLACK_SURFACE
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import FakeSlackApi

ROUNDS = 40
SORT = "cumulative"
FILTER: tuple = (r"(bot|handlers|storage)/", 30)


class Tally:
    """SQL statements and transactions an engine runs, counted by SQLAlchemy's engine events."""

    def __init__(self, engine) -> None:
        self.statements = 0
        self.transactions = 0
        self.kinds: Counter[str] = Counter()
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._statement)
        event.listen(sync, "begin", self._begin)

    def _statement(self, conn, cursor, statement: str, *args: object) -> None:
        self.statements += 1
        self.kinds[statement.split(None, 1)[0].upper()] += 1

    def _begin(self, conn) -> None:
        self.transactions += 1


def paths(team: str, fake: FakeSlackApi, numbers: itertools.count) -> dict[str, Callable[[], Request]]:
    return {
        "create": lambda: Request(sr.slash_command(
            f"<@U2|lee> question: bench {uuid.uuid4().hex[:6]}", team_id=team, user_id="U1",
            response_url=fake.response_url(f"p-{uuid.uuid4().hex}")), FORM),
        "click": lambda: Request(sr.block_action("handoff.ack", f"{next(numbers)}:1", team_id=team, user_id="U2"), FORM),
        "mention": lambda: Request(sr.event_callback(
            sr.app_mention("<@UBOT> who owns battlecards?", user="U1", channel="C1", ts=f"{time.time():.6f}"),
            team_id=team, event_id=f"Ev{uuid.uuid4().hex}"), JSON),
    }


async def run(url: str, schema: str | None, profile: str | None, rounds: int, burst: int, homes: bool) -> None:
    engine = create_engine(url, schema=schema)
    await upgrade(engine)
    tally = Tally(engine)
    async with FakeSlackApi() as fake:
        for user, name in (("U1", "dana"), ("U2", "lee")):
            fake.add_user(user, name=name)
        settings = Settings(_env_file=None, slack_signing_secret=SECRET, slack_bot_token="xoxb-bench",
                            slack_api_url=fake.base_url, handoff_scheduler="off")
        app = build_web_app(settings, Core(SqlUnitOfWorkFactory(engine)), engine)
        surface = app[SLACK_SURFACE]
        if burst == 1:  # nothing to coalesce; do not wait between single requests
            surface.home.quiet = 0.0
        runner, base = await serve(app)

        async def settle() -> None:
            await surface.drain()
            while (await surface.inbox.store.backlog())[0]:
                await surface.drain()

        team = "TP" + uuid.uuid4().hex[:6].upper()
        made = paths(team, fake, itertools.count(1))
        print(f"{'path':<10}{'SQL':>7}{'txns':>7}{'API calls':>11}{'CPU ms':>9}{'wall ms':>9}   statements; Web API calls")
        async with aiohttp.ClientSession() as http:
            for warm in ("create", "create", "click", "mention"):  # first sight of the workspace and people
                await fire(http, f"{base}/slack/events", made[warm]())
                await settle()
            if homes:  # both people look at their App Home, so changes refresh it
                for user in ("U1", "U2"):
                    await fire(http, f"{base}/slack/events", Request(sr.event_callback(
                        sr.app_home_opened(user), team_id=team, event_id=f"Ev{uuid.uuid4().hex}"), JSON))
                await settle()
            rounds -= rounds % burst
            for name, make in made.items():
                statements, transactions, kinds = tally.statements, tally.transactions, tally.kinds.copy()
                calls = len(fake.calls)
                cpu, wall = time.process_time(), time.perf_counter()
                profiler = cProfile.Profile() if name == profile else None
                if profiler:
                    profiler.enable()
                for _ in range(rounds // burst):
                    await asyncio.gather(*(fire(http, f"{base}/slack/events", make()) for _ in range(burst)))
                    await settle()
                if profiler:
                    profiler.disable()
                cpu_ms = (time.process_time() - cpu) * 1000 / rounds
                wall_ms = (time.perf_counter() - wall) * 1000 / rounds
                methods = Counter(c.method for c in fake.calls[calls:])
                answers = Counter(k for k in (tally.kinds - kinds).elements())
                kinds_text = " ".join(f"{k} {n / rounds:g}" for k, n in answers.most_common())
                api_text = " ".join(f"{m} {n / rounds:g}" for m, n in methods.most_common())
                print(f"{name:<10}{(tally.statements - statements) / rounds:>7.1f}{(tally.transactions - transactions) / rounds:>7.1f}"
                      f"{(len(fake.calls) - calls) / rounds:>11.1f}{cpu_ms:>9.1f}{wall_ms:>9.1f}   {kinds_text}; {api_text}", flush=True)
                if profiler:
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(SORT).print_stats(*FILTER)
                    print(out.getvalue())
        await runner.cleanup()
    await engine.dispose()


async def main(postgres: bool, profile: str | None, rounds: int, burst: int = 1, homes: bool = False) -> None:
    if not postgres:
        with tempfile.TemporaryDirectory() as tmp:
            await run(f"sqlite:///{Path(tmp) / 'paths.db'}", None, profile, rounds, burst, homes)
        return
    pg = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    schema = f"paths_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        await run(pg, schema, profile, rounds, burst, homes)
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL (TEST_DATABASE_URL or 127.0.0.1:5432)")
    parser.add_argument("--profile", choices=("create", "click", "mention"), help="print a cProfile of this path")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="requests per path")
    parser.add_argument("--burst", type=int, default=1, help="send this many at once (default: one at a time)")
    parser.add_argument("--homes", action="store_true", help="both people have opened their App Home")
    args = parser.parse_args()
    asyncio.run(main(args.postgres, args.profile, args.rounds, args.burst, args.homes))
