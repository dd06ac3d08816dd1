"""People use cases: roles and time zones.

A role is the person's own to choose among pm, pmm and other; ``lead`` is granted by a lead or an
admin, never taken, and only they change somebody else's role or time zone (:mod:`bot.rights`).
"""

from __future__ import annotations

from bot import commands as c
from bot import rights
from bot.context import Ctx
from bot.dates import check_timezone
from bot.domain import Person, Role
from bot.rights import Party


async def set_role(cmd: c.SetPersonRole, ctx: Ctx) -> Person:
    person = await ctx.person(cmd.person)
    action = "person.lead" if cmd.role is Role.LEAD else "person.role"
    rights.require(action, ctx.actor, _holds(ctx, person), subject=_whom(ctx, person), names={Party.SELF: person.display_name})
    person.role = cmd.role
    await ctx.uow.people.set_role(person.id, cmd.role)
    return person


async def set_timezone(cmd: c.SetPersonTimezone, ctx: Ctx) -> Person:
    person = await ctx.person(cmd.person)
    rights.require("person.timezone", ctx.actor, _holds(ctx, person), subject=_whom(ctx, person),
                   names={Party.SELF: person.display_name})
    person.timezone = check_timezone(cmd.timezone)
    await ctx.uow.people.set_timezone(person.id, person.timezone)
    return person


async def show(cmd: c.ShowPerson, ctx: Ctx) -> Person:
    return await ctx.person(cmd.person)


async def list_all(_: c.ListPeople, ctx: Ctx) -> list[Person]:
    return await ctx.uow.people.list()


def _holds(ctx: Ctx, person: Person) -> set[Party]:
    return {Party.SELF} if person.id == ctx.actor.id else set()


def _whom(ctx: Ctx, person: Person) -> str:
    return "yourself" if person.id == ctx.actor.id else person.display_name
