"""A realistic sample release, seeded through the same grammar people type."""

from __future__ import annotations

from bot.context import Caller
from bot.dispatch import Core
from bot.reply import plain_text

DEMO_RELEASE = "v2.3"

# (who speaks, what they type). Dates are relative so the demo never goes stale.
SCRIPT: tuple[tuple[str, str], ...] = (
    ("alex", "person me role lead"),
    ("dana", "person me role pm"),
    ("lee", "person me role pmm"),
    ("sam", "person me role pmm"),
    ("priya", "person me role pm"),
    ("alex", f"release new {DEMO_RELEASE} in 4 weeks"),
    ("alex", "owner set competitive messaging @lee"),
    ("alex", "owner add competitive messaging @dana owes win/loss notes and roadmap comparisons"),
    ("alex", "owner set pricing @priya"),
    ("alex", "owner set release notes @sam for v2.3"),
    ("alex", "owner set positioning @lee"),
    ("dana", "owner claim customer advisory board"),
    ("sam", "owner claim customer advisory board"),
    ("dana", f"@lee requirement for {DEMO_RELEASE}: usage-based pricing tier for the analytics add-on due in 10 days"
             " | audience: mid-market ops leads\nproblem: seats don't fit bursty analytics use\nwhy now: three lost deals last quarter"),
    ("lee", f"@dana messaging for {DEMO_RELEASE} about positioning: review the new value proposition due in 5 days"
            " | claims to verify: 40% faster dashboards\naudience: analytics admins"),
    ("dana", f"@sam requirement for {DEMO_RELEASE}: release notes for the SSO rework due in 2 weeks"),
    ("priya", f"@lee question for {DEMO_RELEASE} about pricing communication: who announces the price change to existing customers?"),
    ("dana", f"@lee requirement for {DEMO_RELEASE} about competitive messaging: battlecard update for the new dashboards by tomorrow"),
    ("lee", "ack 1"),
    ("lee", "start 1"),
    ("dana", "ack 2"),
    ("dana", "ask 2 which benchmark backs the 40% claim?"),
    ("lee", "answer 2 proof points: internal benchmark BM-12, customer quote from Acme"),
    ("sam", "decline 3 release notes need the final scope first; reassign after code freeze"),
    ("lee", "comment 4 drafting an FAQ for account managers"),
    ("alex", f"release decide {DEMO_RELEASE} We launch to mid-market first; enterprise follows in v2.4"),
    ("alex", f"release decide {DEMO_RELEASE} Pricing page shows the usage tier from day one"),
    ("lee", f"release note {DEMO_RELEASE} Analyst briefing booked for launch week"),
)


async def seed_demo(core: Core, workspace_id: str) -> str:
    probe = await core.handle(_caller(workspace_id, "alex"), f"release show {DEMO_RELEASE}")
    if not probe.reply.is_error:
        return f"Demo data is already there: try `release show {DEMO_RELEASE}`."
    for speaker, text in SCRIPT:
        outcome = await core.handle(_caller(workspace_id, speaker), text)
        if outcome.reply.is_error:
            raise RuntimeError(f"demo step {text!r} failed: {plain_text(outcome.reply)}")
    return (
        f"Seeded release {DEMO_RELEASE}: 5 people, 5 handoffs in several states, owners and decisions.\n"
        f"Try: python app.py shell --as dana, then `list owed`, `show 2`, `who owns battlecards?`, "
        f"`search pricing`, `release show {DEMO_RELEASE}`."
    )


def _caller(workspace_id: str, name: str) -> Caller:
    return Caller(workspace_id=workspace_id, user_id=name, display_name=name, names_create_people=True)
