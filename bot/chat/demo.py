"""A realistic sample release, seeded through the same grammar people type."""

from __future__ import annotations

from bot.chat.core import Core
from bot.context import Caller
from bot.reply import Reply, plain_text

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
    # Launch gates in several states; the decline puts v2.3 at risk and proposes a slip to alex.
    ("dana", f"gate approve {DEMO_RELEASE} 1 TAM sized at $40M in mid-market analytics"),
    ("alex", f"gate waive {DEMO_RELEASE} 2 same use cases as v2.2"),
    ("priya", f"gate decline {DEMO_RELEASE} 3 the usability study on the new dashboards is not done"),
    # Priya drives pricing (inbound) and, for this release, launch (outbound): the workload view flags it.
    ("alex", f"owner set launch @priya for {DEMO_RELEASE}"),
    # Sam and Dana disagree over who writes the release notes: the lead gets both sides.
    ("dana", "dispute 3 release notes are customer-facing: PMM work, not a requirement"),
    ("sam", "dispute 3 I can't write them before the scope is final"),
    ("alex", "release new v2.4 in 12 weeks"),
)
# What the demo shows when it is done: the product in one screen each.
TOUR = (f"release show {DEMO_RELEASE}", f"gate {DEMO_RELEASE}", "load", "disputes")


async def seed_demo(core: Core, workspace_id: str) -> tuple[str, list[tuple[str, Reply]]]:
    """Seed the sample (once) and return a summary and the tour's replies, as alex the lead sees them."""
    alex = _caller(workspace_id, "alex")
    probe = await core.handle(alex, f"release show {DEMO_RELEASE}")
    if not probe.reply.is_error:
        return f"Demo data is already there: try `release show {DEMO_RELEASE}`.", []
    for speaker, text in SCRIPT:
        outcome = await core.handle(_caller(workspace_id, speaker), text)
        if outcome.reply.is_error:
            raise RuntimeError(f"demo step {text!r} failed: {plain_text(outcome.reply)}")
    tour = [(text, (await core.handle(alex, text)).reply) for text in TOUR]
    summary = (
        f"Seeded release {DEMO_RELEASE}: 5 people, 5 handoffs in several states, owners, decisions, launch gates "
        "(one declined, so the release is at risk), a flagged workload and two disputes (a competing claim and a handoff).\n"
        f"Try: python app.py shell --as dana, then `list owed`, `show 2`, `who owns battlecards?`, "
        f"`search pricing`, `release export {DEMO_RELEASE}`; `as alex` then `release slip accept {DEMO_RELEASE}`."
    )
    return summary, tour


def _caller(workspace_id: str, name: str) -> Caller:
    """alex set the workspace up, so alex is its admin (and makes themself its lead)."""
    return Caller(workspace_id=workspace_id, user_id=name, display_name=name, names_create_people=True,
                  is_admin=name == "alex")
