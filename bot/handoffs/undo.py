"""``undo``: take back your own last edit or link of a handoff, within a few minutes.

Only what can be put back exactly: an edit (the old values are kept in full with each edit) or a
link. Moves are not undone here: their notices have gone out and the lifecycle has its own way
back (``reopen``, ``start``). An edit is not undone over someone else's later change to that field.
"""

from __future__ import annotations

from datetime import timedelta

from bot import commands as c
from bot.context import Ctx
from bot.domain import HandoffEvent, HandoffView
from bot.errors import InvalidInput
from bot.handoffs import editing, links
from bot.handoffs.use_cases import load

UNDO_WINDOW = timedelta(minutes=10)
UNDOABLE = frozenset({"edit", "link"})


async def undo(_: c.UndoLastChange, ctx: Ctx) -> tuple[HandoffView, str]:
    """Put back the caller's last edit or link; the view, and a sentence saying what was undone."""
    events = await ctx.uow.handoffs.last_change_by(ctx.actor.id, ctx.now - UNDO_WINDOW)
    if not events:
        raise InvalidInput(f"You have changed no handoff in the last {_minutes()}; `undo` takes back your last "
                           "edit or link.")
    handoff = await ctx.uow.handoffs.by_id(events[0].handoff_id)
    if handoff is None:  # the row cascades with its events, so this is only a race with a delete
        raise InvalidInput("That handoff is gone; there is nothing to undo.")
    if any(e.action not in UNDOABLE or e.change is None for e in events):
        raise InvalidInput(f"Your last change was `{events[-1].action}` on {handoff.ref}, which `undo` can't take "
                           f"back (it undoes edits and links); `show {handoff.number}` has the history.")
    view = await load(ctx, handoff.number)
    if events[0].action == "link":
        needs = tuple(int(e.change[2]) for e in events if e.change)
        view = await links.unlink(c.UnlinkHandoff(view.handoff.number, needs), ctx, action="undo")
        return view, f"Undone: {view.handoff.ref} no longer waits on {', '.join(f'#{n}' for n in needs)}."
    await _check_unchanged_since(ctx, view, events)
    back = tuple((e.change[0], e.change[1]) for e in events if e.change)
    view, changes = await editing.edit(c.EditHandoff(view.handoff.number, back), ctx, action="undo")
    return view, f"Undone: {'; '.join(change.line() for change in changes)}."


async def _check_unchanged_since(ctx: Ctx, view: HandoffView, events: list[HandoffEvent]) -> None:
    """Refuse when anyone edited one of these fields after the caller did."""
    fields = {e.change[0] for e in events if e.change}
    history = await ctx.uow.handoffs.history(view.handoff.id)
    later = [e for e in history if e.at > events[-1].at and e.change and e.change[0] in fields]
    if later:
        who = await ctx.uow.people.get_many([later[-1].actor_id])
        name = who[later[-1].actor_id].display_name if later[-1].actor_id in who else "someone"
        raise InvalidInput(f"{name} changed the {later[-1].change[0]} of {view.handoff.ref} since, so I left it; "
                           f"`edit {view.handoff.number} {later[-1].change[0]} …` sets it.")


def _minutes() -> str:
    return f"{int(UNDO_WINDOW.total_seconds() // 60)} minutes"
