"""Release export: everything a launch review needs, as a Markdown brief and a CSV of handoffs.

``release export v2.3`` loads the release's summary, gates, decisions (who and when), handoffs,
the owners of each grey area for the release, and its drafts, in the caller's unit of work, and
returns two :class:`~bot.reply.OutFile` s for the platform to deliver: Slack uploads them to the
conversation the command came from, Teams offers them in a 1:1 chat, the shell writes them.

Who sees what (RELIABILITY 17). The files land in a conversation, so:

- When it is one that more people can see (a public channel, a command with ``public``, or a reply
  posted in a channel), nothing said in a private conversation is in them.
- In a private conversation (a DM, a private channel, a Teams chat), they keep only the private
  items the caller took part in: a handoff they asked for or own, a decision they wrote, a draft
  they asked for. A private channel has other members, who must not read someone else's DMs.
"""

from __future__ import annotations

from bot import commands as c
from bot.context import Caller, Ctx, find_release
from bot.domain import EntryKind, Handoff, HandoffEvent, KnowledgeEntry, Release
from bot.duties import OwnershipIndex, load_area_scope
from bot.gates.decisions import blocker
from bot.ports import HandoffQuery, UnitOfWork
from bot.releases import export_format as fmt
from bot.releases.export_format import LaunchBrief
from bot.releases.use_cases import open_releases
from bot.reply import OutFile, Reply, ReplyBuilder, Strong

MAX_ROWS = 5000  # per table: a release with more is cut, and the summary says so
REPLY_DECISIONS = 5


def shared_publicly(cmd: c.ExportRelease | c.ExportAllReleases, caller: Caller) -> bool:
    """Whether the files go where more people see them than the private conversations they draw on."""
    return cmd.public or caller.public_reply or not caller.private_conversation


class Keep:
    """The private-material rule: where the files are shared publicly, nothing private; in a
    private conversation, only the private items the caller took part in."""

    def __init__(self, public: bool, actor_id: int) -> None:
        self.public, self.actor_id = public, actor_id

    def __call__(self, private: bool, *parties: int | None) -> bool:
        return not private or (not self.public and self.actor_id in parties)


async def release_handoffs(uow: UnitOfWork, release: Release, keep: Keep) -> tuple[list[Handoff], int]:
    """The release's handoffs the files may show, in number order, and how many there are in all."""
    query = HandoffQuery(release_id=release.id, include_private=not keep.public, limit=MAX_ROWS)
    found, total = await uow.handoffs.find(query)
    handoffs = sorted((h for h in found if keep(h.private, h.requester_id, h.owner_id)), key=lambda h: h.number)
    return handoffs, total - (len(found) - len(handoffs))  # what the caller may not see is not counted either


async def histories(uow: UnitOfWork, handoffs: list[Handoff]) -> dict[int, list[HandoffEvent]]:
    return {h.id: await uow.handoffs.history(h.id) for h in handoffs}


async def thread(uow: UnitOfWork, release: Release, keep: Keep) -> list[KnowledgeEntry]:
    """The release's decisions and notes the files may show, oldest first."""
    kinds = frozenset({EntryKind.DECISION, EntryKind.NOTE})
    entries = await uow.knowledge.latest(release.id, kinds, 2 * MAX_ROWS, not keep.public)
    return [e for e in reversed(entries) if keep(e.private, e.author_id)]


async def load(cmd: c.ExportRelease, ctx: Ctx) -> LaunchBrief:
    uow = ctx.uow
    release = await find_release(uow, cmd.name)
    keep = Keep(shared_publicly(cmd, ctx.caller), ctx.actor.id)
    public = keep.public
    handoffs, total = await release_handoffs(uow, release, keep)
    history = await histories(uow, handoffs)
    entries = await thread(uow, release, keep)
    decisions = [e for e in entries if e.kind is EntryKind.DECISION]
    notes = [e for e in entries if e.kind is EntryKind.NOTE]
    drafts = [d for d in await uow.drafts.for_release(release.id, not public) if keep(d.private, d.created_by)]
    gates = await uow.gates.for_release(release.id)
    assignments, areas = await uow.areas.assignments(), await uow.areas.list()
    index = OwnershipIndex(assignments)
    scope = await load_area_scope(uow, [release])
    owners = [(area, index(area.id, release.id)) for area in sorted(scope.areas(release, areas), key=lambda a: a.name)]
    names = {a.id: a.name for a in areas}
    skipped = [(names.get(s.area_id, "?"), s.reason) for s in await uow.releases.skips(release.id)]
    ids = {*(h.requester_id for h in handoffs), *(h.owner_id for h in handoffs if h.owner_id),
           *(e.author_id for e in entries), *(g.decided_by for g in gates if g.decided_by),
           *(d.created_by for d in drafts), *(a.person_id for a in assignments),
           *(e.actor_id for events in history.values() for e in events),
           *(p for p in (release.statement_by, release.confirmed_by) if p)}
    people = await uow.people.get_many(sorted(ids))
    return LaunchBrief(release, public, ctx.actor, ctx.now, ctx.timezone_of(ctx.actor), ctx.today(), handoffs, total,
                       decisions, gates, owners, drafts, people, {a.id: a for a in areas}, skipped, notes, history)


async def export_release(cmd: c.ExportRelease, ctx: Ctx) -> Reply:
    """The use case: the files go on ``ctx.files`` for the platform; the reply sums them up."""
    brief = await load(cmd, ctx)
    ctx.files.extend(files(brief))
    return summary_reply(brief, ctx.files)


def files(brief: LaunchBrief) -> list[OutFile]:
    slug = fmt.slug(brief.release.name)
    name = brief.release.name
    return [
        OutFile(f"launch-brief-{slug}.md", f"Launch brief: {name}", fmt.markdown(brief).encode(),
                "text/markdown; charset=utf-8"),
        csv_file(f"handoffs-{slug}.csv", f"Handoffs: {name}", brief.sheet),
    ]


def csv_file(name: str, title: str, sheet: fmt.HandoffSheet) -> OutFile:
    return OutFile(name, title, fmt.handoffs_csv(sheet).encode("utf-8-sig"), "text/csv; charset=utf-8")


def summary_reply(brief: LaunchBrief, out_files: list[OutFile]) -> Reply:
    """A short answer in chat: the headline figures, the gates and the latest decisions."""
    name, gates = brief.release.name, brief.gates
    title = (f"Launch brief for {name}: {fmt.plural(brief.handoffs_total, 'handoff')}, "
             f"{fmt.plural(len(brief.decisions), 'decision')}, {brief.gates_passed} of {len(gates)} gates passed")
    out = ReplyBuilder(title=title)
    out.fields(("Target", brief.release.target_date.isoformat() if brief.release.target_date else "not set"),
               ("Handoffs", fmt.status_counts(brief.handoffs) or "none"))
    if stop := blocker(gates, brief.today):
        out.para(Strong("Blocking the launch: "), stop)
    out.bullets([(Strong(g.name), f" — {g.status.value}" + (f", due {g.due_date.isoformat()}" if g.due_date else ""))
                 for g in gates], heading="Gates")
    latest = brief.decisions[-REPLY_DECISIONS:]
    out.bullets([(d.body, f" — {brief.name(d.author_id) or 'someone'}, {fmt.when(d.created_at, brief.timezone)}")
                 for d in reversed(latest)], heading="Latest decisions")
    left_out = " What was said in private conversations is left out." if brief.public else ""
    out.context("Files: " + ", ".join(f.name for f in out_files) + "." + left_out)
    return out.build()


# --- every open release at once --------------------------------------------------------------

ALL_CSV = "handoffs-all.csv"


async def export_all(cmd: c.ExportAllReleases, ctx: Ctx) -> Reply:
    """``release export all``: one CSV of every open release's handoffs, release by release."""
    uow = ctx.uow
    keep = Keep(shared_publicly(cmd, ctx.caller), ctx.actor.id)
    releases = await open_releases(uow)
    rows: list[tuple[Release, Handoff]] = []
    counts: list[tuple[Release, int]] = []
    for release in releases:
        handoffs, total = await release_handoffs(uow, release, keep)
        rows += [(release, h) for h in handoffs]
        counts.append((release, total))
    history = await histories(uow, [h for _, h in rows])
    ids = {*(h.requester_id for _, h in rows), *(h.owner_id for _, h in rows if h.owner_id)}
    people = await uow.people.get_many(sorted(ids))
    sheet = fmt.HandoffSheet(rows, history, people, {a.id: a for a in await uow.areas.list()})
    ctx.files.append(csv_file(ALL_CSV, "Handoffs: every open release", sheet))
    return all_reply(counts, keep.public)


def all_reply(counts: list[tuple[Release, int]], public: bool) -> Reply:
    total = sum(n for _, n in counts)
    out = ReplyBuilder(title=f"Handoffs of {fmt.plural(len(counts), 'open release')}: {fmt.plural(total, 'handoff')}")
    out.bullets([(Strong(r.name), f" — {fmt.plural(n, 'handoff')}") for r, n in counts])
    left_out = " What was said in private conversations is left out." if public else ""
    return out.context(f"File: {ALL_CSV}.{left_out}").build()
