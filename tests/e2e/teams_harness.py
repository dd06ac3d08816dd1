"""The running app with Teams on: Bot Framework activities in, the connector's traffic captured."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import build_jobs, build_web_app
from bot.chat.core import Core
from bot.settings import Settings
from handlers.scheduler import Ticks
from handlers.teams.app import TEAMS_ADAPTER, TEAMS_INBOX
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes.loopback import serve
from tests.fakes.teams_connector import TeamsConnector
from tests.support import FakeClock

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "adaptive-card-1.5.json").read_text())
BOT = {"id": "28:handoff-bot", "name": "Handoff"}
_ids = itertools.count(1)


# Teams' people picker and release type-ahead put ``choices.data`` (a Data.Query) on an
# Input.ChoiceSet. The 1.5 schema has no room for it (every element is additionalProperties: false;
# the schema names it from 1.6 on), so a card is checked against 1.5 without those, and each
# Data.Query on its own, as the Adaptive Cards source and Teams' documentation define it.
DATA_QUERY = {"type": "object", "additionalProperties": False, "required": ["type", "dataset"],
              "properties": {"type": {"enum": ["Data.Query"]}, "dataset": {"type": "string", "minLength": 1},
                             "count": {"type": "number"}, "skip": {"type": "number"},
                             "associatedInputs": {"enum": ["auto", "none"]}}}


def assert_valid_card(card: dict[str, Any]) -> None:
    queries: list[Any] = []

    def without_queries(node: Any) -> Any:
        if isinstance(node, list):
            return [without_queries(item) for item in node]
        if not isinstance(node, dict):
            return node
        if node.get("type") == "Input.ChoiceSet" and "choices.data" in node:
            queries.append(node["choices.data"])
        return {k: without_queries(v) for k, v in node.items()
                if not (k == "choices.data" and node.get("type") == "Input.ChoiceSet")}

    jsonschema.Draft6Validator(SCHEMA).validate(without_queries(card))
    for query in queries:
        jsonschema.Draft6Validator(DATA_QUERY).validate(query)


@dataclass
class TeamsHarness:
    url: str
    connector: TeamsConnector
    http: aiohttp.ClientSession
    web_app: web.Application
    core: Core
    settings: Settings
    engine: AsyncEngine
    tenant: str = "tenant-1"
    posted: list[dict[str, Any]] = field(default_factory=list)

    def activity(self, text: str = "", *, user: str = "dana", conversation: str | None = None, kind: str = "personal",
                 mentions: tuple[str, ...] = (), value: dict[str, Any] | None = None, reply_to: str | None = None,
                 tenant: str | None = None) -> dict[str, Any]:
        """A message shaped like Teams': the bot's own mention first, then ``<at>Name</at>`` for each of ``mentions``."""
        tenant = tenant or self.tenant
        entities = [{"type": "mention", "mentioned": BOT, "text": "<at>Handoff</at>"}] if kind != "personal" else []
        for name in mentions:
            entities.append({"type": "mention", "mentioned": {"id": f"29:{name}", "name": name.title()},
                             "text": f"<at>{name.title()}</at>"})
        body: dict[str, Any] = {
            "type": "message", "id": f"m{next(_ids)}", "channelId": "msteams", "serviceUrl": self.connector.url,
            "timestamp": "2026-11-23T10:00:00.000Z", "locale": "en-US",
            "from": {"id": f"29:{user}", "name": user.title(), "aadObjectId": f"aad-{user}"},
            "conversation": {"id": conversation or f"a:dm-{user}-{tenant}", "conversationType": kind, "tenantId": tenant},
            "recipient": BOT, "text": (("<at>Handoff</at> " if kind != "personal" else "") + text) if text else None,
            "entities": entities, "channelData": {"tenant": {"id": tenant}},
        }
        if value is not None:
            body["value"] = value
        if reply_to:
            body["replyToId"] = reply_to
        return body

    async def post(self, body: Any, *, headers: dict[str, str] | None = None, raw: bytes | None = None,
                   drain: bool = True) -> int:
        data = raw if raw is not None else json.dumps(body).encode()
        async with self.http.post(f"{self.url}/api/messages", data=data,
                                  headers={"Content-Type": "application/json", **(headers or {})}) as response:
            await response.read()
        if drain and TEAMS_INBOX in self.web_app:
            await self.web_app[TEAMS_INBOX].drain()  # the message was answered 201 first, and runs just after
        return response.status

    async def invoke(self, name: str, value: dict[str, Any], **kw: Any) -> tuple[int, Any]:
        """An invoke activity (``name`` and ``value``, sent as ``activity()`` would shape it); the HTTP
        status and the invoke response's JSON body."""
        body = {**self.activity(**kw), "type": "invoke", "name": name, "value": value}
        body.pop("text", None)
        async with self.http.post(f"{self.url}/api/messages", data=json.dumps(body).encode(),
                                  headers={"Content-Type": "application/json"}) as response:
            raw = await response.read()
            return response.status, json.loads(raw) if raw else None

    async def say(self, text: str, **kw: Any) -> dict[str, Any]:
        """Send a message; return the card the bot answered with (validated against the schema)."""
        before = len(self.connector.sent)
        status = await self.post(self.activity(text, **kw))
        assert status in (200, 201), status
        cards = [a["content"] for s in self.connector.sent[before:] for a in s.activity.get("attachments") or []]
        assert cards, "the bot answered nothing"
        for card in cards:
            assert_valid_card(card)
        return cards[-1]

    def ticks(self) -> Ticks:
        return build_jobs(self.settings, self.core, self.engine, teams=self.web_app[TEAMS_ADAPTER])


def card_text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


@asynccontextmanager
async def running_teams(engine: AsyncEngine, clock: FakeClock, connector: TeamsConnector | None = None,
                        drafter: Any = None, **settings: Any) -> AsyncIterator[TeamsHarness]:
    async with contextlib.AsyncExitStack() as stack:
        if connector is None:
            connector = await stack.enter_async_context(TeamsConnector())
        config = Settings(_env_file=None, **({"handoff_scheduler": "off"} | settings))
        core = Core(SqlUnitOfWorkFactory(engine), clock=clock, drafter=drafter, admins=config.admins)
        web_app = build_web_app(config, core, engine)
        runner, port = await serve(web_app)
        async with aiohttp.ClientSession() as http:
            try:
                yield TeamsHarness(f"http://127.0.0.1:{port}", connector, http, web_app, core, config, engine)
            finally:
                await runner.cleanup()
                async with engine.begin() as conn:  # this connector is gone: later tests must not try it
                    await conn.execute(text("UPDATE deliveries SET status = 'failed', last_error = 'test over' "
                                            "WHERE workspace_id LIKE 'teams:%' AND status IN ('pending', 'sending')"))
