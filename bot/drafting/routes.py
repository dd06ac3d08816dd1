"""The drafting commands and buttons: draft, save, use, regenerate, discard."""

from __future__ import annotations

import dataclasses

from bot import commands as c
from bot.context import Ctx
from bot.drafting import service as drafts
from bot.drafting.presenters import draft_card
from bot.handoffs import presenters
from bot.handoffs import use_cases as handoffs
from bot.reply import Reply, Tone
from bot.routing import RouteTable

routes = RouteTable()


@routes(c.DraftMessaging, "draft.start")
async def _draft(cmd: c.DraftMessaging, ctx: Ctx) -> Reply:
    record = await drafts.start(cmd, ctx)
    ctx.pending_draft = record.id
    return Reply(title="Drafting customer messaging from your notes…", ephemeral=False)


@routes(c.SaveDraft, "platform")
async def _save_draft(cmd: c.SaveDraft, ctx: Ctx) -> Reply:
    return draft_card(await drafts.save(cmd, ctx), cmd.problem)


@routes(c.UseDraft, "draft.decide")
async def _use_draft(cmd: c.UseDraft, ctx: Ctx) -> Reply:
    view = await handoffs.create(await drafts.use(cmd, ctx), ctx)
    to = f"to {view.owner.display_name}" if view.owner else "with no owner yet (no PMM drives messaging)"
    return dataclasses.replace(presenters.handoff_card(view, ctx.today(), f"Messaging handoff {view.handoff.ref} {to}."),
                               ephemeral=False)


@routes(c.RegenerateDraft, "draft.decide")
async def _regenerate_draft(cmd: c.RegenerateDraft, ctx: Ctx) -> Reply:
    ctx.pending_draft = (await drafts.regenerate(cmd, ctx)).id
    return Reply(title="Drafting it again…", ephemeral=False)


@routes(c.DiscardDraft, "draft.decide")
async def _discard_draft(cmd: c.DiscardDraft, ctx: Ctx) -> Reply:
    await drafts.discard(cmd, ctx)
    return Reply(title="Draft discarded.", tone=Tone.SUCCESS)
