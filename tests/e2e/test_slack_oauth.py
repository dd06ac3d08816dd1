"""Multi-workspace OAuth: installs, per-workspace tokens, isolation, single-use state, uninstall."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.slack_harness import SlackHarness, running_app
from tests.support import FakeClock

OAUTH = {"slack_bot_token": None, "slack_client_id": "111.222", "slack_client_secret": "client-secret"}


async def install(slack: SlackHarness, code: str) -> int:
    start = await slack.http.get(f"{slack.url}/slack/install", allow_redirects=False)
    page = await start.text()
    state = re.search(r"state=([\w\-]+)", page or start.headers.get("Location", "")).group(1)
    cookie = start.headers.get("Set-Cookie", "").split(";")[0]
    done = await slack.http.get(f"{slack.url}/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie},
                                allow_redirects=False)
    await done.read()
    return done.status, state, cookie


async def test_two_workspaces_install_and_never_mix(engine: AsyncEngine, clock: FakeClock) -> None:
    key = Fernet.generate_key().decode()
    async with running_app(engine, clock, **OAUTH, handoff_secret_key=key) as slack:
        a, b = "TA" + uuid.uuid4().hex[:6].upper(), "TB" + uuid.uuid4().hex[:6].upper()
        slack.fake.add_oauth_code("code-a", team_id=a, team_name="Alpha", bot_token="xoxb-alpha", bot_user_id="UBOTA")
        slack.fake.add_oauth_code("code-b", team_id=b, team_name="Beta", bot_token="xoxb-beta", bot_user_id="UBOTB")
        for user in ("U1", "U2"):
            slack.fake.add_user(user, name=user.lower())
        status, state, cookie = await install(slack, "code-a")
        assert status == 200
        assert (await install(slack, "code-b"))[0] == 200
        replay = await slack.http.get(f"{slack.url}/slack/oauth_redirect?code=code-a&state={state}", headers={"Cookie": cookie})
        assert replay.status >= 400  # an OAuth state works once

        slack.team = a
        await slack.slash("<@U2|u2> question: alpha-only secret plan")
        alpha_posts = slack.fake.calls_to("chat.postMessage")
        assert alpha_posts and {c.token for c in alpha_posts} == {"xoxb-alpha"}
        slack.team = b
        listing = await slack.slash("list all")
        assert "alpha-only" not in json.dumps(listing) and "Nothing open" in json.dumps(listing)
        assert "no handoff #1" in json.dumps(await slack.slash("show 1"))
        assert {c.token for c in slack.fake.calls_to("chat.postMessage")} == {"xoxb-alpha"}

        async with engine.connect() as conn:
            stored = [str(r) for r in await conn.execute(text("SELECT bot_token FROM slack_bots WHERE team_id IN (:a, :b)"), {"a": a, "b": b})]
        assert len(stored) == 2 and not any("xoxb-" in s for s in stored)

        uninstalled = await slack.event({"type": "app_uninstalled"}, "EvU1")
        assert uninstalled.status == 200
        async with engine.connect() as conn:
            left = (await conn.execute(text("SELECT team_id FROM slack_bots WHERE team_id IN (:a, :b)"), {"a": a, "b": b})).scalars().all()
        assert left == [a]  # Beta's uninstall removed Beta only

        slack.team = a
        revoked = await slack.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOTA"]}}, "EvR1")
        assert revoked.status == 200
        async with engine.connect() as conn:
            left = (await conn.execute(text("SELECT team_id FROM slack_bots WHERE team_id IN (:a, :b)"), {"a": a, "b": b})).scalars().all()
        assert left == []


async def test_an_uninstalled_workspace_gets_no_more_jobs_or_messages(engine: AsyncEngine, clock: FakeClock) -> None:
    from app import build_jobs
    from bot.records import DeliveryKind, NewDelivery
    from bot.reply import Reply

    async with running_app(engine, clock, **OAUTH, handoff_secret_key=Fernet.generate_key().decode()) as slack:
        gone, stays = "TG" + uuid.uuid4().hex[:6].upper(), "TS" + uuid.uuid4().hex[:6].upper()
        slack.fake.add_oauth_code("code-g", team_id=gone, team_name="Gone", bot_token="xoxb-gone", bot_user_id="UBOTG")
        slack.fake.add_oauth_code("code-s", team_id=stays, team_name="Stays", bot_token="xoxb-stays", bot_user_id="UBOTS")
        assert (await install(slack, "code-g"))[0] == 200 and (await install(slack, "code-s"))[0] == 200
        for team in (gone, stays):
            await slack.core.queue(f"slack:{team}", NewDelivery(f"digest:x:{team}", DeliveryKind.DIGEST, "channel:C1",
                                                               Reply(title=f"digest for {team}")))
        ticks = build_jobs(slack.settings, slack.core, engine)
        assert {f"slack:{gone}", f"slack:{stays}"} <= set(await ticks.jobs.workspaces.workspace_ids())

        slack.team = gone
        assert (await slack.event({"type": "app_uninstalled"}, "EvU9")).status == 200
        assert f"slack:{gone}" not in await ticks.jobs.workspaces.workspace_ids(), "no nudge or digest pass visits it"
        assert f"slack:{stays}" in await ticks.jobs.workspaces.workspace_ids()
        await ticks.send()
        tokens = [c.token for c in slack.fake.calls_to("chat.postMessage") if "digest for" in json.dumps(c.params)]
        assert tokens == ["xoxb-stays"]
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT status, last_error FROM deliveries WHERE key = :k"),
                                      {"k": f"digest:x:{gone}"})).one()
        assert tuple(row) == ("failed", "not_installed")


@pytest.mark.parametrize("missing", ["slack_client_secret", "handoff_secret_key"])
def test_oauth_without_its_secrets_is_refused(missing: str) -> None:
    from bot.settings import Settings

    values = {**OAUTH, "slack_signing_secret": "s", "handoff_secret_key": Fernet.generate_key().decode()}
    values[missing] = None
    assert Settings(_env_file=None, **values).problems()
