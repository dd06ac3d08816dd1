"""The release commands: new, list, show, export, board, calendar, notes and decisions, owner, search, thread."""

from __future__ import annotations

from bot import commands as c
from bot.context import Ctx
from bot.domain import EntryKind
from bot.gates import decisions as gates
from bot.releases import board, changes, launch_plan, statement
from bot.releases import use_cases as releases
from bot.releases.calendar import calendar
from bot.releases.export import export_all, export_release
from bot.releases.plan_presenters import (
    plan_change_reply,
    plan_reply,
    plan_template_reply,
    release_changed,
    skip_reply,
    statement_confirmed,
    statement_written,
)
from bot.releases.presenters import entry_added, release_created, release_list, release_summary, search_results
from bot.reply import Reply, Tone
from bot.routing import RouteTable

routes = RouteTable()


@routes(c.CreateRelease, "release.create")
async def _release_new(cmd: c.CreateRelease, ctx: Ctx) -> Reply:
    release = await releases.create(cmd, ctx)
    if release.tier is None:
        return release_created(release)
    created = release_created(release)
    return plan_reply(await launch_plan.view_of(ctx, release), ctx.today(), f"{created.title}, with its Tier {release.tier} plan.")


@routes(c.ListReleases, "release.read")
async def _release_list(cmd: c.ListReleases, ctx: Ctx) -> Reply:
    found = await releases.list_all(cmd, ctx)
    return release_list(found, ctx.today(), await gates.releases_at_risk(ctx.uow, ctx.today()))


@routes(c.ShowRelease, "release.read")
async def _release_show(cmd: c.ShowRelease, ctx: Ctx) -> Reply:
    return release_summary(await releases.summarise(cmd, ctx), ctx.today())


@routes(c.ExportRelease, "release.read")
async def _release_export(cmd: c.ExportRelease, ctx: Ctx) -> Reply:
    return await export_release(cmd, ctx)


@routes(c.AddReleaseEntry, lambda cmd: "release.decide" if cmd.kind is EntryKind.DECISION else "release.note")
async def _release_entry(cmd: c.AddReleaseEntry, ctx: Ctx) -> Reply:
    return entry_added(*await releases.add_entry(cmd, ctx))


@routes(c.SetReleaseOwner, "release.owner")
async def _release_owner(cmd: c.SetReleaseOwner, ctx: Ctx) -> Reply:
    release, owner, _ = await releases.set_owner(cmd, ctx)
    return Reply(title=f"{owner.display_name} now owns {release.name}.", tone=Tone.SUCCESS, ephemeral=False)


@routes(c.SearchKnowledge, "release.read")
async def _search(cmd: c.SearchKnowledge, ctx: Ctx) -> Reply:
    return search_results(await releases.search(cmd, ctx))


@routes(c.AttachReleaseThread, "platform")
async def _attach_thread(cmd: c.AttachReleaseThread, ctx: Ctx) -> Reply:
    await releases.attach_thread(cmd, ctx)
    return Reply()


# --- launch plans, statements and the release's lifecycle ------------------------------------

@routes(c.SetReleaseTier, "plan.change")
async def _tier(cmd: c.SetReleaseTier, ctx: Ctx) -> Reply:
    return plan_change_reply(await launch_plan.set_tier(cmd, ctx), ctx.today())


@routes(c.ShowPlan, "plan.read")
async def _plan(cmd: c.ShowPlan, ctx: Ctx) -> Reply:
    return plan_reply(await launch_plan.show(cmd, ctx), ctx.today())


@routes(c.SkipArea, "plan.change")
async def _skip(cmd: c.SkipArea, ctx: Ctx) -> Reply:
    return skip_reply(await launch_plan.skip(cmd, ctx))


@routes(c.ShowPlanTemplate, "plan.read")
async def _plan_template(cmd: c.ShowPlanTemplate, ctx: Ctx) -> Reply:
    return plan_template_reply(*await launch_plan.show_template(ctx))


@routes(c.EditPlanTemplate, "plan.template")
async def _edit_plan_template(cmd: c.EditPlanTemplate, ctx: Ctx) -> Reply:
    items, said = await launch_plan.edit_template(cmd, ctx)
    return plan_template_reply(items, cmd.action == "reset", said)


@routes(c.SetReleaseStatement, "release.brief")
async def _brief(cmd: c.SetReleaseStatement, ctx: Ctx) -> Reply:
    return statement_written(await statement.write(cmd, ctx))


@routes(c.ConfirmReleaseStatement, "release.confirm")
async def _confirm(cmd: c.ConfirmReleaseStatement, ctx: Ctx) -> Reply:
    return statement_confirmed(await statement.confirm(cmd, ctx))


@routes(c.ChangeRelease, "release.change")
async def _change(cmd: c.ChangeRelease, ctx: Ctx) -> Reply:
    return release_changed(await changes.change(cmd, ctx), ctx.today())


# --- across releases: the board, every release's handoffs, the calendar ----------------------

@routes(c.ExportAllReleases, "release.read")
async def _export_all(cmd: c.ExportAllReleases, ctx: Ctx) -> Reply:
    return await export_all(cmd, ctx)


@routes(c.ShowReleaseBoard, "release.read")
async def _board(cmd: c.ShowReleaseBoard, ctx: Ctx) -> Reply:
    return board.board_reply(await board.board(cmd, ctx), ctx.today())


@routes(c.ReleaseCalendar, "release.read")
async def _calendar(cmd: c.ReleaseCalendar, ctx: Ctx) -> Reply:
    return await calendar(cmd, ctx)
