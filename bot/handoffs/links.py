"""What a handoff waits on: ``link 12 needs #14``, ``block 12 by #14``, ``unlink 12 #14``.

A link says #12 needs #14 done first. ``show`` lists both directions; when the last thing a
handoff waits on is done, its owner is told, and a block that the links made is lifted
(:func:`bot.handoffs.use_cases.release_waiting`). Launch-plan inputs are the same links.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot import commands as c
from bot import rights
from bot.context import Ctx
from bot.domain import Action, Handoff, HandoffView, Status
from bot.errors import InvalidInput
from bot.handoffs.lifecycle import check_party, parties, party_names
from bot.handoffs.use_cases import (
    BLOCKED_BY_LINK,
    FINISHED,
    load,
    log_event,
    move,
    record_event,
    release_waiting,
    with_history,
)

MAX_LINKS = 10


async def link(cmd: c.LinkHandoff, ctx: Ctx) -> HandoffView:
    view = await load(ctx, cmd.number)
    h = view.handoff
    if cmd.block:
        check_party(h, ctx.actor, Action.BLOCK, view.owner, view.requester)
    else:
        rights.require("handoff.link", ctx.actor, parties(h, ctx.actor), subject=h.ref,
                       names=party_names(view.owner, view.requester))
    needs = [await _linkable(ctx, h, n) for n in dict.fromkeys(cmd.needs)]
    already = {n.id for n in (await ctx.uow.handoffs.needs([h.id])).get(h.id, [])}
    new = [n for n in needs if n.handoff.id not in already]
    if not new and not cmd.block:
        raise InvalidInput(f"{h.ref} already waits on {_refs(n.handoff for n in needs)}.")
    for need in new:
        await ctx.uow.handoffs.link(h.id, need.handoff.id, ctx.now)
        await record_event(ctx, h, "link", None, None, f"needs {need.handoff.ref} {need.handoff.title}",
                           ("needs", "", str(need.handoff.number)))
        ctx.notify(need.owner, f"{ctx.actor.display_name}: {h.ref} {h.title} waits on your {need.handoff.ref} "
                               f"{need.handoff.title}.", need.handoff.number)
        ctx.touch(need)
    if new:
        await log_event(ctx, h, f"{ctx.actor.display_name}: {h.ref} {h.title} waits on "
                                f"{', '.join(f'{n.handoff.ref} {n.handoff.title}' for n in new)}")
    if cmd.block and h.status is not Status.BLOCKED:
        reason = BLOCKED_BY_LINK + ", #".join(f"{n.handoff.number} {n.handoff.title}" for n in needs)
        view = await move(c.MoveHandoff(h.number, Action.BLOCK, reason[:300]), ctx)
    else:
        other = view.owner if ctx.actor.id != h.owner_id else view.requester
        ctx.notify(other, f"{ctx.actor.display_name}: {h.ref} {h.title} now waits on {_refs(n.handoff for n in new)}.",
                   h.number)
    await with_history(ctx, view)
    ctx.touch(view)
    return view


async def unlink(cmd: c.UnlinkHandoff, ctx: Ctx, *, action: str = "unlink") -> HandoffView:
    view = await load(ctx, cmd.number)
    h = view.handoff
    rights.require("handoff.link", ctx.actor, parties(h, ctx.actor), subject=h.ref,
                   names=party_names(view.owner, view.requester))
    for number in dict.fromkeys(cmd.needs):
        need = await load(ctx, number)
        if not await ctx.uow.handoffs.unlink(h.id, need.handoff.id):
            raise InvalidInput(f"{h.ref} does not wait on {need.handoff.ref}; `show {h.number}` lists what it waits on.")
        await record_event(ctx, h, action, None, None, f"no longer needs {need.handoff.ref} {need.handoff.title}")
        ctx.touch(need)
    await log_event(ctx, h, f"{ctx.actor.display_name}: {h.ref} {h.title} no longer waits on "
                            f"{', '.join(f'#{n}' for n in dict.fromkeys(cmd.needs))}")
    left = (await ctx.uow.handoffs.needs([h.id])).get(h.id, [])
    if all(n.status in FINISHED for n in left) and h.status_note and h.status_note.startswith(BLOCKED_BY_LINK):
        await release_waiting(ctx, view, "Nothing it waits on is open any more")
    await with_history(ctx, view)
    ctx.touch(view)
    return view


async def _linkable(ctx: Ctx, handoff: Handoff, number: int) -> HandoffView:
    """The handoff ``number``, if ``handoff`` can wait on it: another one, still open, not waiting on it."""
    if number == handoff.number:
        raise InvalidInput(f"{handoff.ref} can't wait on itself.")
    need = await load(ctx, number)
    if need.handoff.status in FINISHED:
        raise InvalidInput(f"{need.handoff.ref} is {need.handoff.status.label} already, so there is nothing to wait on.")
    if await _waits_on(ctx, need.handoff.id, handoff.id):
        raise InvalidInput(f"{need.handoff.ref} already waits on {handoff.ref} (directly or through others); "
                           "two handoffs can't wait on each other.")
    if len((await ctx.uow.handoffs.needs([handoff.id])).get(handoff.id, [])) >= MAX_LINKS:
        raise InvalidInput(f"{handoff.ref} already waits on {MAX_LINKS} handoffs; unlink one first.")
    return need


async def _waits_on(ctx: Ctx, start: int, target: int) -> bool:
    """Whether ``start`` waits on ``target``, through any chain of links (a walk, level by level)."""
    seen, frontier = {start}, [start]
    while frontier:
        needs = await ctx.uow.handoffs.needs(frontier)
        frontier = [n.id for ids in needs.values() for n in ids if n.id not in seen]
        if target in frontier:
            return True
        seen.update(frontier)
    return False


def _refs(handoffs: Iterable[Handoff]) -> str:
    return ", ".join(h.ref for h in handoffs)
