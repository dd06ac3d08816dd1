"""The scheduler and launch gates: a due gate nudges its approvers once; an overdue one proposes a slip once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot import codec
from bot.jobs import Jobs
from bot.reply import Actions, plain_text
from tests.integration.test_jobs import OneWorkspace, deliveries
from tests.support import Chat


async def seeded(chat: Chat) -> None:
    for who, role in (("alex", "lead"), ("dana", "pm"), ("sam", "pm"), ("lee", "pmm")):
        await chat.ok(who, f"person me role {role}")
    await chat.ok("alex", "release new v2.3 2027-03-01")  # Market Opportunity due 2026-12-07 (a Monday)


async def test_a_gate_due_today_nudges_each_approver_once_with_buttons(chat, core, workspace_id, clock) -> None:
    await seeded(chat)
    jobs = Jobs(core.uow_factory, OneWorkspace(workspace_id), clock)
    clock.now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # before working hours: nothing yet
    await jobs.nudges()
    assert await deliveries(core, workspace_id, "gate:") == []
    clock.now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    await asyncio.gather(jobs.nudges(), jobs.nudges(), jobs.nudges())  # three workers at once
    await jobs.nudges()
    sent = await deliveries(core, workspace_id, "gate:")
    # Market Opportunity is approved by PMs or leads: dana, sam and alex; lee (PMM) is not asked.
    assert sorted(d.target for d in sent) == ["dm:alex", "dm:dana", "dm:sam"]
    reply = codec.loads(sent[0].payload)
    assert "Gate due today: Market Opportunity (v2.3)" in plain_text(reply)
    values = [b.value for block in reply.blocks if isinstance(block, Actions) for b in block.buttons]
    assert values == ["gate approve v2.3 1", "gate decline v2.3 1", "gate waive v2.3 1"]


async def test_an_overdue_gate_proposes_one_slip_to_the_owner_and_accepting_moves_the_gates(chat, core, workspace_id, clock) -> None:
    await seeded(chat)
    jobs = Jobs(core.uow_factory, OneWorkspace(workspace_id), clock)
    clock.now = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # two days late
    report = await jobs.nudges(dry_run=True)
    assert any("slip proposed to alex" in line for line in report.lines)
    assert await deliveries(core, workspace_id, "slip:") == []  # a dry run writes nothing
    await asyncio.gather(jobs.nudges(), jobs.nudges())
    clock.now = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    await jobs.nudges()
    slips = await deliveries(core, workspace_id, "slip:")
    assert [d.target for d in slips] == ["dm:alex"]
    text = plain_text(codec.loads(slips[0].payload))
    assert "Market Opportunity is past its date (2026-12-07) and not decided" in text
    assert "Move to 2027-03-08" in text  # two days late: one week
    summary = await chat.ok("lee", "release show v2.3")
    assert "Release v2.3 — at risk" in summary and "Proposed new target: 2027-03-08" in summary
    await chat.ok("alex", "release slip accept v2.3")
    gates = await chat.ok("alex", "gate v2.3")
    assert "Market Opportunity — pending, due 2026-12-14" in gates  # moved a week with the target
    clock.now = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
    await jobs.nudges()
    assert len(await deliveries(core, workspace_id, "gate:")) == 3  # due again on the new date: its 3 approvers again
