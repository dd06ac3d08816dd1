"""The workload view's figures: one aggregate query each, over the whole team at once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from bot.domain import ACTIVE_STATUSES, Kind, Side
from bot.records import AckWait, OpenGroup, SlackItem
from storage.base import Repository, utc
from storage.models import AreaRow, HandoffEventRow, HandoffRow

_ACTIVE = sorted(s.value for s in ACTIVE_STATUSES)


class WorkloadRepository(Repository):
    def _open(self) -> list:
        """Active, owned handoffs of this workspace (served by ``ix_handoffs_status_due``)."""
        return [HandoffRow.workspace_id == self.workspace_id, HandoffRow.status.in_(_ACTIVE), HandoffRow.owner_id.is_not(None)]

    async def open_groups(self, today: date) -> list[OpenGroup]:
        """Open handoffs counted by owner, kind, their area's side and whether they are overdue."""
        overdue = case((HandoffRow.due_date < today, True), else_=False)
        stmt = (
            select(HandoffRow.owner_id, HandoffRow.kind, AreaRow.side, overdue, func.count())
            .outerjoin(AreaRow, and_(AreaRow.workspace_id == HandoffRow.workspace_id, AreaRow.id == HandoffRow.area_id))
            .where(*self._open())
            .group_by(HandoffRow.owner_id, HandoffRow.kind, AreaRow.side, overdue)
        )
        return [
            OpenGroup(owner_id, Kind(kind), Side(side) if side else None, bool(late), n)
            for owner_id, kind, side, late, n in await self.session.execute(stmt)
        ]

    async def ack_waits(self, action: str, restart: str, since: datetime, until: datetime) -> list[AckWait]:
        """Each ``action`` event in ``[since, until]``: its actor, when the clock started (the
        handoff's creation, or its latest ``restart`` event before this one) and when it happened."""
        earlier = aliased(HandoffEventRow)
        restarted = (
            select(func.max(earlier.at))
            .where(earlier.workspace_id == HandoffEventRow.workspace_id, earlier.handoff_id == HandoffEventRow.handoff_id,
                   earlier.action == restart, earlier.id < HandoffEventRow.id)
            .scalar_subquery()
        )
        stmt = (
            select(HandoffEventRow.actor_id, HandoffRow.created_at, restarted, HandoffEventRow.at)
            .join(HandoffRow, and_(HandoffRow.workspace_id == HandoffEventRow.workspace_id, HandoffRow.id == HandoffEventRow.handoff_id))
            .where(HandoffEventRow.workspace_id == self.workspace_id, HandoffEventRow.action == action,
                   HandoffEventRow.at >= since, HandoffEventRow.at <= until)
        )
        return [
            AckWait(actor_id, utc(restarted_at or created_at), utc(at))
            for actor_id, created_at, restarted_at, at in await self.session.execute(stmt)
        ]

    async def slack_items(self) -> list[SlackItem]:
        """Each owner's open, non-private handoff due last (undated first; then the newest)."""
        rank = func.row_number().over(
            partition_by=HandoffRow.owner_id,
            order_by=(HandoffRow.due_date.is_(None).desc(), HandoffRow.due_date.desc(), HandoffRow.number.desc()),
        )
        ranked = (
            select(HandoffRow.owner_id, HandoffRow.number, HandoffRow.due_date, rank.label("rank"))
            .where(*self._open(), HandoffRow.private.is_(False))
            .subquery()
        )
        stmt = select(ranked.c.owner_id, ranked.c.number, ranked.c.due_date).where(ranked.c.rank == 1)
        return [SlackItem(owner_id, number, due) for owner_id, number, due in await self.session.execute(stmt)]
