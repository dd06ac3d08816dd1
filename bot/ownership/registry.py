"""Grey-area registry use cases: who owns what, claims, disputes, and new areas."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot import commands as c
from bot import rights
from bot.context import Ctx, find_release
from bot.domain import Area, Assignment, Dispute, DisputeStatus, Duty, EntryKind, Person, Release
from bot.duties import Ownership, OwnershipIndex, ownership, suggested_roles
from bot.errors import InvalidInput, NotFound
from bot.rights import Party


@dataclass
class AreaReport:
    area: Area
    ownership: Ownership
    release: Release | None
    people: dict[int, Person]
    suggestions: list[Person] = field(default_factory=list)
    claims: list[Dispute] = field(default_factory=list)  # open disputes over who drives it

    @property
    def disputed(self) -> bool:
        return self.ownership.disputed or bool(self.claims)


@dataclass
class WhoOwnsAnswer:
    query: str
    report: AreaReport | None
    candidates: tuple[Area, ...] = ()


@dataclass
class AssignResult:
    report: AreaReport
    person: Person
    duty: Duty
    changed: bool
    disputed_with: list[Person] = field(default_factory=list)
    dispute: Dispute | None = None  # the competing claim, for the driver and the leads to see
    new_dispute: bool = False  # the claim was made just now (not a repeat): tell them


async def who_owns(cmd: c.WhoOwns, ctx: Ctx) -> WhoOwnsAnswer:
    query, release = await _split_release(ctx, cmd.query)
    match = await ctx.resolve_area(query)
    if match.area is None:
        return WhoOwnsAnswer(query, None, match.candidates)
    return WhoOwnsAnswer(query, await report(ctx, match.area, release))


async def assign(cmd: c.AssignArea, ctx: Ctx, *, settles: bool = True) -> AssignResult:
    """Give someone a duty on an area.

    A driver is set by a lead or admin, handed over by the sole driver, or taken while there is
    none (for a release: while nobody drives it for that release, nor for the workspace). Anyone
    else's claim for themself changes nothing yet: it is a dispute between them and the driver,
    which the driver and the leads are told of, until a lead decides; naming someone else takes
    the right itself. A lead's choice settles (``settles``) the open disputes on the area."""
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    area = await _area(ctx, cmd.area)
    release = await find_release(ctx.uow, cmd.release) if cmd.release else None
    person = await ctx.person(cmd.person)
    release_id = release.id if release else None
    before = ownership(await ctx.uow.areas.assignments(area.id), area.id, release_id)
    in_scope = before.release_drivers if release else before.drivers  # the drivers this change replaces
    drivers = before.effective_drivers  # who drives it where this change applies
    holds = _holds(ctx, person, drivers, sole=cmd.duty is Duty.DRIVER)
    if cmd.duty is Duty.DRIVER and not rights.allows("area.driver", ctx.actor, holds):
        if person.id != ctx.actor.id:
            await _refuse(ctx, "area.driver", area, person, holds, drivers)
        return await _claim(ctx, area, release, person, drivers)
    if cmd.duty is not Duty.DRIVER and not rights.allows("area.duty", ctx.actor, holds):
        await _refuse(ctx, "area.duty", area, person, holds, drivers)
    removed = 0
    if cmd.duty is Duty.DRIVER:
        for driver_id in (d for d in in_scope if d != person.id):
            removed += await ctx.uow.areas.unassign(area.id, driver_id, release_id, Duty.DRIVER)
    added = await ctx.uow.areas.assign(Assignment(area.id, person.id, cmd.duty, release_id, cmd.owes), ctx.now)
    if added or removed:
        sentence = _duty_sentence(ctx.actor, person, cmd.duty, area, release, cmd.owes)
        await ctx.record(EntryKind.DECISION, sentence, release_id)
        ctx.notify(person, sentence)
    if cmd.duty is Duty.DRIVER and settles and rights.allows("area.driver", ctx.actor):
        for open_one in await _open_on(ctx, area, release_id):
            await _settle(ctx, open_one, f"{person.display_name} drives {area.name}{_for(release)}")
    return AssignResult(await report(ctx, area, release), person, cmd.duty, bool(added or removed))


async def _claim(ctx: Ctx, area: Area, release: Release | None, claimant: Person,
                 drivers: tuple[int, ...]) -> AssignResult:
    """A claim on an area someone drives: a dispute between the claimant and the driver, open
    until a lead decides; the same claim again is the same dispute, told once."""
    release_id = release.id if release else None
    people = await ctx.uow.people.get_many(list(drivers))
    incumbents = [people[d] for d in drivers if d in people]
    mine = [d for d in await _open_on(ctx, area, release_id) if claimant.id in (d.raised_by, d.other_party)]
    new = not mine
    if new:
        reason = (f"{claimant.display_name} claims to drive {area.name}{_for(release)}, which "
                  f"{' and '.join(p.display_name for p in incumbents)} drives.")
        dispute = await ctx.uow.disputes.add(Dispute(
            id=0, workspace_id=ctx.workspace.id, raised_by=claimant.id, reason=reason, created_at=ctx.now,
            area_id=area.id, release_id=release_id, other_party=incumbents[0].id if incumbents else None,
            private=ctx.caller.private_conversation))
        await ctx.record(EntryKind.NOTE, reason, release_id)
    else:
        dispute = mine[0]
    return AssignResult(await report(ctx, area, release), claimant, Duty.DRIVER, False, incumbents, dispute, new)


async def _open_on(ctx: Ctx, area: Area, release_id: int | None) -> list[Dispute]:
    return [d for d in await ctx.uow.disputes.open_disputes()
            if d.handoff_id is None and d.area_id == area.id and d.release_id == release_id]


async def _settle(ctx: Ctx, dispute: Dispute, outcome: str) -> None:
    dispute.status, dispute.outcome, dispute.resolved_by, dispute.resolved_at = (
        DisputeStatus.RESOLVED, f"{outcome} (set by {ctx.actor.display_name})", ctx.actor.id, ctx.now)
    await ctx.uow.disputes.save(dispute)


def _holds(ctx: Ctx, person: Person, drivers: tuple[int, ...], sole: bool = False) -> set[Party]:
    """The actor's standing on an area: the person themself, its driver (for handing the area over:
    its sole driver), or anyone while it has none."""
    holds = {Party.SELF} if person.id == ctx.actor.id else set()
    if drivers == (ctx.actor.id,) or (not sole and ctx.actor.id in drivers):
        holds.add(Party.AREA_DRIVER)
    if not drivers:
        holds.add(Party.NO_DRIVER_YET)
    return holds


async def _refuse(ctx: Ctx, action: str, area: Area, person: Person, holds: set[Party], drivers: tuple[int, ...]) -> None:
    """The refusal, naming the person and the area's drivers (looked up only now)."""
    people = await ctx.uow.people.get_many(list(drivers))
    names = {Party.SELF: person.display_name, Party.AREA_DRIVER: " and ".join(p.display_name for p in people.values())}
    rights.require(action, ctx.actor, holds, subject=area.name, names=names)


async def unassign(cmd: c.UnassignArea, ctx: Ctx) -> AreaReport:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    area = await _area(ctx, cmd.area)
    release = await find_release(ctx.uow, cmd.release) if cmd.release else None
    person = await ctx.person(cmd.person)
    owned = ownership(await ctx.uow.areas.assignments(area.id), area.id, release.id if release else None)
    drivers = owned.effective_drivers
    holds = _holds(ctx, person, drivers)
    if not rights.allows("area.duty", ctx.actor, holds):
        await _refuse(ctx, "area.duty", area, person, holds, drivers)
    removed = await ctx.uow.areas.unassign(area.id, person.id, release.id if release else None)
    if not removed:
        raise NotFound(f"{person.display_name} has no duty on {area.name}{_for(release)}.")
    await ctx.record(
        EntryKind.DECISION, f"{ctx.actor.display_name} took {person.display_name} off {area.name}{_for(release)}",
        release.id if release else None,
    )
    return await report(ctx, area, release)


async def list_areas(cmd: c.ListAreas, ctx: Ctx) -> tuple[list[AreaReport], Release | None]:
    release = await find_release(ctx.uow, cmd.release) if cmd.release else None
    assignments = await ctx.uow.areas.assignments()
    people = await ctx.uow.people.get_many(list({a.person_id for a in assignments}))
    reports = []
    owners = OwnershipIndex(assignments)
    release_id = release.id if release else None
    claims: dict[int, list[Dispute]] = {}
    for d in await ctx.uow.disputes.open_disputes():
        if d.area_id is not None and d.handoff_id is None and d.release_id == release_id:
            claims.setdefault(d.area_id, []).append(d)
    for area in await ctx.uow.areas.list():
        found = AreaReport(area, owners(area.id, release_id), release, people, claims=claims.get(area.id, []))
        if _wanted(cmd.which, found, ctx.actor.id):
            reports.append(found)
    return reports, release


async def create_area(cmd: c.CreateArea, ctx: Ctx) -> Area:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    name = " ".join(cmd.name.split())
    if not 2 <= len(name) <= 60:
        raise InvalidInput("An area name has 2 to 60 characters.")
    existing = await ctx.resolve_area(name)
    if existing.area and existing.area.name.casefold() == name.casefold():
        raise InvalidInput(f"“{existing.area.name}” exists already; `who owns {existing.area.name}?` shows it.")
    area = await ctx.uow.areas.add(name, cmd.side, [" ".join(a.split()) for a in cmd.aliases][:10])
    ctx.areas_version = None  # changed: read again if this command resolves another name
    await ctx.record(EntryKind.NOTE, f"{ctx.actor.display_name} added grey area {name} ({cmd.side.value})")
    return area


async def report(ctx: Ctx, area: Area, release: Release | None) -> AreaReport:
    duties = await ctx.uow.areas.duties(area.id, likely_driver=suggested_roles(area.side)[0])
    owned = ownership(duties.assignments, area.id, release.id if release else None)
    claims = await _open_on(ctx, area, release.id if release else None)
    people = duties.people | await ctx.uow.people.get_many([d.raised_by for d in claims if d.raised_by not in duties.people])
    return AreaReport(area, owned, release, people, duties.likely_drivers if owned.unowned else [], claims)


async def _area(ctx: Ctx, name: str) -> Area:
    match = await ctx.resolve_area(name)
    if match.area is not None:
        return match.area
    if match.candidates:
        raise NotFound(f"Which area do you mean: {', '.join(a.name for a in match.candidates)}?")
    raise NotFound(f"I don't know a grey area called “{name}”; `owner list` shows them, `owner new` adds one.")


async def _split_release(ctx: Ctx, query: str) -> tuple[str, Release | None]:
    """``competitive messaging for v2.3`` -> the area words and release v2.3, when it exists."""
    m = re.search(r"\s+(?:for|in)\s+(\"[^\"]+\"|\S+)\s*$", query, re.IGNORECASE)
    if m:
        release = await ctx.uow.releases.by_name(m.group(1).strip('"?.!'))
        if release:
            return query[: m.start()], release
    return query, None


def _wanted(which: str, found: AreaReport, person_id: int) -> bool:
    owned = found.ownership
    if which == "unowned":
        return owned.unowned
    if which == "disputed":
        return found.disputed
    if which == "mine":
        supporters = {s.person_id for s in (*owned.supporters, *owned.release_supporters)}
        return person_id in {*owned.effective_drivers, *supporters, *owned.informed}
    return True


def _duty_sentence(actor: Person, person: Person, duty: Duty, area: Area, release: Release | None, owes: str | None) -> str:
    what = {Duty.DRIVER: "drives", Duty.SUPPORTER: "supports", Duty.INFORMED: "is kept informed on"}[duty]
    sentence = f"{actor.display_name}: {person.display_name} {what} {area.name}{_for(release)}"
    if owes:
        sentence += f", owing {owes}"
    return sentence


def _for(release: Release | None) -> str:
    return f" for {release.name}" if release else ""
