"""People facts on Teams: the time zone from the client's ``localTimezone``, admins from HANDOFF_ADMINS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.teams_harness import TeamsHarness, assert_valid_card, card_text, running_teams
from tests.support import FakeClock


@pytest.fixture
async def teams(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with running_teams(engine, clock, handoff_admins="aad-kim, 29:ravi") as harness:
        harness.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        yield harness


async def say(teams: TeamsHarness, text: str, zone: str | None = None, **kw: Any) -> str:
    """One message, sent as a Teams client in ``zone`` sends it; the text of the card that answered."""
    body = teams.activity(text, **kw)
    if zone is not None:
        body["localTimezone"] = zone
    before = len(teams.connector.sent)
    assert await teams.post(body) in (200, 201)
    cards = [a["content"] for s in teams.connector.sent[before:] for a in s.activity.get("attachments") or []]
    assert cards, "the bot answered nothing"
    for card in cards:
        assert_valid_card(card)
    return card_text(cards[-1])


def zone_shown(card: str) -> str:
    return card.split('"title": "Time zone", "value": "', 1)[1].split('"', 1)[0]


async def test_the_time_zone_comes_from_the_teams_client_until_the_person_sets_one(teams: TeamsHarness) -> None:
    # Monday 10:00 UTC is already Tuesday on Kiritimati (UTC+14).
    assert zone_shown(await say(teams, "person me", "Pacific/Kiritimati", user="lee")) == "Pacific/Kiritimati"
    due = await say(teams, "handoff <at>Lee</at> question: pricing page by today", mentions=("lee",))  # dana: no zone
    assert "2026\\\\-11\\\\-24" in due, "today is the owner's today, in the zone their client reported"
    assert zone_shown(await say(teams, "person me", "Asia/Tokyo", user="lee")) == "Asia/Tokyo", "it follows the client"
    for bad in ("Mars/Base", "../../etc/passwd", "", "x" * 300):
        card = await say(teams, "person me", bad, user="lee")
        assert zone_shown(card) == "Asia/Tokyo" and "went wrong" not in card, bad
    assert "Lee's time zone is now America/Denver" in await say(teams, "person me tz America/Denver", "Asia/Tokyo",
                                                                  user="lee")
    assert zone_shown(await say(teams, "person me", "Europe/Berlin", user="lee")) == "America/Denver", \
        "a zone the person chose is not replaced by the client's"
    digest = await say(teams, "digest here 09:00", "Europe/Berlin", user="lee", kind="channel",
                       conversation=f"19:launch-{uuid.uuid4().hex[:6]}@thread.tacv2")
    assert "09:00 \\\\(America/Denver\\\\)" in digest


async def test_a_client_zone_that_is_no_zone_leaves_the_workspace_default(teams: TeamsHarness) -> None:
    assert zone_shown(await say(teams, "person me", "Not/AZone", user="sam")) == r"UTC \\(workspace default\\)"  # escaped for the card
    assert zone_shown(await say(teams, "person me", user="sam")) == r"UTC \\(workspace default\\)"  # escaped for the card


async def test_handoff_admins_by_aad_object_id_or_teams_user_id_may_do_what_only_admins_may(teams: TeamsHarness) -> None:
    refused = await say(teams, "nudges set hours 09:00-17:30", user="omar")
    assert '"text": "Only a lead or an admin can change the nudge settings\\\\."' in refused
    assert refused.count('"type": "TextBlock"') == 1, "one sentence, nothing else"
    assert "Nudges go out 08:00" not in refused
    for admin in ("kim", "ravi"):  # kim by her AAD object id, ravi by his Teams user id
        done = await say(teams, "nudges set hours 08:00-16:00", user=admin)
        assert "Only" not in done and "08:00" in done, (admin, done)
        assert '"title": "Admin", "value": "yes"' in await say(teams, "person me", user=admin), admin
    assert '"title": "Admin"' not in await say(teams, "person me", user="omar")
