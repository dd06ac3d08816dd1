"""Launch plans: a release's tier lays out its handoffs from the ownership registry.

Each template item of the tier becomes a handoff owned by its area's driver for the release (the
release's own driver first, then the workspace's); what the other side owes it becomes an input
handoff from the supporter to the driver, linked to the item and due before it. Laying out is
idempotent: an item already there is left alone, so re-tiering adds what the new tier needs and
cancels what it does not, but never an item somebody has started. Areas a release skips get no
items, and lose the ones nobody started.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import commands as c
from bot.context import Ctx, find_release
from bot.domain import Area, EntryKind, Handoff, Person, PlanTemplateItem, Release, ReleaseSkip, Status
from bot.duties import Ownership, OwnershipIndex
from bot.errors import InvalidInput, NotFound
from bot.gates.decisions import working_hours
from bot.handoffs.use_cases import add_planned, cancel_planned
from bot.ownership.release_rights import require_for_release
from bot.releases import plan
from bot.rights import Party
from bot.wording import due_text

MAX_REASON = 300


@dataclass
class PlanLine:
    """One plan item with its inputs."""

    item: Handoff
    inputs: list[Handoff] = field(default_factory=list)


@dataclass
class PlanView:
    release: Release
    lines: list[PlanLine]
    people: dict[int, Person]
    skipped: list[tuple[str, ReleaseSkip]]  # area name, the skip

    @property
    def needs_driver(self) -> list[PlanLine]:
        return [line for line in self.lines if line.item.owner_id is None and line.item.status is not Status.CANCELLED]

    def counts(self) -> dict[Status, int]:
        found: dict[Status, int] = {}
        for line in self.lines:
            found[line.item.status] = found.get(line.item.status, 0) + 1
        return found


@dataclass
class PlanChange:
    view: PlanView
    tier: int
    added: list[Handoff] = field(default_factory=list)
    cancelled: list[Handoff] = field(default_factory=list)
    kept: list[Handoff] = field(default_factory=list)  # not in the new tier, but already started


async def template(ctx: Ctx) -> list[PlanTemplateItem]:
    return await ctx.uow.plans.template() or list(plan.STANDARD_PLAN)


async def set_tier(cmd: c.SetReleaseTier, ctx: Ctx) -> PlanChange:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    release = await find_release(ctx.uow, cmd.release)
    await _require(ctx, release)
    if release.closed:
        raise InvalidInput(f"{release.name} is closed; its plan no longer changes.")
    return await lay_out(ctx, release, cmd.tier)


async def lay_out(ctx: Ctx, release: Release, tier: int) -> PlanChange:
    """Bring the release's plan to ``tier``: add what is missing, cancel untouched items it no
    longer needs, keep started ones. Tells each new owner once and writes one line to the thread."""
    uow = ctx.uow
    before = release.tier
    release.tier = tier
    await uow.releases.save(release)
    wanted = plan.items_for(await template(ctx), tier)
    every = await uow.handoffs.of_plan(release.id)
    existing = [h for h in every if h.status is not Status.CANCELLED]
    by_key: dict[str, Handoff] = {}
    for h in every:  # in number order: the latest handoff of a key wins
        if h.plan_key and not (h.status is Status.CANCELLED and _retired_by_plan(h)):
            by_key[h.plan_key] = h  # one a person cancelled stays cancelled: it is not laid out again
    skipped = {s.area_id for s in await uow.releases.skips(release.id)}
    owners = OwnershipIndex(await uow.areas.assignments())
    people = {p.id: p for p in await uow.people.list()}  # once: every driver, supporter and owner
    hours = await working_hours(uow)
    today = ctx.today()
    change = PlanChange(PlanView(release, [], {}, []), tier)
    owed: dict[int, list[Handoff]] = {}  # person -> what the plan gives them, for one notice each
    for item, due in zip(wanted, plan.plan_dates(wanted, release.target_date, today, hours), strict=True):
        area = (await ctx.resolve_area(item.area)).area
        if area is not None and area.id in skipped:
            continue
        duties = owners(area.id, release.id) if area else None
        driver = _sole_driver(duties, people)
        made = by_key.get(plan.item_key(item))
        if made is None:
            made = await add_planned(
                ctx, kind=item.kind, title=item.name, requester=await _requester(ctx, release), owner=driver, release=release, area=area,
                due=due, plan_key=plan.item_key(item),
                details=f"{plan.TIERS[tier]} launch of {release.name}." + (f" Needs: {item.needs}." if item.needs else ""))
            change.added.append(made)
            owed.setdefault(made.owner_id or 0, []).append(made)
        for person, what in _inputs(item, duties, release, driver, people):
            key = plan.input_key(item, person.id if person else None)
            if key in by_key:
                await uow.handoffs.link(made.id, by_key[key].id, ctx.now)  # an item laid out again keeps its input
                continue
            given = await add_planned(
                ctx, kind=plan.input_kind(item), title=f"{what} for {item.name}", requester=driver or ctx.actor,
                owner=person, release=release, area=area, due=plan.input_due(made.due_date, today, hours), plan_key=key,
                details=f"{made.ref} {item.name} ({release.name}) needs this from you before it is due.")
            await uow.handoffs.link(made.id, given.id, ctx.now)
            by_key[key] = given
            change.added.append(given)
            owed.setdefault(given.owner_id or 0, []).append(given)
    names = {plan.item_key(i) for i in wanted}
    for h in existing if before is not None and before != tier else ():  # only a new tier drops items
        if h.plan_key and h.plan_key.startswith("item:") and h.plan_key not in names:
            await _retire(ctx, h, f"not part of a Tier {tier} launch", change)
    change.view = await view_of(ctx, release)
    await _tell(ctx, release, tier, before, change, owed)
    return change


RETIRED = ("not part of a Tier ", " does not apply to ")


def _retired_by_plan(h: Handoff) -> bool:
    """Cancelled by a re-tier or a skip (not by a person): laying out again may bring it back."""
    return any(marker in (h.status_note or "") for marker in RETIRED)


async def _requester(ctx: Ctx, release: Release) -> Person:
    """Plan items are asked for by the release owner (its no-owner reminders go there), else the actor."""
    if release.owner_id and release.owner_id != ctx.actor.id:
        owner = (await ctx.uow.people.get_many([release.owner_id])).get(release.owner_id)
        if owner is not None:
            return owner
    return ctx.actor


def _sole_driver(duties: Ownership | None, people: dict[int, Person]) -> Person | None:
    drivers = duties.effective_drivers if duties else ()
    return people.get(drivers[0]) if len(drivers) == 1 else None


def _inputs(item: PlanTemplateItem, duties: Ownership | None, release: Release, driver: Person | None,
            people: dict[int, Person]) -> list[tuple[Person | None, str]]:
    """Who owes the item what: each supporter (for the release first, else the workspace's) what
    the registry says they owe, or the template's need; with no supporter, the release owner (unless
    they drive the item) owes the template's need."""
    supporters = (duties.release_supporters or duties.supporters) if duties else ()
    if supporters:
        return [(people[s.person_id], s.owes or item.needs or "input")
                for s in supporters if s.person_id in people and (s.owes or item.needs)]
    if not item.needs:
        return []
    owner = people.get(release.owner_id) if release.owner_id else None
    return [(owner if owner and (driver is None or owner.id != driver.id) else None, item.needs)]


async def _retire(ctx: Ctx, h: Handoff, reason: str, change: PlanChange) -> None:
    """Cancel an item nobody started, with its untouched inputs; keep a started one."""
    if h.status is not Status.OPEN:
        change.kept.append(h)
        return
    await cancel_planned(ctx, h, reason)
    change.cancelled.append(h)
    for given in (await ctx.uow.handoffs.needs([h.id])).get(h.id, []):
        if given.status is Status.OPEN:
            await cancel_planned(ctx, given, reason)
            change.cancelled.append(given)


async def _tell(ctx: Ctx, release: Release, tier: int, before: int | None, change: PlanChange,
                owed: dict[int, list[Handoff]]) -> None:
    verb = "laid out" if before is None else f"moved from Tier {before} to"
    unowned = [line.item.title for line in change.view.needs_driver]
    line = (f"{ctx.actor.display_name} {verb} the Tier {tier} launch plan of {release.name}: {len(change.added)} handoffs added"
            + (f", {len(change.cancelled)} cancelled" if change.cancelled else "")
            + (f", {len(change.kept)} kept because they are under way" if change.kept else "")
            + (f". Needs a driver: {', '.join(unowned)}" if unowned else "") + ".")
    await ctx.record(EntryKind.DECISION, line, release.id)
    people = await ctx.uow.people.get_many([pid for pid in owed if pid])
    today = ctx.today()
    for person_id, handoffs in owed.items():
        if person_id in people:
            items = "; ".join(f"{h.ref} {h.title} (due {due_text(h.due_date, today)})" for h in handoffs)
            ctx.notify(people[person_id], f"{release.name}'s Tier {tier} launch plan gives you: {items}.")


async def view_of(ctx: Ctx, release: Release) -> PlanView:
    handoffs = await ctx.uow.handoffs.of_plan(release.id)
    items = [h for h in handoffs if h.plan_key and h.plan_key.startswith("item:")]
    needs = await ctx.uow.handoffs.needs([h.id for h in items])
    people = await ctx.uow.people.get_many([h.owner_id for h in handoffs if h.owner_id])
    areas = {a.id: a.name for a in (await ctx.area_index()).areas}
    skipped = [(areas.get(s.area_id, "?"), s) for s in await ctx.uow.releases.skips(release.id)]
    return PlanView(release, [PlanLine(h, needs.get(h.id, [])) for h in items], people, skipped)


async def show(cmd: c.ShowPlan, ctx: Ctx) -> PlanView:
    return await view_of(ctx, await find_release(ctx.uow, cmd.release))


# --- not applicable ----------------------------------------------------------------------------

@dataclass
class SkipResult:
    release: Release
    area: Area
    undo: bool
    changed: bool
    cancelled: list[Handoff] = field(default_factory=list)
    kept: list[Handoff] = field(default_factory=list)
    added: list[Handoff] = field(default_factory=list)


async def skip(cmd: c.SkipArea, ctx: Ctx) -> SkipResult:
    """Take an area out of a release (readiness, digests, nudges and its plan), or put it back."""
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    release = await find_release(ctx.uow, cmd.release)
    await _require(ctx, release)
    area = await _area(ctx, cmd.area)
    reason = (cmd.reason or "").strip() or None
    if reason and len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.")
    if cmd.undo:
        return await _unskip(ctx, release, area)
    changed = await ctx.uow.releases.skip(ReleaseSkip(release.id, area.id, reason, ctx.actor.id, ctx.now))
    result = SkipResult(release, area, False, changed)
    if not changed:
        return result
    change = PlanChange(PlanView(release, [], {}, []), release.tier or 0)
    for h in await ctx.uow.handoffs.of_plan(release.id):
        if h.area_id == area.id and h.plan_key and h.plan_key.startswith("item:") and h.status is not Status.CANCELLED:
            await _retire(ctx, h, f"{area.name} does not apply to {release.name}", change)
    result.cancelled, result.kept = change.cancelled, change.kept
    why = f": {reason}" if reason else ""
    await ctx.record(EntryKind.DECISION, f"{ctx.actor.display_name} marked {area.name} not applicable to {release.name}{why}",
                     release.id)
    return result


async def _unskip(ctx: Ctx, release: Release, area: Area) -> SkipResult:
    changed = await ctx.uow.releases.unskip(release.id, area.id)
    result = SkipResult(release, area, True, changed)
    if changed:
        await ctx.record(EntryKind.DECISION, f"{ctx.actor.display_name} made {area.name} part of {release.name} again",
                         release.id)
        if release.tier:
            result.added = (await lay_out(ctx, release, release.tier)).added
    return result


async def _area(ctx: Ctx, name: str) -> Area:
    match = await ctx.resolve_area(name)
    if match.area is None:
        hint = ", ".join(a.name for a in match.candidates) or "`owner list` shows them"
        raise NotFound(f"I don't know a grey area called “{name}”; did you mean: {hint}?")
    return match.area


async def _require(ctx: Ctx, release: Release) -> None:
    holds = {Party.RELEASE_OWNER} if ctx.actor.id == release.owner_id else set()
    await require_for_release(ctx, "plan.change", release, holds)


# --- the template --------------------------------------------------------------------------------

async def show_template(ctx: Ctx) -> tuple[list[PlanTemplateItem], bool]:
    own = await ctx.uow.plans.template()
    return own or list(plan.STANDARD_PLAN), own is None


async def edit_template(cmd: c.EditPlanTemplate, ctx: Ctx) -> tuple[list[PlanTemplateItem], str]:
    """Leads and admins edit the template (dispatch checks it); releases laid out afterwards use it."""
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    items = await template(ctx)
    if cmd.action == "reset":
        await ctx.uow.plans.save_template(None)
        return list(plan.STANDARD_PLAN), "The launch-plan template is the standard one again."
    if cmd.action == "add":
        if len(items) >= plan.MAX_ITEMS:
            raise InvalidInput(f"A launch plan holds at most {plan.MAX_ITEMS} items; remove one first.")
        area = await _area(ctx, cmd.area)
        new = plan.checked(items, PlanTemplateItem(cmd.name, area.name, cmd.kind, cmd.tiers, cmd.offset_days, cmd.needs))
        items.insert(next((i for i, it in enumerate(items) if it.offset_days > new.offset_days), len(items)), new)
        said = f"Added {plan.describe(new)}."
    else:
        i = plan.find(items, cmd.item)
        if len(items) == 1:
            raise InvalidInput("A launch plan needs at least one item; `plan template reset` goes back to the standard one.")
        said = f"Removed {items.pop(i).name}."
    await ctx.uow.plans.save_template(items)
    return items, said + " Plans laid out from now on use it; existing plans keep their items."
