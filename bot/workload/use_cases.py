"""The workload use case: load the facts for ``load …`` and compute who carries what."""

from __future__ import annotations

from bot import commands as c
from bot.context import Ctx
from bot.domain import Action, Person
from bot.errors import InvalidInput, NotFound
from bot.workload.model import ACK_WINDOW, REASSIGN, ROLE_PLURAL, Facts, Workload, compute, team_median, team_of


async def show(cmd: c.ShowWorkload, ctx: Ctx) -> Workload:
    person = await _known_person(ctx, cmd.person) if cmd.person else None
    uow = ctx.uow
    facts = Facts(
        people=await uow.people.list(),
        open_groups=await uow.workload.open_groups(ctx.today()),
        ack_waits=await uow.workload.ack_waits(Action.ACK.value, REASSIGN, ctx.now - ACK_WINDOW, ctx.now),
        assignments=await uow.areas.assignments(),
        areas=await uow.areas.list(),
        releases=await uow.releases.list(),
        slack_items=await uow.workload.slack_items(),
    )
    loads = compute(facts)
    team = team_of(loads)
    median = team_median(team)
    if person is not None:
        return Workload(person.display_name, [loads[person.id]], median, len(team), one_person=True)
    if cmd.role is not None:
        return Workload(ROLE_PLURAL[cmd.role], [ld for ld in team if ld.person.role is cmd.role], median, len(team))
    return Workload("team", team, median, len(team))


async def _known_person(ctx: Ctx, ref: c.UserRef) -> Person:
    """The person a mention names, without creating anyone: a view must not add people."""
    people = ctx.uow.people
    found = await people.by_platform_id(ref.platform_id) if ref.platform_id else None
    if found is None and ref.name and not ref.platform_id:
        matches = await people.by_name(ref.name)
        if len(matches) > 1:
            raise InvalidInput(f"Several people are called {ref}; mention the one you mean with the @ picker.")
        found = matches[0] if matches else None
    if found is None:
        raise NotFound(f"I don't know {ref} here yet, so there is no workload to show.")
    return found
