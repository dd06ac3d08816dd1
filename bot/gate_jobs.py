"""The scheduler's part in launch gates: nudge approvers of a gate that is due, and when a gate
is past its date undecided, propose a slip to the release's owner and say so in the thread.

Runs inside the nudge pass (same transaction, same workspace job lock). Every message has a
key in the outbox and every proposal a key in ``slips``, so any number of passes or workers
produce each once; a gate whose due date moves (an accepted slip) is nudged again for the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot import gate_presenters
from bot.dates import local_today
from bot.domain import Gate, Release
from bot.gates import approvers, overdue_slip_target, propose_slip, quoted, slip_owner, slip_sentence
from bot.outbox import DeliveryKind, NewDelivery, Target
from bot.ports import UnitOfWork
from bot.reply import Actions, Reply, ReplyBuilder, Strong, command_button
from bot.working_time import WorkingHours


@dataclass(frozen=True)
class GateNudge:
    line: str  # for the operator's report
    delivery: NewDelivery | None = None


async def plan_gates(uow: UnitOfWork, now: datetime, timezone: str, hours: WorkingHours) -> list[GateNudge]:
    """What the gates call for now: nothing outside working hours in the workspace's zone."""
    if not hours.is_open(now, timezone):
        return []
    today = local_today(now, timezone)
    gates = await uow.gates.pending_due_by(today)
    releases = await uow.releases.get_many([g.release_id for g in gates])
    planned: list[GateNudge] = []
    for gate in gates:
        release = releases[gate.release_id]
        if gate.due_date == today:
            for person in await approvers(uow, release, gate):
                key = f"gate:{gate.id}:{gate.due_date}:{person.id}"
                planned.append(GateNudge(f"gate {gate.name} of {release.name} due: nudge {person.display_name}",
                                         NewDelivery(key, DeliveryKind.NUDGE, _dm(person.platform_user_id), due_card(release, gate))))
        else:
            planned += await _overdue(uow, release, gate, now, today)
    return planned


async def _overdue(uow: UnitOfWork, release: Release, gate: Gate, now: datetime, today: date) -> list[GateNudge]:
    assert gate.due_date is not None
    proposed = overdue_slip_target(release.target_date, gate.due_date, today) if release.target_date else None
    slip = await propose_slip(uow, release, gate, f"overdue:{gate.id}:{gate.due_date}",
                              f"{gate.name} is past its date ({gate.due_date}) and not decided", proposed, now)
    if slip is None:
        return []
    planned = []
    owner = await slip_owner(uow, release)
    if owner:
        card = gate_presenters.slip_card(release, slip)
        planned.append(GateNudge(f"gate {gate.name} of {release.name} overdue: slip proposed to {owner.display_name}",
                                 NewDelivery(f"slip:{slip.id}", DeliveryKind.NUDGE, _dm(owner.platform_user_id), card)))
    if release.channel_ref and release.thread_ref:
        line = ReplyBuilder(ephemeral=False).para(Strong("At risk: "), slip_sentence(release, slip)).build()
        planned.append(GateNudge(f"gate {gate.name} of {release.name} overdue: said in the release thread",
                                 NewDelivery(f"slip-thread:{slip.id}", DeliveryKind.THREAD,
                                             str(Target("thread", release.channel_ref, release.thread_ref)), line)))
    return planned


def due_card(release: Release, gate: Gate) -> Reply:
    out = ReplyBuilder(title=f"Gate due today: {gate.name} ({release.name})", ephemeral=False)
    out.para("You are an approver. Approve it, decline it with a reason, or waive it; a gate left undecided past "
             "today puts the release at risk.")
    ref, n = quoted(release.name), gate.position + 1
    out.blocks.append(Actions((command_button("Approve", f"gate approve {ref} {n}", "primary"),
                               command_button("Decline", f"gate decline {ref} {n}", "danger", needs_text=True),
                               command_button("Waive", f"gate waive {ref} {n}"))))
    return out.build()


def _dm(user_id: str) -> str:
    return str(Target("dm", user_id))
