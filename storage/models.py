"""Tables. Every row carries ``workspace_id``; every index starts with it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UTCDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class WorkspaceRow(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    next_handoff_number: Mapped[int] = mapped_column(Integer, default=1)
    nudge_settings: Mapped[dict | None] = mapped_column(JSON)  # overrides of bot.reminders.policy defaults
    # A new random value with every change to this workspace's areas: caches compare it (AreaIndexCache).
    areas_version: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _workspace_fk() -> Mapped[str]:
    return mapped_column(String(128), ForeignKey("workspaces.id", ondelete="CASCADE"))


class PersonRow(Base):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform_user_id", name="uq_people_platform_user"),
        Index("ix_people_name", "workspace_id", "name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    platform_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Set by the person (or a lead for them): the zone a platform reports no longer replaces it.
    timezone_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReleaseRow(Base):
    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("workspace_id", "name_key", name="uq_releases_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    channel_ref: Mapped[str | None] = mapped_column(String(200))
    thread_ref: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tier: Mapped[int | None] = mapped_column(Integer)  # launch tier 1-3: which plan items it gets
    # What the release does, in the PM's words, and who on the other side stood behind it.
    statement: Mapped[str | None] = mapped_column(Text)
    statement_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    statement_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AreaRow(Base):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("workspace_id", "name_key", name="uq_areas_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    side: Mapped[str] = mapped_column(String(16))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssignmentRow(Base):
    __tablename__ = "area_assignments"
    __table_args__ = (Index("ix_area_assignments_area", "workspace_id", "area_id", "release_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    duty: Mapped[str] = mapped_column(String(16))
    owes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HandoffRow(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number", name="uq_handoffs_number"),
        Index("ix_handoffs_owner_status", "workspace_id", "owner_id", "status"),
        Index("ix_handoffs_requester_status", "workspace_id", "requester_id", "status"),
        Index("ix_handoffs_status_due", "workspace_id", "status", "due_date"),
        Index("ix_handoffs_release", "workspace_id", "release_id", "status"),
        # Covers ``release show``'s counts by status, kind and due date: no table reads.
        Index("ix_handoffs_release_counts", "workspace_id", "release_id", "status", "kind", "due_date"),
        Index("ix_handoffs_updated", "workspace_id", "updated_at"),  # digests: what changed since the last one
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="SET NULL"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    status_note: Mapped[str | None] = mapped_column(Text)
    message_ref: Mapped[str | None] = mapped_column(String(200))  # where the platform shows its card
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    plan_key: Mapped[str | None] = mapped_column(String(200))  # "item:<name>" or "input:<name>:<person>" of a launch plan


class HandoffLinkRow(Base):
    """``handoff_id`` needs ``needs_id`` done first (a plan item needs its inputs)."""

    __tablename__ = "handoff_links"
    __table_args__ = (
        UniqueConstraint("workspace_id", "handoff_id", "needs_id", name="uq_handoff_links_pair"),
        Index("ix_handoff_links_needs", "workspace_id", "needs_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    needs_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HandoffEventRow(Base):
    """Append-only: the repository never updates or deletes these rows."""

    __tablename__ = "handoff_events"
    __table_args__ = (
        Index("ix_handoff_events_handoff", "workspace_id", "handoff_id", "id"),
        Index("ix_handoff_events_action", "workspace_id", "action", "at"),  # the workload view's time to acknowledge
        Index("ix_handoff_events_actor", "workspace_id", "actor_id", "id"),  # a person's last change, for undo
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    change: Mapped[str | None] = mapped_column(Text)  # JSON: what an edit or a link changed, in full, for undo
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class KnowledgeEntryRow(Base):
    __tablename__ = "knowledge_entries"
    __table_args__ = (
        Index("ix_knowledge_release", "workspace_id", "release_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundEventRow(Base):
    """Platform deliveries already handled (Slack ``event_id``): retries are recognised and skipped."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("workspace_id", "event_id", name="uq_inbound_events_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class DeliveryRow(Base):
    """The outbox: every scheduled or proactive message, written before it is sent.

    ``key`` makes each message exactly-once per workspace; a worker claims a row by setting
    ``lease_token``/``lease_until``; ``uncertain`` says an earlier attempt may have reached the
    platform, so the next one first looks for the message (``message_id`` once it is known)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key", name="uq_deliveries_key"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_target", "workspace_id", "target", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(200))  # dm:U1 | channel:C1 | thread:C1:1700.1
    payload: Mapped[str] = mapped_column(Text)  # the Reply, as bot.codec JSON
    status: Mapped[str] = mapped_column(String(16))  # pending | sending | sent | failed | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NudgeRow(Base):
    """One item nudged once: the policy's memory (24 h gap, escalation after N unanswered)."""

    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key", name="uq_nudges_key"),
        Index("ix_nudges_at", "workspace_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    key: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    delivery_key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestSubscriptionRow(Base):
    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("workspace_id", "channel", name="uq_digest_subscriptions_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    channel: Mapped[str] = mapped_column(String(200))
    local_time: Mapped[str] = mapped_column(String(5))  # "09:00"
    timezone: Mapped[str] = mapped_column(String(64))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    all_clear: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConversationRefRow(Base):
    """Where a platform lets the bot speak first (Teams' ConversationReference, as JSON).

    ``user_id`` is set for 1:1 chats, so a DM to a person finds their conversation; ``active``
    goes false when the connector says the bot was removed (403/404), until it hears from there."""

    __tablename__ = "conversation_refs"
    __table_args__ = (
        UniqueConstraint("workspace_id", "conversation_id", name="uq_conversation_refs_conversation"),
        Index("ix_conversation_refs_user", "workspace_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    conversation_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # personal | channel | groupChat
    user_id: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DraftRow(Base):
    """A drafting request: its (redacted) notes and options, so Regenerate can run it again."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_workspace", "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_entries.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(Text)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # drafted | brief | discarded | used
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LlmUsageRow(Base):
    """Tokens a workspace spent on drafting per UTC day: the daily budget."""

    __tablename__ = "llm_usage"
    __table_args__ = (UniqueConstraint("workspace_id", "day", name="uq_llm_usage_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    day: Mapped[date] = mapped_column(Date)
    tokens: Mapped[int] = mapped_column(Integer, default=0)


class GateRow(Base):
    __tablename__ = "gates"
    __table_args__ = (Index("ix_gates_release", "workspace_id", "release_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    approver_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class GateTemplateRow(Base):
    """A workspace's own gate template; a workspace without rows uses the standard one."""

    __tablename__ = "gate_templates"
    __table_args__ = (Index("ix_gate_templates_workspace", "workspace_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    offset_days: Mapped[int] = mapped_column(Integer)
    approver_roles: Mapped[list[str]] = mapped_column(JSON, default=list)


class PlanTemplateRow(Base):
    """A workspace's own launch-plan template; a workspace without rows uses the standard one."""

    __tablename__ = "plan_templates"
    __table_args__ = (Index("ix_plan_templates_workspace", "workspace_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    area: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    tiers: Mapped[list[int]] = mapped_column(JSON, default=list)
    offset_days: Mapped[int] = mapped_column(Integer)
    needs: Mapped[str | None] = mapped_column(Text)


class ReleaseSkipRow(Base):
    """A grey area that does not apply to a release: out of its readiness, digests and nudges."""

    __tablename__ = "release_skips"
    __table_args__ = (UniqueConstraint("workspace_id", "release_id", "area_id", name="uq_release_skips_area"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(Text)
    skipped_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    skipped_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GateWatcherRow(Base):
    """A person's choice to follow (or stop following) a release's gates, over the role default."""

    __tablename__ = "gate_watchers"
    __table_args__ = (UniqueConstraint("workspace_id", "release_id", "person_id", name="uq_gate_watchers_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    watching: Mapped[bool] = mapped_column(Boolean)


class SlipRow(Base):
    __tablename__ = "slips"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key", name="uq_slips_key"),
        Index("ix_slips_release", "workspace_id", "release_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("gates.id", ondelete="SET NULL"))
    key: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    old_target: Mapped[date | None] = mapped_column(Date)
    proposed_target: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DisputeRow(Base):
    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_status", "workspace_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = _workspace_fk()
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    raised_by: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    other_party: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    other_side: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboxRow(Base):
    """A platform request recorded before it was acknowledged, and handled after (``storage.inbox``).

    No foreign key to ``workspaces``: a workspace's very first request arrives before its row
    exists. ``key`` (the event id, or a hash of the signed body) makes a redelivery or a replay
    one row. A handler claims a row with ``lease_token``/``lease_until``; ``done_at`` is set in
    the same transaction as the change the request made."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key", name="uq_inbox_key"),
        Index("ix_inbox_pending", "done_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # slack
    body: Mapped[str] = mapped_column(Text)  # the signed request body, as received
    headers: Mapped[dict] = mapped_column(JSON)  # the few a handler reads: content type, retry number
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
