"""Launch plans on SQLite and PostgreSQL: tiers laid out from the registry, re-tiering that keeps
started work, areas skipped, handoffs routed to drivers, the release statement, and the release's
own lifecycle (retarget, ship, close)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.chat.core import Core
from bot.domain import Handoff, Release, Status
from bot.releases.plan import STANDARD_PLAN, items_for
from bot.reminders.jobs import load_nudge_state
from bot.reminders.policy import Nudge, plan
from bot.reply import plain_text
from tests.support import Chat, FakeClock

TIER_1 = [i.name for i in items_for(STANDARD_PLAN, 1)]
TIER_2 = [i.name for i in items_for(STANDARD_PLAN, 2)]


async def team(chat: Chat) -> None:
    """alex leads; dana (PM) owns v2.3; lee (PMM) drives messaging, the battlecard and the launch,
    with sam (PM) owing win/loss notes; kim drives release notes for v2.3 only."""
    await chat.ok("alex", "person me role lead")
    for who, role in (("dana", "pm"), ("lee", "pmm"), ("sam", "pm"), ("kim", "pmm")):
        await chat.ok(who, f"person me role {role}")
    await chat.ok("dana", "release new v2.3 2027-03-01")
    for line in ("owner set competitive messaging @lee", "owner add competitive messaging @sam owes win/loss notes from the field",
                 "owner set messaging @lee", "owner set launch @lee", "owner set release notes @kim for v2.3"):
        await chat.ok("alex", line)


async def release(core: Core, chat: Chat, name: str) -> Release:
    async with core.uow_factory(chat.workspace_id) as uow:
        found = await uow.releases.by_name(name)
    assert found is not None
    return found


async def plan_of(core: Core, chat: Chat, name: str) -> list[Handoff]:
    r = await release(core, chat, name)
    async with core.uow_factory(chat.workspace_id) as uow:
        return await uow.handoffs.of_plan(r.id)


def items(handoffs: list[Handoff], *, live: bool = True) -> dict[str, Handoff]:
    return {h.title: h for h in handoffs if h.plan_key and h.plan_key.startswith("item:")
            and (not live or h.status is not Status.CANCELLED)}


async def person_id(core: Core, chat: Chat, who: str) -> int:
    async with core.uow_factory(chat.workspace_id) as uow:
        found = await uow.people.by_platform_id(who)
    assert found is not None
    return found.id


async def nudges(core: Core, chat: Chat, clock: FakeClock) -> list[Nudge]:
    async with core.uow_factory(chat.workspace_id) as uow:
        state = await load_nudge_state(uow, clock.now, "UTC")
    out = plan(state)
    return out.nudges + [d.nudge for d in out.deferred]


async def test_a_tier_1_plan_is_owned_per_the_registry_with_linked_inputs(chat: Chat, core: Core) -> None:
    await team(chat)
    text = await chat.ok("dana", "release tier v2.3 1")
    assert "Tier 1" in text and "Needs a driver" in text
    handoffs = await plan_of(core, chat, "v2.3")
    made = items(handoffs)
    assert sorted(made) == sorted(TIER_1)
    lee, sam, kim, dana = [await person_id(core, chat, w) for w in ("lee", "sam", "kim", "dana")]
    battlecard = made["Competitive battlecard"]
    assert battlecard.owner_id == lee and made["Positioning and messaging"].owner_id == lee
    assert made["Release notes"].owner_id == kim  # the release's own driver beats the workspace's (none here)
    assert made["Sales enablement kit"].owner_id is None  # nobody drives it: listed as needing a driver
    async with core.uow_factory(chat.workspace_id) as uow:
        needs = await uow.handoffs.needs([battlecard.id])
        sales_needs = await uow.handoffs.needs([made["Sales enablement kit"].id])
    [given] = needs[battlecard.id]
    assert given.title == "win/loss notes from the field for Competitive battlecard"  # what the registry says sam owes
    assert given.owner_id == sam and given.requester_id == lee and given.kind.value == "requirement"
    assert given.due_date is not None and battlecard.due_date is not None and given.due_date < battlecard.due_date
    # With no supporter, the release owner owes the template's input to the (missing) driver.
    [sales_input] = sales_needs[made["Sales enablement kit"].id]
    assert sales_input.owner_id == dana and sales_input.title.startswith("demo script and known limitations")
    # Each new owner is told once, with everything the plan gives them.
    notices = [n for n in chat.outcomes[-1].notices if n.to.platform_user_id == "lee"]
    assert len(notices) == 1 and "Competitive battlecard" in notices[0].text and "Positioning and messaging" in notices[0].text
    # The thread has the decision, `show` the link both ways, and the release card the plan by state.
    assert "laid out the Tier 1 launch plan of v2.3" in await chat.ok("dana", "release show v2.3")
    assert "Plan" in plain_text(chat.last) and "Waits on" in await chat.ok("lee", f"show {battlecard.number}")
    assert "Needed by" in await chat.ok("sam", f"show {given.number}")
    # Laying out again adds nothing.
    await chat.ok("dana", "release tier v2.3 1")
    assert len([h for h in await plan_of(core, chat, "v2.3") if h.status is not Status.CANCELLED]) == len(
        [h for h in handoffs if h.status is not Status.CANCELLED])


async def test_a_tier_3_release_gets_release_notes_only_and_needs_no_other_driver(chat: Chat, core: Core) -> None:
    await team(chat)
    text = await chat.ok("dana", "release new v2.4 2027-01-15 tier 3")
    assert "Release notes" in text and "Competitive battlecard" not in text
    assert sorted(items(await plan_of(core, chat, "v2.4"))) == ["Release notes"]
    summary = await chat.ok("dana", "release show v2.4")
    assert "analyst and press relations" not in summary  # not in a Tier 3 launch: not "without a driver"
    assert "release notes" in summary  # kim drives it for v2.3 only, so v2.4 has nobody


async def test_re_tiering_adds_and_cancels_items_but_keeps_started_work(chat: Chat, core: Core) -> None:
    await team(chat)
    await chat.ok("dana", "release tier v2.3 1")
    first = items(await plan_of(core, chat, "v2.3"))
    await chat.ok("lee", f"ack {first['Competitive battlecard'].number}")
    text = await chat.ok("dana", "release tier v2.3 3")
    assert "kept because they are under way" in text
    after = items(await plan_of(core, chat, "v2.3"))
    assert sorted(after) == ["Competitive battlecard", "Release notes"]  # started work survives
    assert after["Release notes"].id == first["Release notes"].id  # in both tiers: untouched
    everything = await plan_of(core, chat, "v2.3")
    cancelled = {h.title for h in everything if h.status is Status.CANCELLED}
    assert "Analyst and press briefing" in cancelled
    assert any(t.startswith("briefing facts and customer references") for t in cancelled)  # its input went with it
    await chat.ok("dana", "release tier v2.3 2")
    again = items(await plan_of(core, chat, "v2.3"))
    assert sorted(again) == sorted(TIER_2)
    assert again["Competitive battlecard"].id == first["Competitive battlecard"].id  # not duplicated
    assert "Only dana (the release owner), a lead or an admin can change the launch plan of v2.3." in await chat.fails(
        "sam", "release tier v2.3 1")


async def test_skipping_an_area_takes_it_out_of_readiness_nudges_and_the_plan(chat: Chat, core: Core, clock: FakeClock) -> None:
    await team(chat)
    target = (clock.now + timedelta(days=10)).date()
    await chat.ok("dana", f"release new v2.5 {target.isoformat()} tier 1")
    before = await nudges(core, chat, clock)
    gaps = [area.name for n in before if n.rule.value == "areas" for area, _ in n.areas]
    assert "analyst and press relations" in gaps
    text = await chat.ok("dana", "release skip v2.5 press relations: no press for this one")
    assert "does not apply to v2.5" in text and "Cancelled its untouched plan items" in text
    assert "Analyst and press briefing" not in items(await plan_of(core, chat, "v2.5"))
    after = await nudges(core, chat, clock)
    assert "analyst and press relations" not in [area.name for n in after if n.rule.value == "areas" for area, _ in n.areas]
    summary = await chat.ok("dana", "release show v2.5")
    assert "Not applicable" in summary and "marked analyst and press relations not applicable to v2.5" in summary
    assert "already marked" in await chat.ok("dana", "release skip v2.5 analyst and press relations")
    text = await chat.ok("dana", "release unskip v2.5 analyst and press relations")
    assert "part of v2.5 again" in text and "Analyst and press briefing" in items(await plan_of(core, chat, "v2.5"))


async def test_a_handoff_with_an_area_and_no_owner_goes_to_the_areas_driver(chat: Chat, core: Core) -> None:
    await team(chat)
    text = await chat.ok("sam", "requirement for v2.3 about competitive messaging: refresh the battlecard")
    assert "to lee" in text and "lee drives competitive messaging, so it went to them" in text
    assert any(n.to.platform_user_id == "lee" for n in chat.outcomes[-1].notices)
    text = await chat.ok("sam", "requirement for v2.3 about release notes: list the fixes")
    assert "to kim" in text and "for v2.3" in text  # the release's own driver
    text = await chat.ok("sam", "requirement for v2.3 about pricing communication: new price page")
    assert "with no owner yet" in text and "a PMM usually does" in text and "owner claim pricing communication" in text


async def test_a_pm_driving_a_customer_facing_area_is_allowed_with_a_word_of_practice(chat: Chat) -> None:
    await team(chat)
    text = await chat.ok("sam", "owner claim web content")
    assert "sam now drives web content" in text and "Practice suggests a PMM drives customer- and market-facing work" in text
    assert "Practice suggests" not in await chat.ok("kim", "owner claim sales enablement")


async def test_the_statement_round_trip_brief_confirm_change_reconfirm(chat: Chat, core: Core, clock: FakeClock) -> None:
    await team(chat)
    await chat.ok("dana", "release tier v2.3 2")  # lee drives areas of its plan: he may write it too
    await chat.ok("dana", "release brief v2.3 Admins can audit every SSO login; compliance reviews take minutes, not days")
    [ask] = [n for n in chat.outcomes[-1].notices if n.to.platform_user_id == "lee"]
    assert ask.reply is not None and ("Confirm", "release confirm v2.3") in [(b.label, b.value) for b in ask.reply.buttons]
    assert "Only lee (the release's launch driver), a lead or an admin can confirm what v2.3 does." in await chat.fails(
        "sam", "release confirm v2.3")
    assert "Confirmed" in await chat.ok("lee", "release confirm v2.3")
    assert any(n.to.platform_user_id == "dana" for n in chat.outcomes[-1].notices)
    assert "confirmed by lee" in await chat.ok("sam", "release show v2.3")
    # A change clears the confirmation and tells the other side what it said before.
    await chat.ok("dana", "release brief v2.3 Admins can audit every SSO and SCIM event")
    [ask] = [n for n in chat.outcomes[-1].notices if n.to.platform_user_id == "lee"]
    assert ask.reply is not None and "It said:" in plain_text(ask.reply) and "every SSO login" in plain_text(ask.reply)
    assert "not confirmed yet" in await chat.ok("sam", "release show v2.3")
    # Within 14 days of Release Readiness (due 2027-02-22) an unconfirmed statement blocks the launch.
    clock.now = clock.now.replace(year=2027, month=2, day=9)
    for gate in range(1, 6):  # the gates before it are decided: only the statement stands in the way
        await chat.ok("alex", f"gate waive v2.3 {gate}")
    assert "Blocking the launch: nobody has confirmed what v2.3 does" in await chat.ok("dana", "release show v2.3")
    await chat.ok("lee", "release confirm v2.3")
    assert "nobody has confirmed" not in await chat.ok("dana", "release show v2.3")
    assert "confirmed already" in await chat.fails("alex", "release confirm v2.3")
    # Nobody confirms their own statement.
    await chat.ok("lee", "release brief v2.3 Admins audit SSO and SCIM events in one place")
    assert "You wrote this statement, so the other side confirms it" in await chat.fails("lee", "release confirm v2.3")


async def test_the_release_lifecycle_retarget_rename_ship_close(chat: Chat, core: Core, clock: FakeClock) -> None:
    await team(chat)
    await chat.ok("dana", "release tier v2.3 1")
    before = items(await plan_of(core, chat, "v2.3"))
    text = await chat.ok("dana", "release target v2.3 2027-03-15")
    assert "moved the target of v2.3 from 2027-03-01 to 2027-03-15" in text
    lee_told = [n for n in chat.outcomes[-1].notices if n.to.platform_user_id == "lee"]
    after = items(await plan_of(core, chat, "v2.3"))
    old, new = before["Competitive battlecard"].due_date, after["Competitive battlecard"].due_date
    assert old is not None and new is not None and 10 <= (new - old).days <= 14  # on a working day on or before
    assert "Release Readiness — pending, due 2027-03-08" in await chat.ok("dana", "gate v2.3")
    assert len(lee_told) == 1 and "Competitive battlecard is now due" in lee_told[0].text  # everything, once
    assert "Only dana (the release owner), a lead or an admin can rename, retarget, ship or close v2.3." in await chat.fails(
        "sam", "release ship v2.3")
    assert "renamed v2.3 to v2.3.0" in await chat.ok("dana", "release rename v2.3 v2.3.0")
    # Shipped: the plan's reminders stop, the 6 Month Assessment stays.
    clock.now = clock.now.replace(year=2027, month=3, day=10)
    assert any(n.handoff is not None and n.handoff.plan_key for n in await nudges(core, chat, clock))
    assert "Pre-launch reminders stop" in await chat.ok("dana", "release ship v2.3.0")
    assert not any(n.handoff is not None and n.handoff.plan_key for n in await nudges(core, chat, clock))
    assert "6 Month Assessment — pending" in await chat.ok("dana", "gate v2.3.0")
    shown = await chat.ok("dana", "release show v2.3.0")  # its pre-launch gates were never decided
    assert "Shipped." in shown and "at risk" not in shown and "Blocking the launch" not in shown
    assert "at risk" not in await chat.ok("dana", "release list")
    # Closed: out of the nudges altogether, still searchable and exportable.
    await chat.ok("alex", "release close v2.3.0")
    assert not [n for n in await nudges(core, chat, clock) if n.release and n.release.name == "v2.3.0"]
    assert "closed" in await chat.ok("sam", "release list")
    assert "shipped v2.3.0" in await chat.ok("sam", "search shipped")
    assert "Launch brief for v2.3.0" in await chat.ok("sam", "release export v2.3.0")
    assert "closed already" in await chat.fails("dana", "release ship v2.3.0")


async def test_inputs_are_nudged_like_any_handoff_and_their_owner_is_told_when_all_is_in(
        chat: Chat, core: Core, clock: FakeClock) -> None:
    await team(chat)
    await chat.ok("dana", "release tier v2.3 1")
    battlecard = items(await plan_of(core, chat, "v2.3"))["Competitive battlecard"]
    async with core.uow_factory(chat.workspace_id) as uow:
        [given] = (await uow.handoffs.needs([battlecard.id]))[battlecard.id]
    assert given.due_date is not None
    due = given.due_date
    clock.now = clock.now.replace(year=due.year, month=due.month, day=due.day) + timedelta(days=1)
    while clock.now.weekday() >= 5:
        clock.now += timedelta(days=1)
    mine = [n for n in await nudges(core, chat, clock) if n.handoff is not None and n.handoff.id == given.id]
    assert mine and mine[0].person.platform_user_id == "sam" and mine[0].rule.value == "overdue"
    await chat.ok("sam", f"done {given.number}")
    told = [n for n in chat.outcomes[-1].notices if n.to.platform_user_id == "lee"]
    assert any(f"everything {battlecard.ref} Competitive battlecard waits on is in" in n.text for n in told)


async def test_leads_edit_the_plan_template_and_new_plans_use_it(chat: Chat, core: Core) -> None:
    await team(chat)
    assert "Only a lead or an admin can change the launch-plan template." in await chat.fails(
        "dana", 'plan template add "Webinar" area launch tier 1 10 days before needs demo environment')
    text = await chat.ok("alex", 'plan template add "Webinar" area launch tier 1 10 days before needs demo environment')
    assert "Added Webinar (launch, tier 1, 10 days before the target; needs demo environment)" in text
    assert "already has an item called" in await chat.fails("alex", 'plan template add Webinar area launch tier 1 1 days before')
    assert "don't know a grey area" in await chat.fails("alex", 'plan template add Podcast area podcasts tier 1 3 days before')
    await chat.ok("dana", "release new v3 2027-05-03 tier 1")
    made = items(await plan_of(core, chat, "v3"))
    assert made["Webinar"].owner_id == await person_id(core, chat, "lee") and made["Webinar"].due_date == date(2027, 4, 23)
    assert "Removed Webinar" in await chat.ok("alex", "plan template remove Webinar")
    assert "no item “Podcast”" in await chat.fails("alex", "plan template remove Podcast")
    await chat.ok("alex", "plan template reset")
    assert "(the standard one)" in await chat.ok("sam", "plan template")
    assert "Webinar" in items(await plan_of(core, chat, "v3"))  # an existing plan keeps its items


async def test_laying_out_again_respects_what_people_cancelled_and_keeps_inputs_linked(chat: Chat, core: Core) -> None:
    await team(chat)
    await chat.ok("dana", "release tier v2.3 2")
    first = items(await plan_of(core, chat, "v2.3"))
    await chat.ok("dana", f"cancel {first['Web and landing page content'].number} we have no web page")
    await chat.ok("dana", "release tier v2.3 2")
    assert "Web and landing page content" not in items(await plan_of(core, chat, "v2.3"))  # not laid out again
    battlecard = first["Competitive battlecard"]
    async with core.uow_factory(chat.workspace_id) as uow:
        [given] = (await uow.handoffs.needs([battlecard.id]))[battlecard.id]
    await chat.ok("sam", f"ack {given.number}")  # the input is under way; the item is not
    await chat.ok("dana", "release tier v2.3 3")
    await chat.ok("dana", "release tier v2.3 2")
    again = items(await plan_of(core, chat, "v2.3"))["Competitive battlecard"]
    assert again.id != battlecard.id
    async with core.uow_factory(chat.workspace_id) as uow:
        assert [h.id for h in (await uow.handoffs.needs([again.id]))[again.id]] == [given.id]  # the same input, linked
