"""Teams pickers end to end: the people picker (an AAD id resolved through the roster), the
release type-ahead (the bot's ``application/search`` invoke), and Reassign / Not mine as a form."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import jsonschema
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.teams import forms, pickers
from tests.e2e.teams_harness import TeamsHarness, assert_valid_card, card_text, running_teams
from tests.support import FakeClock


@pytest.fixture
async def teams(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with running_teams(engine, clock) as harness:
        harness.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        yield harness


def element(card: dict[str, Any], element_id: str) -> dict[str, Any]:
    return next(el for el in card["body"] if el.get("id") == element_id)


def submit_data(card: dict[str, Any]) -> dict[str, Any]:
    [action] = card["actions"]
    assert action["type"] == "Action.Submit"
    return action["data"]


async def invoke(teams: TeamsHarness, name: str, value: Any, **kw: Any) -> tuple[int, Any]:
    """An invoke activity, as Teams sends one; the HTTP answer's status and JSON body."""
    body = teams.activity(**kw)
    body.update(type="invoke", name=name, value=value, text=None)
    async with teams.http.post(f"{teams.url}/api/messages", data=json.dumps(body),
                               headers={"Content-Type": "application/json"}) as response:
        return response.status, await response.json()


async def search(teams: TeamsHarness, query: Any, top: Any = 15, skip: Any = 0, **kw: Any) -> list[str]:
    status, body = await invoke(teams, "application/search", {
        "queryText": query, "dataset": "handoff.releases", "queryOptions": {"skip": skip, "top": top}}, **kw)
    assert status == 200 and body["type"] == "application/vnd.microsoft.search.searchResponse"
    results = body["value"]["results"]
    assert all(r["title"] == r["value"] for r in results)
    return [r["value"] for r in results]


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def people(engine: AsyncEngine, teams: TeamsHarness, platform_id: str) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT platform_user_id, display_name FROM people WHERE workspace_id = :w "
                                       "AND platform_user_id = :p"), {"w": f"teams:{teams.tenant}", "p": platform_id})
        return [tuple(r) for r in rows]


async def owner_of(engine: AsyncEngine, teams: TeamsHarness, number: int) -> str | None:
    return await scalar(engine, "SELECT p.platform_user_id FROM handoffs h LEFT JOIN people p ON p.id = h.owner_id "
                                "WHERE h.workspace_id = :w AND h.number = :n", w=f"teams:{teams.tenant}", n=number)


async def handoffs(engine: AsyncEngine, teams: TeamsHarness) -> int:
    return await scalar(engine, "SELECT count(*) FROM handoffs WHERE workspace_id = :w", w=f"teams:{teams.tenant}")


async def dm_to(teams: TeamsHarness, user: str) -> str:
    """Send what the outbox holds; the text of the cards that reached ``user``'s new 1:1 chat."""
    before = len(teams.connector.created)
    await teams.ticks().send()
    chats = [i for i, body in enumerate(teams.connector.created[before:], before)
             if body.get("members") and body["members"][0]["id"] == f"29:{user}"]
    assert chats, f"no 1:1 chat opened with {user}"
    sent = [s for s in teams.connector.sent if s.conversation.startswith("a:chat-")]
    for s in sent:
        for attachment in s.activity.get("attachments") or []:
            assert_valid_card(attachment["content"])
    return " ".join(card_text(s.activity) for s in sent)


# --- the form's pickers ------------------------------------------------------------------------


async def test_the_new_handoff_form_has_a_people_picker_and_a_release_type_ahead(teams: TeamsHarness) -> None:
    await teams.say("release new v2.3 2026-12-15")
    form = await teams.say("handoff")  # validated: 1.5, and each Data.Query
    owner = element(form, "owner")
    assert owner["type"] == "Input.ChoiceSet" and owner["choices"] == []
    assert owner["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    release = element(form, "release")
    assert release["style"] == "filtered" and release["choices"] == [{"title": "v2.3", "value": "v2.3"}]
    assert release["choices.data"] == {"type": "Data.Query", "dataset": "handoff.releases"}
    channel = await teams.say("handoff", kind="channel", conversation=f"19:c-{uuid.uuid4().hex[:6]}@thread.tacv2")
    assert element(channel, "owner")["choices.data"]["dataset"] == "graph.microsoft.com/users?scope=currentContext", \
        "Teams searches the whole directory only in a 1:1 chat with the bot"


def test_the_form_keeps_static_choices_for_clients_that_do_not_ask() -> None:
    card = forms.new_handoff_form([f"v{i}" for i in range(150)], ["pricing"])
    assert_valid_card(card)
    release = element(card, "release")
    assert [c["value"] for c in release["choices"]] == [f"v{i}" for i in range(100)]


def test_the_card_check_still_refuses_a_malformed_query() -> None:
    """The harness checks each ``choices.data`` itself: only a Data.Query with a dataset, only on a choice set."""
    picker = pickers.people_picker("owner", "Owner", "personal")
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [picker]}
    assert_valid_card(card)
    for bad in ({"type": "Data.Query"}, {"type": "Data.Query", "dataset": "x", "url": "https://evil"},
                {"type": "Other", "dataset": "x"}):
        with pytest.raises(jsonschema.ValidationError):
            assert_valid_card({**card, "body": [{**picker, "choices.data": bad}]})
    with pytest.raises(jsonschema.ValidationError):
        assert_valid_card({**card, "body": [{"type": "TextBlock", "text": "x", "choices.data": picker["choices.data"]}]})


async def test_a_person_never_seen_is_made_from_the_roster_and_owns_the_handoff(teams: TeamsHarness,
                                                                               engine: AsyncEngine) -> None:
    teams.connector.add_member("nia", "Nia Okafor")
    assert await people(engine, teams, "29:nia") == []
    done = await teams.say("", value={"handoff_action": "handoff.new", "title": "pricing page", "owner": "aad-nia",
                                      "kind": "requirement"})
    assert "Handed off" in card_text(done) and "Nia Okafor" in card_text(done)
    assert (f"a:dm-dana-{teams.tenant}", "aad-nia") in teams.connector.member_lookups
    assert await people(engine, teams, "29:nia") == [("29:nia", "Nia Okafor")]
    assert await owner_of(engine, teams, 1) == "29:nia"
    assert "pricing page" in await dm_to(teams, "nia"), "the new owner hears of it through the outbox"
    again = await teams.say("", value={"handoff_action": "handoff.new", "title": "battlecards", "owner": "aad-nia"})
    assert "Handed off" in card_text(again)
    assert await people(engine, teams, "29:nia") == [("29:nia", "Nia Okafor")], "the same person, once"
    assert await owner_of(engine, teams, 2) == "29:nia"


async def test_picking_yourself_needs_no_roster(teams: TeamsHarness, engine: AsyncEngine) -> None:
    done = await teams.say("", value={"handoff_action": "handoff.new", "title": "my own", "owner": "aad-dana"})
    assert "Handed off" in card_text(done)
    assert await owner_of(engine, teams, 1) == "29:dana"
    assert teams.connector.member_lookups == []


@pytest.mark.parametrize("owner", ["aad-stranger", "aad-a,aad-b", {"id": "aad-nia"}, 42, "x" * 300, "aad nia"])
async def test_a_pick_nobody_can_resolve_returns_the_form_and_changes_nothing(teams: TeamsHarness, engine: AsyncEngine,
                                                                             owner: Any) -> None:
    teams.connector.add_member("nia")
    refused = await teams.say("", value={"handoff_action": "handoff.new", "title": "pricing page", "owner": owner})
    picker = element(refused, "owner")
    assert picker["errorMessage"] in ("I couldn't find that person in Teams here; pick them again.",
                                      "Pick someone with the people picker.")
    assert element(refused, "title")["value"] == "pricing page"
    assert await handoffs(engine, teams) == 0
    assert await people(engine, teams, "29:stranger") == []


# --- the release type-ahead ------------------------------------------------------------------------


async def test_the_type_ahead_finds_this_tenants_releases_by_name(teams: TeamsHarness) -> None:
    for line in ("release new mobile-v2 2026-12-01", "release new v2.3 2026-12-15", "release new v2.4 2027-01-15",
                 "release new v2.5 2027-02-15", "release new v3.0 2027-03-15"):
        await teams.say(line)
    other = f"other-{uuid.uuid4().hex[:6]}"
    await teams.say("release new v2.9-secret 2026-12-20", tenant=other)
    assert await search(teams, "v2") == ["v2.3", "v2.4", "v2.5", "mobile-v2"], "names that start with it come first"
    assert await search(teams, "V2.4") == ["v2.4"]
    assert await search(teams, "mobile") == ["mobile-v2"]
    assert await search(teams, "v2", top=2) == ["v2.3", "v2.4"]
    assert await search(teams, "v2", top=2, skip=2) == ["v2.5", "mobile-v2"]
    assert await search(teams, "v2", top=2, skip=4) == []
    assert await search(teams, "v2", tenant=other) == ["v2.9-secret"]
    assert "v2.9-secret" not in await search(teams, "secret"), "never another tenant's releases"


@pytest.mark.parametrize("query, top, skip", [
    ("", 15, 0), ("   ", 15, 0), ("zzz", 15, 0), (7, 15, 0), (None, 15, 0), (["v2"], 15, 0), ("v2\x00", 15, 0),
    ("v" * 101, 15, 0), ("v2", 0, 0), ("v2", -3, 0), ("v2", 15, 99),
])
async def test_an_empty_or_garbage_query_answers_an_empty_list(teams: TeamsHarness, query: Any, top: Any, skip: Any) -> None:
    await teams.say("release new v2.3 2026-12-15")
    assert await search(teams, query, top, skip) == []


@pytest.mark.parametrize("value", [None, "v2", [1], {"dataset": "npm", "queryText": "v2"}, {"queryText": "v2"},
                                   {"dataset": "handoff.releases", "queryText": "v2", "queryOptions": "all"}])
async def test_a_malformed_search_invoke_still_answers(teams: TeamsHarness, value: Any) -> None:
    await teams.say("release new v2.3 2026-12-15")
    status, body = await invoke(teams, "application/search", value)
    assert status == 200 and body["type"] == "application/vnd.microsoft.search.searchResponse"
    expected = [{"title": "v2.3", "value": "v2.3"}] if isinstance(value, dict) and value.get("queryOptions") else []
    assert body["value"]["results"] == expected  # options that aren't options: the defaults


async def test_odd_page_sizes_fall_back_or_are_capped(teams: TeamsHarness) -> None:
    for i in range(3):
        await teams.say(f"release new v2.{i} 2026-12-1{i}")
    assert await search(teams, "v2", top="3") == ["v2.0", "v2.1", "v2.2"]
    assert await search(teams, "v2", top=True) == ["v2.0", "v2.1", "v2.2"]
    assert await search(teams, "v2", top=float("inf")) == ["v2.0", "v2.1", "v2.2"]
    assert await search(teams, "v2", top=1.9, skip=1.2) == ["v2.1"]


# --- Reassign and Not mine ------------------------------------------------------------------------


async def lees_handoff(teams: TeamsHarness) -> None:
    teams.connector.add_member("lee")
    teams.connector.add_member("sam", "Sam Ortiz")
    await teams.say("help", user="lee")
    await teams.say("handoff <at>Lee</at> requirement: pricing page by fri", mentions=("lee",))


@pytest.mark.parametrize("button, who, title", [("handoff.reassign", "dana", "Who should own #1?"),
                                                ("handoff.not_mine", "lee", "Not yours? Who should own #1?")])
async def test_reassign_and_not_mine_open_the_picker_and_the_submit_reassigns(teams: TeamsHarness, engine: AsyncEngine,
                                                                              button: str, who: str, title: str) -> None:
    await lees_handoff(teams)
    form = await teams.say("", user=who, value={"handoff_action": button, "value": "1"})
    assert form["body"][0]["text"] == title
    picker = element(form, "owner")
    assert picker["isRequired"] and picker["choices.data"]["dataset"] == "graph.microsoft.com/users"
    data = submit_data(form)
    assert data == {"handoff_action": "handoff.reassign_save", "value": "1", "form": button}
    form_id = teams.connector.sent[-1].activity_id
    done = await teams.say("", user=who, value={**data, "owner": "aad-sam"}, reply_to=form_id)
    update = teams.connector.sent[-1]
    assert update.method == "PUT" and update.activity_id == form_id, "the form becomes the handoff's card"
    assert "Sam Ortiz" in card_text(done)
    assert await owner_of(engine, teams, 1) == "29:sam"
    assert "handed you #1" in await dm_to(teams, "sam")


async def test_a_refused_reassign_returns_the_form_with_the_problem_and_changes_nothing(teams: TeamsHarness,
                                                                                       engine: AsyncEngine) -> None:
    await lees_handoff(teams)
    teams.connector.add_member("omar")
    await teams.say("help", user="omar")
    form = await teams.say("", user="omar", value={"handoff_action": "handoff.reassign", "value": "1"})
    before = len(teams.connector.created)
    refused = await teams.say("", user="omar", value={**submit_data(form), "owner": "aad-sam"})
    picker = element(refused, "owner")
    assert "Only" in picker["errorMessage"] and picker["value"] == "aad-sam"
    assert submit_data(refused) == submit_data(form)
    assert await owner_of(engine, teams, 1) == "29:lee"
    for owner, problem in (("aad-lee", "already owns"), ("aad-ghost", "couldn't find that person"),
                           ("", "Pick someone"), ("a,b", "Pick someone")):
        again = await teams.say("", user="dana", value={**submit_data(form), "owner": owner})
        assert problem in element(again, "owner")["errorMessage"], owner
        assert await owner_of(engine, teams, 1) == "29:lee"
    await teams.ticks().send()
    assert len(teams.connector.created) == before, "nobody was told anything"


async def test_a_reassign_form_for_a_stale_version_is_refused(teams: TeamsHarness, engine: AsyncEngine) -> None:
    await lees_handoff(teams)
    card = await teams.say("show 1")
    version = next(a["data"]["value"] for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]
                   if a["data"]["handoff_action"] == "handoff.reassign")
    form = await teams.say("", value={"handoff_action": "handoff.reassign", "value": version})
    await teams.say("ack 1", user="lee")  # the handoff moved on after the form was opened
    refused = await teams.say("", value={**submit_data(form), "owner": "aad-sam"})
    assert "errorMessage" in element(refused, "owner")
    assert await owner_of(engine, teams, 1) == "29:lee"


async def test_the_edit_forms_release_field_is_the_same_type_ahead(teams: TeamsHarness) -> None:
    await teams.say("release new v2.3 2026-12-15")
    await teams.say("handoff <at>Lee</at> requirement for v2.3: pricing page", mentions=("lee",))
    form = await teams.say("", value={"handoff_action": "handoff.edit", "value": "1"})
    release = element(form, "release")
    assert release["value"] == "v2.3" and release["style"] == "filtered"
    assert release["choices.data"] == {"type": "Data.Query", "dataset": "handoff.releases"}
