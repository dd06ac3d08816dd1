"""Slack end to end: signed requests to the running app, Web API calls captured on a loopback fake."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import build_jobs
from tests.e2e.hostile import mrkdwn_texts
from tests.e2e.slack_harness import SlackHarness, running_app
from tests.fakes import slack_requests as sr
from tests.support import FakeClock


@pytest.fixture
async def slack(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with running_app(engine, clock) as harness:
        yield harness


def blocks_text(payload: dict) -> str:
    return json.dumps(payload.get("blocks") or payload.get("text") or payload)


async def count(engine: AsyncEngine, table: str, team: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM {table} WHERE workspace_id = :w"), {"w": f"slack:{team}"})).scalar_one()


# --- transport ---------------------------------------------------------------------------------

async def test_bad_signature_and_stale_or_garbage_timestamps_get_401(slack: SlackHarness, engine: AsyncEngine) -> None:
    body = sr.slash_command("@lee question: sneaky", team_id=slack.team)
    bad = await slack.http.post(f"{slack.url}/slack/events", data=body, headers={
        **sr.sign(body, "wrong-secret"), "Content-Type": "application/x-www-form-urlencoded"})
    assert bad.status == 401
    stale = await slack.send(body, timestamp=int(time.time()) - 301)
    assert stale.status == 401
    for garbage in ("", "abc", "1e3", "١٢٣"):
        headers = sr.sign(body, "test-signing-secret")
        headers["X-Slack-Request-Timestamp"] = garbage
        response = await slack.http.post(f"{slack.url}/slack/events", data=body,
                                         headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
        assert response.status == 401, garbage
    assert await count(engine, "handoffs", slack.team) == 0
    assert slack.fake.calls_to("chat.postMessage") == []
    fresh = await slack.send(body, timestamp=int(time.time()) - 299)
    assert fresh.status == 200


async def test_url_verification_and_healthz(slack: SlackHarness) -> None:
    response = await slack.send(sr.url_verification("challenge-123"), content_type="application/json")
    assert response.status == 200 and "challenge-123" in await response.text()
    health = await slack.http.get(f"{slack.url}/healthz")
    assert health.status == 200 and (await health.json())["database"] == "ok"


async def test_oversized_bodies_are_refused_before_parsing(slack: SlackHarness) -> None:
    body = sr.slash_command("x" * (1024 * 1024 + 10), team_id=slack.team)
    response = await slack.send(body)
    assert response.status == 413


# --- /handoff -------------------------------------------------------------------------------

async def test_slash_command_creates_posts_the_card_and_dms_the_owner(slack: SlackHarness, engine: AsyncEngine) -> None:
    ack = await slack.slash("<@U2|lee> requirement: pricing page needs a tier table by fri")
    assert ack["response_type"] == "ephemeral" and "Handed off #1 to Lee" in blocks_text(ack)
    posts = slack.fake.calls_to("chat.postMessage")
    card = next(p for p in posts if p.params.get("channel") == "C1")
    assert "pricing page needs a tier table" in blocks_text(card.params)
    assert card.params["unfurl_links"] is False and card.params["unfurl_media"] is False
    assert any(p.params.get("channel") == "U2" for p in posts)  # the owner's DM
    assert [c.params["user"] for c in slack.fake.calls_to("users.info")].count("U2") == 1
    assert await count(engine, "handoffs", slack.team) == 1


async def test_unknown_command_gets_usage_privately(slack: SlackHarness) -> None:
    ack = await slack.slash("frobnicate everything")
    assert ack["response_type"] == "ephemeral" and "frobnicate" in blocks_text(ack) and "@someone" in blocks_text(ack)


HOSTILE = "<!channel> <!here> <!subteam^S1> <@U9> <#C9> <https://evil.example|Click> a\u200bb &"


async def test_user_text_is_escaped_everywhere(slack: SlackHarness) -> None:
    await slack.slash(f"<@U2|lee> question: {HOSTILE}")
    await slack.slash(f"comment 1 {HOSTILE}")
    sent = [c.params for m in ("chat.postMessage", "chat.update", "chat.postEphemeral") for c in slack.fake.calls_to(m)]
    texts = mrkdwn_texts(sent)
    assert texts and any("&lt;!channel&gt;" in t for t in texts)
    for t in texts:
        assert not any(raw in t for raw in ("<!", "<@U9", "<#C9", "<https://evil")), t
    # plain_text (headers, button labels) is never parsed by Slack, so it may show the text as typed.
async def test_a_3001_character_title_is_refused_politely_and_long_details_are_truncated(slack: SlackHarness) -> None:
    ack = await slack.slash("<@U2|lee> question: " + "t" * 3001)
    assert "title" in blocks_text(ack).lower()
    ack = await slack.slash("<@U2|lee> question: short | " + "d" * 3990)
    card = slack.fake.calls_to("chat.postMessage")[0].params
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in card["blocks"])


async def test_empty_command_opens_the_modal_and_validation_errors_land_on_fields(slack: SlackHarness, engine: AsyncEngine) -> None:
    await slack.slash("")
    opened = slack.fake.calls_to("views.open")
    assert opened and opened[0].params["view"]["callback_id"] == "handoff_new"
    values = {"kind": {"kind": {"selected_option": {"value": "requirement"}}},
              "title": {"title": {"value": "tier table"}},
              "owner": {"owner": {"selected_user": "U2"}},
              "due": {"due": {"selected_date": "2020-01-01"}}}
    response = await slack.submit("handoff_new", values, metadata=json.dumps({"ch": "C1"}))
    assert response["response_action"] == "errors" and "past" in response["errors"]["due"]
    values["release"] = {"release": {"selected_option": {"value": "v9"}}}
    values["due"] = {"due": {"selected_date": "2026-12-01"}}
    response = await slack.submit("handoff_new", values, metadata=json.dumps({"ch": "C1"}))
    assert "release" in response["errors"]
    assert await count(engine, "handoffs", slack.team) == 0
    del values["release"]
    assert await slack.submit("handoff_new", values, metadata=json.dumps({"ch": "C1"})) == {}
    assert await count(engine, "handoffs", slack.team) == 1


# --- buttons ---------------------------------------------------------------------------------

async def test_buttons_move_the_handoff_and_update_the_card_in_place(slack: SlackHarness) -> None:
    await slack.slash("<@U2|lee> requirement: tier table")
    card = next(c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == "C1")
    card_ts = next(r for r in slack.fake.responses("chat.postMessage") if r["channel"] == "C1")["ts"]
    assert "handoff.ack" in blocks_text(card.params)
    for action, version, status in (("handoff.ack", 1, "acknowledged"), ("handoff.start", 2, "in progress"), ("handoff.done", 3, "done")):
        assert await slack.click(action, f"1:{version}", user="U2", ts=card_ts) == 200
        update = slack.fake.calls_to("chat.update")[-1].params
        assert update["ts"] == card_ts and status in blocks_text(update)


async def test_a_stranger_is_refused_privately_and_nothing_changes(slack: SlackHarness) -> None:
    await slack.slash("<@U2|lee> requirement: tier table")
    await slack.click("handoff.ack", "1:1", user="U3")
    ephemeral = slack.fake.calls_to("chat.postEphemeral")[-1].params
    assert ephemeral["user"] == "U3" and "Only Lee" in blocks_text(ephemeral)
    assert slack.fake.calls_to("chat.update") == []


async def test_only_slack_admins_and_leads_make_leads_and_decisions(slack: SlackHarness, engine: AsyncEngine) -> None:
    """Issue 14, findings 1 and 2: a member cannot make themselves a lead, demote the real one, or
    record a release decision; the workspace's admin (is_admin in users.info) can grant the role."""
    refused = blocks_text(await slack.slash("person me role lead", user="U3"))
    assert "Only a lead or an admin can make someone a lead" in refused and "HANDOFF_ADMINS" in refused
    assert "Alex is now lead" in blocks_text(await slack.slash("person me role lead", user="UADMIN"))
    assert "Dana is now lead" in blocks_text(await slack.slash("person <@U1|dana> role lead", user="UADMIN"))
    assert "Only Alex, a lead or an admin" in blocks_text(await slack.slash("person <@UADMIN|alex> role other", user="U3"))
    await slack.slash("release new v2.3 2027-03-01", user="U1")
    decided = blocks_text(await slack.slash("release decide v2.3 we ship friday", user="U3"))
    assert "Only the area's driver, Dana (the release owner), a lead or an admin" in decided
    assert "release note v2.3" in decided
    assert "v2.3" in blocks_text(await slack.slash("release note v2.3 we ship friday", user="U3"))
    async with engine.connect() as conn:
        roles = dict((await conn.execute(text("SELECT platform_user_id, role FROM people WHERE workspace_id = :w"),
                                         {"w": f"slack:{slack.team}"})).all())
        decisions = (await conn.execute(text("SELECT count(*) FROM knowledge_entries WHERE workspace_id = :w "
                                             "AND kind = 'decision'"), {"w": f"slack:{slack.team}"})).scalar_one()
    assert roles["UADMIN"] == "lead" and roles["U1"] == "lead" and roles.get("U3") is None
    assert decisions == 0


async def test_a_double_click_changes_state_once(slack: SlackHarness, engine: AsyncEngine) -> None:
    await slack.slash("<@U2|lee> requirement: tier table")
    await asyncio.gather(slack.click("handoff.ack", "1:1"), slack.click("handoff.ack", "1:1"))
    async with engine.connect() as conn:
        actions = (await conn.execute(text(
            "SELECT action FROM handoff_events WHERE workspace_id = :w ORDER BY id"), {"w": f"slack:{slack.team}"})).scalars().all()
    assert actions == ["created", "ack"]


async def test_decline_asks_for_a_reason_in_a_modal(slack: SlackHarness) -> None:
    await slack.slash("<@U2|lee> messaging: hero copy")
    await slack.click("handoff.decline", "1:1", user="U2")
    modal = slack.fake.calls_to("views.open")[-1].params["view"]
    assert modal["callback_id"] == "handoff_reason"
    empty = await slack.submit("handoff_reason", {"reason": {"reason": {"value": ""}}}, metadata=modal["private_metadata"], user="U2")
    assert empty["response_action"] == "errors" and "reason" in empty["errors"]
    done = await slack.submit("handoff_reason", {"reason": {"reason": {"value": "web team owns it"}}}, metadata=modal["private_metadata"], user="U2")
    assert done == {}
    assert "web team owns it" in blocks_text(slack.fake.calls_to("chat.update")[-1].params)


async def test_reassign_and_comment_through_modals(slack: SlackHarness) -> None:
    await slack.slash("<@U2|lee> requirement: x")
    await slack.click("handoff.reassign", "1:1", user="U1")
    modal = slack.fake.calls_to("views.open")[-1].params["view"]
    assert await slack.submit("handoff_reassign", {"owner": {"owner": {"selected_user": "U3"}}}, metadata=modal["private_metadata"]) == {}
    assert "Sam" in blocks_text(slack.fake.calls_to("chat.update")[-1].params)
    await slack.click("handoff.comment", "1:2", user="U1")
    modal = slack.fake.calls_to("views.open")[-1].params["view"]
    await slack.submit("handoff_comment", {"reason": {"reason": {"value": "legal approved"}}}, metadata=modal["private_metadata"])
    assert "legal approved" in blocks_text(slack.fake.calls_to("chat.update")[-1].params)


# --- release thread --------------------------------------------------------------------------

async def test_release_thread_gets_every_event_and_a_live_root(slack: SlackHarness) -> None:
    await slack.slash("release new v2.3 2026-12-15 <#C9|launch-v23>")
    root = slack.fake.calls_to("chat.postMessage")[0].params
    root_ts = slack.fake.responses("chat.postMessage")[0]["ts"]
    assert root["channel"] == "C9" and "v2.3" in blocks_text(root)
    await slack.slash("<@U2|lee> requirement for v2.3: tier table")
    in_thread = [c.params for c in slack.fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == root_ts]
    assert any("tier table" in blocks_text(p) and "handoff.ack" in blocks_text(p) for p in in_thread)
    await slack.slash("release decide v2.3 We launch mid-market first")
    in_thread = [c.params for c in slack.fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == root_ts]
    assert any("We launch mid-market first" in blocks_text(p) for p in in_thread)
    roots = [c.params for c in slack.fake.calls_to("chat.update") if c.params["ts"] == root_ts]
    assert roots and "mid-market" in blocks_text(roots[-1]) and "Open" in blocks_text(roots[-1])


async def test_not_in_channel_is_explained_and_the_release_is_kept(slack: SlackHarness, engine: AsyncEngine) -> None:
    slack.fake.fail_next("chat.postMessage", error="not_in_channel")
    await slack.slash("release new v2.3 <#C9|launch-v23>")
    warning = slack.fake.calls_to("chat.postEphemeral")[-1].params
    assert "/invite" in blocks_text(warning)
    assert await count(engine, "releases", slack.team) == 1


async def test_rate_limited_post_is_retried_after_retry_after(slack: SlackHarness) -> None:
    slack.fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    await slack.slash("<@U2|lee> question: anything")
    posts = slack.fake.calls_to("chat.postMessage")
    assert len(posts) >= 2 and time.monotonic() - started >= 1.0
    assert posts[0].params == posts[1].params


async def test_a_post_slack_keeps_refusing_is_queued_and_sent_once_by_the_outbox(slack: SlackHarness, engine: AsyncEngine) -> None:
    for _ in range(3):  # the first try and slack_sdk's two server-error retries
        slack.fake.fail_next("chat.postMessage", status=503)
    await slack.slash("<@U2|lee> question: who briefs the analysts?", channel="DU1")  # in a DM: no card, just the DM to lee
    assert await count(engine, "handoffs", slack.team) == 1, "the handoff is saved whatever Slack says"
    assert not slack.fake.messages.get("D2"), "nothing reached lee yet"
    ticks = build_jobs(slack.settings, slack.core, engine)
    await ticks.send()
    await ticks.send()
    delivered = [m for m in slack.fake.messages.get("D2", []) if "analysts" in (m.get("text") or "")]  # lee's DM
    assert len(delivered) == 1
    keys = {m["metadata"]["event_payload"]["key"] for m in delivered}
    attempts = {json.loads(c.params["metadata"])["event_payload"]["key"] if isinstance(c.params["metadata"], str)
                else c.params["metadata"]["event_payload"]["key"] for c in slack.fake.calls_to("chat.postMessage")
                if c.params.get("channel") == "U2"}
    assert keys == attempts, "the retry carries the key of the first try, so a lost answer is never a second DM"


# --- mentions, DMs, Home ---------------------------------------------------------------------

async def test_mention_is_answered_in_thread_and_retries_change_nothing(slack: SlackHarness, engine: AsyncEngine) -> None:
    event = sr.app_mention("<@UBOT> <@U2|lee> question: who briefs analysts?", user="U1", channel="C1", ts="100.1")
    responses = await asyncio.gather(*(slack.event(event, "Ev42", **({"X-Slack-Retry-Num": str(i), "X-Slack-Retry-Reason": "timeout"} if i else {}))
                                       for i in range(4)))
    assert all(r.status == 200 for r in responses)
    assert await count(engine, "handoffs", slack.team) == 1
    answers = [c.params for c in slack.fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == "100.1"]
    assert len(answers) == 1 and "Handed off #1" in blocks_text(answers[0])


async def test_mentions_answer_natural_questions(slack: SlackHarness) -> None:
    await slack.event(sr.app_mention("<@UBOT> who owns battlecards?", user="U1", channel="C1", ts="5.1"), "Ev1")
    answer = slack.fake.calls_to("chat.postMessage")[-1].params
    assert answer["thread_ts"] == "5.1" and "Competitive messaging" in blocks_text(answer)
    await slack.event(sr.app_mention("<@UBOT> what's overdue?", user="U1", channel="C1", ts="6.1"), "Ev2")
    assert "Nothing overdue" in blocks_text(slack.fake.calls_to("chat.postMessage")[-1].params)


async def test_direct_messages_work_like_the_shell(slack: SlackHarness) -> None:
    await slack.event(sr.dm_message("help", user="U1", ts="7.1"), "Ev3")
    assert "Handoff keeps PMs and PMMs in step" in blocks_text(slack.fake.calls_to("chat.postMessage")[-1].params)


async def test_app_home_shows_my_sections(slack: SlackHarness) -> None:
    await slack.slash("<@U2|lee> requirement: tier table")
    await slack.event(sr.app_home_opened("U2"), "Ev5")
    home = slack.fake.calls_to("views.publish")[-1].params
    assert home["user_id"] == "U2" and "tier table" in blocks_text(home["view"]) and "No releases yet" in blocks_text(home["view"])


async def test_message_shortcut_opens_a_prefilled_modal(slack: SlackHarness) -> None:
    await slack.send(sr.message_shortcut("handoff_message", message_text="Customers ask for SSO", message_ts="9.9",
                                         channel_id="C1", team_id=slack.team, user_id="U1", trigger_id="t9"))
    await slack.surface.drain()
    view = slack.fake.calls_to("views.open")[-1].params["view"]
    assert view["callback_id"] == "handoff_new" and "Customers ask for SSO" in json.dumps(view)
    assert "archives/C1" in json.dumps(view)  # the permalink


async def test_snooze_buttons(slack: SlackHarness) -> None:
    await slack.slash("<@U2|lee> requirement: tier table")
    card_ts = next(r for r in slack.fake.responses("chat.postMessage") if r["channel"] == "C1")["ts"]
    assert "handoff.snooze_3d" in blocks_text(slack.fake.calls_to("chat.postMessage")[0].params)
    await slack.click("handoff.snooze_3d", "1:1", user="U2", ts=card_ts)
    assert "Snoozed until" in blocks_text(slack.fake.calls_to("chat.update")[-1].params)
    await slack.click("handoff.snooze_1d", "1:2", user="U1", ts=card_ts)
    assert "Only Lee" in blocks_text(slack.fake.calls_to("chat.postEphemeral")[-1].params)


async def test_private_conversations_never_reach_a_wider_release_thread(slack: SlackHarness) -> None:
    slack.fake.private_channels.add("CPRIV")
    await slack.slash("release new v2.3 <#C9|launch-v23>")
    root_ts = slack.fake.responses("chat.postMessage")[0]["ts"]
    await slack.slash("<@U2|lee> requirement for v2.3: secret acquisition pricing", channel="CPRIV")
    await slack.slash("release decide v2.3 secret: we match the rival's price", channel="CPRIV")
    await slack.slash("release decide v2.3 We launch mid-market first", channel="C1")
    in_c9 = json.dumps([c.params for m in ("chat.postMessage", "chat.update") for c in slack.fake.calls_to(m)
                        if c.params.get("channel") == "C9"])
    assert "secret" not in in_c9 and "We launch mid-market first" in in_c9
    in_private = json.dumps([c.params for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == "CPRIV"])
    assert "secret acquisition pricing" in in_private  # the card stays where it was made
    assert root_ts in in_c9


async def test_a_mention_answered_in_public_leaves_out_private_content(slack: SlackHarness) -> None:
    slack.fake.private_channels.add("CPRIV")
    await slack.slash("release new v2.3")
    await slack.slash("release decide v2.3 secret pricing: we match the rival", channel="CPRIV")
    await slack.slash("<@U2|lee> question for v2.3: secret pricing memo", channel="CPRIV")
    await slack.slash("release decide v2.3 public pricing: tiers stay", channel="C1")
    for question, ts in (("what did we decide about pricing?", "1.1"), ("what's open for v2.3?", "2.1"), ("show 1", "3.1"),
                         ("release show v2.3", "4.1")):
        await slack.event(sr.app_mention(f"<@UBOT> {question}", user="U1", channel="C1", ts=ts), f"Ev{ts}")
        answer = json.dumps(slack.fake.calls_to("chat.postMessage")[-1].params)
        assert "secret" not in answer, question
    assert "public pricing" in json.dumps([c.params for c in slack.fake.calls_to("chat.postMessage")])
    await slack.event(sr.dm_message("what did we decide about pricing?", user="U1", ts="5.1"), "EvDM")
    assert "secret pricing" in json.dumps(slack.fake.calls_to("chat.postMessage")[-1].params)  # in a DM it may


async def test_secrets_never_reach_the_logs(slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.DEBUG):
        await slack.slash("<@U2|lee> requirement: tier table")
        await slack.click("handoff.ack", "1:1", user="U2")
        slack.fake.fail_next("chat.postMessage", error="invalid_auth")
        await slack.slash("<@U2|lee> question: after a failure")
        await slack.event(sr.app_mention("<@UBOT> help", user="U1", channel="C1", ts="8.1"), "EvLog")
    assert caplog.text  # something was logged at all
    for secret in ("xoxb-test-token", "test-signing-secret"):
        assert secret not in caplog.text
