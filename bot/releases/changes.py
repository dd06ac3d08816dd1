"""A release's own lifecycle: rename, retarget by hand, ship, close.

Retargeting moves the undecided gates and the open plan items with the target, by the same number
of days, and tells everyone whose dates moved once. Shipping keeps the post-launch work (the 6
Month Assessment, items due after the target) and stops the pre-launch reminders; closing takes the
release out of digests, readiness and nudges, while it stays searchable and exportable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot import commands as c
from bot.context import Ctx, find_release
from bot.dates import parse_due
from bot.domain import ACTIVE_STATUSES, EntryKind, Handoff, Release
from bot.errors import InvalidInput
from bot.gates.decisions import move_target, watchers, working_hours
from bot.ownership.release_rights import require_for_release
from bot.rights import Party
from bot.wording import due_text

MAX_NAME = 60


@dataclass
class ReleaseChange:
    release: Release
    action: str
    sentence: str
    moved: list[Handoff] = field(default_factory=list)  # plan handoffs whose due dates moved
    still_open: list[Handoff] = field(default_factory=list)  # shipped or closed with these unfinished


async def change(cmd: c.ChangeRelease, ctx: Ctx) -> ReleaseChange:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    release = await find_release(ctx.uow, cmd.release)
    holds = {Party.RELEASE_OWNER} if ctx.actor.id == release.owner_id else set()
    await require_for_release(ctx, "release.change", release, holds)
    if release.closed and cmd.action != "rename":
        raise InvalidInput(f"{release.name} is closed already.")
    if cmd.action == "rename":
        return await _rename(ctx, release, cmd.value)
    if cmd.action == "target":
        return await _retarget(ctx, release, cmd.value)
    return await _end(ctx, release, cmd.action)


async def _rename(ctx: Ctx, release: Release, new: str) -> ReleaseChange:
    new = new.strip().strip('"“”').strip()
    if not new or len(new) > MAX_NAME or not re.search(r"\w", new):
        raise InvalidInput(f"A release name has 1 to {MAX_NAME} characters, with at least one letter or digit.")
    other = await ctx.uow.releases.by_name(new)
    if other is not None and other.id != release.id:
        raise InvalidInput(f"There is already a release called “{new}”.")
    if new == release.name:
        raise InvalidInput(f"{release.name} is called that already.")
    old, release.name = release.name, new
    await ctx.uow.releases.save(release)
    sentence = f"{ctx.actor.display_name} renamed {old} to {new}"
    await ctx.record(EntryKind.DECISION, sentence, release.id)
    return ReleaseChange(release, "rename", sentence + ".")


async def _retarget(ctx: Ctx, release: Release, text: str) -> ReleaseChange:
    if not text.strip():
        raise InvalidInput("Give the new target date: `release target v2.3 2027-01-15`.")
    new = parse_due(text, ctx.today())
    old = release.target_date
    if new == old:
        raise InvalidInput(f"{release.name} already targets {new.isoformat()}.")
    moved = await _move_plan(ctx, release, old, new)
    await move_target(ctx.uow, release, new)
    sentence = (f"{ctx.actor.display_name} moved the target of {release.name} "
                f"{f'from {old.isoformat()} ' if old else ''}to {new.isoformat()}")
    await ctx.record(EntryKind.DECISION, sentence, release.id)
    await _tell_once(ctx, release, moved, sentence)
    return ReleaseChange(release, "target", sentence + ".", moved)


async def _move_plan(ctx: Ctx, release: Release, old: date | None, new: date) -> list[Handoff]:
    """Open plan items move with the target, each onto a working day, never into the past."""
    if old is None:
        return []
    hours = await working_hours(ctx.uow)
    today = ctx.today()
    moved = []
    for h in await ctx.uow.handoffs.of_plan(release.id):
        if h.status in ACTIVE_STATUSES and h.due_date is not None:
            day = hours.working_day_on_or_before(h.due_date + (new - old))
            h.due_date = day if day > today else hours.working_day_on_or_after(today)
            h.updated_at = ctx.now
            await ctx.uow.handoffs.update(h, h.version)
            moved.append(h)
    return moved


async def _tell_once(ctx: Ctx, release: Release, moved: list[Handoff], sentence: str) -> None:
    """One notice per person: their moved items listed, or just the new date for gate followers."""
    today = ctx.today()
    mine: dict[int, list[Handoff]] = {}
    for h in moved:
        if h.owner_id:
            mine.setdefault(h.owner_id, []).append(h)
    people = await ctx.uow.people.get_many([*mine, *([release.owner_id] if release.owner_id else [])])
    for person in await watchers(ctx.uow, release):
        people.setdefault(person.id, person)
    for person_id, person in people.items():
        items = mine.get(person_id, [])
        dates = "; ".join(f"{h.ref} {h.title} is now due {due_text(h.due_date, today)}" for h in items)
        ctx.notify(person, sentence + (f": {dates}." if dates else "."))


async def _end(ctx: Ctx, release: Release, action: str) -> ReleaseChange:
    if action == "ship" and release.shipped:
        raise InvalidInput(f"{release.name} has shipped already; `release close {release.name}` ends it.")
    release.status = "shipped" if action == "ship" else "closed"
    await ctx.uow.releases.save(release)
    open_ones = [h for h in await ctx.uow.handoffs.of_plan(release.id) if h.status in ACTIVE_STATUSES]
    if action == "ship":
        sentence = f"{ctx.actor.display_name} shipped {release.name}"
        after = "Pre-launch reminders stop; the 6 Month Assessment and post-launch items stay."
    else:
        sentence = f"{ctx.actor.display_name} closed {release.name}"
        after = "It leaves digests, readiness and nudges; `release show` and `release export` still find it."
    await ctx.record(EntryKind.DECISION, sentence, release.id)
    return ReleaseChange(release, action, f"{sentence}. {after}", still_open=open_ones)
