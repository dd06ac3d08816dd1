"""Launch gates: gates for a new release, decisions on them, the template, and slipping a release.

Practitioners run launches through gates, each with people who decide and people who are
told: "miss a gate, slip a release". A new release gets its workspace's template of gates, due
before its target. An approver (by role) or a lead approves, declines with a reason, or waives;
every decision lands in the knowledge thread and is told to the watchers. A declined gate (and,
from the scheduler, an overdue one) marks the release at risk and proposes a new target date,
which the release's owner accepts or rejects with one click.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import commands as c
from bot import rights
from bot.context import Ctx, find_release
from bot.domain import (
    CLOSED_RELEASES,
    EntryKind,
    Gate,
    GateStatus,
    GateTemplateItem,
    Person,
    Release,
    Role,
    Slip,
    SlipStatus,
)
from bot.errors import InvalidInput, NotFound
from bot.gates.template import MAX_GATES, STANDARD, checked_name, find
from bot.ownership.release_rights import require_for_release
from bot.ports import UnitOfWork
from bot.rights import Party
from bot.working_time import WorkingHours, settings_from

_VERBS = {"approve": GateStatus.APPROVED, "decline": GateStatus.DECLINED, "waive": GateStatus.WAIVED}
_PAST = {GateStatus.APPROVED: "approved", GateStatus.DECLINED: "declined", GateStatus.WAIVED: "waived"}
MAX_NOTE = 1000
DECLINE_SLIP_DAYS = 14  # a declined gate costs two weeks unless the owner says otherwise
WATCHER_ROLES = (Role.PM, Role.PMM, Role.LEAD)


@dataclass
class GateReport:
    release: Release
    gates: list[Gate]
    people: dict[int, Person]
    slip: Slip | None = None


@dataclass
class GateDecision:
    report: GateReport
    gate: Gate
    sentence: str
    watchers: list[Person]
    slip_to: Person | None = None  # who must answer the slip this decision proposed


# --- gates of a release --------------------------------------------------------------------

async def template_of(uow: UnitOfWork) -> list[GateTemplateItem]:
    return await uow.gates.template() or list(STANDARD)


async def report(uow: UnitOfWork, release: Release) -> GateReport:
    gates = await uow.gates.for_release(release.id)
    people = await uow.people.get_many([g.decided_by for g in gates if g.decided_by])
    return GateReport(release, gates, people, await uow.gates.open_slip(release.id))


async def list_gates(cmd: c.ListGates, ctx: Ctx) -> GateReport:
    return await report(ctx.uow, await find_release(ctx.uow, cmd.release))


def may_decide(person: Person, gate: Gate) -> bool:
    return rights.allows("gate.decide", person, _approver(person, gate))


def _approver(person: Person, gate: Gate) -> set[Party]:
    return {Party.APPROVER} if person.role is not None and person.role in gate.approver_roles else set()


def find_gate(gates: list[Gate], text: str) -> tuple[Gate, str]:
    """The gate ``text`` starts with (its number, or its name case-insensitively, quoted or not),
    and the rest of the text as the note."""
    text = text.strip()
    number, _, rest = text.partition(" ")
    if number.isdecimal() and len(number) <= 9:  # not isdigit(): int() refuses "²", and 5,000 digits
        if 1 <= int(number) <= len(gates):
            return gates[int(number) - 1], rest.strip()
    else:
        quoted = text[:1] in ('"', "“")
        body = text[1:] if quoted else text
        for gate in sorted(gates, key=lambda g: -len(g.name)):
            if body.casefold().startswith(gate.name.casefold()):
                return gate, body[len(gate.name):].lstrip('"” ').strip()
    names = ", ".join(f"{i}. {g.name}" for i, g in enumerate(gates, 1))
    raise NotFound(f"Which gate? Name it or give its number: {names}.")


async def decide(cmd: c.DecideGate, ctx: Ctx) -> GateDecision:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    release = await find_release(ctx.uow, cmd.release)
    gates = await ctx.uow.gates.for_release(release.id)
    if not gates:
        raise NotFound(f"{release.name} has no gates.")
    gate, note = find_gate(gates, cmd.gate_and_note)
    status = _VERBS[cmd.decision]
    roles = " or ".join(r.value.upper() for r in gate.approver_roles)
    rights.require("gate.decide", ctx.actor, _approver(ctx.actor, gate), subject=gate.name,
                   names={Party.APPROVER: roles})
    if gate.status is status:
        raise InvalidInput(f"{gate.name} is already {_PAST[status]}.")
    if status is GateStatus.DECLINED and not note:
        raise InvalidInput(f"Say why {gate.name} is declined: `gate decline {quoted(release.name)} {gate.position + 1} <reason>`.",
                           field="reason")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"Keep the note under {MAX_NOTE} characters; link to a doc for more.", field="reason")
    gate.status, gate.decided_by, gate.decided_at, gate.note = status, ctx.actor.id, ctx.now, note or None
    await ctx.uow.gates.save(gate)
    if status is not GateStatus.DECLINED:  # decided: a new date proposed because of this gate no longer stands
        await ctx.uow.gates.withdraw_slips(gate.id)
    sentence = f"{ctx.actor.display_name} {_PAST[status]} the {gate.name} gate of {release.name}" + (f": {note}" if note else "")
    await ctx.record(EntryKind.GATE, sentence, release.id)
    slip_to = None
    if status is GateStatus.DECLINED and release.target_date:
        hours = await working_hours(ctx.uow)
        slip = await propose_slip(ctx.uow, release, gate, f"decline:{gate.id}:{ctx.now.isoformat()}",
                                  f"{gate.name} was declined: {note}",
                                  hours.working_day_on_or_after(release.target_date + timedelta(days=DECLINE_SLIP_DAYS)),
                                  ctx.now)
        slip_to = await slip_owner(ctx.uow, release) if slip else None
    told = [p for p in await watchers(ctx.uow, release, gate) if p != slip_to]
    return GateDecision(await report(ctx.uow, release), gate, sentence, told, slip_to)


async def watchers(uow: UnitOfWork, release: Release, gate: Gate | None = None) -> list[Person]:
    """Who is told of a gate: by default the release's owner, its approvers, the admins and
    everyone with a PM, PMM or lead role; ``gate watch`` / ``gate unwatch`` override that per person."""
    roles = {*WATCHER_ROLES, *(gate.approver_roles if gate else ())}
    chosen = await uow.gates.watch_choices(release.id)
    return [p for p in await uow.people.list()
            if chosen.get(p.id, p.role in roles or p.id == release.owner_id or p.is_admin)]


async def watch(cmd: c.WatchGates, ctx: Ctx) -> Release:
    release = await find_release(ctx.uow, cmd.release)
    await ctx.uow.gates.set_watching(release.id, ctx.actor.id, cmd.watching)
    return release


def approvers_of(people: Sequence[Person], gate: Gate) -> list[Person]:
    """Who is asked to decide a gate: people with an approver role, else the leads and admins."""
    found = [p for p in people if p.role in gate.approver_roles]
    return found or [p for p in people if p.can_lead]


async def working_hours(uow: UnitOfWork) -> WorkingHours:
    """The workspace's working days and quiet dates (``nudges set days|quiet``): gate dates land on them."""
    return settings_from(await uow.jobs.nudge_settings()).hours


def blocker(gates: Sequence[Gate], today: date) -> str | None:
    """The one line that says which gate blocks the launch, if one does."""
    declined = [g for g in gates if g.status is GateStatus.DECLINED]
    if declined:
        return f"{declined[0].name} was declined" + (f": {declined[0].note}" if declined[0].note else "")
    late = [g for g in gates if g.is_overdue(today)]
    if late:
        return f"{late[0].name} is past its date ({late[0].due_date:%b} {late[0].due_date.day}) and not decided"
    return None


async def releases_at_risk(uow: UnitOfWork, today: date) -> set[int]:
    """Releases with a declined gate, or an undecided one past its date: one query for them all.
    A shipped or closed release is past its launch: not at risk."""
    risky = {g.release_id for g in await uow.gates.needing_attention(today - timedelta(days=1))}
    launched = {rid for rid, r in (await uow.releases.get_many(list(risky))).items() if r.status in CLOSED_RELEASES}
    return risky - launched


def quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


# --- slipping the release ------------------------------------------------------------------

async def propose_slip(uow: UnitOfWork, release: Release, gate: Gate | None, key: str, reason: str,
                       proposed: date | None, now: datetime) -> Slip | None:
    return await uow.gates.propose_slip(release.id, gate.id if gate else None, key, reason, release.target_date, proposed, now)


async def slip_owner(uow: UnitOfWork, release: Release, people: Sequence[Person] | None = None) -> Person | None:
    """Who answers a slip: the release's owner, or else its first lead."""
    people = people if people is not None else await uow.people.list()
    owner = next((p for p in people if p.id == release.owner_id), None) if release.owner_id else None
    return owner or next((p for p in people if p.can_lead), None)


def slip_sentence(release: Release, slip: Slip) -> str:
    when = f"from {slip.old_target} to {slip.proposed_target}" if slip.proposed_target else "to a date to be agreed"
    return f"{release.name} is at risk ({slip.reason}). Proposed: move the target {when}."


async def answer_slip(cmd: c.AnswerSlip, ctx: Ctx) -> tuple[Release, str]:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    release = await find_release(ctx.uow, cmd.release)
    slip = await ctx.uow.gates.open_slip(release.id)
    if slip is None:
        raise NotFound(f"{release.name} has no proposed new date to answer; `release show {quoted(release.name)}` has its target.")
    if cmd.slip_id is not None and cmd.slip_id != slip.id:
        raise InvalidInput(f"That proposal was replaced by a newer one: move {release.name} to {slip.proposed_target} "
                           f"({slip.reason}). `release show {quoted(release.name)}` has it, with its own buttons.")
    await require_for_release(ctx, "release.slip", release,
                              {Party.RELEASE_OWNER} if ctx.actor.id == release.owner_id else set())
    status = SlipStatus.ACCEPTED if cmd.accept else SlipStatus.REJECTED
    if not await ctx.uow.gates.decide_slip(slip.id, status, ctx.actor.id, ctx.now):
        raise InvalidInput("Someone answered that proposal a moment ago; `release show` has the result.")
    if cmd.accept and slip.proposed_target:
        await move_target(ctx.uow, release, slip.proposed_target)
        sentence = (f"{ctx.actor.display_name} moved the target of {release.name} from {slip.old_target} to "
                    f"{slip.proposed_target} ({slip.reason})")
    else:
        sentence = f"{ctx.actor.display_name} kept the target of {release.name} at {release.target_date}" + (
            f": {cmd.note}" if cmd.note else f" despite: {slip.reason}")
    await ctx.record(EntryKind.DECISION, sentence, release.id)
    for person in await watchers(ctx.uow, release):
        ctx.notify(person, sentence)
    return release, sentence


async def move_target(uow: UnitOfWork, release: Release, new: date) -> None:
    """Move the target and every undecided gate with it, by the same number of days (each gate on
    the working day on or before its new date)."""
    shift = (new - release.target_date) if release.target_date else timedelta()
    hours = await working_hours(uow)
    await uow.releases.set_target(release.id, new)
    for gate in await uow.gates.for_release(release.id):
        if gate.status is GateStatus.PENDING and gate.due_date:
            gate.due_date = hours.working_day_on_or_before(gate.due_date + shift)
            await uow.gates.save(gate)
    release.target_date = new


# --- the template --------------------------------------------------------------------------

async def show_template(ctx: Ctx) -> tuple[list[GateTemplateItem], bool]:
    own = await ctx.uow.gates.template()
    return own or list(STANDARD), own is None


async def edit_template(cmd: c.EditGateTemplate, ctx: Ctx) -> tuple[list[GateTemplateItem], str]:
    """Leads and admins edit the template (dispatch checks it); releases made afterwards use it,
    existing ones keep theirs."""
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    items = await template_of(ctx.uow)
    if cmd.action == "reset":
        await ctx.uow.gates.save_template(None)
        return list(STANDARD), "The gate template is the standard one again."
    if cmd.action == "add":
        if len(items) >= MAX_GATES:
            raise InvalidInput(f"A template holds at most {MAX_GATES} gates; remove one first.")
        name = checked_name(items, cmd.name)
        new = GateTemplateItem(name, cmd.offset_days or 0, cmd.approver_roles)
        items.insert(next((i for i, item in enumerate(items) if item.offset_days > new.offset_days), len(items)), new)
        said = f"Added {name}."
    elif cmd.action == "rename":
        i = find(items, cmd.gate)
        old = items[i].name
        items[i] = GateTemplateItem(checked_name(items, cmd.name, skip=i), items[i].offset_days, items[i].approver_roles)
        said = f"Renamed {old} to {items[i].name}."
    elif cmd.action == "move":
        i = find(items, cmd.gate)
        if not cmd.position or not 1 <= cmd.position <= len(items):
            raise InvalidInput(f"Give a position from 1 to {len(items)}.")
        item = items.pop(i)
        items.insert(cmd.position - 1, item)
        said = f"Moved {item.name} to position {cmd.position}."
    else:
        i = find(items, cmd.gate)
        if len(items) == 1:
            raise InvalidInput("A template needs at least one gate; `gate template reset` goes back to the standard one.")
        said = f"Removed {items.pop(i).name}."
    await ctx.uow.gates.save_template(items)
    return items, said + " New releases get this template; existing releases keep their gates."
