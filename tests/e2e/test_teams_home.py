"""The Teams personal view: ``home`` in the 1:1 chat, the welcome on install, and Universal Actions
(``adaptiveCard/action`` invokes) that refresh it and run its buttons, on a running app."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.teams.app import TEAMS_BOT
from tests.e2e.teams_harness import BOT, TeamsHarness, assert_valid_card, card_text, running_teams
from tests.support import FakeClock

CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
async def teams(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with running_teams(engine, clock, handoff_admins="aad-dana") as harness:
        harness.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        yield harness


def words(card: dict[str, Any]) -> str:
    """Every TextBlock and fact of a card, with the renderer's Markdown escapes taken off."""
    out = []
    for item in card.get("body") or []:
        if item.get("type") == "TextBlock":
            out.append(item["text"])
        for fact in item.get("facts") or []:
            out.append(f"{fact['title']}: {fact['value']}")
    return re.sub(r"\\(.)", r"\1", "\n".join(out).replace("**", ""))


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found = [a for item in card.get("body") or [] if item.get("type") == "ActionSet" for a in item["actions"]]
    return found + list(card.get("actions") or [])


def button(card: dict[str, Any], verb: str, value: str | None = None) -> dict[str, Any]:
    return next(a for a in actions(card) if a.get("verb", "").startswith(verb)
                and (value is None or str(a["data"].get("value", "")).startswith(value)))


async def invoke(teams: TeamsHarness, verb: str, data: dict[str, Any] | None = None, *, user: str = "dana",
                 trigger: str = "manual", kind: str = "personal", conversation: str | None = None,
                 tenant: str | None = None) -> tuple[int, dict[str, Any]]:
    """What Teams sends for an Action.Execute click (``manual``) or a card shown again (``automatic``)."""
    body = teams.activity(user=user, kind=kind, conversation=conversation, tenant=tenant)
    body.update(type="invoke", name="adaptiveCard/action", text=None,
                value={"action": {"type": "Action.Execute", "verb": verb, "data": data or {}}, "trigger": trigger})
    async with teams.http.post(f"{teams.url}/api/messages", json=body) as response:
        return response.status, await response.json()


async def refreshed(teams: TeamsHarness, verb: str = "home.refresh", data: dict[str, Any] | None = None,
                    **kw: Any) -> dict[str, Any]:
    status, answer = await invoke(teams, verb, data, **kw)
    assert status == 200 and answer["statusCode"] == 200 and answer["type"] == CARD, answer
    assert_valid_card(answer["value"])
    return answer["value"]


async def click(teams: TeamsHarness, card: dict[str, Any], verb: str, value: str | None = None,
                **extra: Any) -> dict[str, Any]:
    """Click an Action.Execute button of ``card``: its verb and data, with what inputs add."""
    action = button(card, verb, value)
    return await refreshed(teams, action["verb"], {**action["data"], **extra})


async def status_of(engine: AsyncEngine, tenant: str, number: int) -> str:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT status FROM handoffs WHERE workspace_id = :w AND number = :n"),
                                   {"w": f"teams:{tenant}", "n": number})).scalar_one()


async def seed(teams: TeamsHarness) -> None:
    """Dana (an admin, a PM) owes #1, is owed #2, drives pricing, approves gates of v2.3, must settle
    Lee's dispute on pricing, and has a draft to review."""
    await teams.say("person me role pm")
    await teams.say("handoff <at>Dana</at> requirement: pricing page tier table by fri", user="lee", mentions=("dana",))
    await teams.say("handoff <at>Lee</at> messaging: battlecards for the launch", mentions=("lee",))
    await teams.say("owner claim pricing")
    await teams.say("release new v2.3 2027-03-01")
    await teams.say("dispute pricing: I should drive pricing, I run the pricing council", user="lee")
    await teams.say("draft audience: finance admins; bulk invoice export to CSV, up to 10k rows")
    await teams.web_app[TEAMS_BOT].drain()


def home_parts(card: dict[str, Any]) -> dict[str, str]:
    """Each section heading's count, ``""`` when it has none."""
    said = words(card)
    parts = {}
    for heading in ("What you owe", "What is owed to you", "Your grey areas", "Gates waiting on your decision",
                    "Disputes you must settle", "Drafts to review"):
        found = re.search(rf"^{heading}(?: \((\d+)\))?$", said, re.MULTILINE)
        assert found, f"no {heading!r} in {said}"
        parts[heading] = found.group(1) or ""
    return parts


async def test_home_in_the_1to1_chat_shows_each_section_with_real_data(teams: TeamsHarness) -> None:
    await seed(teams)
    card = await teams.say("home")
    said = words(card)
    assert home_parts(card) == {"What you owe": "1", "What is owed to you": "1", "Your grey areas": "1",
                                "Gates waiting on your decision": "4", "Disputes you must settle": "1",
                                "Drafts to review": "1"}
    assert "#1 pricing page tier table" in said and "#2 battlecards for the launch" in said
    assert "pricing (inbound): you drive it" in said and "Market Opportunity — v2.3" in said
    assert "I should drive pricing" in said and re.search(r"^Draft \d+: a messaging brief$", said, re.MULTILINE)
    # The same buttons as the cards elsewhere, as Universal Actions; the card refreshes for its owner.
    assert button(card, "handoff.ack", "1:")["type"] == "Action.Execute"
    assert button(card, "handoff.comment", "2:") and not [a for a in actions(card) if a["data"].get("value", "").startswith(
        "2:") and a["verb"] in ("handoff.ack", "handoff.done")], "the requester's part has no owner's buttons"
    assert button(card, "cmd.run.")["data"]["value"].startswith("gate approve v2.3")
    assert any(re.fullmatch(r"dispute resolve \d+ 1", a["data"].get("value") or "") for a in actions(card))
    assert button(card, "draft.use")["data"]["value"].isdecimal()
    assert not [a for a in actions(card) if a["type"] == "Action.Submit"]
    assert card["refresh"] == {"action": {"type": "Action.Execute", "title": "Refresh", "verb": "home.refresh", "data": {}},
                               "userIds": ["29:dana"]}


async def test_an_empty_home_says_so_for_each_part(teams: TeamsHarness) -> None:
    said = words(await teams.say("home", user="kim"))
    assert "Nothing you owe." in said and "Nothing is owed to you." in said and "No gate waits on you." in said
    assert "None open." in said and "No draft waits for you" in said


async def test_the_welcome_on_install_in_a_1to1_chat_shows_the_home(teams: TeamsHarness) -> None:
    await teams.say("handoff <at>Dana</at> question: which tier is default?", user="lee", mentions=("dana",))
    before = len(teams.connector.sent)
    added = teams.activity()
    added.update(type="conversationUpdate", text=None, membersAdded=[BOT])
    assert await teams.post(added) in (200, 201)
    cards = [a["content"] for s in teams.connector.sent[before:] for a in s.activity.get("attachments") or []]
    for card in cards:
        assert_valid_card(card)
    assert "Hi, I'm Handoff" in words(cards[0])
    assert home_parts(cards[1])["What you owe"] == "1" and cards[1]["refresh"]["userIds"] == ["29:dana"]

    before = len(teams.connector.sent)  # added to a team's channel: the hello only, nobody's private view
    added = teams.activity(kind="channel", conversation="19:general@thread.tacv2")
    added.update(type="conversationUpdate", text=None, membersAdded=[BOT])
    assert await teams.post(added) in (200, 201)
    cards = [a["content"] for s in teams.connector.sent[before:] for a in s.activity.get("attachments") or []]
    assert len(cards) == 1 and "Hi, I'm Handoff" in words(cards[0])


async def test_home_in_a_channel_says_it_is_in_the_1to1_chat(teams: TeamsHarness) -> None:
    await seed(teams)
    card = await teams.say("home", kind="channel", conversation="19:launch@thread.tacv2")
    assert words(card) == "Your home is private: message me in our 1:1 chat and type `home` there."
    assert "refresh" not in card
    # A refresh or a click from a channel (a forwarded card) answers the same, and changes nothing.
    answer = await refreshed(teams, "handoff.ack", {"handoff_action": "handoff.ack", "value": "1:1"}, kind="channel",
                             conversation="19:launch@thread.tacv2")
    assert "Your home is private" in words(answer) and "pricing" not in card_text(answer)
    assert await status_of(teams.engine, teams.tenant, 1) == "open"


async def test_an_automatic_refresh_after_changes_made_elsewhere_shows_the_numbers_now(teams: TeamsHarness) -> None:
    await seed(teams)
    card = await teams.say("home")
    assert home_parts(card)["What you owe"] == "1"
    await teams.say("done 1")  # typed, not clicked on the home card
    await teams.say("handoff <at>Dana</at> requirement: churn dashboard", user="sam", mentions=("dana",))
    await teams.say("handoff <at>Dana</at> question: launch date?", user="sam", mentions=("dana",))
    await teams.say('gate approve v2.3 "Market Opportunity"')
    await teams.say("", value={"handoff_action": "handoff.ack", "value": "3:1"})  # a button on #3's own card
    again = await refreshed(teams, trigger="automatic")
    parts = home_parts(again)
    assert parts["What you owe"] == "2" and parts["Gates waiting on your decision"] == "3"
    assert "#3 churn dashboard — acknowledged" in words(again) and "pricing page tier table" not in words(again)
    assert again["refresh"]["userIds"] == ["29:dana"]


async def test_a_home_button_changes_the_handoff_and_answers_with_the_refreshed_home(teams: TeamsHarness) -> None:
    await seed(teams)
    card = await teams.say("home")
    after = await click(teams, card, "handoff.ack", "1:")
    assert await status_of(teams.engine, teams.tenant, 1) == "acknowledged"
    assert "#1 is now acknowledged." in words(after) and "#1 pricing page tier table — acknowledged" in words(after)
    assert button(after, "handoff.start", "1:")

    # A button that needs a few words asks for them in place, then answers with the home.
    form = await click(teams, after, "handoff.ask", "1:")
    assert form["body"][1]["type"] == "Input.Text" and button(form, "home.refresh")["title"] == "Back"
    asked = await click(teams, form, "handoff.ask", text="Which tiers does it show?")
    assert await status_of(teams.engine, teams.tenant, 1) == "needs_info" and "Home: Dana" in words(asked)

    # A stale button (the version it carries is old) changes nothing and says why on the home card.
    stale = await click(teams, card, "handoff.ack", "1:")
    assert await status_of(teams.engine, teams.tenant, 1) == "needs_info"
    assert stale["body"][1]["color"] == "Attention" and "Home: Dana" in words(stale)

    gate = await click(teams, asked, "cmd.run.")
    assert "Market Opportunity: approved." in words(gate) and home_parts(gate)["Gates waiting on your decision"] == "3"
    settled = next(a for a in actions(gate) if re.fullmatch(r"dispute resolve \d+ 1", a["data"].get("value") or ""))
    done = await refreshed(teams, settled["verb"], settled["data"])
    assert "decided: Lee drives pricing" in words(done) and home_parts(done)["Disputes you must settle"] == ""
    assert "pricing (inbound): you drive it" not in words(done)
    # A gate's Decline asks why in place; the reason goes with the command.
    why = await click(teams, done, "cmd.ask.")
    assert "Decline: why?" in words(why)
    declined = await click(teams, why, "cmd.ask.", text="the use cases are not written yet")
    assert "Use Case Definition: declined." in words(declined)
    assert home_parts(declined)["Gates waiting on your decision"] == "2"
    # Regenerate writes a new version after the answer (it may be written already, or still being
    # written, when the card is built); once it is done, the next refresh shows it written.
    again = await click(teams, declined, "draft.regenerate")
    assert "Drafting it again…" in words(again)
    await teams.web_app[TEAMS_BOT].drain()
    done = await refreshed(teams, trigger="automatic")
    assert len(re.findall(r"^Draft \d+: a messaging brief$", words(done), re.MULTILINE)) == 2
    discarded = await click(teams, done, "draft.discard")
    assert "Draft discarded." in words(discarded) and home_parts(discarded)["Drafts to review"] == "1"
    discarded = await click(teams, discarded, "draft.discard")
    assert "No draft waits for you" in words(discarded)
    # Lee, whose dispute it was, is told through the outbox.
    async with teams.engine.connect() as conn:
        told = (await conn.execute(text("SELECT count(*) FROM deliveries WHERE workspace_id = :w AND target = 'dm:29:lee'"),
                                   {"w": f"teams:{teams.tenant}"})).scalar_one()
    assert told >= 1


async def test_a_refusal_on_the_home_card_shows_the_problem_and_changes_nothing(teams: TeamsHarness) -> None:
    await seed(teams)
    lee = await teams.say("home", user="lee")
    # Lee may not approve a PM's gate (Lee has no role), and a forged button is only what Lee could type.
    refused = await refreshed(teams, "cmd.run.x", {"handoff_action": "cmd.run.x", "value": "gate approve v2.3 2"}, user="lee")
    assert "Only an approver (PM), a lead or an admin can decide" in words(refused) and "Home: Lee" in words(refused)
    forged = await refreshed(teams, "handoff.done", {"handoff_action": "handoff.done", "value": "1:1"}, user="lee")
    assert "Only" in words(forged) and await status_of(teams.engine, teams.tenant, 1) == "open"
    expired = await refreshed(teams, "handoff.ack", {"value": "²"}, user="lee")
    assert "That button has expired" in words(expired)
    assert "Your disputes, waiting on a lead (1)" in words(lee)
    status, answer = await invoke(teams, "", user="lee")
    assert status == 200 and answer["type"] == CARD  # an empty verb is not the refresh: the home, said expired
    body = teams.activity(user="lee")
    body.update(type="invoke", name="adaptiveCard/action", text=None, value={"trigger": "manual"})
    async with teams.http.post(f"{teams.url}/api/messages", json=body) as response:
        bad = await response.json()
        assert response.status == 400 and bad["type"] == "application/vnd.microsoft.error"
        assert bad["value"]["message"] == "That card action names no verb."


async def test_another_users_refresh_gets_their_own_home(teams: TeamsHarness) -> None:
    await seed(teams)
    dana = await teams.say("home")
    # Lee (say the card was forwarded to them) refreshes Dana's card: Lee's home comes back, not Dana's.
    lee = await refreshed(teams, "home.refresh", {}, user="lee", trigger="automatic")
    said = words(lee)
    assert "Home: Lee" in said and "Home: Dana" not in said and lee["refresh"]["userIds"] == ["29:lee"]
    assert "#2 battlecards for the launch" in said and "a messaging brief" not in said
    assert "Your disputes, waiting on a lead (1)" in said and "dispute resolve" not in card_text(lee)
    parts = re.search(r"What you owe \((\d)\)", said)
    assert parts and parts.group(1) == "1"  # Lee owes #2; Dana's #1 is Lee's "owed to you"
    # A click on one of Dana's buttons runs as Lee: refused, and Lee sees Lee's home.
    ack = button(dana, "handoff.ack", "1:")
    answer = await refreshed(teams, ack["verb"], ack["data"], user="lee")
    assert "Home: Lee" in words(answer) and await status_of(teams.engine, teams.tenant, 1) == "open"


async def test_hostile_titles_are_escaped_on_the_home_card(teams: TeamsHarness) -> None:
    title = "[win](https://evil.example) **now** <at>Everyone</at> # heading _x_"
    await teams.say(f"handoff <at>Dana</at> requirement: {title}", user="lee", mentions=("dana",))
    card = await teams.say("home")
    body = card_text(card)
    assert "[win](https://evil.example)" not in body and "**now**" not in body
    assert "\\\\[win\\\\]\\\\(https://evil\\\\.example\\\\)" in body
    assert "[win](https://evil.example) **now**" in words(card), "the words themselves survive"


async def test_home_and_its_refresh_never_cross_tenants(teams: TeamsHarness) -> None:
    await seed(teams)
    other = f"tenant-{uuid.uuid4().hex[:8]}"
    card = await teams.say("home", tenant=other)
    again = await refreshed(teams, trigger="automatic", tenant=other)
    for shown in (card, again):
        said = words(shown)
        assert "Nothing you owe." in said and "pricing page" not in said and "battlecards" not in said
        assert "No draft waits for you" in said and "You have no duty on any grey area yet" in said
    ack = button(await teams.say("home"), "handoff.ack", "1:")  # tenant one's button, clicked from tenant two
    await refreshed(teams, ack["verb"], ack["data"], tenant=other)
    assert await status_of(teams.engine, teams.tenant, 1) == "open"


@pytest.mark.parametrize("value", [
    None, "x", [], {"action": "home.refresh"}, {"action": {"verb": 5}}, {"action": {"verb": "handoff.ack", "data": [1]}},
    {"action": {"verb": "handoff.ack", "data": {"value": {"a": 1}}}}, {"action": {"verb": "handoff.ask", "data": {"value": "1:x",
     "text": ["a"]}}}, {"action": {"verb": "cmd.ask.0a1b2c3d", "data": {"value": {"a": 1}, "label": ["x"]}}},
    {"action": {"verb": "cmd.run.0a1b2c3d", "data": {"value": "dispute resolve 99999 1"}}},
    {"action": {"verb": "handoff.snooze_forever", "data": {"value": "9" * 12}}},
])
async def test_malformed_card_actions_get_one_clear_answer(teams: TeamsHarness, value: Any) -> None:
    body = teams.activity()
    body.update(type="invoke", name="adaptiveCard/action", text=None)
    if value is not None:
        body["value"] = value
    async with teams.http.post(f"{teams.url}/api/messages", json=body) as response:
        answer = await response.json()
        assert response.status in (200, 400), answer
    assert "Traceback" not in card_text(answer) and "went wrong" not in card_text(answer)
    if answer["type"] == CARD:
        assert_valid_card(answer["value"])
    else:
        assert answer["type"] == "application/vnd.microsoft.error" and answer["value"]["message"]
