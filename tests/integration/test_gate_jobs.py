"""The scheduler and launch gates: a due gate reminds each approver once, in their reminder DM; an
overdue one proposes a slip that grows with its lateness, told once to the release's owner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from bot import codec
from bot.reminders.jobs import Jobs
from bot.reply import Actions, plain_text
from storage.models import NudgeRow
from tests.integration.test_jobs import OneWorkspace, deliveries
from tests.support import Chat


async def seeded(chat: Chat) -> None:
    for who, role in (("alex", "lead"), ("dana", "pm"), ("sam", "pm"), ("lee", "pmm")):
        await chat.ok(who, f"person me role {role}")
    await chat.ok("alex", "release new v2.3 2027-03-01")  # Market Opportunity due 2026-12-07 (a Monday)


async def nudged(core, workspace_id: str, prefix: str) -> list[tuple[str, str]]:
    """(nudge key, the delivery that carried it) for the recorded nudges whose key starts so."""
    async with core.uow_factory(workspace_id) as uow:
        stmt = select(NudgeRow.key, NudgeRow.delivery_key).where(NudgeRow.workspace_id == workspace_id,
                                                                 NudgeRow.key.like(f"{prefix}%"))
        return sorted((await uow.session.execute(stmt)).all())


async def carrying(core, workspace_id: str, prefix: str) -> list:
    """The deliveries that carried those nudges."""
    keys = {d for _, d in await nudged(core, workspace_id, prefix)}
    return [d for d in await deliveries(core, workspace_id, "nudges:") if d.key in keys]


async def test_a_gate_due_today_reminds_each_approver_once_with_buttons(chat, core, workspace_id, clock) -> None:
    await seeded(chat)
    jobs = Jobs(core.uow_factory, OneWorkspace(workspace_id), clock)
    clock.now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # before working hours: nothing yet
    await jobs.nudges()
    assert await nudged(core, workspace_id, "gate:") == []
    clock.now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    await asyncio.gather(jobs.nudges(), jobs.nudges(), jobs.nudges())  # three workers at once
    await jobs.nudges()
    sent = await carrying(core, workspace_id, "gate:")
    # Market Opportunity is approved by PMs or leads: dana, sam and alex; lee (PMM) is not asked.
    assert sorted(d.target for d in sent) == ["dm:alex", "dm:dana", "dm:sam"]
    assert len(await nudged(core, workspace_id, "gate:")) == 3
    reply = codec.loads(sent[0].payload)
    assert "Launch gates waiting for your decision" in plain_text(reply)
    assert "Market Opportunity (v2.3): due today" in plain_text(reply)
    values = [b.value for block in reply.blocks if isinstance(block, Actions) for b in block.buttons]
    assert values[:3] == ["gate approve v2.3 1", "gate decline v2.3 1", "gate waive v2.3 1"]


async def test_an_overdue_gate_proposes_one_slip_to_the_owner_and_accepting_moves_the_gates(chat, core, workspace_id, clock) -> None:
    await seeded(chat)
    jobs = Jobs(core.uow_factory, OneWorkspace(workspace_id), clock)
    clock.now = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # two days late
    report = await jobs.nudges(dry_run=True)
    assert any("is late: would propose 2027-03-08" in line for line in report.lines), report.lines
    assert await nudged(core, workspace_id, "slip:") == []  # a dry run writes nothing
    await asyncio.gather(jobs.nudges(), jobs.nudges())
    clock.now = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    await jobs.nudges()
    slips = await carrying(core, workspace_id, "slip:")
    assert [d.target for d in slips] == ["dm:alex"]
    text = plain_text(codec.loads(slips[0].payload))
    assert "Market Opportunity is past its date (2026-12-07) and not decided, 1 week now" in text
    assert "Move to 2027-03-08" in text  # two days late: one week
    summary = await chat.ok("lee", "release show v2.3")
    assert "Release v2.3 — at risk" in summary and "Proposed new target: 2027-03-08" in summary
    await chat.ok("alex", "release slip accept v2.3")
    gates = await chat.ok("alex", "gate v2.3")
    assert "Market Opportunity — pending, due 2026-12-14" in gates  # moved a week with the target
    clock.now = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
    await jobs.nudges()
    assert len([k for k, _ in await nudged(core, workspace_id, "gate:") if k.endswith(":2026-12-14")]) == 3


async def test_a_gate_late_for_weeks_proposes_a_date_as_late_as_it_is(chat, core, workspace_id, clock) -> None:
    """Issue 14, finding 4: every slip proposal was +1 week, even for a gate 41 days late."""
    await seeded(chat)
    jobs = Jobs(core.uow_factory, OneWorkspace(workspace_id), clock)
    for day in (8, 15, 22, 29):  # Tuesdays: 1, 8, 15 and 22 days late
        clock.now = datetime(2026, 12, day, 10, 0, tzinfo=UTC)
        await jobs.nudges()
    async with core.uow_factory(workspace_id) as uow:
        slips = [s for s in await uow.gates.open_slips()]
    [open_one] = slips
    assert open_one.proposed_target == datetime(2027, 3, 29).date()  # 22 days late: the target + 4 weeks
    assert "Market Opportunity" in open_one.reason  # the latest gate decides, not the one that fell late last
    texts = [plain_text(codec.loads(d.payload)) for d in await carrying(core, workspace_id, "slip:")]
    assert [t for t in texts if "Move to" in t] and len(texts) == 4  # each new proposal told once, superseding the last


async def test_a_decided_gate_withdraws_its_slip_and_an_old_button_cannot_take_a_newer_date(chat, core, workspace_id,
                                                                                          clock) -> None:
    await seeded(chat)
    jobs = Jobs(core.uow_factory, OneWorkspace(workspace_id), clock)
    clock.now = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # a day late: +1 week proposed
    await jobs.nudges()
    async with core.uow_factory(workspace_id) as uow:
        [first] = await uow.gates.open_slips()
    clock.now = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)  # a week on: +2 weeks supersedes it
    await jobs.nudges()
    stale = await chat.fails("alex", f"release slip accept v2.3 S{first.id}")  # last week's button
    assert "replaced by a newer one: move v2.3 to 2027-03-15" in stale
    assert "2027-03-01" in await chat.ok("lee", "release show v2.3")  # nothing moved
    await chat.ok("alex", "gate approve v2.3 1 sized after all")
    assert "Proposed new target" not in await chat.ok("lee", "release show v2.3")
    assert "no proposed new date" in await chat.fails("alex", "release slip accept v2.3")
