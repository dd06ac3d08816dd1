"""Disputes over a handoff or a grey area, per workspace."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select, update

from bot.domain import Dispute, DisputeStatus
from storage.base import Repository, utc
from storage.models import DisputeRow

_COLUMNS = ("handoff_id", "area_id", "release_id", "raised_by", "reason", "other_party", "other_side", "outcome",
            "resolved_by", "resolved_at", "private", "created_at")


def _dispute(row: DisputeRow) -> Dispute:
    return Dispute(id=row.id, workspace_id=row.workspace_id, raised_by=row.raised_by, reason=row.reason,
                   created_at=utc(row.created_at), handoff_id=row.handoff_id, area_id=row.area_id,
                   release_id=row.release_id, other_party=row.other_party, other_side=row.other_side,
                   status=DisputeStatus(row.status), outcome=row.outcome, resolved_by=row.resolved_by,
                   resolved_at=utc(row.resolved_at) if row.resolved_at else None, private=row.private)


class DisputeRepository(Repository):
    async def add(self, dispute: Dispute) -> Dispute:
        row = DisputeRow(workspace_id=self.workspace_id, status=dispute.status.value,
                         **{name: getattr(dispute, name) for name in _COLUMNS})
        self.session.add(row)
        await self.session.flush()
        return dataclasses.replace(dispute, id=row.id, workspace_id=self.workspace_id)

    async def get(self, dispute_id: int) -> Dispute | None:
        stmt = select(DisputeRow).where(DisputeRow.workspace_id == self.workspace_id, DisputeRow.id == dispute_id)
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        return _dispute(row) if row else None

    async def open_for(self, handoff_id: int | None, area_id: int | None, release_id: int | None) -> Dispute | None:
        """The open dispute on a handoff, or else on an area (workspace-wide or for one release)."""
        which = [DisputeRow.handoff_id == handoff_id] if handoff_id is not None else [
            DisputeRow.handoff_id.is_(None), DisputeRow.area_id == area_id,
            DisputeRow.release_id.is_(None) if release_id is None else DisputeRow.release_id == release_id]
        stmt = select(DisputeRow).where(
            DisputeRow.workspace_id == self.workspace_id, DisputeRow.status == DisputeStatus.OPEN.value, *which).limit(1)
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        return _dispute(row) if row else None

    async def open_disputes(self) -> list[Dispute]:
        stmt = (select(DisputeRow).where(DisputeRow.workspace_id == self.workspace_id,
                                         DisputeRow.status == DisputeStatus.OPEN.value).order_by(DisputeRow.id))
        return [_dispute(r) for r in (await self.session.execute(stmt)).scalars()]

    async def save(self, dispute: Dispute) -> None:
        await self.session.execute(
            update(DisputeRow).where(DisputeRow.workspace_id == self.workspace_id, DisputeRow.id == dispute.id)
            .values(status=dispute.status.value, **{name: getattr(dispute, name) for name in _COLUMNS}))
