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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from bot import commands as c
from bot import rights
from bot.area_names import AreaIndexCache
from bot.chat import help, home
from bot.chat.grammar import parse
from bot.chat.grammar.words import UsageError
from bot.context import Caller, Ctx
from bot.domain import Area, HandoffView, KnowledgeEntry, Notice, Person, Release, Workspace
from bot.drafting import routes as drafting_routes
from bot.drafting.service import DAILY_TOKENS, Drafter, DraftService
from bot.errors import Contention, HandoffError, NotAllowed
from bot.gates import routes as gates_routes
from bot.handoffs import routes as handoffs_routes
from bot.log_context import bind_workspace
from bot.ownership import routes as ownership_routes
from bot.ownership.seed import DEFAULT_AREAS
from bot.people import routes as people_routes
from bot.ports import Clock, NewPerson, UnitOfWork, UnitOfWorkFactory
from bot.records import NewDelivery
from bot.releases import routes as releases_routes
from bot.reminders import routes as reminders_routes
from bot.reply import OutFile, Reply, error
from bot.routing import RouteTable
from bot.workload import routes as workload_routes

log = logging.getLogger("handoff.core")

# Every command the core answers, and the right it needs, one table per capability.
TABLE = RouteTable.merge(help.routes, home.routes, handoffs_routes.routes, releases_routes.routes, ownership_routes.routes, people_routes.routes, workload_routes.routes, reminders_routes.routes, drafting_routes.routes, gates_routes.routes)
ROUTES = TABLE.handlers
ROUTE_RIGHTS = TABLE.rights
CONTENDED_TRIES = 3  # a command PostgreSQL rolled back to break a deadlock is run again, up to this often


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
            return Outcome(help.usage(exc.topic, str(exc)))
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
            return Outcome(help.usage(exc.topic, str(exc)))
        except HandoffError as exc:
            return Outcome(error(str(exc), field=exc.field), refused=isinstance(exc, NotAllowed))
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception(
                "error %s: %s failed in workspace %s", error_id, type(command).__name__, caller.workspace_id,
                extra={"error_id": error_id, "workspace": caller.workspace_id},
            )
            return Outcome(error(f"Sorry, something went wrong on my side (error {error_id}). Please try again.", error_id))

    async def read_many(self, caller: Caller, commands: Sequence[c.Command]) -> list[Reply]:
        """The replies to several reading commands from one unit of work: a view made of sections
        (Slack's App Home) costs one transaction and one caller look-up, not one per section.

        Each is checked for its right as :meth:`execute` would; one that fails answers with its
        one-sentence error in its place, and nothing is committed."""
        bind_workspace(caller.workspace_id)
        replies: list[Reply] = []
        try:
            async with self.uow_factory(caller.workspace_id) as uow:
                workspace = await self._workspace(uow)
                actor, areas_version = await uow.people.upsert_caller(
                    NewPerson(caller.user_id, caller.display_name, caller.timezone, self.is_admin(caller)))
                for command in commands:
                    ctx = Ctx(uow, caller, actor, workspace, self.clock(), {}, area_cache=self.area_cache,
                              areas_version=areas_version)
                    try:
                        _check_actor(command, actor)
                        replies.append(await ROUTES[type(command)](command, ctx))
                    except HandoffError as exc:
                        replies.append(error(str(exc), field=exc.field))
                await uow.commit()  # the caller's row, when first seen or renamed
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s: a view of %s sections failed in workspace %s", error_id, len(commands),
                          caller.workspace_id, extra={"error_id": error_id, "workspace": caller.workspace_id})
            return [error(f"Sorry, something went wrong on my side (error {error_id}). Please try again.", error_id)]
        return replies

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




