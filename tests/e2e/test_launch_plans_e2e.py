"""Launch plans end to end: a Tier 1 and a Tier 3 release made through Slack (slash command and the
release form) and through Teams, owned per the registry, and the statement round trip (brief,
confirm, change, confirm again) with the Confirm button on both platforms."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import Handoff, Status
from tests.e2e.slack_harness import SlackHarness, running_app
from tests.e2e.teams_harness import TeamsHarness, assert_valid_card, running_teams
from tests.e2e.test_gates_e2e import click, dms_to
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


def said(card: dict[str, Any]) -> str:
    """A card's text as a person reads it: Teams markdown escapes undone."""
    return re.sub(r"\\(.)", r"\1", json.dumps(card, ensure_ascii=False).replace("\\\\", "\\"))


async def plan_items(core: Any, workspace_id: str, release: str) -> dict[str, Handoff]:
    async with core.uow_factory(workspace_id) as uow:
        found = await uow.releases.by_name(release)
        assert found is not None
        handoffs = await uow.handoffs.of_plan(found.id)
    return {h.title: h for h in handoffs if h.plan_key and h.plan_key.startswith("item:") and h.status is not Status.CANCELLED}


async def owner_of(core: Any, workspace_id: str, handoff: Handoff) -> str | None:
    async with core.uow_factory(workspace_id) as uow:
        people = await uow.people.get_many([handoff.owner_id] if handoff.owner_id else [])
    return people[handoff.owner_id].platform_user_id if handoff.owner_id in people else None


async def test_slack_tier_1_by_command_and_tier_3_by_the_form_follow_the_registry(slack: SlackHarness) -> None:
    for user, role in (("U1", "pm"), ("U2", "pmm"), ("U3", "pm")):
        await slack.slash(f"person me role {role}", user=user)
    for line in ("owner set competitive messaging <@U2>", "owner add competitive messaging <@U3> owes win/loss notes",
                 "owner set release notes <@U2>"):
        await slack.slash(line, user="UADMIN")
    await slack.slash("release new v2.3 2027-03-01 tier 1 <#CLAUNCH|launch>", user="U1")
    workspace = f"slack:{slack.team}"
    made = await plan_items(slack.core, workspace, "v2.3")
    assert len(made) == 9
    assert await owner_of(slack.core, workspace, made["Competitive battlecard"]) == "U2"
    assert await owner_of(slack.core, workspace, made["Analyst and press briefing"]) is None
    root = next(c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == "CLAUNCH")
    assert "Launch plan" in json.dumps(root.params["blocks"]) and "Competitive battlecard" in json.dumps(root.params["blocks"])
    assert any("launch plan gives you" in d and "Competitive battlecard" in d for d in dms_to(slack, "U2"))
    assert any("win/loss notes for Competitive battlecard" in d for d in dms_to(slack, "U3"))  # the input, to the supporter

    # The release form: /handoff release new opens it, with the tier to choose.
    await slack.slash("release new", user="U1")
    modal = slack.fake.calls_to("views.open")[-1].params["view"]
    modal = json.loads(modal) if isinstance(modal, str) else modal
    assert modal["callback_id"] == "release_new"
    tier = next(b for b in modal["blocks"] if b["block_id"] == "tier")
    assert [o["value"] for o in tier["element"]["options"]] == ["none", "1", "2", "3"]
    bad = await slack.submit("release_new", {"name": {"name": {"value": "v2.3"}}, "tier": {"tier": {"selected_option": {"value": "3"}}}})
    assert bad["response_action"] == "errors" and "already a release called" in bad["errors"]["name"]
    ok = await slack.submit("release_new", {"name": {"name": {"value": "v2.4"}}, "target": {"target": {"selected_date": "2027-01-15"}},
                                            "tier": {"tier": {"selected_option": {"value": "3"}}},
                                            "channel": {"channel": {"selected_channel": "CLAUNCH"}}})
    assert ok == {}
    assert list(await plan_items(slack.core, workspace, "v2.4")) == ["Release notes"]
    assert any("Launch plan of v2.4 (Tier 3)" in json.dumps(c.params) for c in slack.fake.calls_to("chat.postEphemeral"))


async def test_slack_statement_round_trip_with_the_confirm_button(slack: SlackHarness) -> None:
    for user, role in (("U1", "pm"), ("U2", "pmm"), ("U3", "pm")):
        await slack.slash(f"person me role {role}", user=user)
    await slack.slash("owner set launch <@U2>", user="UADMIN")
    await slack.slash("release new v2.3 2027-03-01 tier 2", user="U1")
    await slack.slash("release brief v2.3 Admins audit every SSO login in one place", user="U1")

    def confirm_button() -> dict[str, Any]:
        for call in reversed(slack.fake.calls_to("chat.postMessage")):
            if call.params.get("channel") != "U2":
                continue
            for block in call.params.get("blocks") or []:
                for element in block.get("elements", []) if block["type"] == "actions" else []:
                    if element.get("value") == "release confirm v2.3":
                        return element
        raise AssertionError("lee got no Confirm button")

    button = confirm_button()
    assert await click(slack, button, "U3", key="no") == 200  # sam is not the launch driver
    refusal = slack.fake.calls_to("chat.postEphemeral")[-1].params
    assert refusal["user"] == "U3" and "can confirm what v2.3 does" in json.dumps(refusal["blocks"])
    assert await click(slack, button, "U2", key="yes") == 200
    redraw = [c for c in slack.fake.calls if c.method == "response_url"][-1].params
    assert "both sides stand behind what v2.3 does" in json.dumps(redraw["blocks"])
    assert any("confirmed your statement" in d for d in dms_to(slack, "U1"))
    await slack.slash("release brief v2.3 Admins audit every SSO and SCIM event in one place", user="U1")
    again = confirm_button()
    assert "every SSO login" in json.dumps([c.params for c in slack.fake.calls_to("chat.postMessage")
                                            if c.params.get("channel") == "U2"][-1])  # what it said before
    assert await click(slack, again, "U2", key="again") == 200
    shown = await slack.slash("release show v2.3", user="U3")
    assert "confirmed by Lee" in json.dumps(shown)


async def test_teams_tier_1_and_tier_3_plans_and_the_statement_round_trip(teams: TeamsHarness) -> None:
    for user, role in (("dana", "pm"), ("lee", "pmm"), ("sam", "pm"), ("alex", "lead")):
        await teams.say(f"person me role {role}", user=user)
    await teams.say("owner set competitive messaging <at>Lee</at>", user="alex", mentions=("lee",))
    await teams.say("owner set launch <at>Lee</at>", user="alex", mentions=("lee",))
    card = await teams.say("release new v2.3 2027-03-01 tier 1", user="dana")
    assert "Launch plan of v2.3 (Tier 1)" in said(card) and "Competitive battlecard" in said(card)
    workspace = f"teams:{teams.tenant}"
    made = await plan_items(teams.core, workspace, "v2.3")
    assert len(made) == 9 and await owner_of(teams.core, workspace, made["Competitive battlecard"]) == "29:lee"
    small = await teams.say("release new v2.4 2027-01-15 tier 3", user="dana")
    assert "Release notes" in said(small) and "Competitive battlecard" not in said(small)
    assert list(await plan_items(teams.core, workspace, "v2.4")) == ["Release notes"]

    await teams.say("release brief v2.3 Admins audit every SSO login in one place", user="dana")
    await teams.ticks().send()  # lee's card goes out through the outbox
    ask = next(s for s in reversed(teams.connector.sent) if "release confirm v2.3" in said(s.activity) and "lee" in s.conversation)
    content = ask.activity["attachments"][0]["content"]
    assert_valid_card(content)
    confirm = next(a["data"] for b in content["body"] if b["type"] == "ActionSet" for a in b["actions"]
                   if a["data"].get("value") == "release confirm v2.3")
    assert await teams.post(teams.activity(user="lee", conversation=ask.conversation, value=confirm,
                                           reply_to=ask.activity_id)) in (200, 201)
    assert "both sides stand behind what v2.3 does" in said(teams.connector.sent[-1].activity)
    await teams.say("release brief v2.3 Admins audit every SSO and SCIM event", user="dana")
    assert "not confirmed yet" in said(await teams.say("release show v2.3", user="sam"))
    await teams.say("release confirm v2.3", user="lee")
    shown = await teams.say("release show v2.3", user="sam")
    assert "confirmed by Lee" in said(shown)
    for sent in teams.connector.cards():
        assert_valid_card(sent)
