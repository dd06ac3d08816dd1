"""The core's one entry point: text or a command in, a Reply and notices out.

Dispatch is data: :data:`ROUTES` maps each command type to a short function that calls its use
case and presents the result. Every call runs in one unit of work for the caller's workspace;
a user error rolls it back and becomes a one-sentence reply, an unexpected error is logged with
an id and answered with an apology, never a traceback.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from bot import commands as c
from bot import rights, wording
from bot.area_names import AreaIndexCache
from bot.chat.grammar import UsageError, parse
from bot.context import Caller, Ctx
from bot.domain import Area, Duty, EntryKind, HandoffView, KnowledgeEntry, Notice, Person, Release, Role, Workspace
from bot.drafting import service as drafts
from bot.drafting.service import DAILY_TOKENS, Drafter, DraftService
from bot.errors import Contention, HandoffError, NotAllowed
from bot.gates import decisions as gates
from bot.gates import presenters as gate_presenters
from bot.handoffs import presenters
from bot.handoffs import use_cases as handoffs
from bot.log_context import bind_workspace
from bot.ownership import disputes, registry
from bot.ownership.rules import DEFAULT_AREAS
from bot.people import use_cases as people
from bot.ports import Clock, NewPerson, UnitOfWork, UnitOfWorkFactory
from bot.records import NewDelivery
from bot.releases import use_cases as releases
from bot.releases.export import export_release
from bot.reminders import messages as nudge_messages
from bot.reminders import use_cases as reminders
from bot.reply import OutFile, Reply, ReplyBuilder, Strong, Tone, error
from bot.workload.model import show as show_workload
from bot.workload.presenters import workload_reply

log = logging.getLogger("handoff.core")
CONTENDED_TRIES = 3  # a command PostgreSQL rolled back to break a deadlock is run again, up to this often

Route = Callable[[Any, Ctx], Awaitable[Reply]]
ROUTES: dict[type, Route] = {}
# The right (bot.rights) each command needs: a name, or a function of the command for the few
# whose right depends on what they say (``person @kim role lead``, ``release decide``).
ROUTE_RIGHTS: dict[type, str | Callable[[Any], str]] = {}
C = TypeVar("C")

@dataclass(frozen=True)
class ThreadLine:
    """A new line for a release's knowledge thread, for platforms that keep one."""

    release: Release
    entry: KnowledgeEntry


@dataclass(frozen=True)
class Outcome:
    """What a command produced: the reply to the caller, and what platforms should deliver."""

    reply: Reply
    notices: tuple[Notice, ...] = ()
    thread_lines: tuple[ThreadLine, ...] = ()
    handoffs: tuple[HandoffView, ...] = ()  # created or changed: platforms refresh their cards
    today: date | None = None  # the caller's local date, for rendering those cards
    draft_id: int | None = None  # drafting to run after the ack: ``core.drafts.run(caller, draft_id)``
    files: tuple[OutFile, ...] = ()  # an export's files: Slack uploads them, Teams offers them, the shell writes them
    refused: bool = False  # the caller lacks the right (bot.rights): nothing changed


def route(command_type: type[C], right: str | Callable[[C], str]
          ) -> Callable[[Callable[[C, Ctx], Awaitable[Reply]]], Callable[[C, Ctx], Awaitable[Reply]]]:
    def register(fn: Callable[[C, Ctx], Awaitable[Reply]]) -> Callable[[C, Ctx], Awaitable[Reply]]:
        assert right in rights.RIGHTS or callable(right), right
        ROUTES[command_type] = fn
        ROUTE_RIGHTS[command_type] = right
        return fn

    return register


def right_of(command: c.Command) -> str:
    """The name of the right (in :data:`bot.rights.RIGHTS`) that ``command`` needs."""
    found = ROUTE_RIGHTS[type(command)]
    return found if isinstance(found, str) else found(command)


def _check_actor(command: c.Command, actor: Person) -> None:
    """Rights that need nothing but the actor (anyone; leads and admins) are checked here, before
    the use case; the rest depend on the thing at hand, and the use case checks them."""
    action = right_of(command)
    if rights.open_to(action):
        rights.require(action, actor)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Core:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock = utc_now, default_timezone: str = "UTC",
                 drafter: Drafter | None = None, draft_daily_tokens: int = DAILY_TOKENS,
                 admins: Iterable[str] = ()) -> None:
        self.uow_factory = uow_factory
        # HANDOFF_ADMINS: platform user ids or emails of people who are admins wherever they speak.
        self.admins = frozenset(a.strip().casefold() for a in admins if a.strip())
        self.clock = clock
        self.default_timezone = default_timezone
        self.drafts = DraftService(self, drafter, daily_tokens=draft_daily_tokens)
        self._workspaces: dict[str, Workspace] = {}  # rows that exist: one query fewer per request
        # Each workspace's areas and resolver, checked against the database's version on use.
        self.area_cache = AreaIndexCache()

    async def handle(self, caller: Caller, text: str) -> Outcome:
        try:
            command = parse(text)
        except UsageError as exc:
            return Outcome(presenters.usage(exc.topic, str(exc)))
        return await self.execute(caller, command)

    async def claim_event(self, workspace_id: str, event_id: str) -> bool:
        """Record a platform delivery id; ``False`` means it was handled before (a retry)."""
        async with self.uow_factory(workspace_id) as uow:
            await self._workspace(uow)
            claimed = await uow.inbound_events.claim(event_id, self.clock())
            await uow.commit()
        return claimed

    async def forget_event(self, workspace_id: str, event_id: str) -> None:
        async with self.uow_factory(workspace_id) as uow:
            await uow.inbound_events.forget(event_id)
            await uow.commit()

    async def queue(self, workspace_id: str, delivery: NewDelivery) -> bool:
        """Hand a message a platform could not post right now to the outbox, which retries it."""
        async with self.uow_factory(workspace_id) as uow:
            await self._workspace(uow)
            added = await uow.deliveries.add(delivery, self.clock())
            await uow.commit()
        return added

    async def remember_conversation(self, workspace_id: str, conversation_id: str, kind: str, user_id: str | None,
                                    reference: dict) -> None:
        """Keep where a platform lets the bot speak first (a Teams ConversationReference)."""
        async with self.uow_factory(workspace_id) as uow:
            await self._workspace(uow)
            await uow.conversations.save(conversation_id, kind, user_id, reference, self.clock())
            await uow.commit()

    async def names(self, workspace_id: str, what: str, prefix: str = "") -> list[str]:
        """Release or area names for a platform's select menus, filtered by a typed prefix."""
        async with self.uow_factory(workspace_id) as uow:
            if what == "releases":
                items: Sequence[Release | Area] = await uow.releases.list()
            else:
                items = (await self.area_cache.get(workspace_id, uow.areas)).areas
        wanted = prefix.strip().casefold()
        return [i.name for i in items if wanted in i.name.casefold()]

    async def execute(self, caller: Caller, command: c.Command) -> Outcome:
        bind_workspace(caller.workspace_id)  # every later log line of this request names it
        caller, command = _printable(caller), _printable(command)
        try:
            profiles = await self._profiles(caller, command)
            for attempt in range(1, CONTENDED_TRIES + 1):
                try:
                    return await self._run(caller, command, profiles)
                except Contention:  # rolled back whole: nothing was written, so running it again is safe
                    if attempt == CONTENDED_TRIES:
                        raise
                    log.info("%s met a concurrent change; running it again", type(command).__name__)
            raise AssertionError("unreachable")
        except UsageError as exc:
            return Outcome(presenters.usage(exc.topic, str(exc)))
        except HandoffError as exc:
            return Outcome(error(str(exc), field=exc.field), refused=isinstance(exc, NotAllowed))
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception(
                "error %s: %s failed in workspace %s", error_id, type(command).__name__, caller.workspace_id,
                extra={"error_id": error_id, "workspace": caller.workspace_id},
            )
            return Outcome(error(f"Sorry, something went wrong on my side (error {error_id}). Please try again.", error_id))

    async def _run(self, caller: Caller, command: c.Command, profiles: dict[str, NewPerson]) -> Outcome:
        """One attempt: the whole command in one transaction, committed or not at all."""
        async with self.uow_factory(caller.workspace_id) as uow:
            workspace = await self._workspace(uow)
            actor, areas_version = await uow.people.upsert_caller(
                NewPerson(caller.user_id, caller.display_name, caller.timezone, self.is_admin(caller)))
            _check_actor(command, actor)
            ctx = Ctx(uow, caller, actor, workspace, self.clock(), profiles, area_cache=self.area_cache,
                      areas_version=areas_version)
            reply = await ROUTES[type(command)](command, ctx)
            lines = await _thread_lines(ctx)
            await uow.commit()
        return Outcome(reply, tuple(ctx.notices), lines, tuple(ctx.touched.values()), ctx.today(), ctx.pending_draft,
                       tuple(ctx.files))

    def is_admin(self, caller: Caller) -> bool:
        """The platform says so (Slack owners and admins, the shell's own user), or HANDOFF_ADMINS does."""
        names = {caller.user_id.casefold(), *(a.casefold() for a in caller.aliases)}
        return caller.is_admin or bool(names & self.admins)

    async def _workspace(self, uow: UnitOfWork) -> Workspace:
        """The caller's workspace, created and seeded with the default grey areas on first sight."""
        if known := self._workspaces.get(uow.workspace_id):
            return known
        workspace, created = await uow.workspaces.ensure(self.default_timezone)
        if created:
            await uow.areas.add_defaults(DEFAULT_AREAS)
        else:
            self._workspaces[uow.workspace_id] = workspace  # a new one is cached once committed
        return workspace

    async def _profiles(self, caller: Caller, command: c.Command) -> dict[str, NewPerson]:
        ids = [ref.platform_id for ref in _user_refs(command) if ref.platform_id]
        if not ids or caller.lookup is None:
            return {}
        return await caller.lookup(ids)


async def _thread_lines(ctx: Ctx) -> tuple[ThreadLine, ...]:
    releases = await ctx.uow.releases.get_many([e.release_id for e in ctx.entries if e.release_id])
    return tuple(ThreadLine(releases[e.release_id], e) for e in ctx.entries if e.release_id in releases)


_CONTROLS = dict.fromkeys([*(i for i in range(32) if chr(i) not in "\n\t"), 0x7F])
_D = TypeVar("_D")


def _printable(obj: _D) -> _D:
    """Text from modals, card forms and profiles skips the grammar's cleaning: drop the ASCII control
    characters nobody means (NUL among them, which PostgreSQL cannot store); keep line breaks and tabs."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if type(value) is str and not value.isprintable() and (printable := value.translate(_CONTROLS)) != value:
            changes[f.name] = printable
        elif isinstance(value, c.UserRef) and (ref := _printable(value)) is not value:
            changes[f.name] = ref
    return dataclasses.replace(obj, **changes) if changes else obj  # type: ignore[type-var]


def _user_refs(command: c.Command) -> Iterable[c.UserRef]:
    for f in dataclasses.fields(command):
        value = getattr(command, f.name)
        if isinstance(value, c.UserRef):
            yield value


# --- routes: call the use case, present the result ------------------------------------------

@route(c.ShowHelp, "help")
async def _help(cmd: c.ShowHelp, ctx: Ctx) -> Reply:
    return presenters.help_reply(cmd.topic)


@route(c.CreateHandoff, "handoff.create")
async def _create(cmd: c.CreateHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.create(cmd, ctx)
    to = f"to {view.owner.display_name}" if view.owner else "with no owner yet"
    return dataclasses.replace(presenters.handoff_card(view, ctx.today(), f"Handed off {view.handoff.ref} {to}."), ephemeral=False)


@route(c.MoveHandoff, lambda cmd: f"handoff.{cmd.action.value}")
async def _move(cmd: c.MoveHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.move(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"{view.handoff.ref} is now {view.handoff.status.label}.")


@route(c.ReassignHandoff, "handoff.reassign")
async def _reassign(cmd: c.ReassignHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.reassign(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"{view.handoff.ref} now belongs to {wording.name(view.owner)}.")


@route(c.CommentOnHandoff, "handoff.comment")
async def _comment(cmd: c.CommentOnHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.comment(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"Comment added to {view.handoff.ref}.")


@route(c.SnoozeHandoff, "handoff.snooze")
async def _snooze(cmd: c.SnoozeHandoff, ctx: Ctx) -> Reply:
    view = await handoffs.snooze(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"{view.handoff.ref} is snoozed until {wording.local_time(view.handoff.snoozed_until, ctx.timezone_of(ctx.actor))}.")


@route(c.SetDueDate, "handoff.due")
async def _due(cmd: c.SetDueDate, ctx: Ctx) -> Reply:
    view = await handoffs.set_due(cmd, ctx)
    return presenters.handoff_card(view, ctx.today(), f"{view.handoff.ref} is now due {wording.due_text(view.handoff.due_date, ctx.today())}.")


@route(c.ShowHandoff, "handoff.read")
async def _show(cmd: c.ShowHandoff, ctx: Ctx) -> Reply:
    return presenters.handoff_card(await handoffs.show(cmd, ctx), ctx.today())


@route(c.ListHandoffs, "handoff.read")
async def _list(cmd: c.ListHandoffs, ctx: Ctx) -> Reply:
    views, total, label = await handoffs.find(cmd, ctx)
    return presenters.handoff_list(views, total, label, ctx.today())


@route(c.CreateRelease, "release.create")
async def _release_new(cmd: c.CreateRelease, ctx: Ctx) -> Reply:
    return presenters.release_created(await releases.create(cmd, ctx))


@route(c.ListReleases, "release.read")
async def _release_list(cmd: c.ListReleases, ctx: Ctx) -> Reply:
    found = await releases.list_all(cmd, ctx)
    return presenters.release_list(found, ctx.today(), await gates.releases_at_risk(ctx.uow, ctx.today()))


@route(c.ShowRelease, "release.read")
async def _release_show(cmd: c.ShowRelease, ctx: Ctx) -> Reply:
    return presenters.release_summary(await releases.summarise(cmd, ctx), ctx.today())


@route(c.ExportRelease, "release.read")
async def _release_export(cmd: c.ExportRelease, ctx: Ctx) -> Reply:
    return await export_release(cmd, ctx)


@route(c.AddReleaseEntry, lambda cmd: "release.decide" if cmd.kind is EntryKind.DECISION else "release.note")
async def _release_entry(cmd: c.AddReleaseEntry, ctx: Ctx) -> Reply:
    return presenters.entry_added(*await releases.add_entry(cmd, ctx))


@route(c.SetReleaseOwner, "release.owner")
async def _release_owner(cmd: c.SetReleaseOwner, ctx: Ctx) -> Reply:
    release, owner, _ = await releases.set_owner(cmd, ctx)
    return Reply(title=f"{owner.display_name} now owns {release.name}.", tone=Tone.SUCCESS, ephemeral=False)


@route(c.SearchKnowledge, "release.read")
async def _search(cmd: c.SearchKnowledge, ctx: Ctx) -> Reply:
    return presenters.search_results(cmd.words, await releases.search(cmd, ctx))


@route(c.WhoOwns, "area.read")
async def _who_owns(cmd: c.WhoOwns, ctx: Ctx) -> Reply:
    return presenters.who_owns(await registry.who_owns(cmd, ctx))


@route(c.AssignArea, lambda cmd: "area.driver" if cmd.duty is Duty.DRIVER else "area.duty")
async def _assign(cmd: c.AssignArea, ctx: Ctx) -> Reply:
    result = await registry.assign(cmd, ctx)
    if result.dispute is not None and result.new_dispute:  # a competing claim: the driver and the leads hear of it now
        view = await disputes.load_view(ctx, result.dispute)
        card = gate_presenters.dispute_card(view.dispute, view.subject, view.people, view.options)
        told = {p.id: p for p in (*result.disputed_with, *await disputes.leads(ctx))}
        for person in told.values():
            ctx.notify(person, f"{result.person.display_name} claims {view.subject}: a lead decides (D{view.dispute.id})",
                       reply=card)
    return presenters.assigned(result)


@route(c.UnassignArea, "area.duty")
async def _unassign(cmd: c.UnassignArea, ctx: Ctx) -> Reply:
    report = await registry.unassign(cmd, ctx)
    return presenters.area_report(report, f"{cmd.person} no longer has a duty on {report.area.name}.")


@route(c.ListAreas, "area.read")
async def _areas(cmd: c.ListAreas, ctx: Ctx) -> Reply:
    reports, release = await registry.list_areas(cmd, ctx)
    return presenters.area_list(reports, cmd.which, release)


@route(c.CreateArea, "area.create")
async def _area_new(cmd: c.CreateArea, ctx: Ctx) -> Reply:
    return presenters.area_created(await registry.create_area(cmd, ctx))


@route(c.SetPersonRole, lambda cmd: "person.lead" if cmd.role is Role.LEAD else "person.role")
async def _role(cmd: c.SetPersonRole, ctx: Ctx) -> Reply:
    person = await people.set_role(cmd, ctx)
    return presenters.person_card(person, ctx.workspace.timezone, f"{person.display_name} is now {cmd.role.value}.")


@route(c.SetPersonTimezone, "person.timezone")
async def _tz(cmd: c.SetPersonTimezone, ctx: Ctx) -> Reply:
    person = await people.set_timezone(cmd, ctx)
    return presenters.person_card(person, ctx.workspace.timezone, f"{person.display_name}'s time zone is now {person.timezone}.")


@route(c.ShowPerson, "person.read")
async def _person(cmd: c.ShowPerson, ctx: Ctx) -> Reply:
    return presenters.person_card(await people.show(cmd, ctx), ctx.workspace.timezone)


@route(c.ListPeople, "person.read")
async def _people(cmd: c.ListPeople, ctx: Ctx) -> Reply:
    return presenters.people_list(await people.list_all(cmd, ctx))


@route(c.ShowWorkload, "workload.read")
async def _workload(cmd: c.ShowWorkload, ctx: Ctx) -> Reply:
    return workload_reply(await show_workload(cmd, ctx))


@route(c.AttachHandoffMessage, "platform")
async def _attach_message(cmd: c.AttachHandoffMessage, ctx: Ctx) -> Reply:
    await handoffs.attach_message(cmd, ctx)
    return Reply()


@route(c.AttachReleaseThread, "platform")
async def _attach_thread(cmd: c.AttachReleaseThread, ctx: Ctx) -> Reply:
    await releases.attach_thread(cmd, ctx)
    return Reply()


@route(c.ShowNudges, "nudges.read")
async def _nudges(cmd: c.ShowNudges, ctx: Ctx) -> Reply:
    return nudge_messages.preview(await reminders.upcoming_nudges(cmd, ctx))


@route(c.SetNudgeOption, "nudges.settings")
async def _nudge_option(cmd: c.SetNudgeOption, ctx: Ctx) -> Reply:
    return Reply(title=await reminders.set_option(cmd, ctx), tone=Tone.SUCCESS)


@route(c.SubscribeDigest, "digest.settings")
async def _digest_here(cmd: c.SubscribeDigest, ctx: Ctx) -> Reply:
    sub = await reminders.subscribe(cmd, ctx)
    release = (await ctx.uow.releases.get_many([sub.release_id])).get(sub.release_id) if sub.release_id else None
    return reminders.describe(sub, release.name if release else None)


@route(c.StopDigest, "digest.settings")
async def _digest_off(cmd: c.StopDigest, ctx: Ctx) -> Reply:
    if await reminders.stop(cmd, ctx):
        return Reply(title="This channel's digest is off.", tone=Tone.SUCCESS)
    return Reply(title="This channel had no digest; `digest here 09:00` starts one.")


@route(c.ShowDigest, "digest.read")
async def _digest(cmd: c.ShowDigest, ctx: Ctx) -> Reply:
    sub = await reminders.show(cmd, ctx)
    if sub is None:
        return Reply(title="This channel has no digest; `digest here 09:00` starts one.")
    release = (await ctx.uow.releases.get_many([sub.release_id])).get(sub.release_id) if sub.release_id else None
    return dataclasses.replace(reminders.describe(sub, release.name if release else None), tone=Tone.INFO)


@route(c.PreviewDigest, "digest.read")
async def _digest_preview(cmd: c.PreviewDigest, ctx: Ctx) -> Reply:
    return await reminders.preview(cmd, ctx)


@route(c.DraftMessaging, "draft.start")
async def _draft(cmd: c.DraftMessaging, ctx: Ctx) -> Reply:
    record = await drafts.start(cmd, ctx)
    ctx.pending_draft = record.id
    return Reply(title="Drafting customer messaging from your notes…", ephemeral=False)


@route(c.SaveDraft, "platform")
async def _save_draft(cmd: c.SaveDraft, ctx: Ctx) -> Reply:
    return presenters.draft_card(await drafts.save(cmd, ctx), cmd.problem)


@route(c.UseDraft, "draft.decide")
async def _use_draft(cmd: c.UseDraft, ctx: Ctx) -> Reply:
    view = await handoffs.create(await drafts.use(cmd, ctx), ctx)
    to = f"to {view.owner.display_name}" if view.owner else "with no owner yet (no PMM drives messaging)"
    return dataclasses.replace(presenters.handoff_card(view, ctx.today(), f"Messaging handoff {view.handoff.ref} {to}."),
                               ephemeral=False)


@route(c.RegenerateDraft, "draft.decide")
async def _regenerate_draft(cmd: c.RegenerateDraft, ctx: Ctx) -> Reply:
    ctx.pending_draft = (await drafts.regenerate(cmd, ctx)).id
    return Reply(title="Drafting it again…", ephemeral=False)


@route(c.DiscardDraft, "draft.decide")
async def _discard_draft(cmd: c.DiscardDraft, ctx: Ctx) -> Reply:
    await drafts.discard(cmd, ctx)
    return Reply(title="Draft discarded.", tone=Tone.SUCCESS)


@route(c.ListGates, "gate.read")
async def _gates(cmd: c.ListGates, ctx: Ctx) -> Reply:
    return gate_presenters.gate_list(await gates.list_gates(cmd, ctx), ctx.today())


@route(c.DecideGate, "gate.decide")
async def _decide_gate(cmd: c.DecideGate, ctx: Ctx) -> Reply:
    decision = await gates.decide(cmd, ctx)
    for person in decision.watchers:
        ctx.notify(person, decision.sentence)
    release, slip = decision.report.release, decision.report.slip
    if decision.slip_to and slip:
        ctx.notify(decision.slip_to, gates.slip_sentence(release, slip), reply=gate_presenters.slip_card(release, slip))
    headline = f"{decision.gate.name}: {decision.gate.status.value}."
    return dataclasses.replace(gate_presenters.gate_list(decision.report, ctx.today(), headline), ephemeral=False)


@route(c.AnswerSlip, "release.slip")
async def _answer_slip(cmd: c.AnswerSlip, ctx: Ctx) -> Reply:
    release, sentence = await gates.answer_slip(cmd, ctx)
    return gate_presenters.slip_answered(release, sentence)


@route(c.WatchGates, "gate.watch")
async def _watch_gates(cmd: c.WatchGates, ctx: Ctx) -> Reply:
    release = await gates.watch(cmd, ctx)
    said = "will be told of" if cmd.watching else "will no longer be told of"
    return Reply(title=f"You {said} decisions on the gates of {release.name}.", tone=Tone.SUCCESS)


@route(c.ShowGateTemplate, "gate.read")
async def _gate_template(cmd: c.ShowGateTemplate, ctx: Ctx) -> Reply:
    return gate_presenters.template_reply(*await gates.show_template(ctx))


@route(c.EditGateTemplate, "gate.template")
async def _edit_gate_template(cmd: c.EditGateTemplate, ctx: Ctx) -> Reply:
    items, said = await gates.edit_template(cmd, ctx)
    return gate_presenters.template_reply(items, cmd.action == "reset", said)


@route(c.RaiseDispute, lambda cmd: "dispute.handoff" if cmd.number is not None else "dispute.area")
async def _dispute(cmd: c.RaiseDispute, ctx: Ctx) -> Reply:
    view, new = await disputes.raise_dispute(cmd, ctx)
    card = gate_presenters.dispute_card(view.dispute, view.subject, view.people, view.options)
    for lead in await disputes.leads(ctx):
        ctx.notify(lead, f"{ctx.actor.display_name} {'disputed' if new else 'answered the dispute on'} {view.subject}", reply=card)
    headline = f"Dispute D{view.dispute.id} recorded; a lead decides it." if new else f"Your side is added to D{view.dispute.id}."
    return dataclasses.replace(card, title=headline, tone=Tone.SUCCESS, ephemeral=True)


@route(c.ListDisputes, "dispute.read")
async def _disputes(cmd: c.ListDisputes, ctx: Ctx) -> Reply:
    views = await disputes.list_open(ctx)
    if not views:
        return Reply(title="No open disputes.")
    out = ReplyBuilder(title=f"Open disputes ({len(views)})")
    for v in views:
        card = gate_presenters.dispute_card(v.dispute, v.subject, v.people, v.options)
        out.para(Strong(f"D{v.dispute.id} "), v.subject)
        out.blocks.extend(card.blocks)
    return out.build()


@route(c.ResolveDispute, "dispute.resolve")
async def _resolve_dispute(cmd: c.ResolveDispute, ctx: Ctx) -> Reply:
    view = await disputes.resolve(cmd, ctx)
    return gate_presenters.dispute_card(view.dispute, view.subject, view.people, view.options,
                                        headline=f"D{view.dispute.id} decided: {view.dispute.outcome}")
