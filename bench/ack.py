"""Ack latency and throughput: Slack slash commands, button clicks and mentions, and Teams turns.

Signed requests on loopback at 1, 50 and 200 at once, against the real app on SQLite and on
PostgreSQL, next to a minimal bolt ``AsyncApp`` that only acks on the same aiohttp stack (the
floor); the ratio column is the app's p99 over the floor's. Slack Web API calls go to a loopback
fake; Teams runs in emulator mode with a loopback connector, so a Teams turn includes posting
its card reply over HTTP, as it does in Teams. Background work (cards, DMs) is settled between
rounds and is not timed: Slack only waits for the ack. Run from the repository root::

    .venv/bin/python -m bench.ack                 # PostgreSQL too when TEST_DATABASE_URL is set or 127.0.0.1:5432 answers
    .venv/bin/python -m bench.ack --levels 1,50   # fewer levels
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from app import build_web_app
from bot.chat.core import Core
from bot.settings import Settings
from handlers.slack.app import SLACK_SURFACE
from handlers.teams.app import TEAMS_INBOX, BotConfig
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import TeamsConnector

SECRET = "bench-secret"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
LEVELS = (1, 50, 200)
MIN_SAMPLES = 1000  # p99 from at least 1,000 requests: twenty bursts at 50 at once
BOT = {"id": "28:bot", "name": "Handoff"}


@dataclass(frozen=True)
class Request:
    body: str
    content_type: str
    signed: bool = True


Make = Callable[[int], Request]
Settle = Callable[[], Awaitable[object]]


@dataclass
class Result:
    samples: list[float]
    seconds: float

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.samples, n=100)[98]

    def line(self, name: str, floor: Result | None) -> str:
        q = statistics.quantiles(self.samples, n=100)
        ratio = f"{self.p99 / floor.p99:>7.1f}x" if floor else f"{'':>8}"
        rate = len(self.samples) / self.seconds
        return f"{name:<62}{len(self.samples):>6}{q[49]:>8.1f}{q[94]:>8.1f}{q[98]:>8.1f}{rate:>9.0f}{ratio}"


async def fire(http: aiohttp.ClientSession, url: str, request: Request) -> float:
    started = time.perf_counter()
    if request.signed:
        response = await sr.post(http, url, request.body, SECRET, content_type=request.content_type)
    else:
        response = await http.post(url, data=request.body, headers={"Content-Type": request.content_type})
    async with response:
        await response.read()
        assert response.status in (200, 201), (response.status, await response.text())
    return (time.perf_counter() - started) * 1000


async def measure(http: aiohttp.ClientSession, url: str, make: Make, level: int, settle: Settle) -> Result:
    """Bursts of ``level`` requests at once until at least MIN_SAMPLES; settles background work between bursts."""
    counter = itertools.count()
    await asyncio.gather(*(fire(http, url, make(next(counter))) for _ in range(min(level, 10))))  # warm-up
    await settle()
    samples: list[float] = []
    busy = 0.0
    while len(samples) < max(MIN_SAMPLES, 3 * level):
        started = time.perf_counter()
        samples += await asyncio.gather(*(fire(http, url, make(next(counter))) for _ in range(level)))
        busy += time.perf_counter() - started
        await settle()
    return Result(samples, busy)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


# --- Slack ------------------------------------------------------------------------------------

def floor_app(fake: FakeSlackApi) -> web.Application:
    """The least a bolt app can do on this stack: verify the signature and ack."""
    bolt = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=fake.base_url), signing_secret=SECRET,
                    process_before_response=True)

    @bolt.command("/handoff")
    async def command(ack: AsyncAck) -> None:
        await ack()

    @bolt.action("handoff.ack")
    async def action(ack: AsyncAck) -> None:
        await ack()

    @bolt.event("app_mention")
    async def mention(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


def slack_scenarios(team: str, numbers: itertools.count, fake: FakeSlackApi) -> dict[str, Make]:
    return {
        "/handoff create (write)": lambda i: Request(sr.slash_command(
            f"<@U2|lee> question: bench {uuid.uuid4().hex[:6]}", team_id=team, user_id="U1",
            response_url=fake.response_url(f"ack-{uuid.uuid4().hex}")), FORM),
        "button click: Acknowledge": lambda i: Request(sr.block_action(
            "handoff.ack", f"{next(numbers)}:1", team_id=team, user_id="U2"), FORM),
        "app_mention: who owns battlecards?": lambda i: Request(sr.event_callback(
            sr.app_mention("<@UBOT> who owns battlecards?", user="U1", channel="C1", ts=f"{time.time():.6f}"),
            team_id=team, event_id=f"Ev{uuid.uuid4().hex}"), JSON),
    }


async def slack_rows(label: str, url: str, team: str, levels: tuple[int, ...], settle: Settle,
                     seed: Callable[[int], Awaitable[object]], http: aiohttp.ClientSession,
                     floor: dict[tuple[str, int], Result] | None, fake: FakeSlackApi) -> tuple[list[str], dict[tuple[str, int], Result]]:
    numbers = itertools.count(1)
    results: dict[tuple[str, int], Result] = {}
    rows = []
    for name, make in slack_scenarios(team, numbers, fake).items():
        for level in levels:
            if name.startswith("button"):
                await seed(max(MIN_SAMPLES, 3 * level) + level + 10)
            result = await measure(http, url, make, level, settle)
            results[(name, level)] = result
            rows.append(emit(result.line(f"{label}: {name} @{level}", floor[(name, level)] if floor else None)))
    return rows, results


async def slack_app_rows(label: str, engine_url: str, schema: str | None, fake: FakeSlackApi, levels: tuple[int, ...],
                         http: aiohttp.ClientSession, floor: dict[tuple[str, int], Result]) -> list[str]:
    engine = create_engine(engine_url, schema=schema, **({"pool_size": 20} if schema else {}))
    await upgrade(engine)
    core = Core(SqlUnitOfWorkFactory(engine))
    settings = Settings(_env_file=None, slack_signing_secret=SECRET, slack_bot_token="xoxb-bench",
                        slack_api_url=fake.base_url, handoff_scheduler="off")
    app = build_web_app(settings, core, engine)
    app[SLACK_SURFACE].home_refresh_delay = 0.0  # settling between bursts need not wait to coalesce App Home refreshes
    runner, base = await serve(app)
    team = "TB" + uuid.uuid4().hex[:6].upper()
    client = AsyncWebClient(token="xoxb-bench", base_url=fake.base_url)

    async def seed(count: int) -> None:
        caller = await app[SLACK_SURFACE].caller(client, team, "U1")
        for _ in range(count):
            await core.handle(caller, "<@U2|lee> question: click target")

    async def settle() -> None:
        """Every recorded request handled and its posts made: a burst of 200 takes longer than one drain waits."""
        surface = app[SLACK_SURFACE]
        assert surface.inbox is not None
        await surface.drain()
        while (await surface.inbox.store.backlog())[0]:
            await surface.drain()

    try:
        rows, _ = await slack_rows(label, f"{base}/slack/events", team, levels, settle, seed, http, floor, fake)
        for level in levels:
            rows.append(emit(await answer_row(label, f"{base}/slack/events", team, level, settle, http, fake)))
    finally:
        await runner.cleanup()
        await engine.dispose()
    return rows


async def answer_row(label: str, url: str, team: str, level: int, settle: Settle, http: aiohttp.ClientSession,
                     fake: FakeSlackApi) -> str:
    """How long a person waits for the answer itself: a command is acked first and answered on its
    response_url once it has run. Bursts of ``level`` like :func:`measure`; the time is from the
    send to the answer's arrival at the fake Slack."""
    samples: list[float] = []
    busy = 0.0
    while len(samples) < max(MIN_SAMPLES, 3 * level):
        keys = [f"answer-{uuid.uuid4().hex}" for _ in range(level)]
        started = time.perf_counter()
        await asyncio.gather(*(fire(http, url, Request(sr.slash_command(
            f"<@U2|lee> question: answer {key[-6:]}", team_id=team, user_id="U1", response_url=fake.response_url(key)), FORM))
            for key in keys))
        await settle()
        busy += time.perf_counter() - started
        samples += [(fake.answers_at(key)[0] - started) * 1000 for key in keys]
    return Result(samples, busy).line(f"{label}: /handoff create, time to its answer @{level}", None)


# --- Teams ------------------------------------------------------------------------------------

def activity(connector: TeamsConnector, tenant: str, user: str, text_: str = "", value: dict | None = None) -> Request:
    body: dict[str, Any] = {
        "type": "message", "id": uuid.uuid4().hex, "channelId": "msteams", "serviceUrl": connector.url,
        "from": {"id": f"29:{user}", "name": user}, "recipient": BOT,
        "conversation": {"id": f"a:dm-{user}", "conversationType": "personal", "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}}, "text": text_ or None,
        "entities": [{"type": "mention", "mentioned": {"id": "29:lee", "name": "Lee"}, "text": "<at>Lee</at>"}],
    }
    if value is not None:
        body |= {"value": value, "replyToId": "act-1"}
    return Request(json.dumps(body), JSON, signed=False)


def teams_floor_app() -> web.Application:
    """The least a Teams bot can do on this stack: a bare CloudAdapter (emulator mode, as the app
    runs here) that echoes each message to the connector, then answers the HTTP request."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(BotConfig()))

    async def echo(turn_context: TurnContext) -> None:
        if turn_context.activity.type == "message":
            await turn_context.send_activity(turn_context.activity.text or "ok")

    async def messages(request: web.Request) -> web.Response:
        activity = Activity().deserialize(await request.json())
        await adapter.process_activity(request.headers.get("Authorization", ""), activity, echo)
        return web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def teams_scenarios(connector: TeamsConnector, tenant: str, numbers: itertools.count) -> dict[str, Make]:
    return {
        "Teams command: list all": lambda i: activity(connector, tenant, "dana", "list all"),
        "Teams command: handoff (write)": lambda i: activity(connector, tenant, "dana", f"handoff <at>Lee</at> question: q{i}"),
        "Teams card submit: Acknowledge": lambda i: activity(connector, tenant, "lee", value={
            "handoff_action": "handoff.ack", "value": str(next(numbers))}),
    }


async def teams_floor_rows(levels: tuple[int, ...], http: aiohttp.ClientSession,
                           emit: Callable[[str], None]) -> dict[tuple[str, int], Result]:
    floor: dict[tuple[str, int], Result] = {}
    async with TeamsConnector() as connector:
        runner, base = await serve(teams_floor_app())
        make = teams_scenarios(connector, "floor", itertools.count(1))["Teams command: handoff (write)"]
        for level in levels:
            floor[("turn", level)] = result = await measure(http, f"{base}/api/messages", make, level, _nothing)
            emit(result.line(f"floor (CloudAdapter echo, answers after its reply) @{level}", None))
        for level in levels:
            floor[("reply", level)] = result = await reply_times(http, f"{base}/api/messages", connector, make, level, _nothing)
            emit(result.line(f"floor (CloudAdapter echo): time to its reply @{level}", None))
        await runner.cleanup()
    return floor


async def teams_rows(label: str, engine_url: str, schema: str | None, levels: tuple[int, ...],
                     http: aiohttp.ClientSession, floor: dict[tuple[str, int], Result], emit: Callable[[str], None]) -> None:
    engine = create_engine(engine_url, schema=schema, **({"pool_size": 20} if schema else {}))
    await upgrade(engine)
    async with TeamsConnector() as connector:
        app = build_web_app(Settings(_env_file=None, handoff_scheduler="off"), Core(SqlUnitOfWorkFactory(engine)), engine)
        runner, base = await serve(app)
        inbox = app[TEAMS_INBOX]

        async def settle() -> None:
            """Every recorded turn run and answered: what the HTTP answer did not wait for."""
            await inbox.drain()
            while (await inbox.store.backlog())[0]:
                await inbox.drain()

        tenant = f"bench-{uuid.uuid4().hex[:6]}"
        scenarios = teams_scenarios(connector, tenant, itertools.count(1))
        for name, make in scenarios.items():
            for level in levels:
                result = await measure(http, f"{base}/api/messages", make, level, settle)
                emit(result.line(f"{label}: {name} @{level}", floor.get(("turn", level))))
        make = scenarios["Teams command: handoff (write)"]
        for level in levels:
            result = await reply_times(http, f"{base}/api/messages", connector, make, level, settle)
            emit(result.line(f"{label}: Teams handoff (write), time to its reply @{level}", floor.get(("reply", level))))
        await runner.cleanup()
    await engine.dispose()


async def reply_times(http: aiohttp.ClientSession, url: str, connector: TeamsConnector, make: Make, level: int,
                      settle: Settle) -> Result:
    """How long a person waits for the bot's reply: from the send to the reply's arrival at the
    connector (a reply names the activity it answers). Bursts of ``level`` like :func:`measure`."""
    counter = itertools.count()
    samples: list[float] = []
    busy = 0.0
    while len(samples) < max(MIN_SAMPLES, 3 * level):
        requests = [make(next(counter)) for _ in range(level)]
        ids = [json.loads(r.body)["id"] for r in requests]
        started = time.perf_counter()
        await asyncio.gather(*(fire(http, url, r) for r in requests))
        await settle()
        busy += time.perf_counter() - started
        first = {}
        for sent in connector.sent:
            if sent.reply_to in ids and sent.reply_to not in first:
                first[sent.reply_to] = sent.at
        samples += [(first[i] - started) * 1000 for i in ids]
        connector.sent.clear()
    return Result(samples, busy)


# --- backends ---------------------------------------------------------------------------------

@asynccontextmanager
async def backends() -> AsyncIterator[list[tuple[str, str, str | None]]]:
    """SQLite in a temporary directory, and PostgreSQL in a fresh schema when a server answers."""
    with tempfile.TemporaryDirectory() as tmp:
        found = [("SQLite", f"sqlite:///{Path(tmp) / 'slack.db'}", None), ("SQLite", f"sqlite:///{Path(tmp) / 'teams.db'}", None)]
        pg = os.environ.get("TEST_DATABASE_URL") or ("postgresql://postgres@127.0.0.1:5432/test" if _postgres() else None)
        if not pg:
            yield found
            return
        schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
        admin = create_engine(pg)
        async with admin.begin() as conn:
            for schema in schemas:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield found + [("PostgreSQL", pg, schema) for schema in schemas]
        finally:
            async with admin.begin() as conn:
                for schema in schemas:
                    await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


TABLE: list[str] = []


def emit(line: str) -> str:
    """Print a row the moment it is measured (a long run shows its progress), and keep it for the file."""
    print(line, flush=True)
    TABLE.append(line)
    return line


async def main(levels: tuple[int, ...]) -> None:
    emit(f"Signed requests on loopback at {', '.join(map(str, levels))} at once; {os.cpu_count()} cores; "
         "ratio = p99 / the floor's p99 at the same level")
    emit(f"{'scenario @ concurrency':<62}{'n':>6}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>9}{'ratio':>8}")
    started = time.perf_counter()
    async with FakeSlackApi() as fake, backends() as dbs:
        for user, name in (("U1", "dana"), ("U2", "lee")):
            fake.add_user(user, name=name)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            runner, base = await serve(floor_app(fake))
            _, floor = await slack_rows("floor (bolt, ack only)", f"{base}/slack/events", "TFLOOR", levels,
                                        _nothing, _nothing_n, http, None, fake)
            await runner.cleanup()
            teams_floor = await teams_floor_rows(levels, http, emit)
            for (label, url, schema), (_, teams_url, teams_schema) in zip(dbs[0::2], dbs[1::2], strict=True):
                await slack_app_rows(label, url, schema, fake, levels, http, floor)
                await teams_rows(label, teams_url, teams_schema, levels, http, teams_floor, emit)
    emit(f"wall time {time.perf_counter() - started:.0f} s")


async def _nothing() -> None:
    """Nothing runs in the background to settle."""


async def _nothing_n(_: int) -> None:
    """The floor has nothing to seed."""


def _postgres() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="concurrency levels, e.g. 1,50,200")
    parser.add_argument("--out", type=Path, default=Path("bench-ack.txt"), help="where the table is written as well")
    args = parser.parse_args()
    asyncio.run(main(tuple(int(x) for x in args.levels.split(","))))
    args.out.write_text("\n".join(TABLE) + "\n")
    print(f"table written to {args.out}")
