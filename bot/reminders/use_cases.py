"""Use cases for nudges and digests that people run: subscribe a channel, preview, settings."""

from __future__ import annotations

import dataclasses
import re
from datetime import time

from bot import commands as c
from bot.context import Ctx, find_release
from bot.dates import check_timezone, local_today, parse_date
from bot.domain import DigestSubscription
from bot.errors import InvalidInput, NotFound
from bot.reminders import digest
from bot.reminders.jobs import load_digest_data, load_nudge_state
from bot.reminders.policy import Plan, plan
from bot.reply import Reply, ReplyBuilder, Tone
from bot.working_time import WEEKDAY_NAMES, settings_from, settings_to


def _conversation(ctx: Ctx) -> str:
    if not ctx.caller.conversation:
        raise InvalidInput("Run this in the channel that should get the digest.")
    return ctx.caller.conversation


async def subscribe(cmd: c.SubscribeDigest, ctx: Ctx) -> DigestSubscription:
    channel = _conversation(ctx)
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    current = await ctx.uow.digests.by_channel(channel)
    if current is None and cmd.at is None:
        raise NotFound("This channel has no digest yet; start one with `digest here 09:00`.")
    base = current or DigestSubscription(0, ctx.uow.workspace_id, channel, time(9), ctx.timezone_of(ctx.actor), ctx.now)
    changes: dict = {"private": ctx.caller.private_conversation, "created_by": ctx.actor.id}
    if cmd.at is not None:
        changes["local_time"] = time.fromisoformat(cmd.at)
        changes["release_id"] = (await find_release(ctx.uow, cmd.release)).id if cmd.release else None
    if cmd.timezone is not None:
        changes["timezone"] = check_timezone(cmd.timezone)
    if cmd.all_clear is not None:
        changes["all_clear"] = cmd.all_clear
    return await ctx.uow.digests.save(dataclasses.replace(base, **changes))


async def stop(_: c.StopDigest, ctx: Ctx) -> bool:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    return await ctx.uow.digests.remove(_conversation(ctx))


async def show(_: c.ShowDigest, ctx: Ctx) -> DigestSubscription | None:
    return await ctx.uow.digests.by_channel(_conversation(ctx)) if ctx.caller.conversation else None


async def preview(_: c.PreviewDigest, ctx: Ctx) -> Reply:
    """Today's digest for this channel (or, with none, what one would say), to the caller only."""
    sub = await show(c.ShowDigest(), ctx)
    if sub is None:
        sub = DigestSubscription(0, ctx.uow.workspace_id, ctx.caller.conversation or "", time(9),
                                 ctx.timezone_of(ctx.actor), ctx.now, private=ctx.caller.private_conversation)
    hours = settings_from(await ctx.uow.jobs.nudge_settings()).hours
    day = local_today(ctx.now, sub.timezone)
    data = await load_digest_data(ctx.uow, sub, ctx.now, day, hours)
    reply = digest.compose(data)
    if reply is None:
        standing = digest.standing_risks(data)
        said = f". Still at risk: {' · '.join(standing)}." if standing else ": all clear."
        return Reply(title=f"Nothing new for today's digest{said}", tone=Tone.INFO)
    return dataclasses.replace(reply, ephemeral=True)


async def upcoming_nudges(_: c.ShowNudges, ctx: Ctx) -> Plan:
    """The plan as if the pass ran now, without what the caller may not see (private handoffs
    of others)."""
    p = plan(await load_nudge_state(ctx.uow, ctx.now, ctx.workspace.timezone))

    def visible(h: object) -> bool:
        return h is None or not h.private or ctx.actor.id in (h.owner_id, h.requester_id)  # type: ignore[attr-defined]

    p.dms = {pid: [n for n in batch if visible(n.handoff)] for pid, batch in p.dms.items()}
    p.dms = {pid: batch for pid, batch in p.dms.items() if batch}
    p.deferred = [d for d in p.deferred if visible(d.nudge.handoff)]
    return p


async def set_option(cmd: c.SetNudgeOption, ctx: Ctx) -> str:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    current = settings_from(await ctx.uow.jobs.nudge_settings())
    values = settings_to(current)
    value = cmd.value.strip().lower()
    if cmd.option == "hours":
        m = re.fullmatch(r"(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})", value)
        if not m or not _valid_hours(m.group(1), m.group(2)):
            raise InvalidInput("Give working hours as HH:MM-HH:MM, start before end, such as 09:00-17:30.")
        values["start"], values["end"] = (f"{time.fromisoformat(t.zfill(5)):%H:%M}" for t in m.groups())
    elif cmd.option == "days":
        values["days"] = _days(value)
    elif cmd.option in ("limit", "escalate"):
        if not (value.isdecimal() and len(value) <= 2) or not 1 <= int(value) <= 20:  # int() refuses "²"
            raise InvalidInput(f"The {cmd.option} is a whole number from 1 to 20.")
        values["max_dms_per_day" if cmd.option == "limit" else "escalate_after"] = int(value)
    else:  # quiet days: holidays and company days off
        values["quiet_days"] = sorted({*values["quiet_days"], *(_quiet_day(v, ctx) for v in value.split(","))})
    await ctx.uow.jobs.set_nudge_settings(values)
    new = settings_from(values)
    quiet = ", ".join(d.isoformat() for d in sorted(new.hours.quiet_days)) or "none"
    return (f"Nudges go out {new.hours.describe()} in each person's time zone; at most {new.max_dms_per_day} "
            f"a day per person; escalation after {new.escalate_after} unanswered. Quiet days: {quiet}.")


def _valid_hours(start: str, end: str) -> bool:
    try:
        return time.fromisoformat(start.zfill(5)) < time.fromisoformat(end.zfill(5))
    except ValueError:
        return False


def _days(value: str) -> list[int]:
    if m := re.fullmatch(r"([a-z]{3})[a-z]*\s*-\s*([a-z]{3})[a-z]*", value):
        first, last = (WEEKDAY_NAMES.index(d) if d in WEEKDAY_NAMES else -1 for d in m.groups())
        if first >= 0 and last >= first:
            return list(range(first, last + 1))
    names = [d.strip()[:3] for d in value.split(",")]
    if names and all(n in WEEKDAY_NAMES for n in names):
        return sorted({WEEKDAY_NAMES.index(n) for n in names})
    raise InvalidInput("Give working days as a range or a list, such as mon-fri or mon,tue,thu.")


def _quiet_day(text: str, ctx: Ctx) -> str:
    day = parse_date(text.strip(), ctx.today())
    if day is None:
        raise InvalidInput(f"“{text.strip()}” is not a date; use 2026-12-24 or dec 24.")
    return day.isoformat()


def describe(sub: DigestSubscription, release_name: str | None) -> Reply:
    scope = f" for {release_name}" if release_name else ""
    clear = "an all-clear line" if sub.all_clear else "no message"
    out = ReplyBuilder(title=f"This channel gets a digest{scope} at {sub.local_time:%H:%M} ({sub.timezone}) on working days.",
                       tone=Tone.SUCCESS)
    out.context(f"Nothing new means {clear}. `digest preview` shows today's; `digest off` stops it.")
    return out.build()

