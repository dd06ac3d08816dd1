"""``release calendar [name]``: the launch dates as an iCalendar file, for any calendar app.

One all-day event per release target date and per gate due date, of every open release (or the
one named, whatever its status). Each event's UID names the workspace and the row
(``release-12.slack-T1@handoff``, ``gate-40.slack-T1@handoff``), so importing the file again
updates the events instead of doubling them. Nothing in it is private: names and dates only.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from bot import commands as c
from bot.context import Ctx, find_release
from bot.domain import Gate, Release
from bot.releases import export_format as fmt
from bot.releases.use_cases import open_releases
from bot.reply import OutFile, Reply, ReplyBuilder, Strong

PRODID = "-//Handoff//Release calendar//EN"
MIME = "text/calendar; charset=utf-8"


async def calendar(cmd: c.ReleaseCalendar, ctx: Ctx) -> Reply:
    """The use case: the .ics goes on ``ctx.files`` for the platform; the reply counts its events."""
    if cmd.name:
        releases = [await find_release(ctx.uow, cmd.name)]
    else:
        releases = await open_releases(ctx.uow)
    dated = [(r, [g for g in await ctx.uow.gates.for_release(r.id) if g.due_date]) for r in releases]
    title = f"Releases: {cmd.name}" if cmd.name else "Releases: every open one"
    cal = ics(dated, ctx.workspace.id, ctx.now, title)
    name = f"release-{fmt.slug(cmd.name)}.ics" if cmd.name else "releases.ics"
    ctx.files.append(OutFile(name, title, cal, MIME))
    return calendar_reply(dated, name)


def ics(releases: list[tuple[Release, list[Gate]]], workspace_id: str, stamp: datetime, title: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", title)
    where = uid_part(workspace_id)
    for release, gates in releases:
        if release.target_date:
            cal.add_component(event(f"release-{release.id}.{where}@handoff", f"{release.name} launch",
                                    release.target_date, stamp, f"Target date of {release.name} ({release.status})."))
        for g in gates:
            if g.due_date:
                cal.add_component(event(f"gate-{g.id}.{where}@handoff", f"{release.name}: {g.name} gate", g.due_date,
                                        stamp, f"Gate {g.position + 1} of {release.name}: {g.status.value}."))
    return cal.to_ical()


def event(uid: str, summary: str, day: date, stamp: datetime, description: str) -> Event:
    """An all-day event: DTEND is the next day (exclusive), and it does not show as busy."""
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", day)
    ev.add("dtend", day + timedelta(days=1))
    ev.add("summary", summary)
    ev.add("description", description)
    ev.add("transp", "TRANSPARENT")
    return ev


def uid_part(workspace_id: str) -> str:
    """``slack:T1`` -> ``slack-T1``: a workspace id as plain characters of a UID."""
    return re.sub(r"[^A-Za-z0-9.\-]+", "-", workspace_id).strip("-") or "workspace"


def calendar_reply(releases: list[tuple[Release, list[Gate]]], file_name: str) -> Reply:
    launches = sum(r.target_date is not None for r, _ in releases)
    gates = sum(len(g) for _, g in releases)
    out = ReplyBuilder(title=f"Calendar of {fmt.plural(len(releases), 'release')}: "
                             f"{fmt.plural(launches, 'launch date')}, {fmt.plural(gates, 'gate date')}")
    out.bullets([(Strong(r.name), f" — {r.target_date.isoformat() if r.target_date else 'no target date'}, "
                  f"{fmt.plural(len(g), 'gate date')}") for r, g in releases])
    return out.context(f"File: {file_name}. Import it again after a change: the events update in place.").build()
