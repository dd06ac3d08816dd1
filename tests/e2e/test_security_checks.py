"""Security checks through the running app (RELIABILITY 1, 7, 16 and 20; issue 8, part 4).

* Replayed Slack requests (a timestamp more than five minutes off), bad signatures and tampered
  bodies get 401 and change nothing, for every kind of request, not only slash commands.
* A person in workspace A cannot read or change anything of workspace B through a command, a
  button value or modal metadata naming B's ids, and nothing A is shown mentions B.
* OAuth ``state`` is single-use, short-lived, bound to the browser that started the install, and
  required.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.hostile import snapshot, watching_logs
from tests.e2e.slack_harness import FORM, SECRET, SlackHarness, running_app
from tests.e2e.test_slack_oauth import OAUTH
from tests.fakes import slack_requests as sr
from tests.support import FakeClock

JSON = "application/json"


async def seed(slack: SlackHarness, marker: str = "") -> None:
    """Roles, a release with its gates (owned by an admin), and handoff #1 from dana to lee."""
    for user, role in (("U1", "pm"), ("U2", "pmm"), ("UADMIN", "lead")):
        await slack.slash(f"person me role {role}", user=user)
    await slack.slash("release new v2.3 2027-03-01", user="UADMIN")
    await slack.slash(f"<@U2|lee> requirement for v2.3: {marker}tier table")


def reason_metadata(number: int, version: int, action: str) -> str:
    """What the reason modal carries (handlers.slack.views.Target.dump), written out as Slack returns it."""
    return json.dumps({"n": number, "v": version, "ch": "C1", "ts": "1.1", "a": action})


# --- replays, bad signatures, tampering ----------------------------------------------------------

def requests_for(slack: SlackHarness) -> dict[str, tuple[str, str]]:
    """One of each kind of request, each of which changes something when it is accepted."""
    team, url = slack.team, slack.fake.response_url("replay")
    return {
        "slash command": (sr.slash_command("<@U2|lee> question: replayed?", team_id=team, response_url=url), FORM),
        "ack button": (sr.block_action("handoff.ack", "1:1", team_id=team, user_id="U2", response_url=url), FORM),
        "command button": (sr.block_action("cmd.run.0a1b2c3d", "gate approve v2.3 2", team_id=team, user_id="U1",
                                           response_url=url), FORM),
        "reason modal": (sr.view_submission("handoff_reason", {"reason": {"reason": {"value": "web team owns it"}}},
                                            private_metadata=reason_metadata(1, 2, "handoff.decline"), team_id=team,
                                            user_id="U2"), FORM),
        "command modal": (sr.view_submission("command_text", {"reason": {"reason": {"value": "too early"}}},
                                             private_metadata=json.dumps({"cmd": "gate decline v2.3 1", "ch": "C1", "ts": "1.1"}),
                                             team_id=team, user_id="U1"), FORM),
        "mention": (sr.event_callback(sr.app_mention("<@UBOT> release decide v2.3 replayed decision", user="UADMIN",
                                                     channel="C1", ts="7.1"), team_id=team, event_id="EvReplay"), JSON),
    }


async def post(slack: SlackHarness, body: str, headers: dict[str, str], content_type: str) -> int:
    async with slack.http.post(f"{slack.url}/slack/events", data=body.encode(),
                               headers={**headers, "Content-Type": content_type}) as response:
        await response.read()
        return response.status


async def test_replayed_forged_and_tampered_requests_get_401_and_change_nothing(engine: AsyncEngine,
                                                                              clock: FakeClock) -> None:
    async with running_app(engine, clock) as slack:
        await seed(slack)
        workspace = f"slack:{slack.team}"
        before, calls = await snapshot(engine, workspace), len(slack.fake.calls)
        requests = requests_for(slack)
        with watching_logs() as logs:
            for name, (body, content_type) in requests.items():
                for skew in (-301, -3600, 305):  # replayed five minutes later, an hour later, or dated ahead
                    # The clock is read at each send: a "now" read once drifts into the window.
                    response = await slack.send(body, content_type, timestamp=int(time.time()) + skew)
                    assert response.status == 401, (name, skew)
                assert await post(slack, body, sr.sign(body, "not-the-secret"), content_type) == 401, name
                tampered = body.replace("U2", "U3").replace("U1", "U3").replace("UADMIN", "U3")  # signed for one sender, claims another
                assert tampered != body
                assert await post(slack, tampered, sr.sign(body, SECRET), content_type) == 401, name
            garbage = "payload=%7Bnot+json"
            assert (await slack.send(garbage, timestamp=int(time.time()) - 301)).status == 401, "unsigned garbage is a 401, not a 400"
            await slack.surface.drain()
        assert await snapshot(engine, workspace) == before
        assert len(slack.fake.calls) == calls, "no listener ran: not even users.info was asked"
        assert not logs.errors()
        assert all(SECRET not in r.getMessage() and "xoxb-test-token" not in r.getMessage() for r in logs.records)

        for name, (body, content_type) in requests.items():  # the same requests, fresh, are accepted
            assert (await slack.send(body, content_type)).status == 200, name
            await slack.surface.drain()
        async with engine.connect() as conn:
            status = (await conn.execute(text("SELECT status FROM handoffs WHERE workspace_id = :w AND number = 1"),
                                         {"w": workspace})).scalar_one()
            gates = dict((await conn.execute(text("SELECT name, status FROM gates WHERE workspace_id = :w"),
                                             {"w": workspace})).all())
            decisions = (await conn.execute(text("SELECT body FROM knowledge_entries WHERE workspace_id = :w "
                                                 "AND kind = 'decision'"), {"w": workspace})).scalars().all()
        assert status == "declined"
        assert gates["Market Opportunity"] == "declined" and gates["Use Case Definition"] == "approved"
        assert decisions == ["replayed decision"]
        assert (await slack.send(garbage)).status == 400, "signed garbage is a 400"


# --- workspace isolation --------------------------------------------------------------------------

MARK = "bsecret"  # in everything B wrote; A never types it, so it must never reach A
RELEASE = "orion"  # a release only B has: A names it, as a guesser would


async def test_workspace_a_cannot_read_or_change_workspace_b(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as slack:
        a, b = slack.team, "TB" + uuid.uuid4().hex[:8].upper()
        slack.team = b  # B: a release, handoff #1, a dispute, a decision, a declined gate, a draft
        await seed(slack, marker=f"{MARK} ")
        await slack.slash(f"dispute 1 {MARK} positioning work", user="U2")
        await slack.slash(f"release decide v2.3 {MARK} we match the rival")
        await slack.slash(f"release new {RELEASE} 2027-05-01", user="UADMIN")
        await slack.slash(f"gate decline v2.3 1 {MARK} market too small", user="U1")
        await slack.slash(f"draft {MARK} notes: customers ask for SSO in the admin console", user="U2")
        b_workspace = f"slack:{b}"
        async with engine.connect() as conn:
            draft_id = (await conn.execute(text("SELECT max(id) FROM drafts WHERE workspace_id = :w"),
                                           {"w": b_workspace})).scalar_one()
        assert draft_id is not None, "B has a draft to aim at"

        slack.team = a  # A: the same people and a release of the same name, nothing else
        for user, role in (("U1", "pm"), ("U2", "pmm"), ("UADMIN", "lead")):
            await slack.slash(f"person me role {role}", user=user)
        await slack.slash("release new v2.3 2027-03-01", user="UADMIN")
        before = await snapshot(engine, b_workspace)
        mark = len(slack.fake.calls)
        seen: list[Any] = []

        for user, line in (
            ("U1", "show 1"), ("U2", "list all"), ("U1", "list mine"), ("U1", "release show v2.3"),
            ("U1", f"release show {RELEASE}"), ("U1", "release list"), ("U1", "gate v2.3"), ("U1", "disputes"),
            ("U1", "search rival"), ("U1", "search positioning"), ("U1", "what did we decide about the rival?"), ("U1", "load"),
            ("U2", "ack 1"), ("U2", "done 1"), ("U1", "cancel 1 no longer needed"), ("U1", "comment 1 hello"),
            ("U1", "reassign 1 <@U3|sam>"), ("U1", "due 1 fri"), ("U2", "dispute 1 not mine"), ("UADMIN", "dispute resolve 1 1"),
            ("U2", f"draft use {draft_id}"), ("U2", f"draft discard {draft_id}"), ("U1", "gate approve v2.3 2"),
            ("U1", f"gate approve {RELEASE} 1"), ("U1", f"release decide {RELEASE} sneaky"), ("U1", f"release export {RELEASE}"),
            ("U1", "release export all"), ("U1", "releases board"), ("U1", "release calendar"),
            ("U1", f"release calendar {RELEASE}"),
        ):
            seen.append(await slack.slash(line, user=user))

        buttons = (("handoff.ack", "1:1", "U2"), ("handoff.done", "1:1", "U2"), ("handoff.snooze_3d", "1:1", "U2"),
                   ("handoff.draft", "1:1", "U2"), ("draft.use", str(draft_id), "U2"), ("draft.regenerate", str(draft_id), "U2"),
                   ("draft.discard", str(draft_id), "U2"), ("cmd.run.0a1b2c3d", "gate approve v2.3 1", "U1"),
                   ("cmd.run.0a1b2c3d", f"gate waive {RELEASE} 1", "UADMIN"), ("cmd.run.0a1b2c3d", "show 1", "U1"),
                   ("handoff.decline", "1:1", "U2"))
        for action_id, value, user in buttons:
            response = await slack.send(sr.block_action(action_id, value, team_id=a, user_id=user,
                                                        response_url=slack.fake.response_url("a")))
            assert response.status == 200, action_id
            await slack.surface.drain()

        submissions = (
            ("handoff_reason", {"reason": {"reason": {"value": "not ours"}}}, reason_metadata(1, 1, "handoff.decline"), "U2"),
            ("handoff_reason", {"reason": {"reason": {"value": "stop"}}}, reason_metadata(1, 1, "handoff.cancel"), "U1"),
            ("handoff_comment", {"reason": {"reason": {"value": "hello"}}}, reason_metadata(1, 1, "handoff.comment"), "U1"),
            ("handoff_reassign", {"owner": {"owner": {"selected_user": "U3"}}}, reason_metadata(1, 1, "handoff.reassign"), "U1"),
            ("command_text", {"reason": {"reason": {"value": "no"}}},
             json.dumps({"cmd": f"gate decline {RELEASE} 1", "ch": "C1", "ts": "1.1"}), "U1"),
            ("command_text", {"reason": {"reason": {"value": ""}}}, json.dumps({"cmd": "show 1", "ch": "C1", "ts": "1.1"}), "U1"),
            ("handoff_new", {"title": {"title": {"value": "from A"}}, "release": {"release": {"selected_option": {"value": f"{RELEASE}"}}}},
             json.dumps({"ch": "C1"}), "U1"),
            ("release_entry", {"release": {"release": {"selected_option": {"value": f"{RELEASE}"}}},
                               "kind": {"kind": {"selected_option": {"value": "decision"}}},
                               "reason": {"reason": {"value": "sneaky"}}}, "", "U1"),
        )
        for callback_id, values, metadata, user in submissions:
            response = await slack.send(sr.view_submission(callback_id, values, private_metadata=metadata, team_id=a, user_id=user))
            assert response.status == 200, callback_id
            seen.append(await response.text())
            await slack.surface.drain()

        suggestion = sr._payload({"type": "block_suggestion", "action_id": "release", "block_id": "release", "value": "",
                                  "team": {"id": a}, "user": {"id": "U1", "team_id": a}, "api_app_id": "A1",
                                  "view": {"id": "V1", "type": "modal", "callback_id": "handoff_new"}})
        options = await slack.send(suggestion)
        seen.append(await options.text())
        await slack.event(sr.app_home_opened("U1"), "EvHomeA")
        await slack.event(sr.app_mention("<@UBOT> what did we decide about pricing?", user="U1", channel="C1", ts="9.1"), "EvAskA")

        assert await snapshot(engine, b_workspace) == before, "nothing of B moved"
        shown = json.dumps([seen, [c.params for c in slack.fake.calls[mark:]]])
        assert MARK not in shown.lower(), "A was shown something of B"
        uploaded = b"".join(u.data or b"" for u in slack.fake.uploads.values()).decode("utf-8", "replace")
        assert "BEGIN:VCALENDAR" in uploaded and MARK not in uploaded.lower() and RELEASE not in uploaded, \
            "A's files hold nothing of B"
        offered = [o["value"] for o in json.loads(await options.text())["options"]]
        assert "v2.3" in offered and RELEASE not in offered, "A is offered its own releases only"


# --- OAuth state ---------------------------------------------------------------------------------

async def start_install(slack: SlackHarness) -> tuple[str, str]:
    """``GET /slack/install``: the state in the authorize link, and the cookie that binds it to this browser."""
    start = await slack.http.get(f"{slack.url}/slack/install", allow_redirects=False)
    page = await start.text()
    found = re.search(r"state=([\w\-]+)", page or start.headers.get("Location", ""))
    assert found, "the install page links to Slack's authorize URL with a state"
    return found.group(1), start.headers.get("Set-Cookie", "").split(";")[0]


async def finish(slack: SlackHarness, query: str, cookie: str | None) -> int:
    response = await slack.http.get(f"{slack.url}/slack/oauth_redirect?{query}", headers={"Cookie": cookie} if cookie else {},
                                    allow_redirects=False)
    await response.read()
    return response.status


async def test_oauth_state_is_required_single_use_short_lived_and_bound_to_the_browser(engine: AsyncEngine,
                                                                                     clock: FakeClock) -> None:
    async with running_app(engine, clock, **OAUTH, handoff_secret_key=Fernet.generate_key().decode()) as slack:
        team = "TO" + uuid.uuid4().hex[:8].upper()
        slack.fake.add_oauth_code("code-o", team_id=team, team_name="Omega", bot_token="xoxb-omega", bot_user_id="UBOTO")

        state, cookie = await start_install(slack)
        async with engine.connect() as conn:
            expires = (await conn.execute(text("SELECT expire_at FROM slack_oauth_states WHERE state = :s"),
                                          {"s": state})).scalar_one()
        expires = datetime.fromisoformat(expires) if isinstance(expires, str) else expires  # SQLite hands back text
        lifetime = expires - normalize_datetime_for_db(datetime.now(UTC))
        assert timedelta(minutes=1) < lifetime <= timedelta(minutes=10, seconds=5), lifetime

        assert await finish(slack, "code=code-o", cookie) >= 400, "no state"
        assert await finish(slack, "code=code-o&state=", cookie) >= 400, "an empty state"
        assert await finish(slack, f"code=code-o&state={uuid.uuid4()}", cookie) >= 400, "a state this app never issued"
        assert await finish(slack, f"code=code-o&state={state}", None) >= 400, "the right state from another browser"
        other_state, other_cookie = await start_install(slack)
        assert await finish(slack, f"code=code-o&state={state}", other_cookie) >= 400, "another browser's cookie"

        expired, expired_cookie = await start_install(slack)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE slack_oauth_states SET expire_at = :t WHERE state = :s"),
                               {"t": normalize_datetime_for_db(datetime.now(UTC) - timedelta(seconds=1)), "s": expired})
        assert await finish(slack, f"code=code-o&state={expired}", expired_cookie) >= 400, "an expired state"
        assert slack.fake.calls_to("oauth.v2.access") == [], "no refused callback exchanged the code"

        assert await finish(slack, f"code=code-o&state={state}", cookie) == 200, "the browser that started it finishes it"
        assert await finish(slack, f"code=code-o&state={state}", cookie) >= 400, "a state works once"
        assert len(slack.fake.calls_to("oauth.v2.access")) == 1
        async with engine.connect() as conn:
            bots = (await conn.execute(text("SELECT count(*) FROM slack_bots WHERE team_id = :t"), {"t": team})).scalar_one()
        assert bots == 1
        assert other_state != state
