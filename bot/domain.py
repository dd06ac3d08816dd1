"""Domain objects: plain dataclasses that storage maps rows to and use cases work on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.reply import Reply


class Kind(StrEnum):
    REQUIREMENT = "requirement"  # PM -> PMM: what the product does and for whom
    MESSAGING = "messaging"  # PMM -> PM: claims and copy to verify
    QUESTION = "question"


class Status(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    NEEDS_INFO = "needs_info"
    BLOCKED = "blocked"
    DECLINED = "declined"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


ACTIVE_STATUSES: frozenset[Status] = frozenset(
    {Status.OPEN, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.NEEDS_INFO, Status.BLOCKED}
)


class Role(StrEnum):
    PM = "pm"
    PMM = "pmm"
    LEAD = "lead"
    OTHER = "other"


class Side(StrEnum):
    INBOUND = "inbound"  # PM's side: market needs, requirements, roadmap, pricing
    OUTBOUND = "outbound"  # PMM's side: positioning, messaging, collateral, launch
    SHARED = "shared"  # the grey areas in between


class Duty(StrEnum):
    DRIVER = "driver"
    SUPPORTER = "supporter"
    INFORMED = "informed"


class EntryKind(StrEnum):
    HANDOFF = "handoff"
    NOTE = "note"
    DECISION = "decision"
    DRAFT = "draft"
    GATE = "gate"


# What the owner of each kind of handoff needs before starting work.
DEFINITION_OF_READY: dict[Kind, tuple[str, ...]] = {
    Kind.REQUIREMENT: ("audience", "problem", "why now"),
    Kind.MESSAGING: ("audience", "claims to verify", "proof points"),
    Kind.QUESTION: (),
}


@dataclass
class Workspace:
    id: str
    timezone: str


@dataclass
class Person:
    id: int
    workspace_id: str
    platform_user_id: str
    display_name: str
    role: Role | None = None
    timezone: str | None = None
    is_admin: bool = False

    @property
    def can_lead(self) -> bool:
        """Leads and workspace admins settle disputes and may move anyone's handoff."""
        return self.is_admin or self.role is Role.LEAD


@dataclass
class Release:
    id: int
    workspace_id: str
    name: str
    target_date: date | None
    created_at: datetime
    status: str = "planned"
    channel_ref: str | None = None
    thread_ref: str | None = None
    owner_id: int | None = None  # who answers for it: its creator unless changed
    tier: int | None = None  # launch tier 1 (new product or market) to 3 (improvements): its plan
    # What the release does, for whom, and what changes for them: written by one side, confirmed
    # by the other (RELEASE_STATEMENT); a change clears the confirmation.
    statement: str | None = None
    statement_by: int | None = None
    statement_at: datetime | None = None
    confirmed_by: int | None = None
    confirmed_at: datetime | None = None

    @property
    def closed(self) -> bool:
        """Closed (or cancelled): out of digests, readiness and nudges, still searchable and exportable."""
        return self.status in ENDED_RELEASES

    @property
    def shipped(self) -> bool:
        return self.status == "shipped"


@dataclass
class Handoff:
    id: int
    workspace_id: str
    number: int
    kind: Kind
    title: str
    details: str
    requester_id: int
    owner_id: int | None
    release_id: int | None
    area_id: int | None
    due_date: date | None
    status: Status
    status_note: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    message_ref: str | None = None  # where a platform shows this handoff's card ("C123:1700.1")
    snoozed_until: datetime | None = None  # nudges wait until then (UTC)
    private: bool = False  # made in a private conversation: never shown in a wider channel
    plan_key: str | None = None  # part of its release's launch plan: "item:<name>" or "input:<name>:<person id>"

    @property
    def ref(self) -> str:
        return f"#{self.number}"

    def is_overdue(self, today: date) -> bool:
        return self.status in ACTIVE_STATUSES and self.due_date is not None and self.due_date < today


@dataclass(frozen=True)
class HandoffEvent:
    """One immutable line of a handoff's history."""

    handoff_id: int
    actor_id: int
    action: str
    from_status: Status | None
    to_status: Status | None
    note: str | None
    at: datetime
    change: tuple[str, str, str] | None = None  # (field, old, new) of an edit or a link, in full, for undo


@dataclass
class Area:
    id: int
    workspace_id: str
    name: str
    side: Side
    aliases: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Assignment:
    area_id: int
    person_id: int
    duty: Duty
    release_id: int | None = None
    owes: str | None = None


@dataclass
class KnowledgeEntry:
    id: int
    workspace_id: str
    kind: EntryKind
    body: str
    author_id: int
    created_at: datetime
    release_id: int | None = None
    handoff_id: int | None = None
    link: str | None = None
    private: bool = False  # written in a private conversation: never posted to a wider channel


@dataclass(frozen=True)
class Notice:
    """A message to one person that is not the reply to the caller (e.g. "Dana asked you ...")."""

    to: Person
    text: str
    handoff_number: int | None = None
    reply: Reply | None = None  # a card with buttons to send instead of the plain text


@dataclass
class HandoffView:
    """A handoff with the names a reply needs, assembled in batch for lists."""

    handoff: Handoff
    requester: Person
    owner: Person | None
    release: Release | None = None
    area: Area | None = None
    history: list[HandoffEvent] = field(default_factory=list)
    actors: dict[int, Person] = field(default_factory=dict)  # who wrote the history lines
    needs: list[Handoff] = field(default_factory=list)  # what it waits on (a plan item's inputs)
    needed_by: list[Handoff] = field(default_factory=list)  # what waits on it
    note: str | None = None  # a line for the reply: how the owner was found, or why there is none


@dataclass
class DigestSubscription:
    """A channel's daily digest: at ``local_time`` in ``timezone`` on working days."""

    id: int
    workspace_id: str
    channel: str
    local_time: time
    timezone: str
    created_at: datetime
    release_id: int | None = None
    private: bool = False  # a private channel: its own private handoffs may appear in it
    all_clear: bool = False  # post "all clear" when there is nothing to say
    created_by: int | None = None


@dataclass
class DraftRecord:
    """A drafting request and its latest result (``result`` is the Draft as JSON, or None)."""

    id: int
    workspace_id: str
    notes: str
    options: dict
    status: str  # drafted | brief | discarded | used
    created_by: int
    created_at: datetime
    release_id: int | None = None
    handoff_id: int | None = None
    entry_id: int | None = None
    result: dict | None = None
    private: bool = False


class GateStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WAIVED = "waived"


@dataclass
class Gate:
    """A launch gate of one release: approvers decide it; watchers are told."""

    id: int
    workspace_id: str
    release_id: int
    position: int
    name: str
    approver_roles: tuple[Role, ...]
    status: GateStatus = GateStatus.PENDING
    due_date: date | None = None
    decided_by: int | None = None
    decided_at: datetime | None = None
    note: str | None = None

    def is_overdue(self, today: date) -> bool:
        return self.status is GateStatus.PENDING and self.due_date is not None and self.due_date < today


@dataclass(frozen=True)
class GateTemplateItem:
    """One gate of a workspace's template: due ``offset_days`` from the release's target."""

    name: str
    offset_days: int
    approver_roles: tuple[Role, ...]


@dataclass(frozen=True)
class PlanTemplateItem:
    """One item of a workspace's launch-plan template: a deliverable of ``area``, for releases of
    the given ``tiers``, due ``offset_days`` from the target, needing ``needs`` from the other side."""

    name: str
    area: str
    kind: Kind
    tiers: frozenset[int]
    offset_days: int
    needs: str | None = None


@dataclass(frozen=True)
class ReleaseSkip:
    """A grey area that does not apply to a release (``release skip v2.3 press relations``)."""

    release_id: int
    area_id: int
    reason: str | None
    skipped_by: int | None
    skipped_at: datetime


class SlipStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


@dataclass
class Slip:
    """A proposed new target date for a release whose gate was declined or is overdue."""

    id: int
    workspace_id: str
    release_id: int
    gate_id: int | None
    key: str  # what caused it: one proposal per cause, however often the scheduler looks
    reason: str
    old_target: date | None
    proposed_target: date | None
    status: SlipStatus
    created_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass
class Dispute:
    """Two sides disagree on a handoff or a grey area; a lead or admin decides."""

    id: int
    workspace_id: str
    raised_by: int
    reason: str
    created_at: datetime
    handoff_id: int | None = None
    area_id: int | None = None
    release_id: int | None = None
    other_party: int | None = None
    other_side: str | None = None
    status: DisputeStatus = DisputeStatus.OPEN
    outcome: str | None = None
    resolved_by: int | None = None
    resolved_at: datetime | None = None
    private: bool = False


# Releases past their launch: no pre-launch reminders. Shipped ones keep their post-launch work
# (the 6 Month Assessment); ended ones leave digests, readiness and nudges altogether.
ENDED_RELEASES = frozenset({"cancelled", "done", "closed"})
CLOSED_RELEASES = ENDED_RELEASES | {"shipped"}


class Action(StrEnum):
    ACK = "ack"
    START = "start"
    DONE = "done"
    ASK = "ask"
    ANSWER = "answer"
    DECLINE = "decline"
    BLOCK = "block"
    CANCEL = "cancel"
    REOPEN = "reopen"
