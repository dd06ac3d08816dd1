"""Ack latency of the Slack app under 100 concurrent signed requests on loopback.

Measures, from the client's side, the time until Slack would get its HTTP answer for:
``/handoff list`` (a read), ``/handoff @lee question: …`` (a write), and an Acknowledge button
click, against the real app on SQLite and on PostgreSQL, next to a minimal bolt ``AsyncApp``
that only acks, hosted on the same aiohttp stack (the floor). Web API calls go to a loopback
fake. Run from the repository root::

    .venv/bin/python -m bench.slack_ack            # PostgreSQL too if TEST_DATABASE_URL is set or 127.0.0.1:5432 answers
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from app import build_web_app
from bot.dispatch import Core
from bot.settings import Settings
from handlers.slack_app import SLACK_SURFACE
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import FakeSlackApi

SECRET = "bench-secret"
CONCURRENCY = 100
ROUNDS = 5
FORM = "application/x-www-form-urlencoded"


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"


def floor_app(fake: FakeSlackApi) -> web.Application:
    """The least a bolt app can do: verify the signature and ack."""
    bolt = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=fake.base_url), signing_secret=SECRET,
                    process_before_response=True)

    @bolt.command("/handoff")
    async def command(ack: AsyncAck) -> None:
        await ack()

    @bolt.action("handoff.ack")
    async def action(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


async def burst(http: aiohttp.ClientSession, url: str, bodies: list[str]) -> list[float]:
    async def one(body: str) -> float:
        started = time.perf_counter()
        async with await sr.post(http, url, body, SECRET, content_type=FORM) as response:
            await response.read()
            assert response.status == 200, response.status
        return (time.perf_counter() - started) * 1000

    return await asyncio.gather(*(one(b) for b in bodies))


async def one_at_a_time(http: aiohttp.ClientSession, url: str, make: Callable[[int], str], settle: Callable[[], object]) -> list[float]:
    samples: list[float] = []
    for i in range(200):
        samples += await burst(http, url, [make(5000 + i)])
        await settle()
    return samples


async def measure(http: aiohttp.ClientSession, url: str, make: Callable[[int], str], settle: Callable[[], object]) -> list[float]:
    samples: list[float] = []
    await burst(http, url, [make(i) for i in range(10)])  # warm-up
    for r in range(ROUNDS):
        samples += await burst(http, url, [make(1000 + r * CONCURRENCY + i) for i in range(CONCURRENCY)])
        await settle()
    return samples


def row(name: str, samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"{name:<44}{len(samples):>6}{q[49]:>9.1f}{q[94]:>9.1f}{q[98]:>9.1f}{max(samples):>9.1f}"


async def scenarios(http: aiohttp.ClientSession, url: str, team: str, settle: Callable[[], object], seed: Callable[[int], object]) -> dict[str, list[float]]:
    alone = await one_at_a_time(http, url, lambda i: sr.slash_command(f"<@U2|lee> question: alone {i}", team_id=team, user_id="U1"), settle)
    read = await measure(http, url, lambda i: sr.slash_command("list all", team_id=team, user_id="U1"), settle)
    write = await measure(http, url, lambda i: sr.slash_command(f"<@U2|lee> question: bench {i}", team_id=team, user_id="U1"), settle)
    await seed(CONCURRENCY * ROUNDS + 10)
    numbers = iter(range(1, 10**6))
    click = await measure(http, url, lambda i: sr.block_action("handoff.ack", f"{next(numbers)}:1", team_id=team, user_id="U2"), settle)
    return {"/handoff create, one at a time": alone, "/handoff list (read)": read, "/handoff create (write)": write,
            "button click: Acknowledge": click}


async def run_backend(label: str, database_url: str, schema: str | None, fake: FakeSlackApi, http: aiohttp.ClientSession) -> list[str]:
    engine = create_engine(database_url, schema=schema)
    await upgrade(engine)
    core = Core(SqlUnitOfWorkFactory(engine))
    settings = Settings(_env_file=None, slack_signing_secret=SECRET, slack_bot_token="xoxb-bench", slack_api_url=fake.base_url)
    app = build_web_app(settings, core, engine)
    runner, url = await serve(app)
    team = "TB" + uuid.uuid4().hex[:6].upper()

    async def seed(count: int) -> None:
        caller = await app[SLACK_SURFACE].caller(AsyncWebClient(token="xoxb-bench", base_url=fake.base_url), team, "U1")
        for i in range(count):
            await core.handle(caller, f"<@U2|lee> question: click target {i}")

    try:
        results = await scenarios(http, url, team, app[SLACK_SURFACE].drain, seed)
    finally:
        await runner.cleanup()
        await engine.dispose()
    return [row(f"{label}: {name}", samples) for name, samples in results.items()]


async def main() -> None:
    async with FakeSlackApi() as fake:
        for user, name in (("U1", "dana"), ("U2", "lee")):
            fake.add_user(user, name=name)
        connector = aiohttp.TCPConnector(limit=CONCURRENCY)
        async with aiohttp.ClientSession(connector=connector) as http:
            lines: list[str] = []
            runner, url = await serve(floor_app(fake))
            floor = await scenarios(http, url, "TFLOOR", _nothing, lambda _: _nothing())
            await runner.cleanup()
            lines += [row(f"floor (bolt, ack only): {name}", s) for name, s in floor.items()]
            with tempfile.TemporaryDirectory() as tmp:
                lines += await run_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", None, fake, http)
            pg = os.environ.get("TEST_DATABASE_URL") or ("postgresql://postgres@127.0.0.1:5432/test" if _postgres() else None)
            if pg:
                schema = f"bench_{uuid.uuid4().hex[:8]}"
                admin = create_engine(pg)
                async with admin.begin() as conn:
                    await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                try:
                    lines += await run_backend("PostgreSQL", pg, schema, fake, http)
                finally:
                    async with admin.begin() as conn:
                        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                    await admin.dispose()
    print(f"{CONCURRENCY} concurrent signed requests x {ROUNDS} rounds on loopback, {os.cpu_count()} cores")
    print(f"{'scenario':<44}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    print("\n".join(lines))


async def _nothing() -> None:
    """The floor app has no background work to settle and nothing to seed."""


def _postgres() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    asyncio.run(main())
