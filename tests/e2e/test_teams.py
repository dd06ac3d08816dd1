"""Teams end to end: Bot Framework activities to /api/messages, replies on a loopback connector."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import jwt
import pytest
from botbuilder.schema import Activity
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.records import DeliveryKind, NewDelivery
from bot.reply import Reply
from handlers.llm import OpenAIDrafter
from handlers.teams.app import TEAMS_AUTH, TEAMS_BOT
from tests.e2e.teams_harness import TeamsHarness, assert_valid_card, card_text, running_teams
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openid import FakeIssuer
from tests.fakes.teams_connector import TeamsConnector
from tests.integration.test_drafting import DRAFT, NOTES
from tests.support import FakeClock


@pytest.fixture
async def teams(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with running_teams(engine, clock) as harness:
        harness.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        yield harness


async def count(engine: AsyncEngine, table: str, tenant: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM {table} WHERE workspace_id = :w"),
                                   {"w": f"teams:{tenant}"})).scalar_one()


async def test_a_command_in_a_1to1_chat_creates_a_handoff_and_answers_with_a_card(teams: TeamsHarness, engine) -> None:
    card = await teams.say("handoff <at>Lee</at> requirement: battlecards <!channel> [x](https://evil) by fri",
                           mentions=("lee",))
    body = card_text(card)
    assert "Handed off \\\\#1 to Lee" in body or "Handed off" in body
    assert "[x](https://evil)" not in body and "\\\\[x\\\\]" in body, "user text cannot become a link"
    assert await count(engine, "handoffs", teams.tenant) == 1
    reply = teams.connector.sent[-1]
    assert reply.conversation == f"a:dm-dana-{teams.tenant}"
    assert any(a["data"]["handoff_action"] == "handoff.ack" for s in card["body"] if s["type"] == "ActionSet"
               for a in s["actions"])


async def test_a_command_in_a_channel_needs_the_mention_removed(teams: TeamsHarness) -> None:
    card = await teams.say("who owns battlecards?", kind="channel", conversation="19:launch@thread.tacv2")
    assert "competitive messaging" in card_text(card)


async def test_the_owner_gets_a_dm_in_a_new_1to1_chat_and_a_click_updates_the_card(teams: TeamsHarness, engine) -> None:
    await teams.say("handoff <at>Lee</at> requirement: pricing page by fri", mentions=("lee",))
    await teams.ticks().send()
    assert teams.connector.created and teams.connector.created[-1]["members"][0]["id"] == "29:lee"
    dm = teams.connector.sent[-1]
    assert dm.conversation.startswith("a:chat-") and "pricing page" in card_text(dm.activity)
    for card in teams.connector.cards():
        assert_valid_card(card)
    click = teams.activity(user="lee", conversation=dm.conversation, value={"handoff_action": "handoff.ack", "value": "1"},
                           reply_to=dm.activity_id)
    assert await teams.post(click) in (200, 201)
    update = teams.connector.sent[-1]
    assert update.method == "PUT" and update.activity_id == dm.activity_id
    assert "acknowledged" in card_text(update.activity)
    assert_valid_card(update.activity["attachments"][0]["content"])


async def test_someone_else_cannot_move_it(teams: TeamsHarness) -> None:
    await teams.say("handoff <at>Lee</at> requirement: pricing page by fri", mentions=("lee",))
    card = await teams.say("done 1", user="sam")
    assert "Only" in card_text(card)


async def test_handoff_admins_are_the_teams_admins_and_nobody_else_makes_leads(engine: AsyncEngine, clock: FakeClock) -> None:
    """Issue 14, finding 1 on Teams, which has no admin flag: HANDOFF_ADMINS names them (here by AAD object id)."""
    async with running_teams(engine, clock, handoff_admins="aad-kim, someone@example.com") as teams:
        refused = card_text(await teams.say("person me role lead", user="omar"))
        assert "Only a lead or an admin can make someone a lead" in refused and "HANDOFF" in refused
        assert "Kim is now lead" in card_text(await teams.say("person me role lead", user="kim"))
        assert "Only Kim, a lead or an admin" in card_text(await teams.say("person <at>Kim</at> role other", user="omar",
                                                                            mentions=("kim",)))
        assert "Omar is now pmm" in card_text(await teams.say("person me role pmm", user="omar"))


class OneTenant:
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant

    async def workspace_ids(self) -> list[str]:
        return [f"teams:{self.tenant}"]


async def test_a_digest_asked_for_in_a_reply_chain_is_a_new_post_in_the_channel(teams: TeamsHarness, clock: FakeClock) -> None:
    """Issue 14, finding 9 on Teams: the digest used to land inside the old reply chain it was asked from."""
    channel = f"19:launch-{uuid.uuid4().hex[:6]}@thread.tacv2"
    chain = f"{channel};messageid=42"
    assert "digest at 09:00" in card_text(await teams.say("digest here 09:00", kind="channel", conversation=chain))
    await teams.say("handoff <at>Lee</at> requirement: battlecards", mentions=("lee",), kind="channel", conversation=chain)
    ticks = teams.ticks()
    ticks.jobs.workspaces = OneTenant(teams.tenant)
    clock.now = clock.now.replace(hour=9, minute=30) + timedelta(days=1)  # Tuesday 09:30 UTC, the user's zone
    before = len(teams.connector.sent)
    await ticks.digests()
    posted = teams.connector.sent[before:]
    [digest] = [s for s in posted if "Handoff digest" in card_text(s.activity)]
    assert digest.conversation == channel and digest.reply_to is None  # a new post, not in the chain
    [created] = [c for c in teams.connector.created if (c.get("channelData") or {}).get("channel", {}).get("id") == channel]
    assert "battlecards" in json.dumps(created["activity"])
    assert not [s for s in posted if s.conversation == chain]
    for attachment in digest.activity["attachments"]:
        assert_valid_card(attachment["content"])


async def test_a_reason_button_asks_for_the_reason_in_a_card_form(teams: TeamsHarness) -> None:
    await teams.say("handoff <at>Lee</at> requirement: pricing page by fri", mentions=("lee",))
    form = await teams.say("", user="lee", value={"handoff_action": "handoff.decline", "value": "1"})
    assert any(el.get("type") == "Input.Text" and el.get("isRequired") for el in form["body"])
    done = await teams.say("", user="lee", value={"handoff_action": "handoff.decline", "value": "1", "text": "not ours"})
    assert "declined" in card_text(done)


async def test_a_release_made_in_a_channel_keeps_its_knowledge_in_one_reply_chain(teams: TeamsHarness) -> None:
    channel = f"19:launch-{uuid.uuid4().hex[:6]}@thread.tacv2"
    await teams.say("release new v2.3 2026-12-15", kind="channel", conversation=channel)
    roots = [s for s in teams.connector.sent if s.conversation == channel and s.method == "POST" and s.reply_to is None]
    root = next(r for r in roots if "v2.3" in card_text(r.activity))
    await teams.say("release decide v2.3 We launch mid-market first", kind="channel", conversation=f"{channel};messageid=9")
    await teams.say("handoff <at>Lee</at> requirement for v2.3: battlecards by fri", mentions=("lee",), kind="channel",
                    conversation=channel)
    await teams.say("handoff <at>Lee</at> requirement for v2.3: private pricing plan", mentions=("lee",))  # a 1:1 chat
    chain = [s for s in teams.connector.sent if s.conversation == f"{channel};messageid={root.activity_id}"]
    texts = " ".join(card_text(s.activity) for s in chain)
    assert "We launch mid" in texts and "battlecards" in texts
    assert "private pricing" not in texts, "what was said in a 1:1 chat stays out of the channel"
    refreshed = [s for s in teams.connector.sent if s.method == "PUT" and s.activity_id == root.activity_id]
    assert refreshed and "mid" in card_text(refreshed[-1].activity)
    for card in teams.connector.cards():
        assert_valid_card(card)


async def test_the_new_handoff_form_validates_like_a_modal(teams: TeamsHarness, engine) -> None:
    await teams.say("help", user="lee")  # Teams knows lee from here on
    teams.connector.add_member("lee")  # the owner is a people picker: its value is lee's AAD id
    await teams.say("release new v2.3 2026-12-15")
    form = await teams.say("handoff")
    ids = {el.get("id") for el in form["body"]}
    assert {"kind", "title", "details", "owner", "release", "area", "due"} <= ids
    refused = await teams.say("", value={"handoff_action": "handoff.new", "title": "pricing page", "owner": "aad-lee",
                                         "release": "v2.3", "due": "2020-01-01"})
    due = next(el for el in refused["body"] if el.get("id") == "due")
    assert "past" in due["errorMessage"] and due["value"] == "2020-01-01"
    assert next(el for el in refused["body"] if el.get("id") == "title")["value"] == "pricing page"
    assert await count(engine, "handoffs", teams.tenant) == 0
    done = await teams.say("", value={"handoff_action": "handoff.new", "title": "pricing page", "owner": "aad-lee",
                                      "release": "v2.3", "kind": "messaging", "due": "2026-12-01"})
    assert "Handed off" in card_text(done) and "Lee" in card_text(done)
    assert await count(engine, "handoffs", teams.tenant) == 1


STATES = {
    "open": [], "acknowledged": [("lee", "ack 1")], "in_progress": [("lee", "ack 1"), ("lee", "start 1")],
    "needs_info": [("lee", "ask 1 which segment?")], "blocked": [("lee", "block 1 waiting on legal")],
    "declined": [("lee", "decline 1 not ours")], "done": [("lee", "done 1")], "cancelled": [("dana", "cancel 1")],
}


def buttons(card: dict) -> list[dict]:
    return [a for block in card["body"] if block["type"] == "ActionSet" for a in block["actions"]]


@pytest.mark.parametrize("state", list(STATES))
async def test_every_button_of_every_state_answers_with_a_valid_card(teams: TeamsHarness, state: str) -> None:
    await teams.say("help", user="lee")
    await teams.say("handoff <at>Lee</at> requirement: pricing page by fri", mentions=("lee",))
    for who, command in STATES[state]:
        await teams.say(command, user=who)
    card = await teams.say("show 1", user="lee")
    assert state.replace("_", " ") in card_text(card)
    for button in buttons(card):
        for who in ("lee", "dana"):
            answer = card_text(await teams.say("", user=who, value=button["data"]))
            assert "went wrong" not in answer, (state, button["title"], answer)
            if "Only" not in answer:
                break
        await teams.post(teams.activity("reopen 1", user="dana"))  # back to a state with buttons, if it moved
        for who, command in STATES[state]:
            await teams.post(teams.activity(command, user=who))


async def test_a_draft_answers_at_once_then_replaces_its_card_after_the_turn(engine: AsyncEngine, clock: FakeClock) -> None:
    async with FakeOpenAI() as llm:
        llm.answer(json.dumps(DRAFT), chunks=3, delay=0.4)
        drafter = OpenAIDrafter("test-key", "fake-model", llm.base_url)
        async with running_teams(engine, clock, drafter=drafter) as teams:
            teams.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            placeholder = await teams.say(f"draft {NOTES}")
            assert time.perf_counter() - started < 1.0, "the turn does not wait for the model"
            assert "Drafting customer messaging" in card_text(placeholder)
            posted = teams.connector.sent[-1].activity_id
            await teams.web_app[TEAMS_BOT].drain()
            final = [s for s in teams.connector.sent if s.method == "PUT" and s.activity_id == posted][-1]
            assert "Stop creating accounts by hand" in card_text(final.activity)
            assert_valid_card(final.activity["attachments"][0]["content"])
            draft_id = next(a["data"]["value"] for a in buttons(final.activity["attachments"][0]["content"])
                            if a["data"]["handoff_action"] == "draft.discard")
            assert "discarded" in card_text(await teams.say("", value={"handoff_action": "draft.discard", "value": draft_id}))


async def test_malformed_activities_get_400_and_change_nothing(teams: TeamsHarness, engine) -> None:
    assert await teams.post(None, raw=b"{not json") == 400
    assert await teams.post({"text": "no type"}) == 400
    assert await teams.post([1, 2]) == 400
    assert await teams.post(None, raw=b"x" * (300 * 1024)) == 413
    assert await count(engine, "handoffs", teams.tenant) == 0


async def test_two_tenants_never_see_each_other(teams: TeamsHarness) -> None:
    await teams.say("handoff <at>Lee</at> question: tenant-one secret", mentions=("lee",))
    other = await teams.say("list all", tenant=f"other-{uuid.uuid4().hex[:6]}")
    assert "tenant-one secret" not in card_text(other)


async def test_connector_403_marks_the_chat_dead_and_fails_once(teams: TeamsHarness, engine) -> None:
    await teams.say("help")  # dana's 1:1 chat is now known
    workspace = f"teams:{teams.tenant}"
    await teams.core.queue(workspace, NewDelivery("digest:t403", DeliveryKind.DIGEST, "dm:29:dana", Reply(title="hi")))
    teams.connector.fail_statuses = [403]
    await teams.ticks().send()
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT status, last_error FROM deliveries WHERE workspace_id = :w AND key = 'digest:t403'"),
                                  {"w": workspace})).one()
        active = (await conn.execute(text("SELECT active FROM conversation_refs WHERE workspace_id = :w AND user_id = '29:dana'"),
                                     {"w": workspace})).scalar_one()
    assert tuple(row) == ("failed", "teams_403") and not active


async def test_a_proactive_dm_after_a_restart_uses_the_reference_from_the_database(engine: AsyncEngine,
                                                                                 clock: FakeClock) -> None:
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    async with TeamsConnector() as connector:
        async with running_teams(engine, clock, connector) as first:
            first.tenant = tenant
            await first.say("help", user="lee")  # lee's 1:1 chat is known from here on
        async with running_teams(engine, clock, connector) as restarted:  # a new process: nothing in memory
            await restarted.core.queue(f"teams:{tenant}", NewDelivery("nudges:restart", DeliveryKind.NUDGE, "dm:29:lee",
                                                                      Reply(title="A reminder from Handoff")))
            await restarted.ticks().send()
    last = connector.sent[-1]
    assert last.conversation == f"a:dm-lee-{tenant}" and "A reminder from Handoff" in card_text(last.activity)
    assert connector.created == [], "the stored 1:1 chat was used, not a new one"


APP_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def issuer() -> Iterator[FakeIssuer]:
    with FakeIssuer() as fake:
        yield fake


def bad_tokens(issuer: FakeIssuer, service_url: str) -> dict[str, str]:
    good = {"audience": APP_ID, "service_url": service_url}
    return {
        "missing": "",
        "garbage": "Bearer garbage",
        "not bearer": "Basic abc",
        "alg none": "Bearer " + jwt.encode({"aud": APP_ID}, None, algorithm="none"),
        "alg HS256": "Bearer " + issuer.token(**good, algorithm="HS256"),
        "expired": "Bearer " + issuer.token(**good, expires_in=-3600),
        "bad signature": "Bearer " + issuer.token(**good, key=issuer.other_key),
        "unknown key id": "Bearer " + issuer.token(**good, kid="nope"),
        "wrong issuer": "Bearer " + issuer.token(**good, issuer="https://evil.example.com"),
        "wrong audience": "Bearer " + issuer.token(audience="someone-else", service_url=service_url),
        "wrong service url": "Bearer " + issuer.token(audience=APP_ID, service_url="https://evil.example.com/"),
    }


async def test_with_an_app_id_every_bad_token_gets_401_and_the_bot_never_runs(engine: AsyncEngine, clock: FakeClock,
                                                                             issuer: FakeIssuer) -> None:
    async with running_teams(engine, clock, microsoft_app_id=APP_ID, microsoft_app_password="secret",
                             microsoft_openid_metadata_url=issuer.metadata_url) as teams:
        teams.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        body = teams.activity("handoff <at>Lee</at> question: nope", mentions=("lee",))
        statuses = {name: await teams.post(body, headers={"Authorization": header} if header else {})
                    for name, header in bad_tokens(issuer, teams.connector.url).items()}
        assert statuses == dict.fromkeys(statuses, 401)
        assert await count(engine, "handoffs", teams.tenant) == 0
        assert await count(engine, "conversation_refs", teams.tenant) == 0
        assert teams.connector.sent == []
        good = issuer.token(audience=APP_ID, service_url=teams.connector.url)
        verified = await teams.web_app[TEAMS_AUTH].authenticate_request(
            Activity().deserialize(body), f"Bearer {good}")
        assert verified.claims_identity.is_authenticated, "the same issuer's valid token passes"
