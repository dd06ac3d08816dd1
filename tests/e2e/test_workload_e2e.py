"""`load` through the running app: Slack's slash command and a Teams message."""

from __future__ import annotations

import json
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.slack_harness import running_app
from tests.e2e.teams_harness import assert_valid_card, card_text, running_teams
from tests.support import FakeClock


async def test_slack_load_answers_privately_with_each_persons_figures(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as slack:
        await slack.slash("person me role pm")
        await slack.slash("<@U2|lee> requirement: tier table by fri")
        await slack.slash("<@U2|lee> messaging: hero copy")
        ack = await slack.slash("load")
        assert ack["response_type"] == "ephemeral"
        body = json.dumps(ack["blocks"], ensure_ascii=False)
        assert "Workload: team (2 people)" in body
        assert "Lee* (no role) — 1 in / 1 out / 2 open · 0 overdue · drives 0 areas · ack —" in body
        assert "Dana* (pm) — 0 in / 0 out / 0 open" in body
        usage = await slack.slash("load everyone else")
        assert usage["response_type"] == "ephemeral" and "load [team|pm|pmm|lead|@person]" in json.dumps(usage)


async def test_teams_load_answers_with_a_valid_card(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_teams(engine, clock) as teams:
        teams.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        await teams.say("person me role pmm")
        await teams.say("handoff <at>Lee</at> messaging: hero copy", mentions=("lee",))
        card = await teams.say("load pmm")
        assert_valid_card(card)
        lines = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
        # Dana (pmm, nothing open) and Lee (no role, 1 open): the median is 0.5; Lee is not a PMM.
        assert lines[:2] == ["Workload: PMMs", "- **Dana** \\(pmm\\) — 0 in / 0 out / 0 open · 0 overdue · drives 0 areas · ack —"]
        assert lines[2].startswith("Team median: 0\\.5 open\\.")
        card = await teams.say("load <at>Lee</at>", mentions=("lee",))
        assert_valid_card(card)
        assert "Workload: Lee" in card_text(card) and "0 in / 1 out / 1 open" in card_text(card)
