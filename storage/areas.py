"""Grey areas, their aliases and duties (driver, supporters, informed; per release)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    Integer,
    String,
    Text,
    bindparam,
    cast,
    delete,
    null,
    select,
    union_all,
    update,
)

from bot.domain import (
    Area,
    Assignment,
    Duty,
    Person,
    Role,
    Side,
)
from bot.ports import AreaDuties
from storage.base import Repository, name_key
from storage.dialect import insert_ignore
from storage.models import (
    AreaRow,
    AssignmentRow,
    PersonRow,
    WorkspaceRow,
)
from storage.people import _AREAS_VERSION, _PERSON_COLUMNS, _WS

SUGGESTED_DRIVERS = 3


_LIKELY_DRIVERS = (
    select(*_PERSON_COLUMNS).where(PersonRow.workspace_id == _WS, PersonRow.role == bindparam("role"))
    .order_by(PersonRow.name_key).limit(SUGGESTED_DRIVERS).subquery()
)


_DUTIES = union_all(  # an area's assignments with their people, then the likely drivers (assignment columns NULL)
    select(AssignmentRow.id, AssignmentRow.duty, AssignmentRow.release_id, AssignmentRow.owes, *_PERSON_COLUMNS)
    .join(PersonRow, PersonRow.id == AssignmentRow.person_id)
    .where(AssignmentRow.workspace_id == _WS, AssignmentRow.area_id == bindparam("area_id")),
    select(cast(null(), Integer), cast(null(), String), cast(null(), Integer), cast(null(), Text), *_LIKELY_DRIVERS.c),
)


def _area(row: AreaRow) -> Area:
    return Area(
        id=row.id, workspace_id=row.workspace_id, name=row.name, side=Side(row.side),
        aliases=tuple(row.aliases or ()), description=row.description,
    )


class AreaRepository(Repository):
    """Every method that writes ``areas`` rows calls :meth:`_changed` in the same transaction."""

    async def add(self, name: str, side: Side, aliases: Sequence[str], description: str = "") -> Area:
        row = AreaRow(
            workspace_id=self.workspace_id, name=name, name_key=name_key(name), side=side.value,
            aliases=list(aliases), description=description, created_at=datetime.now(UTC),
        )
        self.session.add(row)
        await self.session.flush()
        await self._changed()
        return _area(row)

    async def add_defaults(self, defaults: Sequence[tuple[str, Side, Sequence[str], str]]) -> None:
        """Seed areas that are not there yet; safe to run twice and from two processes."""
        now = datetime.now(UTC)
        for name, side, aliases, description in defaults:
            await insert_ignore(
                self.session, AreaRow,
                {"workspace_id": self.workspace_id, "name": name, "name_key": name_key(name), "side": side.value,
                 "aliases": list(aliases), "description": description, "created_at": now},
                ["workspace_id", "name_key"],
            )
        await self._changed()

    async def version(self) -> str:
        """The workspace's areas version: a new random value with every change ('' before the first).
        Commands get it with their caller (:meth:`PersonRepository.upsert_caller`) instead."""
        return (await self.session.execute(select(_AREAS_VERSION), {"workspace_id": self.workspace_id})).scalar_one() or ""

    async def _changed(self) -> None:
        """A new random version, so caches of the areas in every process reload (random, not a
        counter: a version from a transaction that rolled back is never written again)."""
        await self.session.execute(
            update(WorkspaceRow).where(WorkspaceRow.id == self.workspace_id).values(areas_version=uuid.uuid4().hex)
        )

    async def list(self) -> list[Area]:
        """Every area; plain columns, not ORM entities: "who owns" reads them on each question."""
        columns = (AreaRow.id, AreaRow.name, AreaRow.side, AreaRow.aliases, AreaRow.description)
        stmt = select(*columns).where(AreaRow.workspace_id == self.workspace_id).order_by(AreaRow.name_key)
        return [
            Area(id=i, workspace_id=self.workspace_id, name=name, side=Side(side), aliases=tuple(aliases or ()), description=desc)
            for i, name, side, aliases, desc in await self.session.execute(stmt)
        ]

    async def get_many(self, ids: Sequence[int]) -> dict[int, Area]:
        if not ids:
            return {}
        stmt = select(AreaRow).where(AreaRow.workspace_id == self.workspace_id, AreaRow.id.in_(set(ids)))
        return {row.id: _area(row) for row in (await self.session.execute(stmt)).scalars()}

    async def assignments(self, area_id: int | None = None) -> list[Assignment]:
        """Plain columns, not ORM entities: ``release show`` and digests read every assignment."""
        stmt = select(AssignmentRow.area_id, AssignmentRow.person_id, AssignmentRow.duty, AssignmentRow.release_id,
                      AssignmentRow.owes).where(AssignmentRow.workspace_id == self.workspace_id)
        if area_id is not None:
            stmt = stmt.where(AssignmentRow.area_id == area_id)
        duty = {d.value: d for d in Duty}
        return [
            Assignment(area_id=area, person_id=person, duty=duty[d], release_id=release, owes=owes)
            for area, person, d, release, owes in await self.session.execute(stmt.order_by(AssignmentRow.id))
        ]

    async def duties(self, area_id: int, likely_driver: Role) -> AreaDuties:
        """One query (``_DUTIES``): a round trip costs more than the three extra rows when someone
        drives the area."""
        params = {"workspace_id": self.workspace_id, "area_id": area_id, "role": likely_driver.value}
        rows = sorted(await self.session.execute(_DUTIES, params),
                      key=lambda r: (r[0] is None, r[0] or 0, r[-1]))  # assignments in order, then by name
        duties = AreaDuties([], {}, [])
        for assignment_id, duty, release_id, owes, pid, platform_id, name, role, tz, admin, _ in rows:
            who = Person(id=pid, workspace_id=self.workspace_id, platform_user_id=platform_id, display_name=name,
                         role=Role(role) if role else None, timezone=tz, is_admin=bool(admin))
            if assignment_id is None:
                duties.likely_drivers.append(who)
                continue
            duties.assignments.append(Assignment(area_id, pid, Duty(duty), release_id, owes))
            duties.people[pid] = who
        return duties

    async def assign(self, assignment: Assignment, at: datetime) -> bool:
        """Record a duty; ``False`` when the person already had exactly it (owes is refreshed)."""
        existing = (
            await self.session.execute(
                select(AssignmentRow).where(*self._same_slot(assignment.area_id, assignment.person_id, assignment.release_id),
                                            AssignmentRow.duty == assignment.duty.value)
            )
        ).scalar_one_or_none()
        if existing is not None:
            existing.owes = assignment.owes or existing.owes
            return False
        self.session.add(
            AssignmentRow(
                workspace_id=self.workspace_id, area_id=assignment.area_id, release_id=assignment.release_id,
                person_id=assignment.person_id, duty=assignment.duty.value, owes=assignment.owes, created_at=at,
            )
        )
        await self.session.flush()
        return True

    async def unassign(self, area_id: int, person_id: int, release_id: int | None, duty: Duty | None = None) -> int:
        conditions = self._same_slot(area_id, person_id, release_id)
        if duty is not None:
            conditions.append(AssignmentRow.duty == duty.value)
        return (await self.session.execute(delete(AssignmentRow).where(*conditions))).rowcount

    def _same_slot(self, area_id: int, person_id: int | None, release_id: int | None) -> list:
        conditions = [
            AssignmentRow.workspace_id == self.workspace_id,
            AssignmentRow.area_id == area_id,
            AssignmentRow.release_id.is_(None) if release_id is None else AssignmentRow.release_id == release_id,
        ]
        if person_id is not None:
            conditions.append(AssignmentRow.person_id == person_id)
        return conditions
