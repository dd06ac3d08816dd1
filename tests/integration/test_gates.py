"""Launch gates, the template, slipping a release, readiness and disputes — on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from bot.reply import ASK_PREFIX, RUN_PREFIX, Actions, Reply, plain_text
from tests.support import Chat


def buttons(reply: Reply | None) -> list[tuple[str, str]]:
    assert reply is not None
    found = [(b.label, b.value) for block in reply.blocks if isinstance(block, Actions) for b in block.buttons]
    return found + [(b.label, b.value) for b in reply.buttons]


def listed(text: str) -> list[str]:
    """The names in a numbered list of gates (``✓ 1. Name — …`` or ``1. Name — …``)."""
    return [m.group(1) for m in re.finditer(r"^(?:\S )?\d+\. (.+?) —", text, re.MULTILINE)]


async def team(chat: Chat) -> None:
    for who, role in (("alex", "lead"), ("dana", "pm"), ("lee", "pmm"), ("sam", "pm")):
        await chat.ok(who, f"person me role {role}")


async def test_a_new_release_gets_the_standard_gates_spread_before_its_target(chat: Chat) -> None:
    await team(chat)
    await chat.ok("alex", "release new v2.3 2027-03-01")
    text = await chat.ok("dana", "gate v2.3")
    names = ["Market Opportunity", "Use Case Definition", "Functional and Usability Reqs", "Engineering Development Timeline",
             "Functional Completeness", "Release Readiness", "6 Month Assessment"]
    assert listed(text) == names
    assert "Market Opportunity — pending, due 2026-12-07" in text  # 84 days before 2027-03-01
    assert "Release Readiness — pending, due 2027-02-22" in text
    assert "6 Month Assessment — pending, due 2027-08-30" in text  # 182 days after


async def test_a_near_target_squeezes_the_gates_so_none_is_born_overdue(chat: Chat) -> None:
    await chat.ok("alex", "release new v2.3 2026-12-07")  # two weeks from Monday 2026-11-23
    text = await chat.ok("alex", "gate v2.3")
    assert "due 2026-11-24 (tomorrow)" in text  # the first gate: 13 days of room, scaled from 84
    assert "days ago" not in text and "(today)" not in text
    assert "At risk" not in text


async def test_only_an_approver_or_a_lead_decides_and_a_decline_needs_a_reason(chat: Chat) -> None:
    await team(chat)
    await chat.ok("alex", "release new v2.3 2027-03-01")
    assert "Only an approver (PM), a lead or an admin can decide Use Case Definition" in await chat.fails("lee", "gate approve v2.3 2")
    assert "Say why Market Opportunity is declined" in await chat.fails("dana", "gate decline v2.3 1")
    assert "Which gate?" in await chat.fails("dana", "gate approve v2.3 9")
    assert "Which gate?" in await chat.fails("dana", "gate approve v2.3 Nonexistent gate")
    assert "no release" in (await chat.fails("dana", "gate v9")).lower()
    text = await chat.ok("dana", 'gate approve v2.3 "Use Case Definition" looks good')
    assert "✓ 2. Use Case Definition — approved by dana: looks good" in text
    assert "already approved" in await chat.fails("sam", "gate approve v2.3 use case definition")
    assert "waived by alex" in await chat.ok("alex", "gate waive v2.3 Engineering Development Timeline")
    # Every decision is in the knowledge thread and told to the watchers (not to the one deciding).
    outcome = chat.outcomes[-1]
    assert {n.to.display_name for n in outcome.notices} == {"dana", "lee", "sam"}
    assert [line.entry.body for line in outcome.thread_lines] == ["alex waived the Engineering Development Timeline gate of v2.3"]
    assert "waived the Engineering Development Timeline gate" in await chat.ok("lee", "search waived")


async def test_watchers_default_by_role_and_each_person_can_opt_in_or_out(chat: Chat) -> None:
    await team(chat)
    await chat.ok("kim", "person me role other")  # not a watcher by role
    await chat.ok("alex", "release new v2.3 2027-03-01")
    await chat.ok("kim", "gate watch v2.3")
    assert "no longer be told" in await chat.ok("sam", "gate unwatch v2.3")
    await chat.ok("dana", "gate approve v2.3 1")
    assert {n.to.display_name for n in chat.outcomes[-1].notices} == {"alex", "lee", "kim"}
    assert "Name one release" in await chat.fails("kim", "gate watch")
    assert "no release" in (await chat.fails("kim", "gate watch v9")).lower()


async def test_the_gate_card_has_buttons_that_run_the_same_commands(chat: Chat) -> None:
    await team(chat)
    await chat.ok("alex", 'release new "Spring launch" 2027-03-01')
    await chat.ok("dana", 'gate approve "Spring launch" 1')
    await chat.ok("alex", 'gate v2 ' if False else 'gate "Spring launch"')
    pairs = buttons(chat.last)
    assert ("Decline", 'gate decline "Spring launch" 2') in pairs
    assert ("Approve", 'gate approve "Spring launch" 2') in pairs
    assert not any(value.endswith(" 1") and label == "Approve" for label, value in pairs)  # gate 1 is approved
    ids = [b.id for block in chat.last.blocks if isinstance(block, Actions) for b in block.buttons]
    assert len(ids) == len(set(ids))  # Slack wants unique action ids in a message
    decline = next(b for block in chat.last.blocks if isinstance(block, Actions) for b in block.buttons if b.label == "Decline")
    assert decline.id.startswith(ASK_PREFIX)
    approve = next(b for block in chat.last.blocks if isinstance(block, Actions) for b in block.buttons if b.label == "Approve")
    assert approve.id.startswith(RUN_PREFIX)
    assert "approved by dana" in await chat.ok("dana", approve.value)


async def test_a_decline_puts_the_release_at_risk_and_the_owner_accepts_the_slip_with_one_click(chat: Chat) -> None:
    await team(chat)
    await chat.ok("alex", "release new v2.3 2027-03-01")  # alex owns it
    text = await chat.ok("dana", "gate decline v2.3 1 the market is smaller than we thought")
    assert "At risk: Market Opportunity was declined: the market is smaller than we thought" in text
    owner_notice = next(n for n in chat.outcomes[-1].notices if n.to.display_name == "alex")
    assert owner_notice.reply is not None
    slip = [b for b in buttons(owner_notice.reply) if b[1].startswith("release slip ")]
    assert [(label, re.sub(r" S\d+$", "", value)) for label, value in slip] == [
        ("Move to 2027-03-15", "release slip accept v2.3"), ("Keep the date", "release slip reject v2.3")]
    assert "v2.3 — target 2027-03-01 (in 98 days) — at risk" in await chat.ok("lee", "release list")
    summary = await chat.ok("lee", "release show v2.3")
    assert "Release v2.3 — at risk" in summary
    assert "Blocking the launch: Market Opportunity was declined" in summary
    assert "Proposed new target: 2027-03-15" in summary
    assert "Only alex (the release owner), a lead or an admin can move or keep the target date of v2.3" in await chat.fails("lee", "release slip accept v2.3")
    text = await chat.ok("alex", "release slip accept v2.3")
    assert "moved the target of v2.3 from 2027-03-01 to 2027-03-15" in text
    assert "has no proposed new date" in await chat.fails("alex", "release slip accept v2.3")  # a double click
    gates = await chat.ok("alex", "gate v2.3")
    assert "Release Readiness — pending, due 2027-03-08" in gates  # pending gates moved by the same two weeks
    assert "target 2027-03-15" in await chat.ok("alex", "release list")


async def test_rejecting_a_slip_keeps_the_date_and_records_why(chat: Chat) -> None:
    await team(chat)
    await chat.ok("alex", "release new v2.3 2027-03-01")
    await chat.ok("dana", "gate decline v2.3 1 no budget")
    text = await chat.ok("alex", "release slip reject v2.3 we cut scope instead")
    assert "kept the target of v2.3 at 2027-03-01: we cut scope instead" in text
    assert "kept the target" in await chat.ok("dana", "what did we decide about target?")
    # Approving the declined gate afterwards clears the risk.
    await chat.ok("alex", "gate approve v2.3 1 re-scoped")
    assert "at risk" not in (await chat.ok("dana", "release show v2.3")).splitlines()[0]


async def test_the_workspace_edits_its_template_and_new_releases_use_it(chat: Chat) -> None:
    await team(chat)
    assert "Only a lead or an admin" in await chat.fails("dana", "gate template remove 1")
    await chat.ok("alex", 'gate template add "Security Review" 30 days before approvers lead, pm')
    await chat.ok("alex", "gate template rename 2 to Use cases")
    await chat.ok("alex", "gate template move 6 to 1")  # Functional Completeness first
    await chat.ok("alex", "gate template remove Release Readiness")
    assert "already has a gate called" in await chat.fails("alex", "gate template rename 1 to use cases")
    assert "no gate “Nope”" in await chat.fails("alex", "gate template remove Nope")
    assert "from 1 to 7" in await chat.fails("alex", "gate template move 1 to 99")
    text = await chat.ok("dana", "gate template")
    assert listed(text) == [
        "Functional Completeness", "Market Opportunity", "Use cases", "Functional and Usability Reqs",
        "Engineering Development Timeline", "Security Review", "6 Month Assessment"]
    assert "Security Review — 30 days before the target; approves: LEAD/PM" in text
    await chat.ok("alex", "release new v3 2027-06-01")
    gates = await chat.ok("dana", "gate v3")
    assert "1. Functional Completeness" in gates and "Security Review — pending, due 2027-04-30" in gates  # 30 days before is a Sunday: the Friday
    assert "Release Readiness" not in gates
    assert "standard one again" in await chat.ok("alex", "gate template reset")
    assert "7. 6 Month Assessment" in await chat.ok("dana", "gate template")


async def test_another_workspace_sees_none_of_these_gates(chat: Chat, core) -> None:
    await team(chat)
    await chat.ok("alex", "release new v2.3 2027-03-01")
    await chat.ok("alex", "gate template remove 1")
    other = Chat(core, chat.workspace_id + "-b")
    assert "no release" in (await other.fails("alex", "gate v2.3")).lower()
    assert "1. Market Opportunity" in await other.ok("alex", "gate template")


async def test_readiness_summary_on_a_seeded_release(chat: Chat, clock) -> None:
    await team(chat)
    await chat.ok("alex", "release new v2.3 2027-03-01")
    await chat.ok("dana", "@lee requirement for v2.3: pricing tiers by fri")
    await chat.ok("dana", "@lee requirement for v2.3: persona doc")
    await chat.ok("lee", "@dana messaging for v2.3: claims to verify")
    await chat.ok("dana", "gate approve v2.3 1")
    await chat.ok("alex", "gate waive v2.3 2")
    await chat.ok("alex", "owner set competitive messaging @lee for v2.3")
    await chat.ok("dana", "owner claim competitive messaging for v2.3")  # two drivers: disputed
    clock.advance(days=7)  # the Friday handoff is now overdue
    text = await chat.ok("alex", "release show v2.3")
    assert "Open: 2 (1 messaging, 1 requirement)" in text  # and the overdue one
    assert "Overdue: 1 (1 requirement)" in text
    assert "Gates: 2 passed, 5 pending, 0 declined" in text
    assert "Grey areas: 14 unowned, 1 disputed" in text
    assert "Blocking the launch: #1 pricing tiers is overdue" in text


async def test_a_handoff_dispute_goes_to_the_leads_with_both_sides_and_is_decided(chat: Chat) -> None:
    await team(chat)
    await chat.ok("alex", "release new v2.3 2027-03-01")
    await chat.ok("dana", "@lee requirement for v2.3: battlecard refresh")
    assert "Only dana (the requester) or lee (the owner) can dispute #1" in await chat.fails("sam", "dispute 1 not theirs")
    text = await chat.ok("lee", "dispute 1 this is positioning work, not a requirement")
    assert "Dispute D" in text and "a lead decides it" in text
    to_lead = next(n for n in chat.outcomes[-1].notices if n.to.display_name == "alex")
    assert to_lead.reply is not None and "lee: this is positioning work" in plain_text(to_lead.reply)
    assert any(n.to.display_name == "dana" for n in chat.outcomes[-1].notices)  # asked for her side
    dispute_id = int(text.split("Dispute D")[1].split(" ")[0])
    await chat.ok("dana", "dispute 1 sales asked for it as a requirement")
    listed = await chat.ok("alex", "disputes")
    assert "lee: this is positioning work" in listed and "dana: sales asked for it" in listed
    card = chat.outcomes[-1].reply
    assert ("#1 goes back to dana", f"dispute resolve {dispute_id} 2") in buttons(card)
    assert "Only a lead or an admin can decide a dispute" in await chat.fails("lee", f"dispute resolve {dispute_id} 2")
    assert "from 1 to 3" in await chat.fails("alex", f"dispute resolve {dispute_id} 7")
    text = await chat.ok("alex", f"dispute resolve {dispute_id} 2 PM keeps battlecards this quarter")
    assert "#1 goes back to dana (PM keeps battlecards this quarter)" in text
    assert "— dana" in (await chat.ok("dana", "show 1")).split("History")[0] or "dana" in await chat.ok("dana", "list owed")
    assert "was decided already" in await chat.fails("alex", f"dispute resolve {dispute_id} 1")
    assert "No open disputes" in await chat.ok("alex", "disputes")
    assert "decided the dispute on #1" in await chat.ok("dana", "what did we decide about battlecard?")


async def test_an_area_dispute_gives_the_area_a_driver(chat: Chat) -> None:
    await team(chat)
    await chat.ok("alex", "release new v2.3 2027-03-01")
    await chat.ok("alex", "owner set competitive messaging @dana for v2.3")
    text = await chat.ok("lee", "dispute battlecards for v2.3: competitive messaging is outbound, PMM should drive")
    dispute_id = int(text.split("Dispute D")[1].split(" ")[0])
    assert ("lee drives competitive messaging for v2.3", f"dispute resolve {dispute_id} 1") in buttons(chat.last)
    assert ("dana drives competitive messaging for v2.3", f"dispute resolve {dispute_id} 2") in buttons(chat.last)
    assert "already" in await chat.fails("lee", "dispute battlecards for v2.3: again")
    assert "1 disputed" in await chat.ok("alex", "release show v2.3")
    await chat.ok("alex", f"dispute resolve {dispute_id} 1")
    assert "Driver for v2.3: lee" in await chat.ok("dana", "who owns competitive messaging for v2.3?")
    assert "I don't know a grey area" in await chat.fails("lee", "dispute zebra stripes: why")
