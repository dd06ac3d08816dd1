"""Nudges and digests reaching Slack: through the running app's commands, the passes and the outbox,
into the fake Slack API; and the nudge's buttons working when clicked."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app import build_jobs
from handlers.scheduler import Ticks
from tests.e2e.slack_harness import SlackHarness, running_app
from tests.support import FakeClock


@pytest.fixture
async def slack(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    clock.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday before the working day
    async with running_app(engine, clock) as harness:
        harness.fake.clock = lambda: clock().timestamp()
        yield harness


class OnlyThisTeam:
    def __init__(self, team: str) -> None:
        self.team = team

    async def workspace_ids(self) -> list[str]:
        return [f"slack:{self.team}"]


def ticks_for(slack: SlackHarness, engine: AsyncEngine) -> Ticks:
    ticks = build_jobs(slack.settings, slack.core, engine)
    ticks.jobs.workspaces = OnlyThisTeam(slack.team)  # the session's database holds other tests' teams too
    return ticks


def posts(slack: SlackHarness, channel_prefix: str) -> list[dict]:
    """What the outbox posted there (interactive posts carry a ``notice:`` key)."""
    return [c.params for c in slack.fake.calls_to("chat.postMessage")
            if str(c.params.get("channel", "")).startswith(channel_prefix) and not delivery_key_of(c.params).startswith("notice:")]


def delivery_key_of(params: dict) -> str:
    meta = params.get("metadata")
    meta = json.loads(meta) if isinstance(meta, str) else meta or {}
    return (meta.get("event_payload") or {}).get("key", "notice:")


async def test_digest_and_nudges_reach_slack_once_with_working_buttons(slack: SlackHarness, engine: AsyncEngine,
                                                                       clock: FakeClock) -> None:
    reply = await slack.slash("digest here 09:00", channel="CLAUNCH")
    assert "digest at 09:00 (Europe/Paris)" in json.dumps(reply), reply
    await slack.slash("<@U2|lee> requirement: battlecards <!channel> by tomorrow", channel="CLAUNCH")
    ticks = ticks_for(slack, engine)

    clock.now = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 in Paris: digest time, working hours
    await ticks.digests()
    await ticks.nudges()
    await ticks.send()
    await ticks.digests()  # a second tick of each changes nothing
    await ticks.nudges()
    await ticks.send()

    (digest,) = posts(slack, "CLAUNCH")
    assert "battlecards" in json.dumps(digest["blocks"]) and "<!channel>" not in json.dumps(digest)
    assert digest["unfurl_links"] in (False, "false", "0", 0)
    (nudge,) = posts(slack, "U2")
    body = json.dumps(nudge["blocks"])
    assert "due tomorrow" in body and '"handoff.not_mine"' in body and '"handoff.ack"' in body
    meta = nudge["metadata"] if isinstance(nudge["metadata"], dict) else json.loads(nudge["metadata"])
    assert meta["event_type"] == "handoff_delivery" and meta["event_payload"]["key"].startswith("nudges:")

    # "Not mine" opens the reassign form; "Acknowledge" moves the handoff.
    assert await slack.click("handoff.not_mine", "1", user="U2", channel="DU2") == 200
    assert slack.fake.calls_to("views.open")[-1].params["view"]["callback_id"]
    assert await slack.click("handoff.ack", "1", user="U2", channel="DU2") == 200
    assert "acknowledged" in json.dumps(await slack.slash("show 1"))


async def test_a_channel_the_bot_left_is_reported_to_an_admin_once(slack: SlackHarness, engine: AsyncEngine,
                                                                  clock: FakeClock) -> None:
    await slack.slash("digest here 09:00", channel="CGONE")
    await slack.slash("person <@UADMIN> role lead", user="UADMIN")
    await slack.slash("<@U2|lee> requirement: something to say", channel="CGONE")
    ticks = ticks_for(slack, engine)
    clock.now = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    slack.fake.fail_next("chat.postMessage", error="not_in_channel")
    await ticks.digests()
    await ticks.send()
    clock.now = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    slack.fake.fail_next("chat.postMessage", error="not_in_channel")
    await ticks.digests()
    await ticks.send()
    reports = [p for p in posts(slack, "UADMIN") if "could not be delivered" in json.dumps(p)]
    assert len(reports) == 1, "reported once, not once a day"
    assert "not_in_channel" in json.dumps(reports[0]["blocks"])
