"""Handoff use cases: create, move through the lifecycle, reassign, comment, list, show."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import TypeVar

from bot import commands as c
from bot import rights
from bot.context import Ctx, find_release
from bot.dates import parse_due, parse_snooze
from bot.domain import (
    ACTIVE_STATUSES,
    Action,
    Area,
    EntryKind,
    Handoff,
    HandoffEvent,
    HandoffView,
    Kind,
    Person,
    Release,
    Role,
    Status,
)
from bot.duties import ownership, suggested_roles
from bot.errors import HandoffError, IllegalTransition, InvalidInput, NotAllowed, NotFound
from bot.handoffs.lifecycle import check_party, check_reassign, parties, party_names, target_status
from bot.ports import HandoffQuery, NewHandoff

T = TypeVar("T")

MAX_TITLE = 200
MAX_DETAILS = 4000
MAX_NOTE = 2000


async def create(cmd: c.CreateHandoff, ctx: Ctx) -> HandoffView:
    uow = ctx.uow
    owner = await ctx.person(cmd.owner) if cmd.owner else None
    release = await tag_field("release", find_release(uow, cmd.release)) if cmd.release else None
    area = await tag_field("area", find_area(ctx, cmd.area)) if cmd.area else None
    note = None
    if area is not None and owner is None:  # the registry says who: the area's driver for that release
        owner, note = await area_driver(ctx, area, release)
    try:
        due = parse_due(cmd.due, ctx.today(owner or ctx.actor)) if cmd.due else None
    except InvalidInput as exc:
        raise InvalidInput(str(exc), field="due") from None
    if len(cmd.details) > MAX_DETAILS:
        raise InvalidInput(f"Keep the details under {MAX_DETAILS:,} characters; link to a doc for more.", "details")
    if not cmd.title.strip() or len(cmd.title) > MAX_TITLE:
        raise InvalidInput(f"A title has 1 to {MAX_TITLE} characters; put the rest in the details.", "title")
    kind = cmd.kind or _default_kind(ctx.actor)
    number = await uow.workspaces.allocate_handoff_number()
    handoff = await uow.handoffs.add(
        number,
        NewHandoff(
            kind=kind, title=cmd.title, details=cmd.details, requester_id=ctx.actor.id,
            owner_id=owner.id if owner else None, release_id=release.id if release else None,
            area_id=area.id if area else None, due_date=due, created_at=ctx.now,
            private=ctx.caller.private_conversation,
        ),
    )
    await record_event(ctx, handoff, "created", None, Status.OPEN, None)
    to = f" to {owner.display_name}" if owner else " (no owner yet)"
    await log_event(ctx, handoff, f"{ctx.actor.display_name} handed off {handoff.ref} {kind.value}{to}: {handoff.title}")
    ctx.notify(owner, f"{ctx.actor.display_name} handed you {handoff.ref}: {handoff.title}", handoff.number)
    if cmd.due_from_title and due:
        note = (f"{note} " if note else "") + (f"I read “{cmd.due}” at the end of the title as the due date; "
                                               f"`edit {handoff.number} title …` puts it back in the title.")
    view = HandoffView(handoff, ctx.actor, owner, release, area, note=note)
    ctx.touch(view)
    return view


async def area_driver(ctx: Ctx, area: Area, release: Release | None) -> tuple[Person | None, str]:
    """The area's one effective driver for the release (its own driver first, then the
    workspace's), with a line saying so; or nobody, with a line saying how to get one."""
    duties = ownership(await ctx.uow.areas.assignments(area.id), area.id, release.id if release else None)
    drivers = duties.effective_drivers
    if len(drivers) == 1:
        person = (await ctx.uow.people.get_many(drivers)).get(drivers[0])
        if person is not None:
            scope = f" for {release.name}" if release and duties.release_drivers else ""
            return person, f"{person.display_name} drives {area.name}{scope}, so it went to them."
    if drivers:
        return None, (f"{area.name} has {len(drivers)} drivers, so it has no owner yet: a lead settles who drives it "
                      f"(`owner set {area.name} @person`).")
    role = suggested_roles(area.side)[0].value.upper()
    return None, (f"Nobody drives {area.name} yet, so it has no owner; a {role} usually does. "
                  f"Claim it with `owner claim {area.name}`.")


async def add_planned(ctx: Ctx, *, kind: Kind, title: str, details: str, requester: Person, owner: Person | None,
                      release: Release, area: Area | None, due: date | None, plan_key: str) -> Handoff:
    """A handoff a launch plan lays out: recorded like any other; the plan tells people once."""
    handoff = await ctx.uow.handoffs.add(await ctx.uow.workspaces.allocate_handoff_number(), NewHandoff(
        kind=kind, title=title[:MAX_TITLE], details=details[:MAX_DETAILS], requester_id=requester.id,
        owner_id=owner.id if owner else None, release_id=release.id, area_id=area.id if area else None,
        due_date=due, created_at=ctx.now, plan_key=plan_key))
    await record_event(ctx, handoff, "created", None, Status.OPEN, "launch plan")
    return handoff


async def cancel_planned(ctx: Ctx, handoff: Handoff, reason: str) -> None:
    """Take an untouched plan item out (re-tiering, an area skipped): cancelled, with the reason."""
    before = handoff.status
    handoff.status, handoff.status_note = Status.CANCELLED, reason
    await save(ctx, handoff, None)
    await record_event(ctx, handoff, "cancel", before, Status.CANCELLED, reason)


async def move(cmd: c.MoveHandoff, ctx: Ctx, *, by_dispute: bool = False) -> HandoffView:
    """Move a handoff through its lifecycle; ``by_dispute``: a lead carrying out a dispute's
    decision, which may cancel what someone else asked for (:mod:`bot.rights`)."""
    view = await load(ctx, cmd.number)
    handoff, before = view.handoff, view.handoff.status
    if not by_dispute:
        check_party(handoff, ctx.actor, cmd.action, view.owner, view.requester)
    reason = _short(cmd.reason)
    asked_from = await _asked_from(ctx, handoff) if cmd.action is Action.ANSWER else None
    handoff.status = target_status(handoff, cmd.action, reason, asked_from)
    handoff.status_note = reason if cmd.action in (Action.DECLINE, Action.BLOCK, Action.ASK, Action.CANCEL) else None
    if cmd.action is Action.ANSWER and reason:
        handoff.details = f"{handoff.details}\n{reason}".strip()[:MAX_DETAILS]
    await save(ctx, handoff, cmd.expected_version)
    await record_event(ctx, handoff, cmd.action.value, before, handoff.status, reason)
    await log_event(ctx, handoff, _event_sentence(ctx.actor, handoff, cmd.action, reason))
    other = view.requester if ctx.actor.id != handoff.requester_id else view.owner
    ctx.notify(other, _event_sentence(ctx.actor, handoff, cmd.action, reason), handoff.number)
    if handoff.status is Status.DONE:
        await _tell_who_waited(ctx, handoff)
    ctx.touch(view)
    return view


FINISHED = frozenset({Status.DONE, Status.CANCELLED, Status.DECLINED})
BLOCKED_BY_LINK = "waiting on #"  # the reason ``block 12 by #14`` gives: lifted when #14 is done


async def _tell_who_waited(ctx: Ctx, done: Handoff) -> None:
    """When the last thing a handoff waits on is done, its owner hears that it is all in; one
    blocked by those links (``block 12 by #14``) is unblocked, any other block is left to its owner."""
    waiting = [h for h in await ctx.uow.handoffs.needed_by(done.id) if h.status in ACTIVE_STATUSES]
    needs = await ctx.uow.handoffs.needs([h.id for h in waiting])
    ready = [h for h in waiting if all(n.status in FINISHED for n in needs.get(h.id, []))]
    for view in await views(ctx, ready):
        await release_waiting(ctx, view, f"{done.ref} ({done.title}) is done")


async def release_waiting(ctx: Ctx, view: HandoffView, because: str) -> None:
    """Nothing is left that ``view`` waits on: unblock it if links blocked it, and tell its owner."""
    h = view.handoff
    if h.status is Status.BLOCKED and (h.status_note or "").startswith(BLOCKED_BY_LINK):
        h.status, h.status_note = Status.IN_PROGRESS, None
        await save(ctx, h, None)
        await record_event(ctx, h, "unblock", Status.BLOCKED, Status.IN_PROGRESS, because)
        await log_event(ctx, h, f"{h.ref} {h.title} is unblocked: {because}")
        text = f"{because}: {h.ref} {h.title} is unblocked and back in progress."
        ctx.notify(view.owner, text, h.number)
        ctx.touch(view)
    elif h.status is Status.BLOCKED:
        ctx.notify(view.owner, f"{because}: everything {h.ref} {h.title} waits on is in. It is still blocked "
                               f"({h.status_note}); `start {h.number}` when you pick it up again.", h.number)
    else:
        ctx.notify(view.owner, f"{because}: everything {h.ref} {h.title} waits on is in.", h.number)


async def reassign(cmd: c.ReassignHandoff, ctx: Ctx) -> HandoffView:
    view = await load(ctx, cmd.number)
    handoff = view.handoff
    check_reassign(handoff, ctx.actor, view.owner, view.requester)
    new_owner = await ctx.person(cmd.to)
    if new_owner.id == handoff.owner_id:
        raise InvalidInput(f"{new_owner.display_name} already owns {handoff.ref}.")
    before, previous = handoff.status, view.owner
    handoff.owner_id, handoff.status, handoff.status_note = new_owner.id, Status.OPEN, None
    await save(ctx, handoff, cmd.expected_version)
    note = f"from {previous.display_name if previous else 'nobody'} to {new_owner.display_name}"
    await record_event(ctx, handoff, "reassign", before, Status.OPEN, note)
    await log_event(ctx, handoff, f"{ctx.actor.display_name} reassigned {handoff.ref} {note}")
    ctx.notify(new_owner, f"{ctx.actor.display_name} handed you {handoff.ref}: {handoff.title}", handoff.number)
    for party in {p.id: p for p in (previous, view.requester) if p}.values():
        ctx.notify(party, f"{ctx.actor.display_name} gave {handoff.ref} to {new_owner.display_name}", handoff.number)
    view.owner = new_owner
    ctx.touch(view)
    return view


async def comment(cmd: c.CommentOnHandoff, ctx: Ctx) -> HandoffView:
    view = await load(ctx, cmd.number)
    text = _short(cmd.text)
    await record_event(ctx, view.handoff, "comment", None, None, text)
    await log_event(ctx, view.handoff, f"{ctx.actor.display_name} on {view.handoff.ref}: {text}")
    for party in (view.requester, view.owner):
        ctx.notify(party, f"{ctx.actor.display_name} commented on {view.handoff.ref}: {text}", view.handoff.number)
    await with_history(ctx, view)  # so the refreshed card shows the comment
    ctx.touch(view)
    return view


async def snooze(cmd: c.SnoozeHandoff, ctx: Ctx) -> HandoffView:
    """Quiet the nudges until a time; the owner's (or a lead's) call, on an active handoff."""
    view = await load(ctx, cmd.number)
    handoff = view.handoff
    rights.require("handoff.snooze", ctx.actor, parties(handoff, ctx.actor), subject=handoff.ref,
                   names=party_names(view.owner, view.requester))
    if handoff.status not in ACTIVE_STATUSES:
        raise IllegalTransition(f"{handoff.ref} is {handoff.status.label}; there is nothing to snooze.")
    handoff.snoozed_until = parse_snooze(cmd.duration, ctx.now, ctx.timezone_of(ctx.actor))
    await save(ctx, handoff, cmd.expected_version)
    await record_event(ctx, handoff, "snooze", None, None, f"until {handoff.snoozed_until:%Y-%m-%d %H:%M} UTC")
    ctx.touch(view)
    return view


async def set_due(cmd: c.SetDueDate, ctx: Ctx) -> HandoffView:
    view = await load(ctx, cmd.number)
    handoff = view.handoff
    rights.require("handoff.due", ctx.actor, parties(handoff, ctx.actor), subject=handoff.ref,
                   names=party_names(view.owner, view.requester))
    handoff.due_date = parse_due(cmd.due, ctx.today(view.owner or ctx.actor))
    await save(ctx, handoff, None)
    await record_event(ctx, handoff, "due", None, None, handoff.due_date.isoformat())
    ctx.notify(view.owner, f"{handoff.ref} is now due {handoff.due_date.isoformat()}", handoff.number)
    ctx.touch(view)
    return view


async def attach_message(cmd: c.AttachHandoffMessage, ctx: Ctx) -> None:
    """Remember where the card is shown; not a change of state, so no history line. Only a platform
    calls it, just after posting the card it made, so nothing is loaded first."""
    if not await ctx.uow.handoffs.set_message_ref(cmd.number, cmd.message_ref):
        raise NotFound(f"There is no handoff #{cmd.number} here; `list all` shows the open ones.")


async def show(cmd: c.ShowHandoff, ctx: Ctx) -> HandoffView:
    return await with_history(ctx, await load(ctx, cmd.number))


async def with_history(ctx: Ctx, view: HandoffView) -> HandoffView:
    view.history = await ctx.uow.handoffs.history(view.handoff.id)
    view.actors = await ctx.uow.people.get_many([e.actor_id for e in view.history])
    view.needs = (await ctx.uow.handoffs.needs([view.handoff.id])).get(view.handoff.id, [])
    view.needed_by = await ctx.uow.handoffs.needed_by(view.handoff.id)
    return view


async def find(cmd: c.ListHandoffs, ctx: Ctx) -> tuple[list[HandoffView], int, str]:
    me = ctx.actor
    statuses: frozenset[Status] | None = frozenset({cmd.status}) if cmd.status else ACTIVE_STATUSES
    release = await find_release(ctx.uow, cmd.release) if cmd.release else None
    owner_id = requester_id = None
    if cmd.scope == "mine":
        owner_id, label = me.id, "you owe"
    elif cmd.scope == "owed":
        requester_id, label = me.id, "owed to you"
    elif cmd.scope == "asked":
        requester_id, label = me.id, "you asked for"
        statuses = frozenset({cmd.status}) if cmd.status else None
    elif cmd.scope == "person":
        person = await ctx.person(cmd.person)
        owner_id, label = person.id, f"{person.display_name} owes"
    else:
        label = "open" if not cmd.status else cmd.status.label
    if cmd.overdue:
        statuses, label = ACTIVE_STATUSES, f"overdue, {label}"
    if release:
        label += f" for {release.name}"
    query = HandoffQuery(
        owner_id=owner_id, requester_id=requester_id, release_id=release.id if release else None,
        statuses=statuses, due_before=ctx.today() if cmd.overdue else None,
        include_private=not ctx.caller.public_reply,
    )
    handoffs, total = await ctx.uow.handoffs.find(query)
    return await views(ctx, handoffs), total, label


async def load(ctx: Ctx, number: int) -> HandoffView:
    handoff = await ctx.uow.handoffs.by_number(number)
    if handoff is None:
        raise NotFound(f"There is no handoff #{number} here; `list all` shows the open ones.")
    if handoff.private and ctx.caller.public_reply:
        raise NotAllowed(f"{handoff.ref} was made in a private conversation; ask me about it in a DM.")
    return (await views(ctx, [handoff]))[0]


async def views(ctx: Ctx, handoffs: list[Handoff]) -> list[HandoffView]:
    """Attach people, releases and areas with one query each, not one per handoff."""
    uow = ctx.uow
    people = await uow.people.get_many([i for h in handoffs for i in (h.requester_id, h.owner_id) if i])
    releases = await uow.releases.get_many([h.release_id for h in handoffs if h.release_id])
    areas = await uow.areas.get_many([h.area_id for h in handoffs if h.area_id])
    return [
        HandoffView(
            h, people[h.requester_id], people.get(h.owner_id) if h.owner_id else None,
            releases.get(h.release_id) if h.release_id else None, areas.get(h.area_id) if h.area_id else None,
        )
        for h in handoffs
    ]


async def _asked_from(ctx: Ctx, handoff: Handoff) -> Status | None:
    """The status the open question was asked from: the latest ``ask`` in the history."""
    asks = [e for e in await ctx.uow.handoffs.history(handoff.id) if e.action == Action.ASK.value]
    return asks[-1].from_status if asks else None


async def tag_field(name: str, lookup: Awaitable[T]) -> T:
    """Tag a lookup's error with the form field it concerns."""
    try:
        return await lookup
    except HandoffError as exc:
        exc.field = exc.field or name
        raise


def _default_kind(actor: Person) -> Kind:
    """PMs hand requirements to PMMs; PMMs hand messaging to PMs; anyone else asks."""
    return {Role.PM: Kind.REQUIREMENT, Role.PMM: Kind.MESSAGING}.get(actor.role, Kind.QUESTION) if actor.role else Kind.QUESTION


async def find_area(ctx: Ctx, name: str) -> Area:
    match = await ctx.resolve_area(name)
    if match.area is None:
        hint = ", ".join(a.name for a in match.candidates) or "`owner list` shows them"
        raise NotFound(f"I don't know a grey area called “{name}”; did you mean: {hint}?")
    return match.area


async def save(ctx: Ctx, handoff: Handoff, expected_version: int | None) -> None:
    version = handoff.version if expected_version is None else expected_version
    handoff.updated_at = ctx.now
    await ctx.uow.handoffs.update(handoff, version)


async def record_event(ctx: Ctx, handoff: Handoff, action: str, before: Status | None, after: Status | None,
                       note: str | None, change: tuple[str, str, str] | None = None) -> None:
    await ctx.uow.handoffs.add_event(HandoffEvent(handoff.id, ctx.actor.id, action, before, after, note, ctx.now, change))


async def log_event(ctx: Ctx, handoff: Handoff, body: str) -> None:
    """Every handoff event lands in the knowledge thread, searchable later."""
    await ctx.record(EntryKind.HANDOFF, body, handoff.release_id, handoff.id)


def _event_sentence(actor: Person, handoff: Handoff, action: Action, reason: str | None) -> str:
    verbs = {
        Action.ACK: "acknowledged", Action.START: "started", Action.DONE: "finished",
        Action.ASK: "needs info on", Action.ANSWER: "answered on", Action.DECLINE: "declined",
        Action.BLOCK: "blocked", Action.CANCEL: "cancelled", Action.REOPEN: "reopened",
    }
    sentence = f"{actor.display_name} {verbs[action]} {handoff.ref} {handoff.title}"
    return f"{sentence}: {reason}" if reason else sentence


def _short(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"Keep it under {MAX_NOTE:,} characters.")
    return text or None

