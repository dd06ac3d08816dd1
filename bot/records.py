"""Facts that pass between capabilities and through the ports: deliveries in the outbox, nudges
already sent, gates and slips waiting on someone, and the rows the workload view counts.

They live in the kernel so that :mod:`bot.ports` can name them without importing a feature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property

from bot import codec
from bot.domain import (
    Gate,
    Kind,
    Person,
    Release,
    Side,
    Slip,
)
from bot.reply import Reply


class DeliveryKind(StrEnum):
    NUDGE = "nudge"
    NOTICE = "notice"  # a post a command made that the platform refused for now: retried from here
    THREAD = "thread"
    DIGEST = "digest"
    REPORT = "report"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing to say (an empty digest): the key is spent, nothing is sent


@dataclass(frozen=True)
class NewDelivery:
    key: str
    kind: DeliveryKind
    target: str  # "dm:U1", "channel:C1" or "thread:C1:1700.1"
    reply: Reply
    status: DeliveryStatus = DeliveryStatus.PENDING
    uncertain: bool = False  # an earlier attempt may have landed: look before posting


@dataclass
class Delivery:
    id: int
    workspace_id: str
    key: str
    kind: DeliveryKind
    target: str
    payload: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    uncertain: bool = False
    lease_token: str | None = None
    message_id: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None

    @property
    def reply(self) -> Reply:
        return codec.loads(self.payload)


@dataclass(frozen=True)
class Target:
    kind: str  # dm | channel | thread
    address: str  # a user id (dm) or a channel id
    thread: str | None = None

    @staticmethod
    def parse(text: str) -> Target:
        """Addresses may hold colons (Teams: ``29:1a2b``, ``19:x@thread.tacv2``); a thread's
        root id never does (Slack ``1700.1``, Teams ``1700000000000``), so it is split off last."""
        kind, _, rest = text.partition(":")
        if kind != "thread":
            return Target(kind, rest)
        address, _, thread = rest.rpartition(":")
        return Target(kind, address, thread or None)

    def __str__(self) -> str:
        return ":".join(p for p in (self.kind, self.address, self.thread) if p)


class Rule(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    UNACKNOWLEDGED = "unacknowledged"
    NO_OWNER = "no_owner"
    ESCALATION = "escalation"
    AREAS = "areas"
    GATE = "gate"
    SLIP = "slip"


@dataclass(frozen=True)
class PastNudge:
    """A nudge already recorded: the job loads the recent ones."""

    key: str
    rule: Rule
    person_id: int
    at: datetime
    handoff_id: int | None = None
    delivered: bool = True  # its message reached the platform: only those count towards escalation

    @cached_property
    def item(self) -> tuple[str, int, int]:
        """What was nudged, for the gap between nudges: see :func:`bot.reminders.policy._item`."""
        kind, _, rest = self.key.partition(":")
        if self.handoff_id is not None:
            return ("handoff" if self.rule is not Rule.ESCALATION else "escalation", self.handoff_id, self.person_id)
        if kind in ("gate", "slip"):
            return (kind, int(rest.split(":")[0]), self.person_id)
        return ("release", int(rest.split(":")[0]), self.person_id)  # areas:{release}:{person}:{date}


@dataclass(frozen=True)
class GateDue:
    """An undecided gate with a due date, its release and who can decide it (the job loads them)."""

    gate: Gate
    release: Release
    approvers: tuple[Person, ...]


@dataclass(frozen=True)
class SlipDue:
    """A new target date the scheduler proposed for a late gate, and who must answer it."""

    slip: Slip
    release: Release
    owner: Person


@dataclass(frozen=True)
class OpenGroup:
    """How many open handoffs one person owns of one kind, area side and overdue-ness."""

    owner_id: int
    kind: Kind
    area_side: Side | None
    overdue: bool
    count: int


@dataclass(frozen=True)
class AckWait:
    """One acknowledgement: who made it, when the handoff had become theirs, and when they acked."""

    person_id: int
    since: datetime
    acked_at: datetime


@dataclass(frozen=True)
class SlackItem:
    """A person's open, non-private handoff with the most slack (latest due date, undated first)."""

    owner_id: int
    number: int
    due_date: date | None
