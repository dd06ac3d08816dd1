"""The reminder commands: upcoming nudges, nudge settings, channel digests."""

from __future__ import annotations

import dataclasses

from bot import commands as c
from bot.context import Ctx
from bot.reminders import messages as nudge_messages
from bot.reminders import use_cases as reminders
from bot.reply import Reply, Tone
from bot.routing import RouteTable

routes = RouteTable()


@routes(c.ShowNudges, "nudges.read")
async def _nudges(cmd: c.ShowNudges, ctx: Ctx) -> Reply:
    return nudge_messages.preview(await reminders.upcoming_nudges(cmd, ctx))


@routes(c.SetNudgeOption, "nudges.settings")
async def _nudge_option(cmd: c.SetNudgeOption, ctx: Ctx) -> Reply:
    return Reply(title=await reminders.set_option(cmd, ctx), tone=Tone.SUCCESS)


@routes(c.SubscribeDigest, "digest.settings")
async def _digest_here(cmd: c.SubscribeDigest, ctx: Ctx) -> Reply:
    sub = await reminders.subscribe(cmd, ctx)
    release = (await ctx.uow.releases.get_many([sub.release_id])).get(sub.release_id) if sub.release_id else None
    return reminders.describe(sub, release.name if release else None)


@routes(c.StopDigest, "digest.settings")
async def _digest_off(cmd: c.StopDigest, ctx: Ctx) -> Reply:
    if await reminders.stop(cmd, ctx):
        return Reply(title="This channel's digest is off.", tone=Tone.SUCCESS)
    return Reply(title="This channel had no digest; `digest here 09:00` starts one.")


@routes(c.ShowDigest, "digest.read")
async def _digest(cmd: c.ShowDigest, ctx: Ctx) -> Reply:
    sub = await reminders.show(cmd, ctx)
    if sub is None:
        return Reply(title="This channel has no digest; `digest here 09:00` starts one.")
    release = (await ctx.uow.releases.get_many([sub.release_id])).get(sub.release_id) if sub.release_id else None
    return dataclasses.replace(reminders.describe(sub, release.name if release else None), tone=Tone.INFO)


@routes(c.PreviewDigest, "digest.read")
async def _digest_preview(cmd: c.PreviewDigest, ctx: Ctx) -> Reply:
    return await reminders.preview(cmd, ctx)
