"""Disputes: either party flags a handoff or a grey area as disputed, a lead or admin decides.

PM/PMM conflict must end with an executive owner's decision, not a stalemate. Either party
raises the dispute with a reason; the other party is asked for their side; every lead and
admin gets a card with both sides and one button per outcome. The decision is carried out
(the handoff reassigned or cancelled, the area given a driver) and recorded like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import commands as c
from bot import rights
from bot.context import Ctx, find_release
from bot.domain import Action, Area, Dispute, DisputeStatus, Duty, EntryKind, Handoff, HandoffEvent, Person
from bot.duties import ownership
from bot.errors import InvalidInput, NotFound
from bot.handoffs import lifecycle
from bot.handoffs import use_cases as handoffs
from bot.ownership import registry
from bot.rights import Party

MAX_REASON = 1000


@dataclass
class DisputeView:
    dispute: Dispute
    subject: str
    people: dict[int, Person]
    options: list[str]


async def raise_dispute(cmd: c.RaiseDispute, ctx: Ctx) -> tuple[DisputeView, bool]:
    """Record a dispute, or the other party's side of an open one; returns (view, is_new)."""
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    if len(cmd.reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters; link to a doc for more.", field="reason")
    if cmd.number is not None:
        loaded = await handoffs.load(ctx, cmd.number)  # the view names the requester and owner already
        handoff = loaded.handoff
        parties = [p for p in (handoff.requester_id, handoff.owner_id) if p]
        rights.require("dispute.handoff", ctx.actor, lifecycle.parties(handoff, ctx.actor), subject=handoff.ref,
                       names=lifecycle.party_names(loaded.owner, loaded.requester))
        other = next((p for p in parties if p != ctx.actor.id), None)
        key: tuple[int | None, int | None, int | None] = (handoff.id, None, None)
        release_id = handoff.release_id
    else:
        area = await _area(ctx, cmd.area or "")
        release = await find_release(ctx.uow, cmd.release) if cmd.release else None
        drivers = ownership(await ctx.uow.areas.assignments(area.id), area.id, release.id if release else None).effective_drivers
        other = next((d for d in drivers if d != ctx.actor.id), None)
        key = (None, area.id, release.id if release else None)
        release_id = release.id if release else None
    existing = await ctx.uow.disputes.open_for(*key)
    if existing:
        return await _add_side(ctx, existing, cmd.reason), False
    dispute = await ctx.uow.disputes.add(Dispute(
        id=0, workspace_id=ctx.workspace.id, raised_by=ctx.actor.id, reason=cmd.reason, created_at=ctx.now,
        handoff_id=key[0], area_id=key[1], release_id=release_id, other_party=other,
        private=ctx.caller.private_conversation))
    view = await load_view(ctx, dispute)
    if cmd.number is not None:
        await ctx.uow.handoffs.add_event(HandoffEvent(key[0] or 0, ctx.actor.id, "dispute", None, None, cmd.reason, ctx.now))
    await ctx.record(EntryKind.NOTE, f"{ctx.actor.display_name} disputed {view.subject}: {cmd.reason}", release_id)
    if other:
        ctx.notify(view.people.get(other), f"{ctx.actor.display_name} disputed {view.subject}: {cmd.reason}. "
                                            f"Add your side with: dispute {_again(cmd)} <your side>")
    return view, True


async def _add_side(ctx: Ctx, dispute: Dispute, side: str) -> DisputeView:
    if ctx.actor.id == dispute.raised_by:
        raise InvalidInput(f"You raised D{dispute.id} already; a lead decides it (`disputes` lists them).")
    holds = {Party.DISPUTE_PARTY} if dispute.other_party in (None, ctx.actor.id) else set()
    if not rights.allows("dispute.side", ctx.actor, holds):  # the other party's name only for the refusal
        rights.require("dispute.side", ctx.actor, holds, subject=f"D{dispute.id}",
                       names={Party.DISPUTE_PARTY: await _name(ctx, dispute.other_party)})
    dispute.other_party, dispute.other_side = ctx.actor.id, side
    await ctx.uow.disputes.save(dispute)
    view = await load_view(ctx, dispute)
    await ctx.record(EntryKind.NOTE, f"{ctx.actor.display_name}'s side on {view.subject}: {side}", dispute.release_id)
    ctx.notify(view.people.get(dispute.raised_by), f"{ctx.actor.display_name} answered your dispute on {view.subject}: {side}")
    return view


async def _name(ctx: Ctx, person_id: int | None) -> str:
    found = (await ctx.uow.people.get_many([person_id])).get(person_id) if person_id else None
    return found.display_name if found else ""


async def leads(ctx: Ctx) -> list[Person]:
    return [p for p in await ctx.uow.people.list() if p.can_lead]


async def list_open(ctx: Ctx) -> list[DisputeView]:
    views = [await load_view(ctx, d) for d in await ctx.uow.disputes.open_disputes()]
    if ctx.caller.public_reply:
        views = [v for v in views if not v.dispute.private]
    return views


async def resolve(cmd: c.ResolveDispute, ctx: Ctx) -> DisputeView:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    dispute = await ctx.uow.disputes.get(cmd.dispute_id)
    if dispute is None:
        raise NotFound(f"There is no dispute D{cmd.dispute_id} here; `disputes` lists the open ones.")
    if dispute.status is DisputeStatus.RESOLVED:
        raise InvalidInput(f"D{dispute.id} was decided already: {dispute.outcome}.")
    view = await load_view(ctx, dispute)
    if not 1 <= cmd.option <= len(view.options):
        raise InvalidInput(f"Pick an outcome from 1 to {len(view.options)}: " + "; ".join(
            f"{i}. {o}" for i, o in enumerate(view.options, 1)))
    await _carry_out(ctx, dispute, cmd.option)
    outcome = view.options[cmd.option - 1] + (f" ({cmd.note})" if cmd.note else "")
    dispute.status, dispute.outcome, dispute.resolved_by, dispute.resolved_at = (
        DisputeStatus.RESOLVED, outcome, ctx.actor.id, ctx.now)
    await ctx.uow.disputes.save(dispute)
    sentence = f"{ctx.actor.display_name} decided the dispute on {view.subject}: {outcome}"
    await ctx.record(EntryKind.DECISION, sentence, dispute.release_id)
    for party in (dispute.raised_by, dispute.other_party):
        ctx.notify(view.people.get(party or 0), sentence)
    view.people.setdefault(ctx.actor.id, ctx.actor)
    return view


async def _carry_out(ctx: Ctx, dispute: Dispute, option: int) -> None:
    """Option 1 keeps things as they are for a handoff; the others change the owner or driver."""
    people = await ctx.uow.people.get_many([p for p in (dispute.raised_by, dispute.other_party) if p])
    if dispute.handoff_id is not None:
        handoff = await _handoff(ctx, dispute)
        if option == 2:
            requester = people.get(handoff.requester_id) or (await ctx.uow.people.get_many([handoff.requester_id]))[handoff.requester_id]
            await handoffs.reassign(c.ReassignHandoff(handoff.number, c.UserRef(platform_id=requester.platform_user_id)), ctx)
        elif option == 3:
            await handoffs.move(c.MoveHandoff(handoff.number, Action.CANCEL, "cancelled by a lead's decision on a dispute"), ctx,
                                by_dispute=True)
        return
    area = (await ctx.uow.areas.get_many([dispute.area_id or 0]))[dispute.area_id or 0]
    release = (await ctx.uow.releases.get_many([dispute.release_id])).get(dispute.release_id) if dispute.release_id else None
    parties = _parties(dispute)
    if option <= len(parties):
        driver = people[parties[option - 1]]
        await registry.assign(c.AssignArea(area.name, c.UserRef(platform_id=driver.platform_user_id), Duty.DRIVER,
                                           release.name if release else None), ctx, settles=False)


def _parties(dispute: Dispute) -> list[int]:
    return [p for p in (dispute.raised_by, dispute.other_party) if p]


async def load_view(ctx: Ctx, dispute: Dispute) -> DisputeView:
    people = await ctx.uow.people.get_many([p for p in (dispute.raised_by, dispute.other_party, dispute.resolved_by) if p])
    if dispute.handoff_id is not None:
        handoff = await _handoff(ctx, dispute)
        people |= await ctx.uow.people.get_many([p for p in (handoff.owner_id, handoff.requester_id) if p])
        owner = people.get(handoff.owner_id or 0)
        requester = people[handoff.requester_id]
        options = [f"{owner.display_name if owner else 'Nobody'} keeps {handoff.ref}",
                   f"{handoff.ref} goes back to {requester.display_name}", f"Cancel {handoff.ref}"]
        return DisputeView(dispute, f"{handoff.ref} {handoff.title}", people, options)
    area = (await ctx.uow.areas.get_many([dispute.area_id or 0]))[dispute.area_id or 0]
    release = (await ctx.uow.releases.get_many([dispute.release_id])).get(dispute.release_id) if dispute.release_id else None
    scope = f" for {release.name}" if release else ""
    options = [f"{people[p].display_name} drives {area.name}{scope}" for p in _parties(dispute)]
    owned = ownership(await ctx.uow.areas.assignments(area.id), area.id, dispute.release_id)
    if not set(_parties(dispute)) & set(owned.effective_drivers):  # when one of them drives it, that is "no change"
        options.append(f"No change to {area.name}{scope}")
    return DisputeView(dispute, f"{area.name}{scope}", people, options)


async def _handoff(ctx: Ctx, dispute: Dispute) -> Handoff:
    found = await ctx.uow.handoffs.by_id(dispute.handoff_id or 0)
    if found is None:
        raise NotFound(f"The handoff of D{dispute.id} no longer exists.")
    return found


async def _area(ctx: Ctx, name: str) -> Area:
    match = await ctx.resolve_area(name)
    if match.area is None:
        hint = f"Which area: {', '.join(a.name for a in match.candidates)}?" if match.candidates else "`owner list` shows them."
        raise NotFound(f"I don't know a grey area called “{name[:60]}”. {hint}")
    return match.area


def _again(cmd: c.RaiseDispute) -> str:
    if cmd.number is not None:
        return str(cmd.number)
    return f"{cmd.area}" + (f" for {cmd.release}" if cmd.release else "") + ":"

