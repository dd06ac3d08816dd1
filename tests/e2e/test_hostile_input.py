"""Hostile input through the running app (RELIABILITY 21 and 24; issue 8, part 3).

Hypothesis drives signed Slack requests (slash commands, block actions, view submissions,
malformed ``payload=`` forms, event callbacks) and Teams activities at one running app per test.
Every example must hold three invariants:

* the HTTP status is a success or a 4xx, never a 5xx;
* nothing is logged at ERROR (an unhandled exception, a 500, the core's "something went wrong");
* when the core accepted nothing (every command refused, or none ran) no row was written.

The grammar itself is fuzzed in tests/integration/test_core_fuzz.py; here it is the payload
parsers and listeners around it. Examples are bounded so the file stays fast in CI.
"""

from __future__ import annotations

import json
import operator
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.teams.app import TEAMS_BOT
from tests.e2e.hostile import (
    HOSTILE,
    SECRETS,
    SQLISH,
    CoreSpy,
    LogWatch,
    card_strings,
    counts,
    foreign_markup,
    markdown_links,
    mrkdwn_texts,
    watching_logs,
)
from tests.e2e.slack_harness import FORM, SECRET, SlackHarness, running_app
from tests.e2e.teams_harness import TeamsHarness, running_teams
from tests.fakes import slack_requests as sr
from tests.support import FakeClock

# Bounded for CI; HANDOFF_FUZZ_SCALE=25 (say) runs a longer soak of the same tests.
SCALE = int(os.environ.get("HANDOFF_FUZZ_SCALE", "1"))
FUZZ = settings(max_examples=40 * SCALE, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# --- strategies ----------------------------------------------------------------------------------

SCALARS = (st.none() | st.booleans() | st.integers(-(2**40), 2**40)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30))
JSON = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
                    max_leaves=6)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any] = JSON, odds: int = 7) -> st.SearchStrategy[Any]:
    """``good`` about ``odds`` times for each ``bad``: most examples get past the first check and
    reach the listeners and the core, and the rest still try every wrong shape."""
    # Not ``one_of(good, good, good, bad)``: hypothesis merges identical branches. Shrinking goes
    # towards index 0, the good side, so a failing example keeps only the corruption that matters.
    return st.sampled_from(range(odds + 1)).flatmap(lambda i: bad if i == odds else good)


COMMANDS = ("gate approve v2.3 1", "gate decline v2.3 1 too early", "gate waive v2.3 2", "ack 1", "done 1", "list all",
            "show 1", "release show v2.3", "dispute 1 not ours", "draft use 1", "comment 1 noted", "help", "", "new")
HEADS = ("", "new ", "@lee ", "<@U2|lee> requirement for v2.3: ", "ack ", "decline 1 ", "reassign 1 ", "release new ",
         "release decide v2.3 ", "gate ", "gate approve v2.3 ", "gate template add ", "dispute ", "dispute resolve 1 ",
         "search ", "due 1 ", "show ", "comment 1 ", "load ", "nudges set ", "person me ", "owner set ", "who owns ",
         "gate template move 1 to ", "gate template remove ", "nudges set limit ", "snooze 1 ", "gate decline v2.3 ")
# Numbers the grammar and the use cases must survive: str.isdigit() accepts "²", which int() refuses.
NUMBERISH = ("²", "١٢", "0", "-1", "#1", "1.5", "9" * 12, "9" * 5_000, "1e3", "0x10")
COMMAND_TEXT = (st.builds(operator.add, st.sampled_from(HEADS), st.text(max_size=60) | st.sampled_from(NUMBERISH))
                | st.sampled_from(COMMANDS))
USERS = mostly(st.sampled_from(["U1", "U2", "U3", "UADMIN"]), st.text(max_size=12))
UNKNOWN = st.dictionaries(st.text(min_size=1, max_size=10).map(lambda k: f"x_{k}"), SCALARS, max_size=3)

ACTION_IDS = ("handoff.ack", "handoff.start", "handoff.done", "handoff.reopen", "handoff.decline", "handoff.ask",
              "handoff.answer", "handoff.block", "handoff.cancel", "handoff.comment", "handoff.reassign",
              "handoff.not_mine", "handoff.edit", "handoff.snooze_1d", "handoff.snooze_3d", "handoff.draft", "draft.use",
              "draft.regenerate", "draft.discard", "cmd.run.0a1b2c3d", "cmd.ask.0a1b2c3d")
BUTTON_VALUES = mostly(st.sampled_from(["1:1", "1:2", "1", "0:0", "99:1", "-1:1", "1:x", "1:1:1", ":", "", *COMMANDS])
                       | st.from_regex(r"\A-?\d{1,4}(:-?\d{0,4})?\Z") | COMMAND_TEXT)

CALLBACK_IDS = ("handoff_new", "handoff_reason", "handoff_comment", "handoff_reassign", "release_entry", "command_text",
                "handoff_edit")
TARGET_META = st.fixed_dictionaries({
    "n": mostly(st.just(1), SCALARS), "v": mostly(st.none() | st.just(1), SCALARS), "ch": mostly(st.just("C1"), SCALARS),
    "ts": mostly(st.just("1.1"), SCALARS),
    "a": mostly(st.sampled_from(["handoff.decline", "handoff.ask", "handoff.block", "handoff.comment"]), SCALARS)})
COMMAND_META = st.fixed_dictionaries({"cmd": mostly(st.sampled_from(COMMANDS), SCALARS), "ch": mostly(st.just("C1"), SCALARS),
                                      "ts": mostly(st.just("1.1"), SCALARS)})
ODD_METADATA = (st.text(max_size=60) | JSON.map(json.dumps) | st.just("{" * 5_000)
                | st.just(json.dumps({"n": 1, "v": 1, "a": "handoff.decline", "pad": "x" * 4_000})))  # Slack allows 3,000
# Each modal with the metadata it was opened with (mostly): the submission then reaches the core.
MATCHED_METADATA = {
    "handoff_new": st.fixed_dictionaries({"ch": mostly(st.just("C1") | st.none(), SCALARS)}).map(json.dumps),
    "handoff_reason": TARGET_META.map(json.dumps), "handoff_comment": TARGET_META.map(json.dumps),
    "handoff_reassign": TARGET_META.map(json.dumps), "command_text": COMMAND_META.map(json.dumps),
    "release_entry": st.just(""), "handoff_edit": TARGET_META.map(json.dumps),
}
VIEWS = mostly(st.sampled_from(CALLBACK_IDS).flatmap(lambda cb: st.tuples(st.just(cb), mostly(MATCHED_METADATA[cb], ODD_METADATA))),
               st.tuples(st.text(max_size=20), ODD_METADATA), odds=7)


def _input(block: str, key: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return mostly(st.fixed_dictionaries({block: mostly(st.fixed_dictionaries({key: values}), odds=15)}), odds=15)


STATE = mostly(st.fixed_dictionaries({}, optional={
    "reason": _input("reason", "value", mostly(st.text(max_size=40), SCALARS)),
    "owner": _input("owner", "selected_user", mostly(USERS, SCALARS)),
    "title": _input("title", "value", mostly(st.text(max_size=40), SCALARS)),
    "details": _input("details", "value", mostly(st.text(max_size=40), SCALARS)),
    "kind": _input("kind", "selected_option",
                   mostly(st.fixed_dictionaries({"value": mostly(st.sampled_from(["requirement", "messaging", "note"]))}))),
    "due": _input("due", "selected_date", mostly(st.sampled_from(["2026-12-01", "2020-01-01", "2026-02-30"]), SCALARS)),
    "release": _input("release", "selected_option", mostly(st.fixed_dictionaries({"value": mostly(st.just("v2.3"))}))),
    "area": _input("area", "selected_option", mostly(st.fixed_dictionaries({"value": mostly(st.just("pricing"))}))),
}))

EVENT = mostly(st.fixed_dictionaries(
    {"type": mostly(st.sampled_from(["app_mention"] * 4 + ["message"] * 2 + ["app_home_opened", "app_uninstalled",
                                                                           "tokens_revoked", "reaction_added"]), SCALARS),
     "text": mostly(st.builds(operator.add, st.just("<@UBOT> "), COMMAND_TEXT), SCALARS),
     "user": USERS, "channel": mostly(st.sampled_from(["C1", "D1"])), "ts": mostly(st.just("5.1"), SCALARS),
     "channel_type": mostly(st.sampled_from(["im", "channel"]), SCALARS)},
    optional={
        "thread_ts": st.just("4.1") | SCALARS,
        "subtype": SCALARS, "bot_id": SCALARS, "tab": mostly(st.sampled_from(["home", "messages"]), SCALARS),
        "tokens": JSON, "event_ts": SCALARS,
    },
))

# --- the Slack arena ------------------------------------------------------------------------------

SEED = (("U1", "person me role pm"), ("U2", "person me role pmm"), ("UADMIN", "release new v2.3 2027-03-01"),
        ("U1", "<@U2|lee> requirement for v2.3: tier table"), ("U2", "dispute 1 this is positioning work"))


def _tally(status: int, spy: CoreSpy) -> None:
    """For ``--hypothesis-show-statistics``: how far the examples got."""
    if currently_in_test_context():
        verdict = "a command ran" if spy.accepted else "a command was refused" if spy.outcomes else "no command (or the grammar refused)"
        event(f"HTTP {status}, {verdict}")


@dataclass
class SlackArena:
    """One running app, seeded with a release (and its gates), handoff #1 and a dispute."""

    slack: SlackHarness
    engine: AsyncEngine
    spy: CoreSpy
    logs: LogWatch

    async def exchange(self, body: str, content_type: str = FORM) -> int:
        """Send one signed request and check the three invariants; returns the status."""
        before = await counts(self.engine, None)
        self.spy.clear()
        self.logs.clear()
        response = await self.slack.send(body, content_type)
        await self.slack.surface.drain()
        assert response.status < 500, (response.status, body[:300])
        assert not self.logs.errors(), (self.logs.errors(), body[:300])
        if not self.spy.accepted:
            assert await counts(self.engine, None) == before, (self.spy.replies(), body[:300])
        _tally(response.status, self.spy)
        return response.status

    def interactive(self, payload: dict[str, Any]) -> str:
        return urlencode({"payload": json.dumps(payload)})

    def block_action(self, action: dict[str, Any], user: str) -> dict[str, Any]:
        body = sr.block_action("x", "x", team_id=self.slack.team, user_id=user,
                               response_url=self.slack.fake.response_url("fuzz"))
        payload = json.loads(dict(parse_qsl(body))["payload"])
        payload["actions"] = [action]
        return payload


@pytest.fixture
async def arena(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[SlackArena]:
    async with running_app(engine, clock) as slack:
        for user, line in SEED:
            await slack.slash(line, user=user)
        with watching_logs() as logs:
            yield SlackArena(slack, engine, CoreSpy(slack.core), logs)
        leaked = [s for s in SECRETS if s in logs.text()]
        assert not leaked, "secrets in the logs"


# --- Slack: fuzzed payloads -----------------------------------------------------------------------

@FUZZ
@example(text="dispute resolve 1 ²", user="UADMIN", extra={}, drop=set())
@example(text="gate template move 1 to ²", user="UADMIN", extra={}, drop=set())
@example(text="gate template remove ²", user="UADMIN", extra={}, drop=set())
@example(text="gate approve v2.3 ²", user="U1", extra={}, drop=set())
@example(text="gate approve v2.3 " + "9" * 5_000, user="U1", extra={}, drop=set())
@example(text="nudges set limit ²", user="UADMIN", extra={}, drop=set())
@given(text=COMMAND_TEXT, user=USERS, extra=UNKNOWN,
       drop=st.sets(st.sampled_from(["channel_id", "trigger_id", "response_url", "user_name", "team_domain"])))
async def test_slash_commands_with_any_text_and_unknown_fields(arena: SlackArena, text: str, user: str,
                                                               extra: dict[str, Any], drop: set[str]) -> None:
    form = dict(parse_qsl(sr.slash_command(text, team_id=arena.slack.team, user_id=user,
                                           response_url=arena.slack.fake.response_url("fuzz"))))
    form = {k: v for k, v in form.items() if k not in drop} | {k: str(v) for k, v in extra.items()}
    status = await arena.exchange(urlencode(form))
    assert status == 200 or (status == 400 and "trigger_id" in drop), "only a modal needs the trigger"


async def test_team_ids_no_slack_workspace_has_are_refused(arena: SlackArena) -> None:
    """The team id becomes the workspace key ("slack:T…", 128 characters at most)."""
    for team in ("T" * 200, "x" * 65):
        assert await arena.exchange(sr.slash_command("list", team_id=team)) == 400
        click = arena.block_action({"action_id": "handoff.ack", "value": "1:1"}, "U2")
        click["team"]["id"] = team
        click.pop("user")
        assert await arena.exchange(arena.interactive(click)) == 400


@FUZZ
@example(action_id="handoff.ack", value=None, user="U2", label=None, extra={}, drop=set())
@example(action_id="draft.use", value=5, user="U1", label=None, extra={}, drop=set())
@example(action_id="handoff.ack", value="²:1", user="U2", label=None, extra={}, drop=set())
@example(action_id="handoff.done", value="9" * 12 + ":1", user="U2", label=None, extra={}, drop=set())
@example(action_id="handoff.decline", value="1:1", user="U2", label=None, extra={}, drop={"trigger_id"})
@example(action_id="cmd.ask.0a1b2c3d", value="gate decline v2.3 1", user="U1", label="Decline", extra={}, drop={"trigger_id"})
@example(action_id="cmd.run.0a1b2c3d", value={"cmd": "gate approve v2.3 1"}, user="U1", label=None, extra={}, drop=set())
@given(action_id=mostly(st.sampled_from(ACTION_IDS), st.text(max_size=30), odds=7), value=BUTTON_VALUES, user=USERS,
       label=st.none() | st.fixed_dictionaries({"type": st.just("plain_text"), "text": st.text(max_size=30)}) | SCALARS,
       extra=UNKNOWN, drop=st.sets(st.sampled_from(["trigger_id", "container", "channel", "message", "response_url"])))
async def test_block_actions_with_any_action_id_and_value(arena: SlackArena, action_id: str, value: Any, user: str,
                                                          label: Any, extra: dict[str, Any], drop: set[str]) -> None:
    action: dict[str, Any] = {"action_id": action_id, "block_id": "b1", "type": "button", "value": value,
                              "action_ts": str(time.time())}
    if label is not None:
        action["text"] = label
    payload = {k: v for k, v in arena.block_action(action, user).items() if k not in drop} | extra
    await arena.exchange(arena.interactive(payload))


@FUZZ
@example(view=("handoff_reason", "{nope"), state={"reason": {"reason": {"value": "x"}}}, user="U2", view_extra={})
@example(view=("handoff_reason", '{"n": "1", "a": "handoff.decline"}'), state={}, user="U2", view_extra={})
@example(view=("handoff_reason", '{"n": 1, "a": "handoff.start"}'), state={}, user="U2", view_extra={})
@example(view=("handoff_comment", '{"n": 1}'), state={"reason": "x"}, user="U1", view_extra={})
@example(view=("handoff_reason", json.dumps({"n": 2**40, "v": -(2**40), "a": "handoff.decline"})), user="U2", view_extra={},
         state={"reason": {"reason": {"value": "x"}}})
@example(view=("handoff_new", "[]"), state={"title": {"title": {"value": "t"}}}, user="U1", view_extra={})
@example(view=("handoff_new", '{"ch": "C1"}'), user="U1", view_extra={},
         state={"kind": {"kind": {"selected_option": {"value": "zzz"}}}, "title": {"title": {"value": "t"}}})
@example(view=("handoff_new", '{"ch": "C1"}'), user="U1", view_extra={},
         state={"title": {"title": {"value": "nul\x00in a title"}}, "details": {"details": {"value": "bell\x07"}}})
@example(view=("command_text", '{"cmd": 5}'), state={"reason": {"reason": {"value": "x"}}}, user="U1",
         view_extra={})
@example(view=("release_entry", ""), state={}, user="U1", view_extra={})
@example(view=("release_entry", ""), user="U1", view_extra={}, state={
    "release": {"release": {"selected_option": {"value": 5}}}, "kind": {"kind": {"selected_option": None}},
    "reason": {"reason": {"value": "a note"}}})
@example(view=("handoff_reassign", '{"n": 1, "v": 1}'), state={}, user="U1", view_extra={"state": "x"})
@given(view=VIEWS, state=STATE, user=USERS, view_extra=mostly(st.just({}), st.dictionaries(
    st.sampled_from(["state", "x_unknown", "callback_id", "private_metadata"]), JSON, max_size=1), odds=7))
async def test_view_submissions_with_any_metadata_and_state(arena: SlackArena, view: tuple[str, str],
                                                            state: Any, user: str, view_extra: dict[str, Any]) -> None:
    callback_id, metadata = view
    body = sr.view_submission(callback_id, {}, private_metadata=metadata, team_id=arena.slack.team, user_id=user)
    payload = json.loads(dict(parse_qsl(body))["payload"])
    payload["view"]["state"] = {"values": state}
    payload["view"] |= view_extra
    await arena.exchange(arena.interactive(payload))


@FUZZ
@given(payload=st.text(max_size=80) | JSON.map(json.dumps) | st.fixed_dictionaries(
    {"type": st.sampled_from(["block_actions", "view_submission", "view_closed", "shortcut", "message_action",
                              "block_suggestion"]) | SCALARS},
    optional={"team": JSON, "user": JSON, "actions": JSON, "view": JSON, "callback_id": SCALARS, "trigger_id": SCALARS,
              "message": JSON, "channel": JSON, "container": JSON, "value": SCALARS, "action_id": SCALARS}).map(json.dumps),
       field=st.sampled_from(["payload", "payload", "command", "text"]))
@example(payload="{not json", field="payload")
@example(payload="[1, 2]", field="payload")
@example(payload="5", field="payload")
@example(payload=json.dumps({"type": "block_actions", "actions": []}), field="payload")
@example(payload=json.dumps({"type": "block_actions", "user": "U1", "team": "T1", "actions": [{"action_id": "handoff.ack"}]}),
         field="payload")
@example(payload=json.dumps({"type": "view_submission", "view": "x"}), field="payload")
@example(payload=json.dumps({"view": None}), field="payload")
@example(payload=json.dumps({"type": "block_actions", "event": None, "actions": [{"action_id": "handoff.ack"}]}),
         field="payload")
async def test_malformed_interactive_payloads(arena: SlackArena, payload: str, field: str) -> None:
    status = await arena.exchange(urlencode({field: payload, "team_id": arena.slack.team}))
    assert status in (200, 400, 404), status


@FUZZ
@given(event=EVENT, envelope=mostly(st.just({}), st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["event_callback", "url_verification", "app_rate_limited"]) | SCALARS,
    "authorizations": st.just([]) | JSON, "event_id": SCALARS, "challenge": SCALARS, "team_id": SCALARS})),
    raw=mostly(st.none(), st.text(max_size=40)))
@example(event=[], envelope={}, raw=None)
@example(event="x", envelope={}, raw=None)
@example(event={"type": "app_mention", "user": "U1", "text": "<@UBOT> list", "ts": "1.1"}, envelope={}, raw=None)
@example(event={"type": "app_mention", "user": "U1", "text": 5, "ts": "1.1", "channel": "C1"}, envelope={}, raw=None)
@example(event={"type": "app_home_opened", "tab": "home"}, envelope={}, raw=None)
@example(event={"type": "message", "channel_type": "im", "user": "U1", "text": [1], "channel": "D1"}, envelope={}, raw=None)
@example(event={"type": "app_mention", "user": "U1", "text": "<@UBOT> list", "channel": "C1"},
         envelope={"authorizations": []}, raw=None)
@example(event={"type": "app_mention", "user": "U1", "text": None, "channel": "C1", "ts": "5.1"}, envelope={"event_id": True},
         raw=None)
@example(event={"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "channel": "C1", "ts": "5.1"},
         envelope={"event_id": "E" * 200}, raw=None)
@example(event={"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "channel": "C1", "ts": "5." + "1" * 200},
         envelope={"event_id": None}, raw=None)
@example(event={}, envelope={}, raw="[1]")
@example(event={}, envelope={}, raw="{nope")
async def test_event_callbacks_with_odd_shapes(arena: SlackArena, event: Any, envelope: dict[str, Any], raw: str | None) -> None:
    body = json.loads(sr.event_callback({}, team_id=arena.slack.team, event_id=f"Ev{uuid.uuid4().hex}"))
    body = body | {"event": event} | envelope
    await arena.exchange(raw if raw is not None else json.dumps(body), content_type="application/json")


# --- Teams: fuzzed activities ---------------------------------------------------------------------

TEAMS_ACTIONS = ("handoff.new", "handoff.ack", "handoff.start", "handoff.done", "handoff.decline", "handoff.ask",
                 "handoff.comment", "handoff.reassign", "handoff.snooze_1d", "handoff.draft", "draft.use",
                 "draft.discard", "cmd.run.0a1b2c3d", "cmd.ask.0a1b2c3d", "handoff.edit", "handoff.edit_save",
                 "handoff.not_mine", "handoff.reassign_save")
CARD_VALUE = mostly(st.fixed_dictionaries(
    {"handoff_action": mostly(st.sampled_from(TEAMS_ACTIONS), SCALARS), "value": BUTTON_VALUES},
    optional={"text": mostly(st.text(max_size=40), SCALARS), "label": SCALARS,
              "fields": mostly(st.sampled_from(["title", "title,kind,release", "reason", "x,y"]), SCALARS),
              "title": mostly(st.text(max_size=40), SCALARS), "owner": mostly(st.sampled_from(["lee", "@Lee", "aad-lee", "aad-dana", "a,b"]), SCALARS),
              "due": mostly(st.sampled_from(["2026-12-01", "2020-01-01", "not a date"]), SCALARS),
              "kind": mostly(st.sampled_from(["requirement", "nope"]), SCALARS), "release": mostly(st.just("v2.3"), SCALARS)}))


@dataclass
class TeamsArena:
    teams: TeamsHarness
    engine: AsyncEngine
    spy: CoreSpy
    logs: LogWatch

    async def exchange(self, body: Any) -> int:
        before = await counts(self.engine, None)
        self.spy.clear()
        self.logs.clear()
        status = await self.teams.post(body)
        await self.teams.web_app[TEAMS_BOT].drain()
        assert status in (200, 201, 400), (status, json.dumps(body)[:300])
        assert not self.logs.errors(), (self.logs.errors(), json.dumps(body)[:300])
        if not self.spy.accepted:
            assert await counts(self.engine, None) == before, (self.spy.replies(), json.dumps(body)[:300])
        _tally(status, self.spy)
        return status


@pytest.fixture
async def teams_arena(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[TeamsArena]:
    async with running_teams(engine, clock) as teams:
        teams.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        teams.connector.add_member("lee")  # a people picker's "aad-lee" resolves through the roster
        await teams.say("help", user="lee")
        await teams.say("release new v2.3 2027-03-01")
        await teams.say("handoff <at>Lee</at> requirement for v2.3: pricing page by fri", mentions=("lee",))
        with watching_logs() as logs:
            yield TeamsArena(teams, engine, CoreSpy(teams.core), logs)


TEAMS_EXAMPLE = {"text": "list", "value": None, "kind": "personal", "activity_type": "message", "mutate": {}, "drop": set()}


@settings(FUZZ, max_examples=60 * SCALE)
@example(**TEAMS_EXAMPLE | {"mutate": {"from": {"name": "no id"}}})
@example(**TEAMS_EXAMPLE | {"drop": {"from"}})
@example(**TEAMS_EXAMPLE | {"mutate": {"conversation": "19:x@thread"}})
@example(**TEAMS_EXAMPLE | {"drop": {"serviceUrl"}})
@example(**TEAMS_EXAMPLE | {"mutate": {"entities": [{"type": "mention", "mentioned": "x", "text": 5}]}})
@example(**TEAMS_EXAMPLE | {"value": {"handoff_action": "handoff.ack", "value": "²"}})
@example(**TEAMS_EXAMPLE | {"value": {"handoff_action": "handoff.done", "value": "9" * 12}})
@example(**TEAMS_EXAMPLE | {"value": {"handoff_action": "handoff.new", "title": "nul\x00", "details": "\x07", "owner": "lee"}})
@example(**TEAMS_EXAMPLE | {"value": {"handoff_action": "cmd.ask.0a1b2c3d", "value": {"a": 1}, "label": ["x"]}})
@example(**TEAMS_EXAMPLE | {"activity_type": "conversationUpdate", "mutate": {"membersAdded": "x"}})
@example(**TEAMS_EXAMPLE | {"kind": 100000000000000.0})  # stored as a conversation kind: 17 characters
@given(text=mostly(COMMAND_TEXT, SCALARS, odds=7), value=mostly(st.none() | CARD_VALUE, odds=7),
       kind=mostly(st.sampled_from(["personal", "channel", "groupChat"]), SCALARS, odds=7),
       activity_type=mostly(st.just("message"), st.sampled_from(["conversationUpdate", "event", "messageReaction", "typing"])
                            | SCALARS, odds=7),
       mutate=mostly(st.just({}), st.dictionaries(st.sampled_from([
           "conversation", "from", "entities", "recipient", "channelData", "replyToId", "membersAdded", "attachments",
           "x_unknown", "timestamp", "locale"]), JSON, min_size=1, max_size=2), odds=7),
       drop=mostly(st.just(set()), st.sets(st.sampled_from(["from", "conversation", "entities", "recipient", "channelData",
                                                          "text", "id", "serviceUrl"]), min_size=1, max_size=2), odds=7))
async def test_teams_activities_with_any_text_values_and_shapes(teams_arena: TeamsArena, text: Any, value: Any, kind: Any,
                                                                activity_type: Any, mutate: dict[str, Any],
                                                                drop: set[str]) -> None:
    body = teams_arena.teams.activity("x", mentions=("lee",) if isinstance(text, str) and "@lee" in text else ())
    body["text"], body["type"] = text, activity_type
    body["conversation"]["conversationType"] = kind
    if value is not None:
        body["value"] = value
    body = {k: v for k, v in body.items() if k not in drop} | mutate
    await teams_arena.exchange(body)


# --- oversized bodies -----------------------------------------------------------------------------

MIB = 1024 * 1024


async def _chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


async def test_oversized_slack_interactions_and_events_are_refused_before_parsing(arena: SlackArena) -> None:
    slack = arena.slack
    calls = len(slack.fake.calls)
    big = "x" * (MIB + 10)
    bodies = {
        "block_actions": (sr.block_action("handoff.ack", "1:1" + big, team_id=slack.team), FORM),
        "view_submission": (sr.view_submission("handoff_reason", {"reason": {"reason": {"value": big}}},
                                               private_metadata='{"n": 1, "a": "handoff.decline"}', team_id=slack.team), FORM),
        "event": (sr.event_callback(sr.app_mention(f"<@UBOT> <@U2|lee> question: {big}", user="U1", channel="C1", ts="1.1"),
                                    team_id=slack.team, event_id="EvBig"), "application/json"),
    }
    before = await counts(arena.engine, None)
    for name, (body, content_type) in bodies.items():
        assert (await slack.send(body, content_type)).status == 413, name
        chunked = await slack.http.post(f"{slack.url}/slack/events", data=_chunks(body.encode()),
                                        headers={**sr.sign(body, SECRET), "Content-Type": content_type})
        await chunked.read()
        assert chunked.status == 413, f"{name}, sent without a Content-Length"
    await slack.surface.drain()
    assert await counts(arena.engine, None) == before
    assert len(slack.fake.calls) == calls, "no listener ran: not even users.info was asked"
    assert not arena.logs.errors()


async def test_oversized_teams_activities_are_refused_before_parsing(teams_arena: TeamsArena) -> None:
    teams = teams_arena.teams
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"  # a tenant the app has never seen: any parsing would store its chat
    activity = teams.activity("handoff <at>Lee</at> question: " + "y" * (256 * 1024), mentions=("lee",), tenant=tenant)
    data = json.dumps(activity).encode()
    sent = len(teams.connector.sent)
    assert await teams.post(activity) == 413
    async with teams.http.post(f"{teams.url}/api/messages", data=_chunks(data),
                               headers={"Content-Type": "application/json"}) as response:
        assert response.status == 413, "sent without a Content-Length"
    async with teams.engine.connect() as conn:
        refs = (await conn.execute(text("SELECT count(*) FROM conversation_refs WHERE workspace_id = :w"),
                                   {"w": f"teams:{tenant}"})).scalar_one()
    assert refs == 0 and not any((await counts(teams.engine, f"teams:{tenant}")).values())
    assert len(teams.connector.sent) == sent
    just_under = teams.activity("help", tenant=tenant)
    just_under["x_padding"] = "z" * (250 * 1024)
    assert await teams.post(just_under) in (200, 201), "a body under the limit is read"


# --- injection: stored verbatim, rendered inert ---------------------------------------------------

def _visible(value: str) -> str:
    """What the grammar keeps of typed text: invisible characters are dropped, nothing else changes."""
    return value.replace("\u200b", "").replace("\u200d", "").replace("\u2060", "")


async def test_hostile_text_is_stored_verbatim_and_pings_nobody_on_slack(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as slack:
        for user, role in (("U1", "pm"), ("U2", "pmm"), ("UADMIN", "lead")):
            await slack.slash(f"person me role {role}", user=user)
        await slack.slash("release new v2.3 2027-03-01 <#C9|launch-v23>", user="UADMIN")
        title = f"{HOSTILE} {SQLISH}"
        await slack.slash(f"<@U2|lee> requirement for v2.3: {title}")
        await slack.slash(f"dispute 1 {HOSTILE} {SQLISH}", user="U2")
        await slack.slash(f"gate decline v2.3 1 {HOSTILE} {SQLISH}", user="U1")
        await slack.slash(f"release decide v2.3 {HOSTILE} {SQLISH}", user="UADMIN")  # the release's owner
        await slack.slash(f"comment 1 {HOSTILE}")
        answers = {line: await slack.slash(line) for line in ("show 1", "list all", "disputes", "gate v2.3", "release show v2.3")}
        await slack.event(sr.app_home_opened("U2"), "EvHome")

        sent = [*answers.values(), *(call.params for call in slack.fake.calls)]
        texts = mrkdwn_texts(sent)
        assert not foreign_markup(texts)
        for line in ("show 1", "disputes", "gate v2.3", "release show v2.3"):
            shown = "\n".join(mrkdwn_texts(answers[line]))
            assert "&lt;!channel&gt;" in shown and "&lt;https://evil.example|Click&gt;" in shown, line
        assert "DROP TABLE handoffs" in "\n".join(mrkdwn_texts(answers["show 1"]))

        workspace = f"slack:{slack.team}"
        expected = _visible(f"{HOSTILE} {SQLISH}")
        async with engine.connect() as conn:
            stored = {
                "title": (await conn.execute(text("SELECT title FROM handoffs WHERE workspace_id = :w AND number = 1"),
                                             {"w": workspace})).scalar_one(),
                "dispute": (await conn.execute(text("SELECT reason FROM disputes WHERE workspace_id = :w"),
                                               {"w": workspace})).scalar_one(),
                "gate": (await conn.execute(text("SELECT note FROM gates WHERE workspace_id = :w AND status = 'declined'"),
                                            {"w": workspace})).scalar_one(),
                "decision": (await conn.execute(text("SELECT body FROM knowledge_entries WHERE workspace_id = :w "
                                                     "AND kind = 'decision'"), {"w": workspace})).scalar_one(),
            }
        assert stored == dict.fromkeys(stored, expected)


async def test_percent_and_underscore_are_not_wildcards(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as slack:
        await slack.slash("release new v2.3")
        for decision in ("alpha plan", "beta 100% ready", "gamma a_b", "delta axb"):
            await slack.slash(f"release decide v2.3 {decision}")

        async def found(line: str) -> str:
            return json.dumps(await slack.slash(line))

        for query in ("search %", "search _", "search %%", "search %_%"):
            answer = await found(query)
            assert not any(d in answer for d in ("alpha", "beta", "gamma", "delta")), query
        answer = await found("search 100%")
        assert "beta" in answer and not any(d in answer for d in ("alpha", "gamma", "delta"))
        answer = await found("search a_b")
        assert "gamma" in answer and "delta" not in answer, "_ matched any character"
        for line in ("release show %", "gate %", "show %"):
            assert "v2.3" not in await found(line), line


async def test_hostile_text_is_escaped_in_teams_cards(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_teams(engine, clock) as teams:
        teams.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        eve = teams.activity("help", user="eve")
        eve["from"]["name"] = "Eve [Click](https://evil.example) <b>x</b>"  # display names are user-chosen text
        assert await teams.post(eve) in (200, 201)
        await teams.say("help", user="lee")
        await teams.say("release new v2.3 2027-03-01")
        hostile = teams.activity(f"handoff <at>Lee</at> requirement for v2.3: {HOSTILE} {SQLISH}", user="eve",
                                 mentions=("lee",))
        hostile["from"]["name"] = eve["from"]["name"]
        assert await teams.post(hostile) in (200, 201)
        await teams.say(f"comment 1 {HOSTILE}", user="lee")
        await teams.say(f"dispute 1 {HOSTILE}", user="lee")
        for line in ("show 1", "list all", "disputes", "release show v2.3"):
            await teams.say(line, user="lee")
        await teams.ticks().send()  # the DMs the outbox carries are cards too

        cards = teams.connector.cards()
        strings = card_strings(cards)
        assert not markdown_links(strings)
        assert any("\\[Click\\]\\(https" in s for s in strings), "the hostile text was shown, escaped"
        async with engine.connect() as conn:
            title = (await conn.execute(text("SELECT title FROM handoffs WHERE workspace_id = :w AND number = 1"),
                                        {"w": f"teams:{teams.tenant}"})).scalar_one()
        assert title == _visible(f"{HOSTILE} {SQLISH}")
