"""A person's own view (``home``): what they owe, what is owed to them, their grey areas, the gates
waiting on their decision, the disputes they must settle and the drafts they asked for, each item
with the buttons its cards carry elsewhere. One Reply, read in one unit of work, for any platform
(Teams shows it as its personal card; the shell prints it).

Every part is the caller's own: nothing here takes a person from the command, so whoever asks
sees only their view. In a conversation other people can read, what was said privately stays out.
"""

from __future__ import annotations

from bot import commands as c
from bot import rights
from bot.context import Ctx
from bot.domain import ACTIVE_STATUSES, CLOSED_RELEASES, GateStatus, HandoffView
from bot.drafting.presenters import draft_buttons
from bot.gates.decisions import quoted
from bot.gates.presenters import gate_buttons
from bot.handoffs import use_cases as handoffs
from bot.handoffs.presenters import handoff_buttons, handoff_line
from bot.ownership import disputes, registry
from bot.ports import HandoffQuery
from bot.reply import Actions, Block, Button, Context, Paragraph, Reply, Span, Strong, command_button
from bot.rights import Party
from bot.routing import RouteTable
from bot.wording import due_text, local_time, name

routes = RouteTable()

# A home *tab* (Slack's App Home) shows one rendered Reply per section, each what this command answers.
TAB_SECTIONS: tuple[c.Command, ...] = (c.ListHandoffs(scope="mine"), c.ListHandoffs(scope="owed"),
                                       c.ListAreas(which="mine"), c.ListReleases())

PER_SECTION = 5  # items shown per part: a card is read at a glance, and Teams caps its size
# Buttons that open a bigger form or a drafting flow of their own: the handoff's own card has them.
_ELSEWHERE = frozenset({"handoff.edit", "handoff.reassign", "handoff.draft"})


@routes(c.ShowHome, "handoff.read")
async def _home(cmd: c.ShowHome, ctx: Ctx) -> Reply:
    blocks: list[Block] = []
    blocks += await _handoffs(ctx, Party.OWNER)
    blocks += await _handoffs(ctx, Party.REQUESTER)
    blocks += await _areas(ctx)
    blocks += await _gates(ctx)
    blocks += await _disputes(ctx)
    blocks += await _drafts(ctx)
    blocks.append(Context(f"As of {local_time(ctx.now, ctx.timezone_of(ctx.actor))}. "
                          "`list all`, `owner list` and `disputes` show everyone's."))
    return Reply(title=f"Home: {ctx.actor.display_name}", blocks=tuple(blocks))


def _heading(text: str, total: int) -> Paragraph:
    return Paragraph((Strong(f"{text} ({total})" if total else text),))


def _more(total: int, shown: int, command: str) -> list[Block]:
    return [Context(f"{total - shown} more: `{command}`.")] if total > shown else []


def _party_buttons(view: HandoffView, party: Party) -> tuple[Button, ...]:
    """The handoff's buttons that ``party`` (its owner or its requester) may use."""
    kept = []
    for b in handoff_buttons(view):
        if b.id in _ELSEWHERE:
            continue
        right = "handoff.snooze" if b.id.startswith("handoff.snooze_") else b.id
        who = rights.RIGHTS[right].who
        if party in who or Party.ANYONE in who:
            kept.append(b)
    return tuple(kept)


async def _handoffs(ctx: Ctx, party: Party) -> list[Block]:
    mine = party is Party.OWNER
    query = HandoffQuery(owner_id=ctx.actor.id if mine else None, requester_id=None if mine else ctx.actor.id,
                         statuses=ACTIVE_STATUSES, include_private=not ctx.caller.public_reply, limit=PER_SECTION)
    found, total = await ctx.uow.handoffs.find(query)
    label = "What you owe" if mine else "What is owed to you"
    out: list[Block] = [_heading(label, total)]
    if not found:
        out.append(Context("Nothing you owe." if mine else "Nothing is owed to you."))
    for view in await handoffs.views(ctx, found):
        out.append(Paragraph(handoff_line(view, ctx.today())))
        if buttons := _party_buttons(view, party):
            out.append(Actions(buttons))
    return out + _more(total, len(found), "list" if mine else "list owed")


async def _areas(ctx: Ctx) -> list[Block]:
    reports, _ = await registry.list_areas(c.ListAreas(which="mine"), ctx)
    out: list[Block] = [_heading("Your grey areas", len(reports))]
    if not reports:
        out.append(Context("You have no duty on any grey area yet: `owner claim <area>`."))
    for r in reports[:PER_SECTION * 2]:
        drivers = r.ownership.effective_drivers
        duty = "you drive it" if ctx.actor.id in drivers else \
            f"driven by {', '.join(name(r.people.get(i)) for i in drivers) or 'nobody'}"
        flag = " — disputed" if r.disputed else ""
        out.append(Paragraph((Strong(r.area.name), f" ({r.area.side.value}): {duty}{flag}")))
    return out + _more(len(reports), PER_SECTION * 2, "owner mine")


async def _gates(ctx: Ctx) -> list[Block]:
    """Undecided gates of open releases that the caller's role approves, soonest due first."""
    role = ctx.actor.role
    waiting = []
    for release in await ctx.uow.releases.list():
        if release.status in CLOSED_RELEASES or role is None:
            continue
        for gate in await ctx.uow.gates.for_release(release.id):
            if gate.status is GateStatus.PENDING and role in gate.approver_roles:
                waiting.append((release, gate))
    waiting.sort(key=lambda rg: (rg[1].due_date is None, rg[1].due_date or ctx.today(), rg[0].name, rg[1].position))
    out: list[Block] = [_heading("Gates waiting on your decision", len(waiting))]
    if not waiting:
        out.append(Context("No gate waits on you."))
    for release, gate in waiting[:PER_SECTION]:
        when = f", due {due_text(gate.due_date, ctx.today())}" if gate.due_date else ""
        out.append(Paragraph((Strong(gate.name), f" — {release.name}{when}")))
        out.append(gate_buttons(release, gate))
    first = waiting[0][0].name if waiting else ""
    return out + _more(len(waiting), PER_SECTION, f"gate {quoted(first)}")


async def _disputes(ctx: Ctx) -> list[Block]:
    """A lead's: every open dispute, with its outcomes. Anyone else's: the ones they are part of."""
    settles = ctx.actor.can_lead
    views = [v for v in await disputes.list_open(ctx)
             if settles or ctx.actor.id in (v.dispute.raised_by, v.dispute.other_party)]
    label = "Disputes you must settle" if settles else "Your disputes, waiting on a lead"
    out: list[Block] = [_heading(label, len(views))]
    if not views:
        out.append(Context("No open dispute." if settles else "None open."))
    for v in views[:PER_SECTION]:
        d = v.dispute
        spans: tuple[Span, ...] = (Strong(f"D{d.id} "), v.subject, f" — {name(v.people.get(d.raised_by))}: ", d.reason)
        out.append(Paragraph(spans))
        if settles:
            out.append(Actions(tuple(command_button(label[:70], f"dispute resolve {d.id} {i}", "primary" if i == 1 else None)
                                     for i, label in enumerate(v.options, 1))))
    return out + _more(len(views), PER_SECTION, "disputes")


async def _drafts(ctx: Ctx) -> list[Block]:
    records = await ctx.uow.drafts.open_by(ctx.actor.id, PER_SECTION)
    if ctx.caller.public_reply:
        records = [r for r in records if not r.private]
    shown = records[:PER_SECTION]
    out: list[Block] = [_heading("Drafts to review", len(records))]
    if not shown:
        out.append(Context("No draft waits for you: `draft <notes>` starts one."))
    for r in shown:
        if r.status == "pending":
            out.append(Paragraph((Strong(f"Draft {r.id} "), "being written…")))
            continue
        what = (r.result or {}).get("headline") or "a messaging brief"
        out.append(Paragraph((Strong(f"Draft {r.id}: "), str(what))))
        out.append(Actions(tuple(draft_buttons(r.id))))
    return out
