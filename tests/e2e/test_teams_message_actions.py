"""Teams message actions end to end: Slack's three message shortcuts as messaging-extension action
commands. ``composeExtension/fetchTask`` opens a dialog with the form, prefilled from the message;
``composeExtension/submitAction`` runs it, or shows the dialog again with the problem by its field."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.llm import OpenAIDrafter
from handlers.teams.app import TEAMS_BOT
from tests.e2e.hostile import counts, snapshot
from tests.e2e.teams_harness import TeamsHarness, assert_valid_card, card_text, running_teams
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.test_drafting import DRAFT, NOTES
from tests.support import FakeClock

FETCH, SUBMIT = "composeExtension/fetchTask", "composeExtension/submitAction"
LINK = "https://teams.microsoft.com/l/message/19:launch@thread.tacv2/1700000000055?tenantId=t&groupId=g&parentMessageId=55"
HOSTILE_HTML = ('<p><at id="0">Lee</at> ship &lt;!channel&gt; **bold** [x](https://evil.example) '
                '&lt;at&gt;Kim&lt;/at&gt; <a href="https://evil.example/y">click</a></p>'
                '<script>alert(1)</script><p>second line</p>')


@pytest.fixture
async def teams(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with running_teams(engine, clock) as harness:
        harness.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        harness.connector.add_member("lee")  # the people picker's pick is resolved in the roster
        yield harness


def channel() -> str:
    return f"19:launch-{uuid.uuid4().hex[:6]}@thread.tacv2"


def action(command: str, html: str, link: str | None = LINK, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """A message action's invoke value, as Teams sends it for a message in a channel."""
    payload: dict[str, Any] = {"id": "1700000000055", "messageType": "message", "createdDateTime": "2026-11-23T09:00:00Z",
                               "from": {"user": {"id": "29:sam", "displayName": "Sam"}},
                               "body": {"contentType": "html", "content": html}}
    if link is not None:
        payload["linkToMessage"] = link
    value = {"commandId": command, "commandContext": "message", "context": {"theme": "default"}, "messagePayload": payload}
    if data is not None:
        value["data"] = data
    return value


async def open_dialog(teams: TeamsHarness, command: str, html: str, **kw: Any) -> dict[str, Any]:
    """fetchTask: the dialog's card (validated), with the Submit data it will send back."""
    status, body = await teams.invoke(FETCH, action(command, html, kw.pop("link", LINK)), **kw)
    assert status == 200, status
    task = body["task"]
    assert task["type"] == "continue" and task["value"]["title"], task
    attachment = task["value"]["card"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(attachment["content"])
    return attachment["content"]


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {el["id"]: el for el in card["body"] if el.get("id")}


def submit_data(card: dict[str, Any], **values: str) -> dict[str, Any]:
    """What Teams sends when the dialog's Submit is pressed: the inputs merged with its data."""
    [submit] = [a for a in card["actions"] if a["type"] == "Action.Submit"]
    filled = {k: el["value"] for k, el in inputs(card).items() if "value" in el}
    return {**filled, **values, **submit["data"]}


async def send(teams: TeamsHarness, command: str, html: str, data: dict[str, Any], **kw: Any) -> Any:
    status, body = await teams.invoke(SUBMIT, action(command, html, kw.pop("link", LINK), data), **kw)
    assert status == 200, status
    return body


def refused(body: Any) -> dict[str, Any]:
    """The dialog again: its card (validated)."""
    assert body["task"]["type"] == "continue", body
    card = body["task"]["value"]["card"]["content"]
    assert_valid_card(card)
    return card


def open_urls(card: dict[str, Any]) -> list[str]:
    return [a["url"] for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"]


def posted_in(teams: TeamsHarness, conversation: str, before: int) -> list[dict[str, Any]]:
    cards = [a["content"] for s in teams.connector.sent[before:] if s.conversation == conversation
             for a in s.activity.get("attachments") or []]
    for card in cards:
        assert_valid_card(card)
    return cards


async def one(engine: AsyncEngine, sql: str, tenant: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), {"w": f"teams:{tenant}"})).one()


# --- Hand off this message -----------------------------------------------------------------

async def test_hand_off_this_message_opens_the_form_prefilled_and_creates_the_handoff_with_a_link_back(
        teams: TeamsHarness, engine: AsyncEngine) -> None:
    await teams.say("help", user="lee")  # Teams knows lee from here on
    where = channel()
    await teams.say("release new v2.3 2026-12-15", kind="channel", conversation=where)
    card = await open_dialog(teams, "handoff_message", "<p>Customers ask for SSO</p><p>Okta first, then Entra.</p>",
                             kind="channel", conversation=f"{where};messageid=55")
    fields = inputs(card)
    assert {"kind", "title", "details", "owner", "release", "area", "due"} <= set(fields), "the form Slack's modal has"
    assert fields["title"]["value"] == "Customers ask for SSO"
    assert fields["details"]["value"] == f"Customers ask for SSO\n\nOkta first, then Entra.\n\nFrom: {LINK}"
    assert {"title": "v2.3", "value": "v2.3"} in fields["release"]["choices"]

    before = len(teams.connector.sent)
    body = await send(teams, "handoff_message", "<p>Customers ask for SSO</p>",
                      submit_data(card, owner="aad-lee", release="v2.3", due="2026-12-01"), kind="channel",
                      conversation=f"{where};messageid=55")
    assert body == {}, "success closes the dialog"
    row = await one(engine, "SELECT title, details, message_ref FROM handoffs WHERE workspace_id = :w", teams.tenant)
    assert row.title == "Customers ask for SSO" and f"From: {LINK}" in row.details
    assert row.message_ref, "the posted card is the handoff's card: later clicks update it"
    [result] = [c for c in posted_in(teams, f"{where};messageid=55", before) if "Handed off" in card_text(c)]
    assert "Lee" in card_text(result) and open_urls(result) == [LINK]
    async with engine.connect() as conn:
        queued = (await conn.execute(text("SELECT target FROM deliveries WHERE workspace_id = :w AND kind = 'notice'"),
                                     {"w": f"teams:{teams.tenant}"})).scalars().all()
    assert queued == ["dm:29:lee"], "the owner hears of it, through the outbox"
    await teams.ticks().send()
    assert "Customers ask for SSO" in card_text(teams.connector.sent[-1].activity)


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"due": "2020-01-01"}, "due", "past"),
    ({"due": "someday"}, "due", "as a date"),
    ({"title": ""}, "title", "title"),
    ({"title": "x" * 201}, "title", "title"),
    ({"release": "v9.9"}, "release", "v9.9"),
])
async def test_a_refused_handoff_is_the_dialog_again_with_the_problem_by_its_field(
        teams: TeamsHarness, engine: AsyncEngine, changes: dict[str, str], field: str, words: str) -> None:
    await teams.say("release new v2.3 2026-12-15", kind="channel", conversation=channel())  # the form offers releases
    card = await open_dialog(teams, "handoff_message", "<p>Pricing page for the SSO tier</p>")
    before, sent = await snapshot(engine, f"teams:{teams.tenant}"), len(teams.connector.sent)
    again = refused(await send(teams, "handoff_message", "<p>Pricing page</p>",
                               submit_data(card, **{"owner": "", "due": "2026-12-01", **changes})))
    element = inputs(again)[field]
    assert words in element["errorMessage"], element
    assert inputs(again)["details"]["value"].endswith(f"From: {LINK}"), "the person's values are kept"
    if changes.get(field):
        assert element.get("value") == changes[field]
    assert [a["data"].get("link") for a in again["actions"]] == [LINK]
    assert await snapshot(engine, f"teams:{teams.tenant}") == before, "nothing changed"
    assert len(teams.connector.sent) == sent, "nothing was posted"


# --- Add to release thread --------------------------------------------------------------------

async def test_add_to_release_thread_adds_the_message_to_the_release_chain_with_a_link_back(
        teams: TeamsHarness, engine: AsyncEngine) -> None:
    where = channel()
    await teams.say("release new v2.3 2026-12-15", kind="channel", conversation=where)
    root = next(s for s in teams.connector.sent if s.conversation == where and s.reply_to is None)
    card = await open_dialog(teams, "add_to_release_thread", "<p>We launch <b>mid-market</b> first</p>",
                             kind="channel", conversation=f"{where};messageid=77")
    fields = inputs(card)
    assert {"release", "kind", "text"} <= set(fields)
    assert fields["text"]["value"] == f"We launch mid-market first\n\nFrom: {LINK}" and fields["kind"]["value"] == "note"
    before = len(teams.connector.sent)
    body = await send(teams, "add_to_release_thread", "<p>x</p>", submit_data(card, release="v2.3", kind="decision"),
                      kind="channel", conversation=f"{where};messageid=77")
    assert body == {}
    row = await one(engine, "SELECT kind, body FROM knowledge_entries WHERE workspace_id = :w AND kind = 'decision'",
                    teams.tenant)
    assert row.body == f"We launch mid-market first\n\nFrom: {LINK}"
    chain = posted_in(teams, f"{where};messageid={root.activity_id}", before)
    assert any("Decision" in card_text(c) and "mid\\\\-market first" in card_text(c) for c in chain)
    results = posted_in(teams, f"{where};messageid=77", before)
    assert results and open_urls(results[-1]) == [LINK]


async def test_add_to_release_thread_with_no_release_says_so_in_one_sentence(teams: TeamsHarness) -> None:
    status, body = await teams.invoke(FETCH, action("add_to_release_thread", "<p>a note</p>"))
    assert status == 200 and body["task"]["type"] == "message"
    assert "There is no release yet" in body["task"]["value"] and body["task"]["value"].count(". ") == 0


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"release": ""}, "release", "Pick the release"),
    ({"release": "v9.9"}, "release", "v9.9"),
    ({"text": ""}, "text", "Write"),
    ({"text": "x" * 3001}, "text", "under"),
    ({"kind": "gossip"}, "kind", "note or a decision"),
])
async def test_a_refused_release_entry_is_the_dialog_again_with_the_problem_by_its_field(
        teams: TeamsHarness, engine: AsyncEngine, changes: dict[str, str], field: str, words: str) -> None:
    await teams.say("release new v2.3 2026-12-15", kind="channel", conversation=channel())
    card = await open_dialog(teams, "add_to_release_thread", "<p>Analyst briefing moved to Tuesday</p>")
    before, sent = await snapshot(engine, f"teams:{teams.tenant}"), len(teams.connector.sent)
    again = refused(await send(teams, "add_to_release_thread", "<p>x</p>", submit_data(card, **{"release": "v2.3", **changes})))
    assert words in inputs(again)[field]["errorMessage"]
    assert inputs(again)["text"].get("value", "") == changes.get("text", f"Analyst briefing moved to Tuesday\n\nFrom: {LINK}")
    assert await snapshot(engine, f"teams:{teams.tenant}") == before, "nothing changed"
    assert len(teams.connector.sent) == sent


# --- Draft customer messaging ----------------------------------------------------------------

async def test_draft_messaging_drafts_from_the_message_after_the_dialog_closes(engine: AsyncEngine,
                                                                                 clock: FakeClock) -> None:
    async with FakeOpenAI() as llm:
        llm.answer(json.dumps(DRAFT), chunks=3, delay=0.2)
        drafter = OpenAIDrafter("test-key", "fake-model", llm.base_url)
        async with running_teams(engine, clock, drafter=drafter) as teams:
            teams.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
            where = f"{channel()};messageid=88"
            card = await open_dialog(teams, "draft_message", f"<p>{NOTES}</p>", kind="channel", conversation=where)
            assert inputs(card)["notes"]["value"] == NOTES
            assert "Drafting is off" not in card_text(card)
            before = len(teams.connector.sent)
            assert await send(teams, "draft_message", "<p>x</p>", submit_data(card), kind="channel",
                              conversation=where) == {}
            [placeholder] = [s for s in teams.connector.sent[before:] if s.conversation == where]
            content = placeholder.activity["attachments"][0]["content"]
            assert "Drafting customer messaging" in card_text(content) and open_urls(content) == [LINK]
            await teams.web_app[TEAMS_BOT].drain()
            final = [s for s in teams.connector.sent if s.method == "PUT" and s.activity_id == placeholder.activity_id][-1]
            assert "Stop creating accounts by hand" in card_text(final.activity)
            assert_valid_card(final.activity["attachments"][0]["content"])
            assert NOTES[:40] in json.dumps(llm.requests[-1])


async def test_draft_messaging_with_no_model_says_so_in_one_sentence_and_gives_the_brief(
        teams: TeamsHarness, engine: AsyncEngine) -> None:
    card = await open_dialog(teams, "draft_message", f"<p>{NOTES}</p>")
    [note] = [el["text"] for el in card["body"] if el["type"] == "TextBlock" and "Drafting is off" in el["text"]]
    assert note.count(". ") == 0 and note.endswith("."), "one sentence"
    assert await send(teams, "draft_message", "<p>x</p>", submit_data(card)) == {}
    placeholder = teams.connector.sent[-1]
    await teams.web_app[TEAMS_BOT].drain()
    final = [s for s in teams.connector.sent if s.method == "PUT" and s.activity_id == placeholder.activity_id][-1]
    assert "Messaging brief" in card_text(final.activity) and "Drafting is off" in card_text(final.activity)
    assert (await counts(engine, f"teams:{teams.tenant}"))["knowledge_entries"] == 1


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"notes": "too short"}, "notes", "nothing to draft"),
    ({"release": "v9.9"}, "release", "v9.9"),
])
async def test_a_refused_draft_is_the_dialog_again_with_the_problem_by_its_field(
        teams: TeamsHarness, engine: AsyncEngine, changes: dict[str, str], field: str, words: str) -> None:
    await teams.say("release new v2.3 2026-12-15", kind="channel", conversation=channel())
    card = await open_dialog(teams, "draft_message", f"<p>{NOTES}</p>")
    before, sent = await snapshot(engine, f"teams:{teams.tenant}"), len(teams.connector.sent)
    again = refused(await send(teams, "draft_message", "<p>x</p>", submit_data(card, **changes)))
    assert words in inputs(again)[field]["errorMessage"]
    assert inputs(again)["notes"]["value"] == changes.get("notes", NOTES)
    assert await snapshot(engine, f"teams:{teams.tenant}") == before
    assert len(teams.connector.sent) == sent


# --- hostile messages and invokes ------------------------------------------------------------

async def test_hostile_message_text_stays_text_in_the_dialog_and_in_every_card(teams: TeamsHarness) -> None:
    await teams.say("help", user="lee")
    where = f"{channel()};messageid=99"
    card = await open_dialog(teams, "handoff_message", HOSTILE_HTML, kind="channel", conversation=where)
    title, details = inputs(card)["title"]["value"], inputs(card)["details"]["value"]
    assert title == "@Lee ship <!channel> **bold** [x](https://evil.example) <at>Kim</at> click (https://evil.example/y)"
    assert details.startswith(title + "\n\nsecond line") and "alert(1)" not in details and "<script" not in details
    assert not [el for el in card["body"] if el["type"] == "TextBlock" and "evil" in el["text"]], \
        "message text appears only as an input's value, which Teams never renders as Markdown"
    before = len(teams.connector.sent)
    assert await send(teams, "handoff_message", HOSTILE_HTML, submit_data(card, owner="aad-lee"), kind="channel",
                      conversation=where) == {}
    shown = json.dumps(posted_in(teams, where, before), ensure_ascii=False)
    assert "Handed off" in shown
    for raw in ("[x](https://evil.example)", "**bold**", "<at>Kim</at>", "<!channel>"):
        assert raw not in shown, raw
    assert "\\\\[x\\\\]\\\\(https://evil\\\\.example\\\\)" in shown and "\\\\<at\\\\>Kim" in shown


async def test_a_refusal_naming_hostile_text_is_escaped_in_the_dialog(teams: TeamsHarness) -> None:
    card = await open_dialog(teams, "handoff_message", "<p>Pricing page</p>")
    again = refused(await send(teams, "handoff_message", "<p>x</p>", submit_data(card, release="[x](https://evil.example)")))
    blocks = " ".join(el["text"] for el in again["body"] if el["type"] == "TextBlock")
    assert "[x](https://evil" not in blocks and "\\[x\\]" in blocks


@pytest.mark.parametrize("link", ["javascript:alert(1)", "https://evil.example/l/message/1", "http://teams.microsoft.com/l/x",
                                  "https://teams.microsoft.com.evil.example/l/x", "https://teams.microsoft.com/l/<x>", 42])
async def test_a_link_that_is_not_a_teams_message_link_is_left_out(teams: TeamsHarness, engine: AsyncEngine,
                                                                     link: Any) -> None:
    await teams.say("help", user="lee")
    card = await open_dialog(teams, "handoff_message", "<p>Pricing page</p>", link=link)
    assert inputs(card)["details"]["value"] == "Pricing page" and "link" not in card["actions"][0]["data"]
    before = len(teams.connector.sent)
    data = {**submit_data(card, owner="aad-lee"), "link": link}
    assert await send(teams, "handoff_message", "<p>x</p>", data, link=link) == {}
    [result] = [c for c in posted_in(teams, f"a:dm-dana-{teams.tenant}", before) if "Handed off" in card_text(c)]
    assert open_urls(result) == []
    row = await one(engine, "SELECT details FROM handoffs WHERE workspace_id = :w", teams.tenant)
    assert "From:" not in row.details


@pytest.mark.parametrize("value", [
    {"commandId": "format_disk", "commandContext": "message"},
    {"commandId": ["handoff_message"]},
    {"commandId": "handoff_message", "messagePayload": "not an object", "data": "nor this"},
    {"commandId": "add_to_release_thread", "messagePayload": {"body": {"content": 7}}, "data": {"release": ["v2.3"], "kind": {}}},
    {"commandId": "handoff_message", "data": {"title": {"$ne": 1}, "owner": 5, "kind": "boss", "due": ["x"]}},
])
async def test_malformed_action_invokes_get_a_sentence_and_change_nothing(teams: TeamsHarness, engine: AsyncEngine,
                                                                           value: dict[str, Any]) -> None:
    before = await counts(engine, f"teams:{teams.tenant}")
    for name in (FETCH, SUBMIT):
        status, body = await teams.invoke(name, value)
        assert status == 200
        task = body["task"]
        if task["type"] == "message":
            assert task["value"].endswith(".")
        else:
            assert_valid_card(task["value"]["card"]["content"])
    assert await counts(engine, f"teams:{teams.tenant}") == before
    assert not [s for s in teams.connector.sent if "went wrong" in card_text(s.activity)]


async def test_the_dialog_offers_only_this_tenants_releases(teams: TeamsHarness) -> None:
    await teams.say("release new v2.3 2026-12-15", kind="channel", conversation=channel())
    other = f"other-{uuid.uuid4().hex[:6]}"
    await teams.say("release new secret-acquisition 2026-12-20", kind="channel", conversation=channel(), tenant=other)
    card = await open_dialog(teams, "add_to_release_thread", "<p>note</p>")
    assert [c["value"] for c in inputs(card)["release"]["choices"]] == ["v2.3"]


async def test_where_the_result_cannot_be_posted_the_dialog_says_what_was_done(teams: TeamsHarness,
                                                                               engine: AsyncEngine) -> None:
    """A message action in a chat the bot is not in: the handoff is saved, the owner still hears of it."""
    await teams.say("help", user="lee")
    card = await open_dialog(teams, "handoff_message", "<p>Pricing page</p>", kind="groupChat", conversation="19:chat@thread.v2")
    teams.connector.fail_statuses = [403]
    body = await send(teams, "handoff_message", "<p>x</p>", submit_data(card, owner="aad-lee"), kind="groupChat",
                      conversation="19:chat@thread.v2")
    assert body["task"]["type"] == "message"
    assert body["task"]["value"].startswith("Handed off #1 to Lee.") and "can't post" in body["task"]["value"]
    assert (await counts(engine, f"teams:{teams.tenant}"))["handoffs"] == 1
    await teams.ticks().send()
    assert "Pricing page" in card_text(teams.connector.sent[-1].activity) and teams.connector.sent[-1].conversation != "19:chat@thread.v2"
