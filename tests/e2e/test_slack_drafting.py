"""Drafting in Slack: the slash command, the message shortcut and the buttons, with the model on a
loopback OpenAI-compatible server reached through the real ``openai`` client."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.llm import OpenAIDrafter
from tests.e2e.slack_harness import SlackHarness, running_app
from tests.fakes import slack_requests as sr
from tests.fakes.openai_server import FakeOpenAI, Script
from tests.integration.test_drafting import DRAFT, NOTES
from tests.support import FakeClock


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def slack(engine: AsyncEngine, clock: FakeClock, llm: FakeOpenAI) -> AsyncIterator[SlackHarness]:
    async with running_app(engine, clock, drafter=OpenAIDrafter("test-key", "fake-model", llm.base_url)) as harness:
        yield harness


def updates(slack: SlackHarness) -> list[str]:
    return [json.dumps(c.params) for c in slack.fake.calls_to("chat.update")]


async def test_draft_command_acks_at_once_then_fills_in_the_message(slack: SlackHarness, llm: FakeOpenAI) -> None:
    llm.answer(json.dumps(DRAFT), chunks=4, delay=0.35)
    ack = await slack.slash(f"draft {NOTES}")
    assert "Drafting customer messaging" in json.dumps(ack)
    placeholder = next(c for c in slack.fake.calls_to("chat.postMessage") if "Drafting customer messaging" in json.dumps(c.params))
    assert placeholder.params["channel"] == "C1"
    final = updates(slack)[-1]
    assert "Stop creating accounts by hand" in final and '"draft.use"' in final and '"draft.regenerate"' in final
    assert any("Writing" in u or "Headline" in u or "Value proposition" in u for u in updates(slack)[:-1]), \
        "the message fills in while the model writes"


async def test_use_makes_a_messaging_handoff_and_discard_retires_the_draft(slack: SlackHarness, llm: FakeOpenAI) -> None:
    llm.default = Script("text", json.dumps(DRAFT))
    await slack.slash("person <@U2|lee> role pmm")
    await slack.slash(f"draft {NOTES}")
    blocks = slack.fake.calls_to("chat.update")[-1].params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    draft_id = next(e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "draft.use")
    assert await slack.click("draft.use", draft_id, user="U1") == 200
    cards = [json.dumps(c.params) for c in slack.fake.calls_to("chat.postMessage")]
    assert any("Messaging handoff #1" in t or "Stop creating accounts by hand" in t for t in cards)
    assert await slack.click("draft.discard", draft_id, user="U3") == 200  # not the requester, not a lead
    assert "Only the person who asked" in json.dumps([c.params for c in slack.fake.calls_to("chat.postEphemeral")])
    await slack.click("draft.regenerate", draft_id, user="U1")
    assert len(llm.requests) == 2


async def test_the_message_shortcut_drafts_in_the_messages_thread(slack: SlackHarness, llm: FakeOpenAI) -> None:
    llm.answer(json.dumps(DRAFT))
    body = sr.message_shortcut("draft_message", message_text=NOTES, team_id=slack.team, user_id="U1", channel_id="C7",
                               message_ts="1700000000.000100")
    assert (await slack.send(body)).status == 200
    await slack.surface.drain()
    placeholder = next(c for c in slack.fake.calls_to("chat.postMessage") if "Drafting customer messaging" in json.dumps(c.params))
    assert placeholder.params["channel"] == "C7" and placeholder.params["thread_ts"] == "1700000000.000100"
    assert "Stop creating accounts by hand" in updates(slack)[-1]


async def test_acks_stay_fast_while_50_drafts_are_in_flight(slack: SlackHarness, llm: FakeOpenAI) -> None:
    llm.default = Script("text", json.dumps(DRAFT), chunks=4, delay=0.5)  # each draft takes about 2 s
    started = time.perf_counter()
    for i in range(50):
        await slack.send(sr.slash_command(f"draft {NOTES} ({i})", team_id=slack.team, user_id="U1", channel_id="C1",
                                          response_url=slack.fake.response_url("r")))
    acks = time.perf_counter() - started
    one = time.perf_counter()
    response = await slack.send(sr.slash_command("list all", team_id=slack.team, user_id="U1", channel_id="C1",
                                                 response_url=slack.fake.response_url("r")))
    during = time.perf_counter() - one
    assert response.status == 200 and during < 1.0, f"an ack took {during:.2f} s with drafts in flight"
    assert acks / 50 < 1.0
    await slack.surface.drain()
    assert len(llm.requests) == 50
