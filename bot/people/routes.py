"""The people commands: role, time zone, a person, everyone."""

from __future__ import annotations

from bot import commands as c
from bot.context import Ctx
from bot.domain import Role
from bot.people import use_cases as people
from bot.people.presenters import people_list, person_card
from bot.reply import Reply
from bot.routing import RouteTable

routes = RouteTable()


@routes(c.SetPersonRole, lambda cmd: "person.lead" if cmd.role is Role.LEAD else "person.role")
async def _role(cmd: c.SetPersonRole, ctx: Ctx) -> Reply:
    person = await people.set_role(cmd, ctx)
    return person_card(person, ctx.workspace.timezone, f"{person.display_name} is now {cmd.role.value}.")


@routes(c.SetPersonTimezone, "person.timezone")
async def _tz(cmd: c.SetPersonTimezone, ctx: Ctx) -> Reply:
    person = await people.set_timezone(cmd, ctx)
    return person_card(person, ctx.workspace.timezone, f"{person.display_name}'s time zone is now {person.timezone}.")


@routes(c.ShowPerson, "person.read")
async def _person(cmd: c.ShowPerson, ctx: Ctx) -> Reply:
    return person_card(await people.show(cmd, ctx), ctx.workspace.timezone)


@routes(c.ListPeople, "person.read")
async def _people(cmd: c.ListPeople, ctx: Ctx) -> Reply:
    return people_list(await people.list_all(cmd, ctx))
