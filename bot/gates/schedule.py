"""The scheduler's part in launch gates: what the nudge policy needs to remind approvers, and
proposing a slip when a gate is late.

Runs inside the nudge pass (same transaction, same workspace job lock). Reminders themselves are
the policy's (:mod:`bot.reminders.policy`): each approver in their own zone and hours, batched with
their other reminders under the daily limit. Here a gate past its date gets a proposed new target
that grows with its lateness, a week at a time (``overdue:{gate}:{due}:{weeks}``, so any number of
passes or workers propose each once, and a gate whose due date moves starts again); a new proposal
supersedes the open one, and the release thread hears of it.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from bot.dates import local_today
from bot.domain import CLOSED_RELEASES, Gate, Person, Release, Slip
from bot.gates.decisions import approvers_of, propose_slip, slip_owner, slip_sentence
from bot.ports import UnitOfWork
from bot.records import DeliveryKind, GateDue, NewDelivery, SlipDue, Target
from bot.reply import ReplyBuilder, Strong
from bot.working_time import WorkingHours

REMIND_AHEAD = timedelta(days=10)  # a gate after a long weekend or holidays is reminded that far ahead
OVERDUE_KEY = "overdue:"  # slips the scheduler proposed (a decline's slip is told by the command)


async def gate_state(uow: UnitOfWork, now: datetime, timezone: str, people: list[Person],
                     releases: dict[int, Release]) -> tuple[list[GateDue], list[SlipDue]]:
    """Undecided gates due soon or late, with their approvers; and the scheduler's open proposals,
    with who answers each. Read only: what the policy needs (and `nudges` shows)."""
    pending = await uow.gates.pending_due_by(local_today(now, timezone) + REMIND_AHEAD)
    gates = [GateDue(g, releases[g.release_id], tuple(approvers_of(people, g))) for g in pending]
    return gates, await _slips_to_tell(uow, people, releases)


async def propose_late_slips(uow: UnitOfWork, now: datetime, timezone: str, hours: WorkingHours,
                             dry_run: bool = False) -> tuple[list[NewDelivery], list[str]]:
    """A new target for each release whose gate is late, as late as the gate is; the release
    thread's posts of the new proposals, and a line for the operator's report about each. Only in
    the workspace's working hours: the release thread hears of it then, not at midnight."""
    if not hours.is_open(now, timezone):
        return [], []
    today = local_today(now, timezone)
    latest: dict[int, Gate] = {}  # per release, the gate that is latest: the release slips by that much
    for gate in await uow.gates.pending_due_by(today - timedelta(days=1)):
        latest.setdefault(gate.release_id, gate)  # ordered by due date: the first is the latest
    proposed = await uow.gates.slip_keys([_key(g, today) for g in latest.values()])
    latest = {rid: g for rid, g in latest.items() if _key(g, today) not in proposed}  # each cause once, cheaply
    releases = await uow.releases.get_many(list(latest))
    posts, lines = [], []
    for gate in latest.values():
        release = releases[gate.release_id]
        if release.status in CLOSED_RELEASES:
            continue  # shipped or closed: no new target date to propose
        if dry_run:
            if release.target_date:
                lines.append(f"gate {gate.name} of {release.name} is late: would propose "
                             f"{overdue_slip_target(release.target_date, gate.due_date or today, today, hours)}")
            continue
        slip, post = await _propose(uow, release, gate, now, today, hours)
        if slip:
            lines.append(f"gate {gate.name} of {release.name} is late: proposed {slip.proposed_target or 'a new date'}")
        posts += post
    return posts, lines


def _key(gate: Gate, today: date) -> str:
    assert gate.due_date is not None
    return f"{OVERDUE_KEY}{gate.id}:{gate.due_date}:{late_weeks(gate.due_date, today)}"


def overdue_slip_target(target: date, due: date, today: date, hours: WorkingHours) -> date:
    """The target moved by how late the gate is, in whole weeks, at least one; on a working day."""
    return hours.working_day_on_or_after(target + timedelta(weeks=late_weeks(due, today)))


def late_weeks(due: date, today: date) -> int:
    return max(1, math.ceil((today - due).days / 7))


async def _propose(uow: UnitOfWork, release: Release, gate: Gate, now: datetime, today: date,
                   hours: WorkingHours) -> tuple[Slip | None, list[NewDelivery]]:
    assert gate.due_date is not None
    weeks = late_weeks(gate.due_date, today)
    proposed = overdue_slip_target(release.target_date, gate.due_date, today, hours) if release.target_date else None
    late = f"{weeks} week{'s' if weeks != 1 else ''}"
    slip = await propose_slip(uow, release, gate, _key(gate, today),
                              f"{gate.name} is past its date ({gate.due_date}) and not decided, {late} now", proposed, now)
    if slip is None or not (release.channel_ref and release.thread_ref):
        return slip, []
    line = ReplyBuilder(ephemeral=False).para(Strong("At risk: "), slip_sentence(release, slip)).build()
    return slip, [NewDelivery(f"slip-thread:{slip.id}", DeliveryKind.THREAD,
                              str(Target("thread", release.channel_ref, release.thread_ref)), line)]


async def _slips_to_tell(uow: UnitOfWork, people: list[Person], releases: dict[int, Release]) -> list[SlipDue]:
    """Open proposals the scheduler made, each with who answers it (the release owner, or a lead)."""
    slips = [s for s in await uow.gates.open_slips() if s.key.startswith(OVERDUE_KEY)]
    due = []
    for slip in slips:
        owner = await slip_owner(uow, releases[slip.release_id], people)
        if owner:
            due.append(SlipDue(slip, releases[slip.release_id], owner))
    return due
