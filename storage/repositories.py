"""Repositories: each bound to one session and one workspace; rows mapped to domain objects."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import (
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import (
    ACTIVE_STATUSES,
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
from bot.errors import ConcurrentChange
from bot.ports import AreaDuties, HandoffQuery, NewHandoff, NewPerson, SearchHit
from storage import search
from storage.dialect import insert_ignore
from storage.models import (
    AreaRow,
    AssignmentRow,
    HandoffEventRow,
    HandoffRow,
    InboundEventRow,
    KnowledgeEntryRow,
    PersonRow,
    ReleaseRow,
    WorkspaceRow,
)


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


class _Repository:
    def __init__(self, session: AsyncSession, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id


class WorkspaceRepository(_Repository):
    async def ensure(self, default_timezone: str) -> tuple[Workspace, bool]:
        """The workspace, created on first sight; the flag says whether this call created it."""
        row = await self.session.get(WorkspaceRow, self.workspace_id)
        created = False
        if row is None:
            created = await insert_ignore(
                self.session, WorkspaceRow,
                {"id": self.workspace_id, "timezone": default_timezone, "next_handoff_number": 1,
                 "created_at": datetime.now(UTC)},
                ["id"],
            )
            row = await self.session.get(WorkspaceRow, self.workspace_id)
            assert row is not None
        return Workspace(id=row.id, timezone=row.timezone), created

    async def lock(self) -> None:
        """Hold the workspace's row until the transaction ends, so changes to its shared settings
        (nudges, digests, the gate template, grey areas, releases, gates, disputes) are made one
        after the other, each on what the one before left. PostgreSQL: ``SELECT … FOR UPDATE``;
        SQLite already holds its one write lock from ``BEGIN IMMEDIATE``."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(select(WorkspaceRow.id).where(WorkspaceRow.id == self.workspace_id).with_for_update())

    async def allocate_handoff_number(self) -> int:
        """Take the next short number; the row lock serialises concurrent creators."""
        stmt = (
            update(WorkspaceRow)
            .where(WorkspaceRow.id == self.workspace_id)
            .values(next_handoff_number=WorkspaceRow.next_handoff_number + 1)
            .returning(WorkspaceRow.next_handoff_number)
        )
        return (await self.session.execute(stmt)).scalar_one() - 1


def _person(row: PersonRow) -> Person:
    return Person(
        id=row.id, workspace_id=row.workspace_id, platform_user_id=row.platform_user_id,
        display_name=row.display_name, role=Role(row.role) if row.role else None,
        timezone=row.timezone, is_admin=row.is_admin,
    )


# Statements on the path of every command, built once: building and keying a statement like these
# costs 0.1 to 0.6 ms a call, more than SQLite takes to run it. Parameters: workspace_id and the named ones.
_WS = bindparam("workspace_id")
_AREAS_VERSION = (  # '' before the first change (see AreaRepository.version)
    select(func.coalesce(WorkspaceRow.areas_version, "")).where(WorkspaceRow.id == _WS).scalar_subquery()
)
_PERSON = select(PersonRow).where(PersonRow.workspace_id == _WS, PersonRow.platform_user_id == bindparam("platform_user_id"))
_CALLER = _PERSON.add_columns(_AREAS_VERSION)
_PERSON_COLUMNS = (PersonRow.id, PersonRow.platform_user_id, PersonRow.display_name, PersonRow.role, PersonRow.timezone,
                   PersonRow.is_admin, PersonRow.name_key)
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


class PersonRepository(_Repository):
    async def upsert(self, new: NewPerson) -> Person:
        """Create on first sight; refresh name, time zone and admin flag when the platform says so
        (and only then: an unchanged person is not written)."""
        return (await self._upsert(new, with_areas_version=False))[0]

    async def upsert_caller(self, new: NewPerson) -> tuple[Person, str]:
        """:meth:`upsert`, and the workspace's areas version read in the same statement: every
        command starts with its caller, and many resolve an area name, which checks the version of
        the cached areas; a round trip costs far more than a column."""
        person, version = await self._upsert(new, with_areas_version=True)
        return person, version or ""

    async def _upsert(self, new: NewPerson, with_areas_version: bool) -> tuple[Person, str | None]:
        found = await self._select(new.platform_user_id, with_areas_version)
        if found is None:
            await insert_ignore(
                self.session, PersonRow,
                {"workspace_id": self.workspace_id, "platform_user_id": new.platform_user_id,
                 "display_name": new.display_name, "name_key": name_key(new.display_name),
                 "timezone": new.timezone, "is_admin": new.is_admin, "created_at": datetime.now(UTC)},
                ["workspace_id", "platform_user_id"],
            )
            found = await self._select(new.platform_user_id, with_areas_version)
            assert found is not None
        row, version = found
        if (row.display_name, row.is_admin) != (new.display_name, new.is_admin) or (
            new.timezone and new.timezone != row.timezone
        ):
            row.display_name, row.name_key, row.is_admin = new.display_name, name_key(new.display_name), new.is_admin
            row.timezone = new.timezone or row.timezone
        return _person(row), version

    async def _select(self, platform_user_id: str, with_areas_version: bool = False) -> tuple[PersonRow, str | None] | None:
        stmt = _CALLER if with_areas_version else _PERSON
        params = {"workspace_id": self.workspace_id, "platform_user_id": platform_user_id}
        found = (await self.session.execute(stmt, params)).one_or_none()
        if found is None:
            return None
        return found[0], found[1] if with_areas_version else None

    async def get(self, person_id: int) -> Person | None:
        return (await self.get_many([person_id])).get(person_id)

    async def get_many(self, ids: Sequence[int]) -> dict[int, Person]:
        if not ids:
            return {}
        stmt = select(PersonRow).where(PersonRow.workspace_id == self.workspace_id, PersonRow.id.in_(set(ids)))
        return {row.id: _person(row) for row in (await self.session.execute(stmt)).scalars()}

    async def by_platform_id(self, platform_user_id: str) -> Person | None:
        found = await self._select(platform_user_id)
        return _person(found[0]) if found else None

    async def by_name(self, name: str) -> list[Person]:
        key = name_key(name)
        stmt = select(PersonRow).where(
            PersonRow.workspace_id == self.workspace_id,
            or_(PersonRow.name_key == key, func.lower(PersonRow.platform_user_id) == key),
        )
        return [_person(r) for r in (await self.session.execute(stmt)).scalars()]

    async def list(self) -> list[Person]:
        stmt = select(PersonRow).where(PersonRow.workspace_id == self.workspace_id).order_by(PersonRow.name_key)
        return [_person(r) for r in (await self.session.execute(stmt)).scalars()]

    async def with_role(self, role: Role) -> list[Person]:
        stmt = select(PersonRow).where(PersonRow.workspace_id == self.workspace_id, PersonRow.role == role.value)
        return [_person(r) for r in (await self.session.execute(stmt.order_by(PersonRow.name_key))).scalars()]

    async def set_role(self, person_id: int, role: Role) -> None:
        """One column: a role changed at the same moment as the time zone leaves the time zone alone."""
        await self.session.execute(update(PersonRow).where(PersonRow.workspace_id == self.workspace_id,
                                                           PersonRow.id == person_id).values(role=role.value))

    async def set_timezone(self, person_id: int, timezone: str) -> None:
        await self.session.execute(update(PersonRow).where(PersonRow.workspace_id == self.workspace_id,
                                                           PersonRow.id == person_id).values(timezone=timezone))


def _release(row: ReleaseRow) -> Release:
    return Release(
        id=row.id, workspace_id=row.workspace_id, name=row.name, target_date=row.target_date,
        created_at=utc(row.created_at), status=row.status, channel_ref=row.channel_ref,
        thread_ref=row.thread_ref, owner_id=row.owner_id,
    )


class ReleaseRepository(_Repository):
    async def add(self, name: str, target: date | None, created_at: datetime, channel_ref: str | None = None,
                  owner_id: int | None = None) -> Release:
        row = ReleaseRow(
            workspace_id=self.workspace_id, name=name, name_key=name_key(name), target_date=target,
            status="planned", created_at=created_at, channel_ref=channel_ref, owner_id=owner_id,
        )
        self.session.add(row)
        await self.session.flush()
        return _release(row)

    async def by_name(self, name: str) -> Release | None:
        stmt = select(ReleaseRow).where(
            ReleaseRow.workspace_id == self.workspace_id, ReleaseRow.name_key == name_key(name)
        )
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        return _release(row) if row else None

    async def get_many(self, ids: Sequence[int]) -> dict[int, Release]:
        if not ids:
            return {}
        stmt = select(ReleaseRow).where(ReleaseRow.workspace_id == self.workspace_id, ReleaseRow.id.in_(set(ids)))
        return {row.id: _release(row) for row in (await self.session.execute(stmt)).scalars()}

    async def set_thread(self, release_id: int, channel_ref: str, thread_ref: str) -> None:
        await self.session.execute(
            update(ReleaseRow)
            .where(ReleaseRow.workspace_id == self.workspace_id, ReleaseRow.id == release_id)
            .values(channel_ref=channel_ref, thread_ref=thread_ref)
        )

    async def set_target(self, release_id: int, target: date | None) -> None:
        await self.session.execute(
            update(ReleaseRow).where(ReleaseRow.workspace_id == self.workspace_id, ReleaseRow.id == release_id)
            .values(target_date=target)
        )

    async def set_owner(self, release_id: int, owner_id: int) -> None:
        await self.session.execute(
            update(ReleaseRow).where(ReleaseRow.workspace_id == self.workspace_id, ReleaseRow.id == release_id)
            .values(owner_id=owner_id)
        )

    async def list(self) -> list[Release]:
        stmt = (
            select(ReleaseRow)
            .where(ReleaseRow.workspace_id == self.workspace_id)
            .order_by(ReleaseRow.target_date.is_(None), ReleaseRow.target_date, ReleaseRow.name_key)
        )
        return [_release(r) for r in (await self.session.execute(stmt)).scalars()]


def _handoff(row: HandoffRow) -> Handoff:
    return Handoff(
        id=row.id, workspace_id=row.workspace_id, number=row.number, kind=Kind(row.kind), title=row.title,
        details=row.details, requester_id=row.requester_id, owner_id=row.owner_id, release_id=row.release_id,
        area_id=row.area_id, due_date=row.due_date, status=Status(row.status), status_note=row.status_note,
        version=row.version, created_at=utc(row.created_at), updated_at=utc(row.updated_at),
        message_ref=row.message_ref, snoozed_until=utc(row.snoozed_until) if row.snoozed_until else None,
        private=row.private,
    )


class HandoffRepository(_Repository):
    async def add(self, number: int, new: NewHandoff) -> Handoff:
        row = HandoffRow(
            workspace_id=self.workspace_id, number=number, kind=new.kind.value, title=new.title,
            details=new.details, requester_id=new.requester_id, owner_id=new.owner_id,
            release_id=new.release_id, area_id=new.area_id, due_date=new.due_date,
            status=Status.OPEN.value, version=1, created_at=new.created_at, updated_at=new.created_at,
            private=new.private,
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

    async def set_message_ref(self, handoff_id: int, message_ref: str) -> None:
        """Where a platform shows the card; not a change of state, so the version stays."""
        await self.session.execute(
            update(HandoffRow)
            .where(HandoffRow.workspace_id == self.workspace_id, HandoffRow.id == handoff_id)
            .values(message_ref=message_ref)
            .execution_options(synchronize_session=False)
        )

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
            )
        )

    async def history(self, handoff_id: int) -> list[HandoffEvent]:
        stmt = (
            select(HandoffEventRow)
            .where(HandoffEventRow.workspace_id == self.workspace_id, HandoffEventRow.handoff_id == handoff_id)
            .order_by(HandoffEventRow.id)
        )
        return [
            HandoffEvent(
                handoff_id=r.handoff_id, actor_id=r.actor_id, action=r.action,
                from_status=Status(r.from_status) if r.from_status else None,
                to_status=Status(r.to_status) if r.to_status else None, note=r.note, at=utc(r.at),
            )
            for r in (await self.session.execute(stmt)).scalars()
        ]


def _area(row: AreaRow) -> Area:
    return Area(
        id=row.id, workspace_id=row.workspace_id, name=row.name, side=Side(row.side),
        aliases=tuple(row.aliases or ()), description=row.description,
    )


class AreaRepository(_Repository):
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


def _entry(row: KnowledgeEntryRow) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=row.id, workspace_id=row.workspace_id, kind=EntryKind(row.kind), body=row.body,
        author_id=row.author_id, created_at=utc(row.created_at), release_id=row.release_id,
        handoff_id=row.handoff_id, link=row.link, private=row.private,
    )


class KnowledgeRepository(_Repository):
    async def add(
        self, kind: EntryKind, body: str, author_id: int, at: datetime,
        release_id: int | None = None, handoff_id: int | None = None, link: str | None = None, private: bool = False,
    ) -> KnowledgeEntry:
        row = KnowledgeEntryRow(
            workspace_id=self.workspace_id, kind=kind.value, body=body, author_id=author_id,
            created_at=at, release_id=release_id, handoff_id=handoff_id, link=link, private=private,
        )
        self.session.add(row)
        await self.session.flush()
        return _entry(row)

    async def latest(
        self, release_id: int, kinds: frozenset[EntryKind], limit: int, include_private: bool = True
    ) -> list[KnowledgeEntry]:
        stmt = (
            select(KnowledgeEntryRow)
            .where(
                KnowledgeEntryRow.workspace_id == self.workspace_id,
                KnowledgeEntryRow.release_id == release_id,
                KnowledgeEntryRow.kind.in_(sorted(k.value for k in kinds)),
            )
            .order_by(KnowledgeEntryRow.id.desc())
            .limit(limit)
        )
        if not include_private:
            stmt = stmt.where(KnowledgeEntryRow.private.is_(False))
        return [_entry(r) for r in (await self.session.execute(stmt)).scalars()]

    async def search(
        self, words: Sequence[str], kind: EntryKind | None, limit: int, include_private: bool = True
    ) -> list[SearchHit]:
        ids = await search.matching_entry_ids(self.session, self.workspace_id, words, kind, limit, include_private)
        if not ids:
            return []
        stmt = (
            select(KnowledgeEntryRow, ReleaseRow.name)
            .outerjoin(ReleaseRow, ReleaseRow.id == KnowledgeEntryRow.release_id)
            .where(KnowledgeEntryRow.workspace_id == self.workspace_id, KnowledgeEntryRow.id.in_(ids))
            .order_by(KnowledgeEntryRow.id.desc())
        )
        return [SearchHit(_entry(row), release) for row, release in await self.session.execute(stmt)]


class InboundEventRepository(_Repository):
    async def claim(self, event_id: str, at: datetime) -> bool:
        """``True`` the first time an event id is seen in this workspace, ``False`` for a retry."""
        return await insert_ignore(
            self.session, InboundEventRow,
            {"workspace_id": self.workspace_id, "event_id": event_id, "received_at": at},
            ["workspace_id", "event_id"],
        )

    async def forget(self, event_id: str) -> None:
        """Un-claim an event whose handling failed, so the platform's retry is processed."""
        await self.session.execute(
            delete(InboundEventRow).where(InboundEventRow.workspace_id == self.workspace_id, InboundEventRow.event_id == event_id)
        )
