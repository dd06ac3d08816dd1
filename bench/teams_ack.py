"""Latency of Teams turns: 100 concurrent activities to ``/api/messages`` on loopback.

The real app in emulator mode (no token to check; the connector is a loopback fake, so each
turn includes posting its card reply over HTTP, as in Teams), on SQLite and on PostgreSQL:

* a command (``list all``) and a command that writes (``handoff @Lee question: …``);
* a card submit (the Acknowledge button of a handoff's card), which updates the card in place.

Each scenario sends 100 activities at once, 5 rounds, and reports p50/p95/p99 of the HTTP
answer (the turn, including its reply). Run from the repository root::

    .venv/bin/python -m bench.teams_ack
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import text

from app import build_web_app
from bot.dispatch import Core
from bot.settings import Settings
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes.teams_connector import TeamsConnector

CONCURRENCY = 100
ROUNDS = 5
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BOT = {"id": "28:bot", "name": "Handoff"}


def activity(connector: TeamsConnector, tenant: str, user: str, text_: str = "", value: dict | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "message", "id": uuid.uuid4().hex, "channelId": "msteams", "serviceUrl": connector.url,
        "from": {"id": f"29:{user}", "name": user}, "recipient": BOT,
        "conversation": {"id": f"a:dm-{user}", "conversationType": "personal", "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}}, "text": text_ or None,
        "entities": [{"type": "mention", "mentioned": {"id": "29:lee", "name": "Lee"}, "text": "<at>Lee</at>"}],
    }
    if value is not None:
        body["value"] = value
        body["replyToId"] = "act-1"
    return body


async def burst(http: aiohttp.ClientSession, url: str, bodies: list[dict[str, Any]]) -> list[float]:
    async def one(body: dict[str, Any]) -> float:
        started = time.perf_counter()
        async with http.post(url, data=json.dumps(body), headers={"Content-Type": "application/json"}) as response:
            await response.read()
            assert response.status in (200, 201), response.status
        return (time.perf_counter() - started) * 1000

    return list(await asyncio.gather(*(one(b) for b in bodies)))


async def run_backend(label: str, database_url: str, http: aiohttp.ClientSession) -> list[str]:
    engine = create_engine(database_url, pool_size=20) if database_url.startswith("postgresql") else create_engine(database_url)
    await upgrade(engine)
    async with TeamsConnector() as connector:
        settings = Settings(_env_file=None, handoff_scheduler="off")
        app = build_web_app(settings, Core(SqlUnitOfWorkFactory(engine)), engine)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"
        tenant = f"bench-{uuid.uuid4().hex[:6]}"
        await burst(http, url, [activity(connector, tenant, "lee", "help")])
        rows = []
        scenarios = {
            "command: list all": lambda i: activity(connector, tenant, "dana", "list all"),
            "command: handoff (write)": lambda i: activity(connector, tenant, "dana", f"handoff <at>Lee</at> question: q{i}"),
            "card submit: Acknowledge": lambda i: activity(connector, tenant, "lee", value={
                "handoff_action": "handoff.ack", "value": str(i + 1)}),
        }
        for name, make in scenarios.items():
            samples: list[float] = []
            for r in range(ROUNDS):
                samples += await burst(http, url, [make(r * CONCURRENCY + i) for i in range(CONCURRENCY)])
            rows.append(_row(f"{label}: {name}", samples))
        await runner.cleanup()
    await engine.dispose()
    return rows


def _row(name: str, samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"{name:<44} {len(samples):>5} {statistics.median(samples):>8.1f} {q[94]:>8.1f} {q[98]:>8.1f} {max(samples):>8.1f}"


async def main() -> None:
    print(f"{CONCURRENCY} concurrent Teams activities x {ROUNDS} rounds on loopback (emulator mode)")
    print(f"{'scenario':<44} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        with tempfile.TemporaryDirectory() as tmp:
            for line in await run_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", http):
                print(line)
        name = f"handoff_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            for line in await run_backend("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", http):
                print(line)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
