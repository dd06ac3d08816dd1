"""The workload command: ``load``."""

from __future__ import annotations

from bot import commands as c
from bot.context import Ctx
from bot.reply import Reply
from bot.routing import RouteTable
from bot.workload.presenters import workload_reply
from bot.workload.use_cases import show as show_workload

routes = RouteTable()


@routes(c.ShowWorkload, "workload.read")
async def _workload(cmd: c.ShowWorkload, ctx: Ctx) -> Reply:
    return workload_reply(await show_workload(cmd, ctx))
