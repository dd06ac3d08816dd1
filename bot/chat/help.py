"""Help and usage replies, from the command texts in :mod:`bot.chat.texts`."""

from __future__ import annotations

from bot import commands as c
from bot.chat.texts import HELP_ORDER, USAGE, Usage
from bot.context import Ctx
from bot.ownership.presenters import WRITE_SIDE_HINT
from bot.reply import Code, Reply, ReplyBuilder, Strong, Tone
from bot.routing import RouteTable

routes = RouteTable()


def help_reply(topic: str | None) -> Reply:
    if topic and topic in USAGE:
        return usage(topic, None)
    out = ReplyBuilder(title="Handoff keeps PMs and PMMs in step")
    out.para(WRITE_SIDE_HINT)
    out.bullets([(Code(USAGE[k].syntax.split(" [")[0].split(" <")[0]), f" — {USAGE[k].purpose}") for k in HELP_ORDER])
    out.context(f"Try: {USAGE['new'].example} · `help <command>` for details.")
    return out.build()


def usage(topic: str | None, message: str | None) -> Reply:
    out = ReplyBuilder(tone=Tone.USAGE)
    if message:
        out.para(message)
    if topic in USAGE:
        u: Usage = USAGE[topic]
        out.para(Strong("Usage: "), Code(u.syntax))
        out.para(Strong("Example: "), Code(u.example))
    else:
        out.para("Type ", Code("help"), " to see every command.")
    return out.build()


@routes(c.ShowHelp, "help")
async def _help(cmd: c.ShowHelp, ctx: Ctx) -> Reply:
    return help_reply(cmd.topic)
