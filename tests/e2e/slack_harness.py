"""The running app with Slack on: signed requests in, Web API calls captured on a loopback fake."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from app import build_web_app
from bot.chat.core import Core
from bot.settings import Settings
from handlers.slack.app import SLACK_SURFACE
from handlers.slack.surface import SlackSurface
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import slack_requests as sr
from tests.fakes.loopback import serve
from tests.fakes.slack_api import FakeSlackApi
from tests.support import FakeClock

SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"


@dataclass
class SlackHarness:
    url: str
    fake: FakeSlackApi
    http: aiohttp.ClientSession
    web_app: web.Application
    team: str
    core: Core
    settings: Settings

    @property
    def surface(self) -> SlackSurface:
        return self.web_app[SLACK_SURFACE]

    async def send(self, body: str, content_type: str = FORM, **kwargs: Any) -> aiohttp.ClientResponse:
        response = await sr.post(self.http, f"{self.url}/slack/events", body, SECRET, content_type=content_type, **kwargs)
        await response.read()
        return response

    async def slash(self, text: str, user: str = "U1", channel: str = "C1") -> dict[str, Any]:
        """Run /handoff; returns its answer after background work settles: the ack body when the
        command answers inline (``/handoff`` alone opens a form), else what was posted to its
        response_url (the command is recorded, acked, then run)."""
        key = uuid.uuid4().hex
        response = await self.send(sr.slash_command(text, team_id=self.team, user_id=user, channel_id=channel,
                                                    response_url=self.fake.response_url(key)))
        assert response.status == 200, await response.text()
        body = await response.text()
        await self.surface.drain()
        if body:
            return json.loads(body)
        answers = self.fake.answers(key)
        return answers[-1] if answers else {}

    async def click(self, action_id: str, value: str, user: str = "U2", channel: str = "C1", ts: str = "1.1") -> int:
        response = await self.send(sr.block_action(action_id, value, team_id=self.team, user_id=user, channel_id=channel,
                                                   message_ts=ts, response_url=self.fake.response_url("b"), trigger_id="t"))
        await self.surface.drain()
        return response.status

    async def submit(self, callback_id: str, values: dict[str, Any], metadata: str = "", user: str = "U1") -> dict[str, Any]:
        response = await self.send(sr.view_submission(callback_id, values, private_metadata=metadata, team_id=self.team, user_id=user))
        body = await response.text()
        await self.surface.drain()
        return json.loads(body) if body else {}

    async def event(self, event: dict[str, Any], event_id: str, **headers: str) -> aiohttp.ClientResponse:
        response = await self.send(sr.event_callback(event, team_id=self.team, event_id=event_id),
                                   content_type="application/json", headers=headers or None)
        await self.surface.drain()
        return response

    def texts(self, method: str = "chat.postMessage") -> list[str]:
        return [json.dumps(call.params) for call in self.fake.calls_to(method)]


@asynccontextmanager
async def running_app(engine: AsyncEngine, clock: FakeClock, drafter: Any = None, **settings: Any) -> AsyncIterator[SlackHarness]:
    async with FakeSlackApi() as fake:
        team = "T" + uuid.uuid4().hex[:8].upper()
        for user, name in (("U1", "dana"), ("U2", "lee"), ("U3", "sam"), ("UADMIN", "alex")):
            fake.add_user(user, name=name, real_name=name.title(), tz="Europe/Paris", is_admin=user == "UADMIN", team_id=team)
        config = Settings(_env_file=None, slack_signing_secret=SECRET, slack_api_url=fake.base_url,
                          **({"slack_bot_token": "xoxb-test-token", "handoff_scheduler": "off"} | settings))
        core = Core(SqlUnitOfWorkFactory(engine), clock=clock, drafter=drafter, admins=config.admins)
        web_app = build_web_app(config, core, engine)
        web_app[SLACK_SURFACE].home.quiet = 0.0  # tests settle with drain(), no need to coalesce
        runner, port = await serve(web_app)
        async with aiohttp.ClientSession() as http:
            try:
                yield SlackHarness(f"http://127.0.0.1:{port}", fake, http, web_app, team, core, config)
            finally:
                await runner.cleanup()
