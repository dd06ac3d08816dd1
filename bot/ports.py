"""The ports through which the core reaches storage and the clock.

Every repository is bound to one workspace when the unit of work is opened, so no method can
read or write another workspace's rows: scoping is structural, not a filter to remember.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from bot.domain import (
    Area,
    Assignment,
    Duty,
    EntryKind,
    Handoff,
    HandoffEvent,
    Kind,
    KnowledgeEntry,
    Person,
    Release,
    Role,
    Side,
    Status,
    Workspace,
)

if TYPE_CHECKING:
    from bot.domain import DigestSubscription, DraftRecord
    from bot.nudge_policy import PastNudge, Rule
    from bot.outbox import Delivery, DeliveryKind, NewDelivery


class Clock(Protocol):
    def __call__(self) -> datetime:
        """The current time, timezone-aware UTC."""


@dataclass(frozen=True)
class NewPerson:
    platform_user_id: str
    display_name: str
    timezone: str | None = None
    is_admin: bool = False


@dataclass(frozen=True)
class NewHandoff:
    kind: Kind
    title: str
    details: str
    requester_id: int
    owner_id: int | None
    release_id: int | None
    area_id: int | None
    due_date: date | None
    created_at: datetime
    private: bool = False


@dataclass(frozen=True)
class HandoffQuery:
    owner_id: int | None = None
    requester_id: int | None = None
    release_id: int | None = None
    statuses: frozenset[Status] | None = None
    due_before: date | None = None  # strictly before: overdue when it is "today"
    include_private: bool = True
    limit: int = 50


@dataclass(frozen=True)
class SearchHit:
    entry: KnowledgeEntry
    release_name: str | None


class WorkspaceRepository(Protocol):
    async def ensure(self, default_timezone: str) -> tuple[Workspace, bool]: ...
    async def allocate_handoff_number(self) -> int: ...


class PersonRepository(Protocol):
    async def upsert(self, new: NewPerson) -> Person: ...
    async def get(self, person_id: int) -> Person | None: ...
    async def get_many(self, ids: Sequence[int]) -> dict[int, Person]: ...
    async def by_platform_id(self, platform_user_id: str) -> Person | None: ...
    async def by_name(self, name: str) -> list[Person]: ...
    async def list(self) -> list[Person]: ...
    async def with_role(self, role: Role) -> list[Person]: ...
    async def update(self, person: Person) -> None: ...


class ReleaseRepository(Protocol):
    async def add(
        self, name: str, target: date | None, created_at: datetime, channel_ref: str | None = None, owner_id: int | None = None
    ) -> Release: ...
    async def set_thread(self, release_id: int, channel_ref: str, thread_ref: str) -> None: ...
    async def by_name(self, name: str) -> Release | None: ...
    async def get_many(self, ids: Sequence[int]) -> dict[int, Release]: ...
    async def list(self) -> list[Release]: ...


class HandoffRepository(Protocol):
    async def add(self, number: int, new: NewHandoff) -> Handoff: ...
    async def by_number(self, number: int) -> Handoff | None: ...
    async def update(self, handoff: Handoff, expected_version: int) -> Handoff: ...
    async def set_message_ref(self, handoff_id: int, message_ref: str) -> None: ...
    async def find(self, query: HandoffQuery) -> tuple[list[Handoff], int]: ...
    async def counts_for_release(self, release_id: int, today: date) -> dict[str, dict[Kind, int]]: ...
    async def add_event(self, event: HandoffEvent) -> None: ...
    async def history(self, handoff_id: int) -> list[HandoffEvent]: ...


class AreaRepository(Protocol):
    async def add(self, name: str, side: Side, aliases: Sequence[str], description: str = "") -> Area: ...
    async def add_defaults(self, defaults: Sequence[tuple[str, Side, Sequence[str], str]]) -> None: ...
    async def list(self) -> list[Area]: ...
    async def get_many(self, ids: Sequence[int]) -> dict[int, Area]: ...
    async def assignments(self, area_id: int | None = None) -> list[Assignment]: ...
    async def assign(self, assignment: Assignment, at: datetime) -> bool: ...
    async def unassign(self, area_id: int, person_id: int, release_id: int | None, duty: Duty | None = None) -> int: ...


class KnowledgeRepository(Protocol):
    async def add(
        self, kind: EntryKind, body: str, author_id: int, at: datetime,
        release_id: int | None = None, handoff_id: int | None = None, link: str | None = None, private: bool = False,
    ) -> KnowledgeEntry: ...
    async def latest(
        self, release_id: int, kinds: frozenset[EntryKind], limit: int, include_private: bool = True
    ) -> list[KnowledgeEntry]: ...
    async def search(
        self, words: Sequence[str], kind: EntryKind | None, limit: int, include_private: bool = True
    ) -> list[SearchHit]: ...


class InboundEventRepository(Protocol):
    async def claim(self, event_id: str, at: datetime) -> bool: ...
    async def forget(self, event_id: str) -> None: ...


class DeliveryRepository(Protocol):
    async def add(self, new: NewDelivery, now: datetime) -> bool: ...
    async def get(self, key: str) -> Delivery | None: ...
    async def existing_keys(self, keys: Sequence[str]) -> set[str]: ...
    async def times_to(self, targets: Sequence[str], kind: DeliveryKind, since: datetime) -> dict[str, list[datetime]]: ...
    async def cancel_pending(self) -> int: ...


class NudgeRepository(Protocol):
    async def add(self, key: str, rule: Rule, person_id: int, handoff_id: int | None, delivery_key: str, at: datetime) -> bool: ...
    async def since(self, since: datetime) -> list[PastNudge]: ...


class DigestRepository(Protocol):
    async def list(self) -> list[DigestSubscription]: ...
    async def by_channel(self, channel: str) -> DigestSubscription | None: ...
    async def save(self, sub: DigestSubscription) -> DigestSubscription: ...
    async def remove(self, channel: str) -> bool: ...


class JobRepository(Protocol):
    async def try_lock(self, job: str) -> bool: ...
    async def nudge_settings(self) -> dict | None: ...
    async def set_nudge_settings(self, values: dict) -> None: ...
    async def nudge_candidates(self, now: datetime, due_by: datetime, created_before: datetime) -> list[Handoff]: ...
    async def digest_handoffs(self, since: datetime, due_by: datetime, release_id: int | None) -> list[Handoff]: ...


class ConversationRepository(Protocol):
    """Platform conversation references (opaque JSON) for messages the bot sends first."""

    async def save(self, conversation_id: str, kind: str, user_id: str | None, reference: dict, now: datetime) -> None: ...
    async def get(self, conversation_id: str) -> dict | None: ...
    async def personal(self, user_id: str) -> dict | None: ...
    async def any_reference(self) -> dict | None: ...
    async def mark_dead(self, conversation_id: str) -> bool: ...


class DraftRepository(Protocol):
    async def add(self, notes: str, options: dict, created_by: int, at: datetime, release_id: int | None,
                  handoff_id: int | None, private: bool) -> DraftRecord: ...
    async def get(self, draft_id: int) -> DraftRecord | None: ...
    async def finish(self, draft_id: int, status: str, result: dict | None, entry_id: int | None) -> None: ...
    async def set_status(self, draft_id: int, status: str) -> None: ...
    async def tokens_used(self, day: date) -> int: ...
    async def spend(self, day: date, tokens: int) -> None: ...


class UnitOfWork(Protocol):
    """One transaction in one workspace. Rolls back unless :meth:`commit` is called."""

    workspace_id: str
    workspaces: WorkspaceRepository
    people: PersonRepository
    releases: ReleaseRepository
    handoffs: HandoffRepository
    areas: AreaRepository
    knowledge: KnowledgeRepository
    inbound_events: InboundEventRepository
    deliveries: DeliveryRepository
    nudges: NudgeRepository
    digests: DigestRepository
    jobs: JobRepository
    conversations: ConversationRepository
    drafts: DraftRepository

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, workspace_id: str) -> UnitOfWork: ...
