"""Socket Mode: with SLACK_APP_TOKEN the app opens a websocket on start-up and serves commands over it."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.slack_harness import running_app
from tests.fakes import slack_requests as sr
from tests.support import FakeClock


async def test_socket_mode_connects_on_start_up_and_answers_a_slash_command(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock, slack_app_token="xapp-1-test") as slack:
        await asyncio.wait_for(slack.fake.socket_opened.wait(), timeout=10)
        opened = slack.fake.calls_to("apps.connections.open")
        assert opened and opened[0].token == "xapp-1-test"
        payload = dict(parse_qsl(sr.slash_command("who owns battlecards?", team_id=slack.team)))
        ack = await slack.fake.send_envelope("slash_commands", payload)
        assert "Competitive messaging" in str(ack.get("payload"))
