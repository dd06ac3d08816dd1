"""Grey-area registry use cases: who owns what, claims, disputes, and new areas."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot import commands as c
from bot import rights
from bot.context import Ctx
from bot.domain import Area, Assignment, Dispute, DisputeStatus, Duty, EntryKind, Person, Release
from bot.errors import InvalidInput, NotFound
from bot.ownership import Ownership, OwnershipIndex, ownership, suggested_roles
from bot.releases import find_release
from bot.rights import Party


@dataclass
class AreaReport:
    area: Area
    ownership: Ownership
    release: Release | None
    people: dict[int, Person]
    suggestions: list[Person] = field(default_factory=list)


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


async def who_owns(cmd: c.WhoOwns, ctx: Ctx) -> WhoOwnsAnswer:
    query, release = await _split_release(ctx, cmd.query)
    match = await ctx.resolve_area(query)
    if match.area is None:
        return WhoOwnsAnswer(query, None, match.candidates)
    return WhoOwnsAnswer(query, await report(ctx, match.area, release))


async def assign(cmd: c.AssignArea, ctx: Ctx, *, settles: bool = True) -> AssignResult:
    """Give someone a duty on an area. A driver is set by a lead or admin, handed over by the sole
    driver, or taken while there is none; anyone else's claim is recorded beside the driver's as a
    dispute, which the driver and the leads are told of. A lead's choice settles (``settles``) any
    open dispute on the area."""
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    area = await _area(ctx, cmd.area)
    release = await find_release(ctx.uow, cmd.release) if cmd.release else None
    person = await ctx.person(cmd.person)
    release_id = release.id if release else None
    before = ownership(await ctx.uow.areas.assignments(area.id), area.id, release_id)
    drivers = before.release_drivers if release else before.drivers
    holds = _holds(ctx, person, drivers, sole=cmd.duty is Duty.DRIVER)
    others = [d for d in drivers if d != person.id]
    disputed_with: list[Person] = []
    dispute: Dispute | None = None
    removed = 0
    if cmd.duty is Duty.DRIVER:
        if rights.allows("area.driver", ctx.actor, holds):
            for driver_id in others:
                removed += await ctx.uow.areas.unassign(area.id, driver_id, release_id, Duty.DRIVER)
        else:
            disputed_with = list((await ctx.uow.people.get_many(others)).values())
    else:
        rights.require("area.duty", ctx.actor, holds, subject=area.name, names=await _driver_names(ctx, drivers))
    added = await ctx.uow.areas.assign(Assignment(area.id, person.id, cmd.duty, release_id, cmd.owes), ctx.now)
    changed = added or removed > 0
    if changed:
        sentence = _duty_sentence(ctx.actor, person, cmd.duty, area, release, cmd.owes, disputed_with)
        await ctx.record(EntryKind.DECISION if not disputed_with else EntryKind.NOTE, sentence, release_id)
        ctx.notify(person, sentence)
    if disputed_with:
        dispute = await _competing_claim(ctx, area, release, person, disputed_with)
    elif cmd.duty is Duty.DRIVER and settles and rights.allows("area.driver", ctx.actor) and (
            open_one := await ctx.uow.disputes.open_for(None, area.id, release_id)):
        await _settle(ctx, open_one, f"{person.display_name} drives {area.name}{_for(release)}")
    return AssignResult(await report(ctx, area, release), person, cmd.duty, changed, disputed_with, dispute)


async def _competing_claim(ctx: Ctx, area: Area, release: Release | None, claimant: Person,
                           drivers: list[Person]) -> Dispute:
    """The claim is a dispute between the claimant and the driver, open until a lead decides."""
    release_id = release.id if release else None
    existing = await ctx.uow.disputes.open_for(None, area.id, release_id)
    if existing:
        return existing
    by = "" if claimant.id == ctx.actor.id else f" (set by {ctx.actor.display_name})"
    reason = f"{claimant.display_name} claims to drive {area.name}{_for(release)}, which {drivers[0].display_name} drives{by}."
    return await ctx.uow.disputes.add(Dispute(
        id=0, workspace_id=ctx.workspace.id, raised_by=claimant.id, reason=reason, created_at=ctx.now,
        area_id=area.id, release_id=release_id, other_party=drivers[0].id, private=ctx.caller.private_conversation))


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


async def _driver_names(ctx: Ctx, drivers: tuple[int, ...]) -> dict[Party, str]:
    people = await ctx.uow.people.get_many(list(drivers))
    return {Party.AREA_DRIVER: " and ".join(p.display_name for p in people.values())}


async def unassign(cmd: c.UnassignArea, ctx: Ctx) -> AreaReport:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    area = await _area(ctx, cmd.area)
    release = await find_release(ctx.uow, cmd.release) if cmd.release else None
    person = await ctx.person(cmd.person)
    owned = ownership(await ctx.uow.areas.assignments(area.id), area.id, release.id if release else None)
    drivers = owned.effective_drivers
    holds = _holds(ctx, person, drivers)
    rights.require("area.duty", ctx.actor, holds, subject=area.name, names=await _driver_names(ctx, drivers))
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
    for area in await ctx.uow.areas.list():
        owned = owners(area.id, release.id if release else None)
        if not _wanted(cmd.which, owned, ctx.actor.id):
            continue
        reports.append(AreaReport(area, owned, release, people))
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
    return AreaReport(area, owned, release, duties.people, duties.likely_drivers if owned.unowned else [])


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


def _wanted(which: str, owned: Ownership, person_id: int) -> bool:
    if which == "unowned":
        return owned.unowned
    if which == "disputed":
        return owned.disputed
    if which == "mine":
        supporters = {s.person_id for s in (*owned.supporters, *owned.release_supporters)}
        return person_id in {*owned.effective_drivers, *supporters, *owned.informed}
    return True


def _duty_sentence(
    actor: Person, person: Person, duty: Duty, area: Area, release: Release | None, owes: str | None,
    disputed_with: list[Person],
) -> str:
    what = {Duty.DRIVER: "drives", Duty.SUPPORTER: "supports", Duty.INFORMED: "is kept informed on"}[duty]
    sentence = f"{actor.display_name}: {person.display_name} {what} {area.name}{_for(release)}"
    if owes:
        sentence += f", owing {owes}"
    if disputed_with:
        sentence += f" (disputed with {', '.join(p.display_name for p in disputed_with)})"
    return sentence


def _for(release: Release | None) -> str:
    return f" for {release.name}" if release else ""
