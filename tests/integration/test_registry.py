"""The grey-area ownership registry through the core."""

from __future__ import annotations

import re

from tests.support import Chat


async def test_who_owns_answers_with_driver_supporters_and_release_override(chat: Chat) -> None:
    await chat.ok("alex", "person me role lead")
    await chat.ok("alex", "release new v2.3")
    await chat.ok("alex", "owner set competitive messaging @lee")
    await chat.ok("alex", "owner add battlecards @dana owes win/loss notes")
    await chat.ok("alex", "owner inform competitive intel @sam")
    text = await chat.ok("priya", "who's on the hook for battlecards?")
    assert "Driver: lee" in text and "dana owes win/loss notes" in text and "Informed: sam" in text
    await chat.ok("alex", "owner set competitive messaging @priya for v2.3")
    text = await chat.ok("dana", "who owns competitive messaging for v2.3?")
    assert "Driver for v2.3: priya (overrides lee)" in text
    assert "Driver: lee" in await chat.ok("dana", "who owns competitive messaging?")


async def test_unowned_area_says_so_and_suggests_by_practice(chat: Chat) -> None:
    await chat.ok("lee", "person me role pmm")
    await chat.ok("dana", "person me role pm")
    text = await chat.ok("dana", "who owns release notes?")
    assert "Nobody drives release notes" in text and "a PMM usually drives it with PM input (lee could)" in text
    assert "owner claim release notes" in text
    text = await chat.ok("lee", "who owns the roadmap?")
    assert "an inbound area, a PM usually drives it" in text and "(dana could)" in text


async def test_unsure_offers_choices_and_unknown_says_how_to_add(chat: Chat) -> None:
    await chat.ok("alex", "owner new field events outbound")
    await chat.ok("alex", "owner new field training outbound")
    text = await chat.ok("dana", "who owns field?")
    assert "Which area do you mean" in text and "field events" in text and "field training" in text
    assert "owner new" in await chat.ok("dana", "who owns the office plants?")


async def test_claims_become_disputes_that_a_lead_settles(chat: Chat) -> None:
    await chat.ok("dana", "owner claim CAB")
    text = await chat.ok("sam", "owner claim customer advisory board")
    assert re.search(r"recorded sam's claim as dispute D\d+: dana and the leads are told", text) and "Disputed" in text
    assert "customer advisory board" in await chat.ok("lee", "owner disputed")
    await chat.ok("alex", "person me role lead")
    text = await chat.ok("alex", "owner set cab @sam")
    assert "sam now drives customer advisory board" in text and "Disputed" not in text
    assert "No disputed" in await chat.ok("lee", "owner disputed")
    assert "customer advisory board" not in await chat.ok("lee", "owner unowned")


async def test_the_current_driver_can_hand_over(chat: Chat) -> None:
    await chat.ok("dana", "owner claim pricing")
    assert "lee now drives pricing" in await chat.ok("dana", "owner set pricing @lee")
    assert "already drives" in await chat.ok("lee", "owner claim pricing")


async def test_remove_and_list(chat: Chat) -> None:
    await chat.ok("dana", "owner add pricing @lee owes competitor price sheet")
    assert "no longer has a duty" in await chat.ok("dana", "owner remove pricing @lee")
    assert "has no duty" in await chat.fails("dana", "owner remove pricing @lee")
    text = await chat.ok("dana", "owner list")
    assert "Grey areas (15)" in text and "competitive messaging (shared): nobody — unowned" in text


async def test_new_area_with_aliases_is_found_by_alias(chat: Chat) -> None:
    await chat.ok("alex", "owner new partner marketing outbound aka partners, alliances")
    await chat.ok("alex", "owner set alliances @lee")
    assert "Driver: lee" in await chat.ok("dana", "who owns partner marketing?")
    assert "exists already" in await chat.fails("alex", "owner new Partner Marketing shared")


async def test_ownership_decisions_land_in_the_knowledge_thread(chat: Chat) -> None:
    await chat.ok("alex", "release new v2.3")
    await chat.ok("alex", "owner set release notes @sam for v2.3")
    text = await chat.ok("dana", "what did we decide about release notes?")
    assert "sam drives release notes for v2.3" in text


async def test_people_roles_and_time_zones(chat: Chat) -> None:
    assert "dana is now pm" in await chat.ok("dana", "person me role pm")
    assert "Only lee, a lead or an admin can set the role of lee" in await chat.fails("dana", "person @lee role pmm")
    assert "lee is now pmm" in await chat.ok("alex", "person @lee role pmm")  # alex is an admin
    assert "Only a lead or an admin can make someone a lead" in await chat.fails("dana", "person me role lead")
    assert "Europe/Paris" in await chat.ok("dana", "person me tz europe/paris")
    assert "not a time zone" in await chat.fails("dana", "person me tz Mars/Base")
    assert "People (3)" in await chat.ok("dana", "person list")


async def test_my_grey_areas(chat: Chat) -> None:
    await chat.ok("alex", "owner set pricing @lee")
    await chat.ok("alex", "owner add positioning @lee owes pricing input")
    text = await chat.ok("lee", "owner mine")
    assert "Your grey areas (2)" in text and "pricing" in text and "positioning" in text
    assert "no duty" in await chat.ok("sam", "owner mine")
