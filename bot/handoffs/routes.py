"""The handoff commands: create, move along the lifecycle, reassign, comment, snooze, date, show, list."""

from __future__ import annotations

import dataclasses

from bot import commands as c
from bot import wording
from bot.context import Ctx
from bot.handoffs import editing, links, presenters, undo
from bot.handoffs import use_cases as handoffs
from bot.reply import Reply
from bot.routing import RouteTable

routes = RouteTable()


@routes(c.CreateHandoff, "handoff.create")
async def _create(cmd: c.CreateHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.create(cmd, ctx)
    to = f"to {view.owner.display_name}" if view.owner else "with no owner yet"
    headline = f"Handed off {view.handoff.ref} {to}." + (f" {view.note}" if view.note else "")
    return dataclasses.replace(presenters.handoff_card(view, ctx.today(), headline), ephemeral=False)


@routes(c.MoveHandoff, lambda cmd: f"handoff.{cmd.action.value}")
async def _move(cmd: c.MoveHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.move(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"{view.handoff.ref} is now {view.handoff.status.label}.")


@routes(c.ReassignHandoff, "handoff.reassign")
async def _reassign(cmd: c.ReassignHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.reassign(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"{view.handoff.ref} now belongs to {wording.name(view.owner)}.")


@routes(c.CommentOnHandoff, "handoff.comment")
async def _comment(cmd: c.CommentOnHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.comment(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"Comment added to {view.handoff.ref}.")


@routes(c.SnoozeHandoff, "handoff.snooze")
async def _snooze(cmd: c.SnoozeHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.snooze(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"{view.handoff.ref} is snoozed until {wording.local_time(view.handoff.snoozed_until, ctx.timezone_of(ctx.actor))}.")


@routes(c.SetDueDate, "handoff.due")
async def _due(cmd: c.SetDueDate, ctx: Ctx) -> Reply:
    view = await handoffs.set_due(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"{view.handoff.ref} is now due {wording.due_text(view.handoff.due_date, ctx.today())}.")


@routes(c.ShowHandoff, "handoff.read")
async def _show(cmd: c.ShowHandoff, ctx: Ctx) -> Reply:
    return presenters.handoff_card(await handoffs.show(cmd, ctx), ctx.today())


@routes(c.ListHandoffs, "handoff.read")
async def _list(cmd: c.ListHandoffs, ctx: Ctx) -> Reply:
    views, total, label = await handoffs.find(cmd, ctx)
    return presenters.handoff_list(views, total, label, ctx.today())


@routes(c.EditHandoff, lambda cmd: "handoff.edit_reason" if {f for f, _ in cmd.changes} == {"reason"} else "handoff.edit")
async def _edit(cmd: c.EditHandoff, ctx: Ctx) -> Reply:
    view, changes = await editing.edit(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), presenters.edited(view, changes))


@routes(c.ShowEditForm, "handoff.read")
async def _edit_form(cmd: c.ShowEditForm, ctx: Ctx) -> Reply:
    view, form = await editing.form(cmd, ctx)
    return presenters.edit_form(view, form)


@routes(c.LinkHandoff, lambda cmd: "handoff.block" if cmd.block else "handoff.link")
async def _link(cmd: c.LinkHandoff, ctx: Ctx) -> Reply:
    view = await links.link(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), presenters.waits_on(view))


@routes(c.UnlinkHandoff, "handoff.link")
async def _unlink(cmd: c.UnlinkHandoff, ctx: Ctx) -> Reply:
    view = await links.unlink(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), presenters.waits_on(view))


@routes(c.UndoLastChange, "handoff.undo")
async def _undo(cmd: c.UndoLastChange, ctx: Ctx) -> Reply:
    view, said = await undo.undo(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), said)


@routes(c.AttachHandoffMessage, "platform")
async def _attach_message(cmd: c.AttachHandoffMessage, ctx: Ctx) -> Reply:
    await handoffs.attach_message(cmd, ctx)
    return Reply()
