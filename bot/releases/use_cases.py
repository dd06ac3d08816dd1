"""Release use cases: create, list, summarise, and add notes and decisions to the thread."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot import commands as c
from bot import rights
from bot.context import Ctx, find_release
from bot.dates import parse_due
from bot.domain import CLOSED_RELEASES, EntryKind, Gate, Handoff, Kind, KnowledgeEntry, Person, Release, Slip, Status
from bot.duties import OwnershipIndex, load_area_scope
from bot.errors import InvalidInput
from bot.gates.template import STANDARD, gates_for
from bot.ownership.release_rights import release_parties, require_for_release
from bot.ports import HandoffQuery, SearchHit, SearchScope, UnitOfWork
from bot.releases import launch_plan
from bot.releases.search_text import TOO_COMMON, search_terms, words_of
from bot.rights import Party
from bot.working_time import settings_from

MAX_NAME = 60
MAX_ENTRY = 3000


@dataclass
class ReleaseSummary:
    release: Release
    counts: dict[str, dict[Kind, int]]
    overdue: list[Handoff]
    decisions: list[KnowledgeEntry]
    notes: list[KnowledgeEntry]
    authors: dict[int, Person]
    gates: list[Gate] = field(default_factory=list)
    unowned: list[str] = field(default_factory=list)  # grey areas with no driver for this release
    contested: list[str] = field(default_factory=list)  # grey areas with two drivers or an open dispute
    disputes: int = 0  # open disputes on this release's handoffs and areas
    drafts_to_review: int = 0
    slip: Slip | None = None  # a proposed new target date, waiting for the owner
    plan: launch_plan.PlanView | None = None  # its launch plan, when it has one
    people: dict[int, Person] = field(default_factory=dict)  # the statement's author and confirmer


async def create(cmd: c.CreateRelease, ctx: Ctx) -> Release:
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    name = cmd.name.strip()
    if not name or len(name) > MAX_NAME or not re.search(r"\w", name):
        raise InvalidInput(f"A release name has 1 to {MAX_NAME} characters, with at least one letter or digit.")
    if await ctx.uow.releases.by_name(name):
        raise InvalidInput(f"There is already a release called “{name}”; `release show {name}` shows it.")
    try:
        target = parse_due(cmd.target, ctx.today()) if cmd.target else None
    except InvalidInput as exc:
        raise InvalidInput(str(exc), field="target") from None
    release = await ctx.uow.releases.add(name, target, ctx.now, cmd.channel, ctx.actor.id)
    hours = settings_from(await ctx.uow.jobs.nudge_settings()).hours
    await ctx.uow.gates.add_many(release.id, gates_for(await ctx.uow.gates.template() or STANDARD, target, ctx.today(), hours))
    when = f", target {target.isoformat()}" if target else ""
    await ctx.record(EntryKind.NOTE, f"{ctx.actor.display_name} created release {name}{when}", release.id)
    if cmd.tier is not None:
        await launch_plan.lay_out(ctx, release, cmd.tier)
    return release


async def list_all(_: c.ListReleases, ctx: Ctx) -> list[Release]:
    return await ctx.uow.releases.list()


async def open_releases(uow: UnitOfWork) -> list[Release]:
    """The releases not shipped or closed, soonest target first, those without one last."""
    return sorted((r for r in await uow.releases.list() if r.status not in CLOSED_RELEASES),
                  key=lambda r: (r.target_date is None, r.target_date, r.name.casefold()))


async def summarise(cmd: c.ShowRelease, ctx: Ctx) -> ReleaseSummary:
    uow = ctx.uow
    release = await find_release(uow, cmd.name)
    today = ctx.today()
    counts = await uow.handoffs.counts_for_release(release.id, today)
    overdue, _ = await uow.handoffs.find(
        HandoffQuery(release_id=release.id, statuses=frozenset(Status) - {Status.DONE, Status.CANCELLED, Status.DECLINED},
                     due_before=today, limit=5)
    )
    public = cmd.public or ctx.caller.public_reply
    decisions = await uow.knowledge.latest(release.id, frozenset({EntryKind.DECISION}), 5, include_private=not public)
    notes = await uow.knowledge.latest(release.id, frozenset({EntryKind.NOTE}), 3, include_private=not public)
    if public:
        overdue = [h for h in overdue if not h.private]
    authors = await uow.people.get_many([e.author_id for e in (*decisions, *notes)])
    assignments = await uow.areas.assignments()
    scope = await load_area_scope(uow, [release])
    skipped = scope.skipped.get(release.id, set())
    areas = scope.areas(release, (await ctx.area_index()).areas)
    owners = OwnershipIndex(assignments)
    unowned: list[str] = []
    contested: list[str] = []
    for area in areas:  # one ownership per area: over 1,000 areas it is most of the summary's time
        drivers = owners(area.id, release.id).effective_drivers
        if len(drivers) != 1:
            (contested if drivers else unowned).append(area.name)
    names = {a.id: a.name for a in areas}
    disputes = [d for d in await uow.disputes.open_disputes() if d.release_id == release.id and not (public and d.private)]
    contested += [names[d.area_id] for d in disputes if d.area_id in names and names[d.area_id] not in contested]
    plan = await launch_plan.view_of(ctx, release) if release.tier or skipped else None
    people = await uow.people.get_many([p for p in (release.statement_by, release.confirmed_by) if p])
    return ReleaseSummary(release, counts, overdue, decisions, notes, authors, await uow.gates.for_release(release.id),
                          unowned, contested, len(disputes), await uow.drafts.awaiting_review(release.id),
                          await uow.gates.open_slip(release.id), plan, people)


async def add_entry(cmd: c.AddReleaseEntry, ctx: Ctx) -> tuple[Release, KnowledgeEntry]:
    release = await find_release(ctx.uow, cmd.release)
    if cmd.kind is EntryKind.DECISION:
        await require_for_release(ctx, "release.decide", release, await release_parties(ctx, release))
    text = cmd.text.strip()
    if len(text) > MAX_ENTRY:
        raise InvalidInput(f"Keep a {cmd.kind.value} under {MAX_ENTRY:,} characters; link to a doc for more.")
    entry = await ctx.record(cmd.kind, text, release.id)
    return release, entry


async def set_owner(cmd: c.SetReleaseOwner, ctx: Ctx) -> tuple[Release, Person, Person | None]:
    """Give the release to someone else to answer for (slips, at-risk notices, decisions)."""
    await ctx.uow.workspaces.lock()  # one change at a time to shared settings (issue 21)
    release = await find_release(ctx.uow, cmd.release)
    people = await ctx.uow.people.get_many([release.owner_id]) if release.owner_id else {}
    before = people.get(release.owner_id) if release.owner_id else None
    holds = {Party.RELEASE_OWNER} if ctx.actor.id == release.owner_id else set()
    rights.require("release.owner", ctx.actor, holds, subject=release.name,
                   names={Party.RELEASE_OWNER: before.display_name if before else ""})
    owner = await ctx.person(cmd.owner)
    if owner.id == release.owner_id:
        raise InvalidInput(f"{owner.display_name} already owns {release.name}.")
    await ctx.uow.releases.set_owner(release.id, owner.id)
    release.owner_id = owner.id
    was = f" (was {before.display_name})" if before else ""
    await ctx.record(EntryKind.DECISION, f"{ctx.actor.display_name} made {owner.display_name} the owner of {release.name}{was}",
                     release.id)
    ctx.notify(owner, f"{ctx.actor.display_name} made you the owner of {release.name}: slips and at-risk notices come to you now.")
    ctx.notify(before, f"{ctx.actor.display_name} gave {release.name} to {owner.display_name} to own.")
    return release, owner, before


@dataclass(frozen=True)
class SearchAnswer:
    words: str  # the words searched for (with the trailing name when it is no release)
    release: Release | None  # the release the hits are limited to
    hits: list[SearchHit]
    lifecycle_left_out: bool  # handoff lifecycle lines could have matched but were not searched


async def search(cmd: c.SearchKnowledge, ctx: Ctx) -> SearchAnswer:
    """Every release's thread (and workspace-wide entries), or one release's: the best ten.

    A trailing ``for <name>`` limits the hits to that release when there is one; otherwise the
    name is one more word to look for, and when nothing is found the reply says it is no release.
    """
    release = await ctx.uow.releases.by_name(cmd.release) if cmd.release else None
    words = cmd.words if release or not cmd.release else f"{cmd.words} {cmd.release}"
    terms = search_terms(words)
    if words_of(words) and not terms:
        raise InvalidInput(TOO_COMMON)
    scope = SearchScope(cmd.kind, release.id if release else None, cmd.everything, not ctx.caller.public_reply)
    hits = await ctx.uow.knowledge.search(terms, 10, scope)
    if cmd.release and not release and not hits:
        await find_release(ctx.uow, cmd.release)
    return SearchAnswer(words, release, hits, not cmd.everything and cmd.kind is None)


async def attach_thread(cmd: c.AttachReleaseThread, ctx: Ctx) -> None:
    await ctx.uow.releases.set_thread(cmd.release_id, cmd.channel_ref, cmd.thread_ref)
