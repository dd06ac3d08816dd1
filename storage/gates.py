"""A release's launch gates, the workspace's gate template and slip proposals, per workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import and_, delete, or_, select, update

from bot.domain import Gate, GateStatus, GateTemplateItem, Role, Slip, SlipStatus
from storage.base import Repository, utc
from storage.dialect import insert_ignore, upsert
from storage.models import GateRow, GateTemplateRow, GateWatcherRow, SlipRow


def _gate(row: GateRow) -> Gate:
    return Gate(id=row.id, workspace_id=row.workspace_id, release_id=row.release_id, position=row.position, name=row.name,
                approver_roles=tuple(Role(r) for r in row.approver_roles or ()), status=GateStatus(row.status),
                due_date=row.due_date, decided_by=row.decided_by, decided_at=utc(row.decided_at) if row.decided_at else None,
                note=row.note)


def _slip(row: SlipRow) -> Slip:
    return Slip(id=row.id, workspace_id=row.workspace_id, release_id=row.release_id, gate_id=row.gate_id, key=row.key,
                reason=row.reason, old_target=row.old_target, proposed_target=row.proposed_target,
                status=SlipStatus(row.status), created_at=utc(row.created_at), decided_by=row.decided_by,
                decided_at=utc(row.decided_at) if row.decided_at else None)


class GateRepository(Repository):
    async def add_many(self, release_id: int, gates: Sequence[tuple[str, tuple[Role, ...], date | None]]) -> list[Gate]:
        rows = [GateRow(workspace_id=self.workspace_id, release_id=release_id, position=i, name=name,
                        approver_roles=[r.value for r in roles], status=GateStatus.PENDING.value, due_date=due)
                for i, (name, roles, due) in enumerate(gates)]
        self.session.add_all(rows)
        await self.session.flush()
        return [_gate(r) for r in rows]

    async def for_release(self, release_id: int) -> list[Gate]:
        stmt = (select(GateRow).where(GateRow.workspace_id == self.workspace_id, GateRow.release_id == release_id)
                .order_by(GateRow.position))
        return [_gate(r) for r in (await self.session.execute(stmt)).scalars()]

    async def pending_due_by(self, day: date) -> list[Gate]:
        """Undecided gates due on or before ``day``, for the scheduler (index on release, then filtered)."""
        stmt = (select(GateRow).where(GateRow.workspace_id == self.workspace_id, GateRow.status == GateStatus.PENDING.value,
                                      GateRow.due_date <= day)
                .order_by(GateRow.due_date, GateRow.id))
        return [_gate(r) for r in (await self.session.execute(stmt)).scalars()]

    async def needing_attention(self, due_by: date) -> list[Gate]:
        """Declined gates, and undecided ones due on or before ``due_by``: what a digest lists."""
        stmt = (select(GateRow).where(
            GateRow.workspace_id == self.workspace_id,
            or_(GateRow.status == GateStatus.DECLINED.value,
                and_(GateRow.status == GateStatus.PENDING.value, GateRow.due_date <= due_by)))
            .order_by(GateRow.release_id, GateRow.position))
        return [_gate(r) for r in (await self.session.execute(stmt)).scalars()]

    async def save(self, gate: Gate) -> None:
        await self.session.execute(
            update(GateRow).where(GateRow.workspace_id == self.workspace_id, GateRow.id == gate.id)
            .values(status=gate.status.value, decided_by=gate.decided_by, decided_at=gate.decided_at, note=gate.note,
                    due_date=gate.due_date))

    # --- who follows a release's gates, over the role default ------------------------------

    async def watch_choices(self, release_id: int) -> dict[int, bool]:
        stmt = select(GateWatcherRow.person_id, GateWatcherRow.watching).where(
            GateWatcherRow.workspace_id == self.workspace_id, GateWatcherRow.release_id == release_id)
        return {person_id: watching for person_id, watching in await self.session.execute(stmt)}

    async def set_watching(self, release_id: int, person_id: int, watching: bool) -> None:
        """One row per person and release, written in one statement: two clicks at once cannot collide."""
        await upsert(self.session, GateWatcherRow, {"workspace_id": self.workspace_id, "release_id": release_id,
                                                    "person_id": person_id, "watching": watching},
                     ("workspace_id", "release_id", "person_id"), ("watching",))

    # --- the workspace's template ---------------------------------------------------------

    async def template(self) -> list[GateTemplateItem] | None:
        """The workspace's own template, or ``None`` when it still uses the standard one."""
        stmt = (select(GateTemplateRow).where(GateTemplateRow.workspace_id == self.workspace_id)
                .order_by(GateTemplateRow.position))
        rows = (await self.session.execute(stmt)).scalars().all()
        if not rows:
            return None
        return [GateTemplateItem(r.name, r.offset_days, tuple(Role(x) for x in r.approver_roles or ())) for r in rows]

    async def save_template(self, items: Sequence[GateTemplateItem] | None) -> None:
        """Replace the template; ``None`` goes back to the standard one."""
        await self.session.execute(delete(GateTemplateRow).where(GateTemplateRow.workspace_id == self.workspace_id))
        self.session.add_all(
            GateTemplateRow(workspace_id=self.workspace_id, position=i, name=item.name, offset_days=item.offset_days,
                            approver_roles=[r.value for r in item.approver_roles])
            for i, item in enumerate(items or ()))
        await self.session.flush()

    # --- slips ---------------------------------------------------------------------------

    async def propose_slip(self, release_id: int, gate_id: int | None, key: str, reason: str, old: date | None,
                           proposed: date | None, at: datetime) -> Slip | None:
        """Record a proposal once per ``key``; an older open proposal for the release is superseded.

        Returns ``None`` when this cause was proposed before (a repeated pass, a retried click)."""
        values = {"workspace_id": self.workspace_id, "release_id": release_id, "gate_id": gate_id, "key": key[:200],
                  "reason": reason, "old_target": old, "proposed_target": proposed,
                  "status": SlipStatus.PROPOSED.value, "created_at": at}
        if not await insert_ignore(self.session, SlipRow, values, ("workspace_id", "key")):
            return None
        await self.session.execute(
            update(SlipRow).where(SlipRow.workspace_id == self.workspace_id, SlipRow.release_id == release_id,
                                  SlipRow.status == SlipStatus.PROPOSED.value, SlipRow.key != key[:200])
            .values(status=SlipStatus.SUPERSEDED.value))
        return await self.open_slip(release_id)

    async def open_slip(self, release_id: int) -> Slip | None:
        stmt = (select(SlipRow).where(SlipRow.workspace_id == self.workspace_id, SlipRow.release_id == release_id,
                                      SlipRow.status == SlipStatus.PROPOSED.value)
                .order_by(SlipRow.id.desc()).limit(1))
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        return _slip(row) if row else None

    async def slip_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these causes were proposed before, whatever became of them."""
        if not keys:
            return set()
        stmt = select(SlipRow.key).where(SlipRow.workspace_id == self.workspace_id, SlipRow.key.in_(set(keys)))
        return set((await self.session.execute(stmt)).scalars())

    async def withdraw_slips(self, gate_id: int) -> int:
        """A gate was decided: the open proposals it caused are superseded."""
        stmt = (update(SlipRow).where(SlipRow.workspace_id == self.workspace_id, SlipRow.gate_id == gate_id,
                                      SlipRow.status == SlipStatus.PROPOSED.value)
                .values(status=SlipStatus.SUPERSEDED.value))
        return (await self.session.execute(stmt)).rowcount

    async def open_slips(self) -> list[Slip]:
        stmt = (select(SlipRow).where(SlipRow.workspace_id == self.workspace_id, SlipRow.status == SlipStatus.PROPOSED.value)
                .order_by(SlipRow.id))
        return [_slip(r) for r in (await self.session.execute(stmt)).scalars()]

    async def decide_slip(self, slip_id: int, status: SlipStatus, person_id: int, at: datetime) -> bool:
        """Compare-and-set from ``proposed``: a double click decides once."""
        result = await self.session.execute(
            update(SlipRow).where(SlipRow.workspace_id == self.workspace_id, SlipRow.id == slip_id,
                                  SlipRow.status == SlipStatus.PROPOSED.value)
            .values(status=status.value, decided_by=person_id, decided_at=at))
        return result.rowcount == 1
