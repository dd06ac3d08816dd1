"""Who is asking, in which workspace, and how names in a command become people."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.area_names import AreaIndex, AreaIndexCache, AreaMatch
from bot.commands import UserRef
from bot.dates import local_today
from bot.domain import EntryKind, HandoffView, KnowledgeEntry, Notice, Person, Release, Workspace
from bot.errors import InvalidInput, NotFound
from bot.ports import NewPerson, UnitOfWork
from bot.reply import OutFile, Reply


@dataclass(frozen=True)
class Caller:
    """The verified sender of a command, as the platform handler saw them."""

    workspace_id: str
    user_id: str
    display_name: str
    timezone: str | None = None
    is_admin: bool = False
    # Other names the platform knows the caller by (an email, a Teams AAD object id), matched
    # against HANDOFF_ADMINS along with ``user_id``.
    aliases: tuple[str, ...] = ()
    # The shell has no user directory: there, "@dana" creates a local person on first use.
    names_create_people: bool = False
    # The command came from a private channel or a DM: what it writes is marked private, and
    # platforms never post it to a channel that more people can see (RELIABILITY 17).
    private_conversation: bool = False
    # The platform's id of the conversation the command came from (a channel), when it has one.
    conversation: str | None = None
    # The reply will be posted where others read it (a mention answered in a public channel):
    # it must leave out whatever was said privately.
    public_reply: bool = False
    # Looks up people the command mentions (Slack's users.info) *before* the transaction opens,
    # so no database transaction is ever held across a network call.
    lookup: Callable[[list[str]], Awaitable[dict[str, NewPerson]]] | None = field(default=None, compare=False, repr=False)


@dataclass
class Ctx:
    """What a use case works with: one transaction, the acting person and the time."""

    uow: UnitOfWork
    caller: Caller
    actor: Person
    workspace: Workspace
    now: datetime
    profiles: dict[str, NewPerson] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    entries: list[KnowledgeEntry] = field(default_factory=list)  # new lines for knowledge threads
    touched: dict[int, HandoffView] = field(default_factory=dict)  # handoffs whose cards changed
    pending_draft: int | None = None  # a draft to write after the ack (the platform runs it)
    files: list[OutFile] = field(default_factory=list)  # an export's files, for the platform to deliver
    # The core's, shared by every command; a Ctx made without one caches for its own life only.
    area_cache: AreaIndexCache = field(default_factory=AreaIndexCache, repr=False)
    # The workspace's areas version, read with the actor when the command began; None: read it on use.
    # A command that changes areas sets it back to None, so it then resolves against its own change.
    areas_version: str | None = None

    def today(self, person: Person | None = None) -> date:
        return local_today(self.now, self.timezone_of(person or self.actor))

    def timezone_of(self, person: Person) -> str:
        return person.timezone or self.workspace.timezone

    def notify(self, person: Person | None, text: str, handoff_number: int | None = None, reply: Reply | None = None) -> None:
        """Tell someone other than the actor; ``reply`` is a card (with buttons) to send instead of the text."""
        if person is not None and person.id != self.actor.id:
            self.notices.append(Notice(person, text, handoff_number, reply))

    async def record(
        self, kind: EntryKind, body: str, release_id: int | None = None, handoff_id: int | None = None
    ) -> KnowledgeEntry:
        """Add a line to the knowledge thread (the release's, or the workspace's)."""
        entry = await self.uow.knowledge.add(
            kind, body, self.actor.id, self.now, release_id, handoff_id, private=self.caller.private_conversation
        )
        self.entries.append(entry)
        return entry

    async def area_index(self) -> AreaIndex:
        """The workspace's areas and their resolver, reloaded only when the areas changed."""
        return await self.area_cache.get(self.uow.workspace_id, self.uow.areas, self.areas_version)

    async def resolve_area(self, name: str) -> AreaMatch:
        """The area ``name`` names, exactly or fuzzily; when unsure, the closest two or three."""
        return (await self.area_index()).resolve(name)

    def touch(self, view: HandoffView) -> None:
        self.touched[view.handoff.id] = view

    async def person(self, ref: UserRef | None) -> Person:
        """The person a mention names; ``None`` means the caller."""
        if ref is None:
            return self.actor
        people = self.uow.people
        if ref.platform_id:
            found = await people.by_platform_id(ref.platform_id)
            if found:
                return found
            profile = self.profiles.get(ref.platform_id) or NewPerson(ref.platform_id, ref.name or ref.platform_id)
            return await people.upsert(profile)
        if not ref.name:  # an empty user picker (a form submitted without one): a user error, not a crash
            raise InvalidInput("Pick someone with the @ picker.", field="owner")
        matches = await people.by_name(ref.name)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InvalidInput(f"Several people are called @{ref.name}; mention the one you mean with the @ picker.")
        if self.caller.names_create_people:
            return await people.upsert(NewPerson(ref.name, ref.name))
        raise NotFound(f"I don't know @{ref.name} here yet; mention them with your chat's @ picker.")


async def find_release(uow: UnitOfWork, name: str) -> Release:
    release = await uow.releases.by_name(name)
    if release is None:
        raise NotFound(f"There is no release called “{name}”; `release list` shows them.")
    return release
