"""The registry commands: who owns, owner add/remove, areas, new areas, disputes."""

from __future__ import annotations

import dataclasses

from bot import commands as c
from bot.context import Ctx
from bot.domain import Duty
from bot.ownership import disputes, presenters, registry
from bot.ownership.presenters import area_created, area_list, area_report, assigned, dispute_card
from bot.reply import Reply, ReplyBuilder, Strong, Tone
from bot.routing import RouteTable

routes = RouteTable()


@routes(c.WhoOwns, "area.read")
async def _who_owns(cmd: c.WhoOwns, ctx: Ctx) -> Reply:
    return presenters.who_owns(await registry.who_owns(cmd, ctx))


@routes(c.AssignArea, lambda cmd: "area.driver" if cmd.duty is Duty.DRIVER else "area.duty")
async def _assign(cmd: c.AssignArea, ctx: Ctx) -> Reply:
    result = await registry.assign(cmd, ctx)
    if result.dispute is not None and result.new_dispute:  # a competing claim: the driver and the leads hear of it now
        view = await disputes.load_view(ctx, result.dispute)
        card = dispute_card(view.dispute, view.subject, view.people, view.options)
        told = {p.id: p for p in (*result.disputed_with, *await disputes.leads(ctx))}
        for person in told.values():
            ctx.notify(person, f"{result.person.display_name} claims {view.subject}: a lead decides (D{view.dispute.id})",
                       reply=card)
    return assigned(result)


@routes(c.UnassignArea, "area.duty")
async def _unassign(cmd: c.UnassignArea, ctx: Ctx) -> Reply:
    report = await registry.unassign(cmd, ctx)
    return area_report(report, f"{cmd.person} no longer has a duty on {report.area.name}.")


@routes(c.ListAreas, "area.read")
async def _areas(cmd: c.ListAreas, ctx: Ctx) -> Reply:
    reports, release = await registry.list_areas(cmd, ctx)
    return area_list(reports, cmd.which, release)


@routes(c.CreateArea, "area.create")
async def _area_new(cmd: c.CreateArea, ctx: Ctx) -> Reply:
    return area_created(await registry.create_area(cmd, ctx))


@routes(c.RaiseDispute, lambda cmd: "dispute.handoff" if cmd.number is not None else "dispute.area")
async def _dispute(cmd: c.RaiseDispute, ctx: Ctx) -> Reply:
    view, new = await disputes.raise_dispute(cmd, ctx)
    card = dispute_card(view.dispute, view.subject, view.people, view.options)
    for lead in await disputes.leads(ctx):
        ctx.notify(lead, f"{ctx.actor.display_name} {'disputed' if new else 'answered the dispute on'} {view.subject}", reply=card)
    headline = f"Dispute D{view.dispute.id} recorded; a lead decides it." if new else f"Your side is added to D{view.dispute.id}."
    return dataclasses.replace(card, title=headline, tone=Tone.SUCCESS, ephemeral=True)


@routes(c.ListDisputes, "dispute.read")
async def _disputes(cmd: c.ListDisputes, ctx: Ctx) -> Reply:
    views = await disputes.list_open(ctx)
    if not views:
        return Reply(title="No open disputes.")
    out = ReplyBuilder(title=f"Open disputes ({len(views)})")
    for v in views:
        card = dispute_card(v.dispute, v.subject, v.people, v.options)
        out.para(Strong(f"D{v.dispute.id} "), v.subject)
        out.blocks.extend(card.blocks)
    return out.build()


@routes(c.ResolveDispute, "dispute.resolve")
async def _resolve_dispute(cmd: c.ResolveDispute, ctx: Ctx) -> Reply:
    view = await disputes.resolve(cmd, ctx)
    return dispute_card(view.dispute, view.subject, view.people, view.options,
                                        headline=f"D{view.dispute.id} decided: {view.dispute.outcome}")
