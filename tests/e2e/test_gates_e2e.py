"""Gates, slips and disputes end to end: Slack buttons and modals, Teams cards and forms."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.slack_harness import SlackHarness, running_app
from tests.e2e.teams_harness import TeamsHarness, assert_valid_card, card_text, running_teams
from tests.fakes import slack_requests as sr
from tests.support import FakeClock


@pytest.fixture
async def slack(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with running_app(engine, clock) as harness:
        yield harness


@pytest.fixture
async def teams(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with running_teams(engine, clock) as harness:
        harness.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        yield harness


def slack_buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """value -> button element, for every button in the blocks."""
    return {e["value"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


async def click(slack: SlackHarness, button: dict[str, Any], user: str, key: str = "r") -> int:
    response = await slack.send(sr.block_action(button["action_id"], button["value"], team_id=slack.team, user_id=user,
                                                channel_id="C1", message_ts="1.1", response_url=slack.fake.response_url(key),
                                                trigger_id="t"))
    await slack.surface.drain()
    return response.status


def dms_to(slack: SlackHarness, user: str) -> list[str]:
    return [json.dumps(c.params.get("blocks")) for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == user]


async def slack_team(slack: SlackHarness) -> None:
    for user, role in (("U1", "pm"), ("U2", "pmm"), ("U3", "pm")):
        await slack.slash(f"person me role {role}", user=user)
    await slack.slash("release new v2.3 2027-03-01", user="UADMIN")  # alex, an admin, owns it


async def test_slack_gate_buttons_decide_in_place_and_a_decline_asks_its_reason_in_a_modal(slack: SlackHarness) -> None:
    await slack_team(slack)
    ack = await slack.slash("gate v2.3", user="U1")
    buttons = slack_buttons(ack["blocks"])
    approve = buttons["gate approve v2.3 2"]
    assert approve["action_id"].startswith("cmd.run.")
    assert await click(slack, approve, "U2") == 200  # lee is a PMM: not an approver of Use Case Definition
    refusal = slack.fake.calls_to("chat.postEphemeral")[-1].params
    assert refusal["user"] == "U2" and "Only an approver (PM), a lead or an admin can decide Use Case Definition" in json.dumps(refusal["blocks"])
    assert await click(slack, approve, "U1", key="ok") == 200
    redraw = [c for c in slack.fake.calls if c.method == "response_url"][-1].params
    assert redraw["replace_original"] is True and "approved by Dana" in json.dumps(redraw["blocks"])
    assert any("Dana approved the Use Case Definition gate" in d for d in dms_to(slack, "U2"))  # a watcher is told

    decline = buttons["gate decline v2.3 1"]
    assert decline["action_id"].startswith("cmd.ask.")
    await click(slack, decline, "U1")
    modal = slack.fake.calls_to("views.open")[-1].params["view"]
    modal = json.loads(modal) if isinstance(modal, str) else modal
    assert modal["callback_id"] == "command_text"
    empty = await slack.submit("command_text", {"reason": {"reason": {"value": ""}}}, metadata=modal["private_metadata"])
    assert empty["response_action"] == "errors" and "Say why Market Opportunity is declined" in empty["errors"]["reason"]
    await slack.submit("command_text", {"reason": {"reason": {"value": "the market is too small"}}},
                       metadata=modal["private_metadata"])
    updated = slack.fake.calls_to("chat.update")[-1].params
    assert updated["channel"] == "C1" and updated["ts"] == "1.1" and "declined by Dana" in json.dumps(updated["blocks"])

    # The owner (alex) gets the slip with one button each way; only the owner or a lead may click.
    slip_dm = next(d for d in dms_to(slack, "UADMIN") if "Move to 2027-03-15" in d)
    slip_blocks = json.loads(slip_dm)
    accept = next(b for v, b in slack_buttons(slip_blocks).items() if v.startswith("release slip accept v2.3 S"))
    await click(slack, accept, "U2")
    assert "Only Alex (the release owner), a lead or an admin can move or keep the target date of v2.3" in json.dumps(slack.fake.calls_to("chat.postEphemeral")[-1].params["blocks"])
    await click(slack, accept, "UADMIN", key="slip")
    answered = [c for c in slack.fake.calls if c.method == "response_url"][-1].params
    assert "moved the target of v2.3 from 2027-03-01 to 2027-03-15" in json.dumps(answered["blocks"])
    await click(slack, accept, "UADMIN", key="again")  # a second click answers, changes nothing
    assert "no proposed new date" in json.dumps(slack.fake.calls_to("chat.postEphemeral")[-1].params["blocks"])


async def test_slack_a_dispute_reaches_the_admin_with_a_button_per_outcome(slack: SlackHarness) -> None:
    await slack_team(slack)
    await slack.slash("<@U2|lee> requirement for v2.3: battlecards <!channel>", user="U1")
    await slack.slash("dispute 1 this is positioning work <!here>", user="U2")
    card = next(d for d in dms_to(slack, "UADMIN") if "this is positioning work" in d)
    assert "<!here>" not in card and "&lt;!here&gt;" in card  # escaped: no ping
    resolve = slack_buttons(json.loads(card))
    assert len(resolve) == 3
    back = next(b for v, b in resolve.items() if v.endswith(" 2"))
    await click(slack, back, "UADMIN", key="decided")
    decided = [c for c in slack.fake.calls if c.method == "response_url"][-1].params
    assert "goes back to Dana" in json.dumps(decided["blocks"])
    assert "Dana" in json.dumps((await slack.slash("show 1", user="U1")).get("blocks"))


async def test_teams_gate_buttons_update_the_card_and_the_decline_form_asks_for_a_reason(teams: TeamsHarness) -> None:
    for user, role in (("dana", "pm"), ("lee", "pmm"), ("alex", "lead")):
        await teams.say(f"person me role {role}", user=user)
    await teams.say("release new v2.3 2027-03-01", user="alex")
    card = await teams.say("gate v2.3", user="dana")
    listed = teams.connector.sent[-1]
    actions = {a["data"]["value"]: a["data"] for s in card["body"] if s["type"] == "ActionSet" for a in s["actions"]}
    approve = actions["gate approve v2.3 2"]
    click = teams.activity(user="dana", conversation=listed.conversation, value=approve, reply_to=listed.activity_id)
    assert await teams.post(click) in (200, 201)
    update = teams.connector.sent[-1]
    assert update.method == "PUT" and update.activity_id == listed.activity_id
    assert "approved by Dana" in card_text(update.activity)
    assert_valid_card(update.activity["attachments"][0]["content"])

    form = await teams.say("", user="dana", value=actions["gate decline v2.3 1"])
    assert any(el.get("type") == "Input.Text" and el.get("isRequired") for el in form["body"])
    submit = form["actions"][0]["data"]
    done = await teams.say("", user="dana", value={**submit, "text": "market too small"})
    assert "declined by Dana: market too small" in card_text(done)
    await teams.ticks().send()  # the owner's slip card goes out through the outbox
    slip = next(s for s in teams.connector.sent if "Move to 2027-03-15" in card_text(s.activity) and "alex" in s.conversation)
    for card in teams.connector.cards():
        assert_valid_card(card)
    accept = next(a["data"] for a in slip.activity["attachments"][0]["content"]["body"] if a["type"] == "ActionSet"
                  for a in [a] for a in a["actions"] if a["data"]["value"].startswith("release slip accept v2.3 S"))
    click = teams.activity(user="alex", conversation=slip.conversation, value=accept, reply_to=slip.activity_id)
    assert await teams.post(click) in (200, 201)
    answered = teams.connector.sent[-1]
    assert answered.method == "PUT" and answered.activity_id == slip.activity_id
    assert "moved the target of v2" in card_text(answered.activity)


async def test_slack_the_release_root_shows_readiness_and_turns_at_risk_on_a_decline(slack: SlackHarness) -> None:
    for user, role in (("U1", "pm"), ("U2", "pmm")):
        await slack.slash(f"person me role {role}", user=user)
    await slack.slash("release new v2.3 2027-03-01 <#CLAUNCH|launch>", user="UADMIN")
    root = next(c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == "CLAUNCH")
    assert "Blocking the launch" in json.dumps(root.params["blocks"])  # 15 grey areas have no driver yet
    await slack.slash("gate decline v2.3 1 the market is too small", user="U1")
    thread_posts = [c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == "CLAUNCH" and c.params.get("thread_ts")]
    assert any("declined the Market Opportunity gate" in json.dumps(c.params["blocks"]) for c in thread_posts)
    refreshed = [c for c in slack.fake.calls_to("chat.update") if c.params.get("channel") == "CLAUNCH"][-1].params
    assert "Release v2.3 — at risk" in json.dumps(refreshed["blocks"], ensure_ascii=False)
    assert "Blocking the launch" in json.dumps(refreshed["blocks"])


async def test_slack_a_button_value_from_another_workspace_changes_nothing(slack: SlackHarness) -> None:
    await slack_team(slack)
    ack = await slack.slash("gate v2.3", user="U1")
    approve = slack_buttons(ack["blocks"])["gate approve v2.3 1"]
    response = await slack.send(sr.block_action(approve["action_id"], approve["value"], team_id="TOTHER", user_id="U1",
                                                response_url=slack.fake.response_url("x")))
    await slack.surface.drain()
    assert response.status == 200
    told = slack.fake.calls_to("chat.postEphemeral")[-1].params
    assert "no release" in json.dumps(told["blocks"]).lower()
    assert "… 1. *Market Opportunity* — pending" in json.dumps(
        (await slack.slash("gate v2.3", user="U1"))["blocks"], ensure_ascii=False)


async def test_a_competing_claim_tells_the_driver_and_the_leads_with_the_choices(slack: SlackHarness) -> None:
    """Issue 14, finding 7: a second claim on a driven area was recorded silently, and `disputes` said
    there were none while `owner disputed` listed it."""
    await slack_team(slack)
    await slack.slash("owner claim CAB", user="U1")  # dana drives the customer advisory board
    said = json.dumps(await slack.slash("owner claim customer advisory board", user="U2"))
    assert "recorded Lee's claim as dispute D" in said and "Dana and the leads are told" in said
    for user in ("U1", "UADMIN"):  # the driver, and the admin (no lead yet)
        card = next(d for d in dms_to(slack, user) if "claims to drive customer advisory board" in d)
        buttons = slack_buttons(json.loads(card))
        assert [v.split()[-1] for v in buttons] == ["1", "2"], buttons  # Lee drives it · Dana drives it
    assert not [d for d in dms_to(slack, "U3") if "customer advisory board" in d]
    listed = json.dumps(await slack.slash("disputes", user="U3"))
    assert "Open disputes (1)" in listed and "customer advisory board" in listed
    card = next(d for d in dms_to(slack, "UADMIN") if "claims to drive customer advisory board" in d)
    keep_dana = next(b for v, b in slack_buttons(json.loads(card)).items() if v.endswith(" 2"))
    assert await click(slack, keep_dana, "UADMIN") == 200
    assert "No open disputes" in json.dumps(await slack.slash("disputes", user="U3"))
    assert "No disputed" in json.dumps(await slack.slash("owner disputed", user="U3"))
    assert "Driver*\\nDana" in json.dumps(await slack.slash("who owns CAB?", user="U3"))
