"""Handoffs, their history and the links between them (what a handoff needs done first)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    and_,
    case,
    delete,
    func,
    insert,
    select,
    update,
)

from bot.domain import (
    ACTIVE_STATUSES,
    Handoff,
    HandoffEvent,
    Kind,
    Status,
)
from bot.errors import ConcurrentChange
from bot.ports import HandoffQuery, NewHandoff
from storage.base import Repository, utc
from storage.dialect import insert_ignore
from storage.models import HandoffEventRow, HandoffLinkRow, HandoffRow


def _handoff(row: HandoffRow) -> Handoff:
    return Handoff(
        id=row.id, workspace_id=row.workspace_id, number=row.number, kind=Kind(row.kind), title=row.title,
        details=row.details, requester_id=row.requester_id, owner_id=row.owner_id, release_id=row.release_id,
        area_id=row.area_id, due_date=row.due_date, status=Status(row.status), status_note=row.status_note,
        version=row.version, created_at=utc(row.created_at), updated_at=utc(row.updated_at),
        message_ref=row.message_ref, snoozed_until=utc(row.snoozed_until) if row.snoozed_until else None,
        private=row.private, plan_key=row.plan_key,
    )


class HandoffRepository(Repository):
    async def add(self, number: int, new: NewHandoff) -> Handoff:
        row = HandoffRow(
            workspace_id=self.workspace_id, number=number, kind=new.kind.value, title=new.title,
            details=new.details, requester_id=new.requester_id, owner_id=new.owner_id,
            release_id=new.release_id, area_id=new.area_id, due_date=new.due_date,
            status=Status.OPEN.value, version=1, created_at=new.created_at, updated_at=new.created_at,
            private=new.private, plan_key=new.plan_key,
        )
        self.session.add(row)
        await self.session.flush()
        return _handoff(row)

    async def by_id(self, handoff_id: int) -> Handoff | None:
        row = (await self.session.execute(
            select(HandoffRow).where(HandoffRow.workspace_id == self.workspace_id, HandoffRow.id == handoff_id))).scalar_one_or_none()
        return _handoff(row) if row else None

    async def by_number(self, number: int) -> Handoff | None:
        stmt = select(HandoffRow).where(HandoffRow.workspace_id == self.workspace_id, HandoffRow.number == number)
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        return _handoff(row) if row else None

    async def update(self, handoff: Handoff, expected_version: int) -> Handoff:
        """Compare-and-set: the write lands only if nobody changed the row since it was read."""
        stmt = (
            update(HandoffRow)
            .where(
                HandoffRow.workspace_id == self.workspace_id,
                HandoffRow.id == handoff.id,
                HandoffRow.version == expected_version,
            )
            .values(
                kind=handoff.kind.value, title=handoff.title, details=handoff.details,
                owner_id=handoff.owner_id, release_id=handoff.release_id, area_id=handoff.area_id,
                due_date=handoff.due_date, status=handoff.status.value, status_note=handoff.status_note,
                updated_at=handoff.updated_at, message_ref=handoff.message_ref, snoozed_until=handoff.snoozed_until,
                version=expected_version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if (await self.session.execute(stmt)).rowcount != 1:
            raise ConcurrentChange(f"{handoff.ref} was changed by someone else just now; `show {handoff.number}` and try again.")
        handoff.version = expected_version + 1
        return handoff

    async def set_message_ref(self, number: int, message_ref: str) -> bool:
        """Where a platform shows the card; not a change of state, so the version stays. One
        statement by number (it follows every posted card); ``False`` when there is no such handoff."""
        result = await self.session.execute(
            update(HandoffRow)
            .where(HandoffRow.workspace_id == self.workspace_id, HandoffRow.number == number)
            .values(message_ref=message_ref)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def find(self, query: HandoffQuery) -> tuple[list[Handoff], int]:
        """Matching handoffs, soonest due first, and how many match in all."""
        conditions = [HandoffRow.workspace_id == self.workspace_id]
        if query.owner_id is not None:
            conditions.append(HandoffRow.owner_id == query.owner_id)
        if query.requester_id is not None:
            conditions.append(HandoffRow.requester_id == query.requester_id)
        if query.release_id is not None:
            conditions.append(HandoffRow.release_id == query.release_id)
        if query.statuses is not None:
            conditions.append(HandoffRow.status.in_(sorted(s.value for s in query.statuses)))
        if query.due_before is not None:
            conditions.append(HandoffRow.due_date < query.due_before)
        if not query.include_private:
            conditions.append(HandoffRow.private.is_(False))
        where = and_(*conditions)
        stmt = (
            select(HandoffRow)
            .where(where)
            .order_by(HandoffRow.due_date.is_(None), HandoffRow.due_date, HandoffRow.number)
            .limit(query.limit)
        )
        page = [_handoff(r) for r in (await self.session.execute(stmt)).scalars()]
        if len(page) < query.limit:
            return page, len(page)  # the page holds them all: no need to count
        total = (await self.session.execute(select(func.count()).select_from(HandoffRow).where(where))).scalar_one()
        return page, total

    async def areas_of_release(self, release_id: int) -> set[int]:
        stmt = select(HandoffRow.area_id).distinct().where(
            HandoffRow.workspace_id == self.workspace_id, HandoffRow.release_id == release_id, HandoffRow.area_id.is_not(None))
        return set((await self.session.execute(stmt)).scalars())

    async def areas_by_release(self, release_ids: Sequence[int]) -> dict[int, set[int]]:
        """For each release, the areas of its handoffs that are not cancelled (plan items among them)."""
        if not release_ids:
            return {}
        stmt = select(HandoffRow.release_id, HandoffRow.area_id).distinct().where(
            HandoffRow.workspace_id == self.workspace_id, HandoffRow.release_id.in_(set(release_ids)),
            HandoffRow.area_id.is_not(None), HandoffRow.status != Status.CANCELLED.value)
        found: dict[int, set[int]] = {}
        for release_id, area_id in await self.session.execute(stmt):
            found.setdefault(release_id, set()).add(area_id)
        return found

    async def counts_for_release(self, release_id: int, today: date) -> dict[str, dict[Kind, int]]:
        """``{"open"|"overdue"|"done": {kind: n}}`` for a release's summary, in one query."""
        active = sorted(s.value for s in ACTIVE_STATUSES)
        bucket = case(
            (HandoffRow.status == Status.DONE.value, "done"),
            (and_(HandoffRow.status.in_(active), HandoffRow.due_date < today), "overdue"),
            (HandoffRow.status.in_(active), "open"),
            else_="closed",
        )
        stmt = (
            select(bucket.label("bucket"), HandoffRow.kind, func.count())
            .where(HandoffRow.workspace_id == self.workspace_id, HandoffRow.release_id == release_id)
            .group_by(bucket, HandoffRow.kind)
        )
        counts: dict[str, dict[Kind, int]] = {b: {} for b in ("open", "overdue", "done", "closed")}
        for name, kind, n in await self.session.execute(stmt):
            counts[name][Kind(kind)] = n
        return counts

    async def add_event(self, event: HandoffEvent) -> None:
        await self.session.execute(
            insert(HandoffEventRow).values(
                workspace_id=self.workspace_id, handoff_id=event.handoff_id, actor_id=event.actor_id,
                action=event.action, from_status=event.from_status.value if event.from_status else None,
                to_status=event.to_status.value if event.to_status else None, note=event.note, at=event.at,
                change=json.dumps(list(event.change), ensure_ascii=False) if event.change else None,
            )
        )

    async def history(self, handoff_id: int) -> list[HandoffEvent]:
        stmt = (
            select(HandoffEventRow)
            .where(HandoffEventRow.workspace_id == self.workspace_id, HandoffEventRow.handoff_id == handoff_id)
            .order_by(HandoffEventRow.id)
        )
        return [_event(r) for r in (await self.session.execute(stmt)).scalars()]

    async def last_change_by(self, actor_id: int, since: datetime) -> list[HandoffEvent]:
        """The actor's latest command's events since ``since``: the newest event and those just before it
        of the same handoff, time and action (an edit of three fields writes three)."""
        stmt = (select(HandoffEventRow)
                .where(HandoffEventRow.workspace_id == self.workspace_id, HandoffEventRow.actor_id == actor_id,
                       HandoffEventRow.at >= since)
                .order_by(HandoffEventRow.id.desc()).limit(20))
        rows = list((await self.session.execute(stmt)).scalars())
        same = list(itertools.takewhile(
            lambda r: (r.handoff_id, r.at, r.action) == (rows[0].handoff_id, rows[0].at, rows[0].action), rows))
        return [_event(r) for r in reversed(same)]

    # --- launch plans and links -------------------------------------------------------------

    async def of_plan(self, release_id: int) -> list[Handoff]:
        stmt = (select(HandoffRow)
                .where(HandoffRow.workspace_id == self.workspace_id, HandoffRow.release_id == release_id,
                       HandoffRow.plan_key.is_not(None))
                .order_by(HandoffRow.number))
        return [_handoff(row) for row in (await self.session.execute(stmt)).scalars()]

    async def link(self, handoff_id: int, needs_id: int, at: datetime) -> None:
        await insert_ignore(self.session, HandoffLinkRow, {"workspace_id": self.workspace_id, "handoff_id": handoff_id,
                                                           "needs_id": needs_id, "created_at": at},
                            ("workspace_id", "handoff_id", "needs_id"))

    async def unlink(self, handoff_id: int, needs_id: int) -> bool:
        stmt = delete(HandoffLinkRow).where(HandoffLinkRow.workspace_id == self.workspace_id,
                                            HandoffLinkRow.handoff_id == handoff_id, HandoffLinkRow.needs_id == needs_id)
        return bool((await self.session.execute(stmt)).rowcount)

    async def needs(self, handoff_ids: Sequence[int]) -> dict[int, list[Handoff]]:
        if not handoff_ids:
            return {}
        stmt = (select(HandoffLinkRow.handoff_id, HandoffRow)
                .join(HandoffRow, HandoffRow.id == HandoffLinkRow.needs_id)
                .where(HandoffLinkRow.workspace_id == self.workspace_id, HandoffLinkRow.handoff_id.in_(set(handoff_ids)))
                .order_by(HandoffRow.number))
        found: dict[int, list[Handoff]] = {}
        for handoff_id, row in await self.session.execute(stmt):
            found.setdefault(handoff_id, []).append(_handoff(row))
        return found

    async def needed_by(self, handoff_id: int) -> list[Handoff]:
        stmt = (select(HandoffRow)
                .join(HandoffLinkRow, HandoffLinkRow.handoff_id == HandoffRow.id)
                .where(HandoffLinkRow.workspace_id == self.workspace_id, HandoffLinkRow.needs_id == handoff_id)
                .order_by(HandoffRow.number))
        return [_handoff(row) for row in (await self.session.execute(stmt)).scalars()]


def _event(r: HandoffEventRow) -> HandoffEvent:
    change = json.loads(r.change) if r.change else None
    return HandoffEvent(
        handoff_id=r.handoff_id, actor_id=r.actor_id, action=r.action,
        from_status=Status(r.from_status) if r.from_status else None,
        to_status=Status(r.to_status) if r.to_status else None, note=r.note, at=utc(r.at),
        change=(str(change[0]), str(change[1]), str(change[2])) if change else None,
    )
