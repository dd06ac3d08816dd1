"""Drafting requests and the daily token budget, per workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update

from bot.domain import DraftRecord
from storage.base import Repository, utc
from storage.dialect import insert_ignore
from storage.models import DraftRow, LlmUsageRow


def _record(row: DraftRow) -> DraftRecord:
    return DraftRecord(
        id=row.id, workspace_id=row.workspace_id, notes=row.notes, options=row.options or {}, status=row.status,
        created_by=row.created_by, created_at=utc(row.created_at), release_id=row.release_id, handoff_id=row.handoff_id,
        entry_id=row.entry_id, result=row.result, private=row.private,
    )


class DraftRepository(Repository):
    async def add(self, notes: str, options: dict, created_by: int, at: datetime, release_id: int | None,
                  handoff_id: int | None, private: bool) -> DraftRecord:
        row = DraftRow(workspace_id=self.workspace_id, notes=notes, options=options, created_by=created_by, created_at=at,
                       release_id=release_id, handoff_id=handoff_id, private=private, status="pending")
        self.session.add(row)
        await self.session.flush()
        return _record(row)

    async def get(self, draft_id: int) -> DraftRecord | None:
        stmt = select(DraftRow).where(DraftRow.workspace_id == self.workspace_id, DraftRow.id == draft_id)
        row = (await self.session.execute(stmt)).scalar()
        return _record(row) if row else None

    async def finish(self, draft_id: int, status: str, result: dict | None, entry_id: int | None) -> None:
        await self.session.execute(update(DraftRow).where(DraftRow.workspace_id == self.workspace_id, DraftRow.id == draft_id)
                                   .values(status=status, result=result, entry_id=entry_id))

    async def set_status(self, draft_id: int, status: str, expected: Sequence[str] | None = None) -> bool:
        """Change the status, from one of ``expected`` when given (compare-and-set: two clicks on Use
        make one handoff); whether it changed."""
        stmt = update(DraftRow).where(DraftRow.workspace_id == self.workspace_id, DraftRow.id == draft_id)
        if expected is not None:
            stmt = stmt.where(DraftRow.status.in_(list(expected)))
        return (await self.session.execute(stmt.values(status=status))).rowcount == 1

    async def awaiting_review(self, release_id: int) -> int:
        stmt = select(func.count()).select_from(DraftRow).where(
            DraftRow.workspace_id == self.workspace_id, DraftRow.release_id == release_id,
            DraftRow.status.in_(["drafted", "brief"]))
        return (await self.session.execute(stmt)).scalar_one()

    async def open_by(self, person_id: int, limit: int) -> list[DraftRecord]:
        """What ``person_id`` asked for and has not used or discarded yet (being written, or to review), oldest first."""
        stmt = (select(DraftRow).where(DraftRow.workspace_id == self.workspace_id, DraftRow.created_by == person_id,
                                       DraftRow.status.in_(["pending", "drafted", "brief"]))
                .order_by(DraftRow.id).limit(limit))
        return [_record(r) for r in (await self.session.execute(stmt)).scalars()]

    async def for_release(self, release_id: int, include_private: bool = True) -> list[DraftRecord]:
        """A release's drafts, oldest first, without the discarded ones."""
        stmt = select(DraftRow).where(DraftRow.workspace_id == self.workspace_id, DraftRow.release_id == release_id,
                                      DraftRow.status != "discarded").order_by(DraftRow.id)
        if not include_private:
            stmt = stmt.where(DraftRow.private.is_(False))
        return [_record(r) for r in (await self.session.execute(stmt)).scalars()]

    async def tokens_used(self, day: date) -> int:
        stmt = select(LlmUsageRow.tokens).where(LlmUsageRow.workspace_id == self.workspace_id, LlmUsageRow.day == day)
        return (await self.session.execute(stmt)).scalar() or 0

    async def spend(self, day: date, tokens: int) -> None:
        await insert_ignore(self.session, LlmUsageRow, {"workspace_id": self.workspace_id, "day": day, "tokens": 0},
                            ["workspace_id", "day"])
        await self.session.execute(update(LlmUsageRow).where(LlmUsageRow.workspace_id == self.workspace_id,
                                                             LlmUsageRow.day == day)
                                   .values(tokens=LlmUsageRow.tokens + tokens))
