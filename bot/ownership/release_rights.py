"""Who has a say on a release: its owner, and the drivers of *its* grey areas (those its handoffs
are about, or that somebody drives for it), besides leads and admins."""

from __future__ import annotations

from bot import rights
from bot.context import Ctx
from bot.domain import Person, Release, Role
from bot.duties import OwnershipIndex, ownership
from bot.rights import Party


async def require_for_release(ctx: Ctx, action: str, release: Release, holds: set[Party]) -> None:
    """:func:`bot.rights.require` on a release; its owner's name is looked up only for a refusal."""
    if not rights.allows(action, ctx.actor, holds):
        owner = (await ctx.uow.people.get_many([release.owner_id])).get(release.owner_id) if release.owner_id else None
        rights.require(action, ctx.actor, holds, subject=release.name,
                       names={Party.RELEASE_OWNER: owner.display_name if owner else ""})


async def release_parties(ctx: Ctx, release: Release) -> set[Party]:
    """The actor's standing for a release: its owner, and the driver of one of *its* grey areas: one
    that its handoffs are about, or one somebody drives for it (not any area of the workspace, which
    anyone could make up and claim)."""
    holds = {Party.RELEASE_OWNER} if ctx.actor.id == release.owner_id else set()
    assignments = await ctx.uow.areas.assignments()
    owners = OwnershipIndex(assignments)
    its_areas = await ctx.uow.handoffs.areas_of_release(release.id) | {
        a.area_id for a in assignments if a.release_id == release.id}
    if any(ctx.actor.id in owners(area_id, release.id).effective_drivers for area_id in its_areas):
        holds.add(Party.AREA_DRIVER)
    return holds


async def launch_drivers(ctx: Ctx, release: Release) -> list[Person]:
    """Who confirms a release's statement for the outbound side: whoever drives the launch area for
    it (the release's own driver first, then the workspace's); while nobody does, the PMMs."""
    area = (await ctx.resolve_area("launch")).area
    if area is not None:
        drivers = ownership(await ctx.uow.areas.assignments(area.id), area.id, release.id).effective_drivers
        people = await ctx.uow.people.get_many(drivers)
        if people:
            return [people[d] for d in drivers if d in people]
    return await ctx.uow.people.with_role(Role.PMM)
