"""Teams channels: a daily digest is a new post in the channel every day; an export typed in a
channel says truly where its files went."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.teams import files as teams_files
from tests.e2e.teams_harness import TeamsHarness, assert_valid_card, card_text, running_teams
from tests.support import FakeClock


class OneTenant:
    """The digest pass over this test's workspace only (the database holds other tests' too)."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant

    async def workspace_ids(self) -> list[str]:
        return [f"teams:{self.tenant}"]


@pytest.fixture
async def teams(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with running_teams(engine, clock) as harness:
        harness.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        yield harness


def channel_posts(teams: TeamsHarness, channel: str, since: int) -> list[dict]:
    """New conversations the bot started in ``channel`` (create-conversation calls), from ``since`` on."""
    return [c for c in teams.connector.created[since:] if ((c.get("channelData") or {}).get("channel") or {}).get("id") == channel]


async def test_a_channel_digest_is_a_new_channel_post_each_day(teams: TeamsHarness, clock: FakeClock) -> None:
    channel = f"19:launch-{uuid.uuid4().hex[:6]}@thread.tacv2"
    chain = f"{channel};messageid=42"
    assert "digest at 09:00" in card_text(await teams.say("digest here 09:00", kind="channel", conversation=chain))
    await teams.say("handoff <at>Lee</at> requirement: battlecards", mentions=("lee",), kind="channel", conversation=chain)
    ticks = teams.ticks()
    ticks.jobs.workspaces = OneTenant(teams.tenant)
    roots = []
    for day, title in ((1, "battlecards"), (2, "pricing page")):
        if day == 2:  # something new for the second day's digest, asked in the same old reply chain
            await teams.say(f"handoff <at>Lee</at> requirement: {title}", mentions=("lee",), kind="channel",
                            conversation=chain)
        clock.now = clock.now.replace(hour=9, minute=30) + timedelta(days=1)  # Tuesday, then Wednesday, 09:30 UTC
        created, sent = len(teams.connector.created), len(teams.connector.sent)
        await ticks.digests()
        [post] = channel_posts(teams, channel, created)
        assert post["isGroup"] is True and title in json.dumps(post["activity"]), day
        assert_valid_card(post["activity"]["attachments"][0]["content"])
        [digest] = [s for s in teams.connector.sent[sent:] if "Handoff digest" in card_text(s.activity)]
        assert digest.conversation == channel and digest.reply_to is None, day
        assert not [s for s in teams.connector.sent[sent:] if s.conversation.startswith(f"{channel};")], \
            "nothing went into a reply chain"
        roots.append(digest.activity_id)
    assert roots[0] != roots[1], "two days, two root posts"


# --- release export typed in a channel ----------------------------------------------------------

def shown(card: dict) -> str:
    """A card's JSON without the backslashes that escape Markdown: the text as a person reads it."""
    return card_text(card).replace("\\\\", "")


async def export_in_channel(teams: TeamsHarness, fail: str | None = None) -> str:
    """``release export v2.3`` typed in a channel; ``fail``: what Teams refuses on the way."""
    channel = f"19:ch-{uuid.uuid4().hex[:6]}@thread.tacv2"
    await teams.say("release new v2.3 2026-12-15")
    await teams.say("handoff <at>Lee</at> requirement for v2.3: battlecards", mentions=("lee",))
    if fail == "the new 1:1 chat":
        teams.connector.create_fail_statuses.append(403)  # Teams will not open the chat
    elif fail == "the file offer":
        teams.connector.fail_statuses.append(403)  # the chat opens, the first consent card is refused
    assert await teams.post(teams.activity("release export v2.3", kind="channel", conversation=channel)) in (200, 201)
    card = teams.connector.cards(channel)[-1]
    assert_valid_card(card)
    assert "Launch brief for v2.3" in shown(card)
    return shown(card)


async def test_an_export_in_a_channel_says_the_files_are_in_the_1to1_chat_when_they_are(teams: TeamsHarness) -> None:
    text = await export_in_channel(teams)
    offers = teams.connector.attachments(teams_files.CONSENT)
    assert [a["name"] for a in offers] == ["launch-brief-v2.3.md", "handoffs-v2.3.csv"]
    offered_in = {s.conversation for s in teams.connector.sent
                  if any(a.get("contentType") == teams_files.CONSENT for a in s.activity.get("attachments") or [])}
    assert len(offered_in) == 1 and offered_in.pop().startswith("a:chat-"), "both offers, in the new 1:1 chat"
    assert "I've sent you the files in our 1:1 chat." in text


@pytest.mark.parametrize("fails", ["the new 1:1 chat", "the file offer"])
async def test_an_export_in_a_channel_says_how_to_get_the_files_when_they_could_not_be_offered(
        teams: TeamsHarness, fails: str) -> None:
    text = await export_in_channel(teams, fails)
    assert teams.connector.attachments(teams_files.CONSENT) == []
    assert "I've sent you the files" not in text
    assert "Teams sends files only in a 1:1 chat: message me there and type `release export v2.3`." in text


async def test_a_channel_has_one_digest_whichever_reply_chain_it_is_managed_from(teams: TeamsHarness,
                                                                                clock: FakeClock) -> None:
    """Every Teams channel message belongs to some reply chain: the digest is the channel's, not the chain's."""
    channel = f"19:launch-{uuid.uuid4().hex[:6]}@thread.tacv2"
    assert "digest at 09:00" in card_text(await teams.say("digest here 09:00", kind="channel",
                                                          conversation=f"{channel};messageid=42"))
    moved = card_text(await teams.say("digest here 10:00", kind="channel", conversation=f"{channel};messageid=77"))
    assert "10:00" in moved
    await teams.say("handoff <at>Lee</at> requirement: battlecards", mentions=("lee",), kind="channel",
                    conversation=f"{channel};messageid=77")
    ticks = teams.ticks()
    ticks.jobs.workspaces = OneTenant(teams.tenant)
    clock.now = clock.now.replace(hour=10, minute=30) + timedelta(days=1)
    created = len(teams.connector.created)
    await ticks.digests()
    assert len(channel_posts(teams, channel, created)) == 1, "one digest for the channel, not one per chain"
    stopped = card_text(await teams.say("digest off", kind="channel", conversation=f"{channel};messageid=99"))
    assert "no digest" not in stopped.lower(), stopped
    clock.now += timedelta(days=1)
    await teams.say("handoff <at>Lee</at> requirement: pricing page", mentions=("lee",), kind="channel",
                    conversation=f"{channel};messageid=99")
    created = len(teams.connector.created)
    await ticks.digests()
    assert channel_posts(teams, channel, created) == [], "stopped from another reply chain"
