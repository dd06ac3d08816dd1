"""Edit and link through what people run: Slack's Edit modal, Teams' edit card, and the shell."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.hostile import mrkdwn_texts
from tests.e2e.slack_harness import SlackHarness, running_app
from tests.e2e.teams_harness import TeamsHarness, assert_valid_card, card_text, running_teams
from tests.e2e.test_shell import run_cli
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


def _blocks(payload: dict) -> str:
    return json.dumps(payload.get("blocks") or payload.get("text") or payload, ensure_ascii=False)


async def _edit_events(engine: AsyncEngine, workspace: str) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(
            "SELECT note FROM handoff_events WHERE workspace_id = :w AND action = 'edit' ORDER BY id"),
            {"w": workspace})).scalars())


async def test_slack_edit_button_opens_a_prefilled_modal_and_saving_refreshes_the_card(slack: SlackHarness,
                                                                                      engine: AsyncEngine) -> None:
    await slack.slash("release new v2.3 2027-01-15", user="U1")
    await slack.slash("<@U2|lee> requirement for v2.3: pricng page <!channel> | audience: SMB", user="U1")
    card_ts = next(r for r in slack.fake.responses("chat.postMessage") if r["channel"] == "C1")["ts"]
    assert '"handoff.edit"' in _blocks(next(c for c in slack.fake.calls_to("chat.postMessage")
                                             if c.params.get("channel") == "C1").params)

    await slack.click("handoff.edit", "1:1", user="U2", ts=card_ts)  # the owner may not change what was asked
    refused = slack.fake.calls_to("chat.postEphemeral")[-1].params
    assert refused["user"] == "U2" and "can correct what #1 asks" in _blocks(refused)
    assert slack.fake.calls_to("views.open") == []

    await slack.click("handoff.edit", "1:1", user="U1", ts=card_ts)
    modal = slack.fake.calls_to("views.open")[-1].params["view"]
    assert modal["callback_id"] == "handoff_edit"
    blocks = {b["block_id"]: b["element"] for b in modal["blocks"]}
    assert list(blocks) == ["kind", "title", "details", "release", "area"]
    assert blocks["title"]["initial_value"] == "pricng page <!channel>"
    assert blocks["release"]["initial_option"]["value"] == "v2.3"

    def state(title: str) -> dict:
        return {"kind": {"kind": {"selected_option": {"value": "messaging"}}}, "title": {"title": {"value": title}},
                "details": {"details": {"value": "audience: SMB admins"}},
                "release": {"release": {"selected_option": {"value": "v2.3"}}},
                "area": {"area": {"selected_option": {"value": "none"}}}}

    empty = await slack.submit("handoff_edit", state(""), metadata=modal["private_metadata"], user="U1")
    assert empty["response_action"] == "errors" and "1 to 200 characters" in empty["errors"]["title"]
    assert await slack.submit("handoff_edit", state("Pricing page tier table"), metadata=modal["private_metadata"],
                              user="U1") == {}
    update = slack.fake.calls_to("chat.update")[-1].params
    assert update["ts"] == card_ts and "Pricing page tier table" in _blocks(update) and "messaging" in _blocks(update)
    assert await _edit_events(engine, f"slack:{slack.team}") == [
        "kind: “requirement” → “messaging”", "title: “pricng page <!channel>” → “Pricing page tier table”",
        "details: “audience: SMB” → “audience: SMB admins”"]
    dm = [c.params for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == "U2"]
    assert sum("edited #1" in _blocks(p) for p in dm) == 1  # the owner is told once, for three fields
    assert not [t for p in dm for t in mrkdwn_texts(p) if "<!channel>" in t]  # shown as text, never a ping

    stale = await slack.submit("handoff_edit", state("Older title"), metadata=modal["private_metadata"], user="U1")
    assert stale["response_action"] == "errors"  # the modal was opened at version 1; the card has moved on


async def test_slack_block_by_a_handoff_is_lifted_when_it_is_done(slack: SlackHarness) -> None:
    await slack.slash("<@U2|lee> messaging: launch blog post", user="U1")
    await slack.slash("<@U1|dana> requirement: final price points", user="U2")
    shown = _blocks(await slack.slash("block 1 by #2", user="U2"))
    assert "waits on #2" in shown and "waiting on #2 final price points" in shown
    await slack.slash("done 2", user="U1")
    dm = [_blocks(c.params) for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == "U2"]
    assert any("#1 launch blog post is unblocked and back in progress" in t for t in dm)
    assert "in progress" in _blocks(await slack.slash("show 1", user="U2"))


async def test_teams_edit_card_round_trip(teams: TeamsHarness, engine: AsyncEngine) -> None:
    await teams.say("release new v2.3 2027-01-15")
    await teams.say("handoff <at>Lee</at> requirement for v2.3: pricng page", mentions=("lee",))
    form = await teams.say("", value={"handoff_action": "handoff.edit", "value": "1:1"})
    assert_valid_card(form)
    inputs = {el["id"]: el for el in form["body"] if el["type"].startswith("Input.")}
    assert list(inputs) == ["kind", "title", "details", "release", "area"] and inputs["title"]["value"] == "pricng page"
    [save] = form["actions"]
    data = save["data"]
    refused = await teams.say("", value={**data, "kind": "requirement", "title": "", "details": "", "release": "v2.3",
                                         "area": "none"})
    assert_valid_card(refused)
    again = {el["id"]: el for el in refused["body"] if el["type"].startswith("Input.")}
    assert "1 to 200 characters" in again["title"]["errorMessage"]
    done = await teams.say("", value={**data, "kind": "requirement", "title": "Pricing page tier table", "details": "",
                                      "release": "v2.3", "area": "none"})
    assert "Pricing page tier table" in card_text(done) and "Edited" in card_text(done)
    assert await _edit_events(engine, f"teams:{teams.tenant}") == ["title: “pricng page” → “Pricing page tier table”"]
    lee = await teams.say("", user="lee", value={"handoff_action": "handoff.edit", "value": "1:2"})
    assert "can correct what" in card_text(lee)


def test_edit_link_multiline_details_and_due_dates_through_the_shell(tmp_path: Path) -> None:
    script = "\n".join([
        "release new v2.3 2027-01-15",
        '@lee requirement for v2.3: pricng page | """',
        "audience: SMB admins",
        "problem: no tier table",
        '"""',
        "@lee messaging: launch blog post \\",
        "| proof points: three customers",
        "@lee question by someday: when?",
        "@lee question: legal review | due: whenever",
        "@lee question: price sheet next friday",
        "edit 1 title Pricing page tier table",
        "edit 1",
        "as lee",
        "block 2 by #1",
        "done 1",
        "show 2",
    ]) + "\n"
    result = run_cli("shell", "--as", "dana", stdin=script, cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "✓ audience" in out and "✓ problem" in out and "✗ why now" in out
    assert "proof points: three customers" in out
    assert "I can't read “someday” as a due date" in out and "I can't read “whenever” as a due date" in out
    assert "I read “next friday” at the end of the title as the due date" in out
    assert "Edited #1: title: “pricng page” → “Pricing page tier table”." in out
    assert "Change one with `edit 1 <field> <new value>`" in out
    assert "unblock: #1 (Pricing page tier table) is done" in out
    assert "Traceback" not in out + result.stderr
