"""People use cases: roles and time zones."""

from __future__ import annotations

from bot import commands as c
from bot.context import Ctx
from bot.dates import check_timezone
from bot.domain import Person
from bot.errors import NotAllowed


async def set_role(cmd: c.SetPersonRole, ctx: Ctx) -> Person:
    person = await ctx.person(cmd.person)
    _check_may_edit(ctx, person, first_time=person.role is None)
    person.role = cmd.role
    await ctx.uow.people.update(person)
    return person


async def set_timezone(cmd: c.SetPersonTimezone, ctx: Ctx) -> Person:
    person = await ctx.person(cmd.person)
    _check_may_edit(ctx, person, first_time=person.timezone is None)
    person.timezone = check_timezone(cmd.timezone)
    await ctx.uow.people.update(person)
    return person


async def show(cmd: c.ShowPerson, ctx: Ctx) -> Person:
    return await ctx.person(cmd.person)


async def list_all(_: c.ListPeople, ctx: Ctx) -> list[Person]:
    return await ctx.uow.people.list()


def _check_may_edit(ctx: Ctx, person: Person, first_time: bool) -> None:
    """Anyone may fill in a blank; changing someone else's setting takes a lead."""
    if person.id == ctx.actor.id or ctx.actor.can_lead or first_time:
        return
    raise NotAllowed(f"Only {person.display_name} or a lead can change that for {person.display_name}.")
