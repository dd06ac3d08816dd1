"""Workspaces and people: the caller looked up (with the areas' version) in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    bindparam,
    func,
    or_,
    select,
    update,
)

from bot.domain import (
    Person,
    Role,
    Workspace,
)
from bot.ports import NewPerson
from storage.base import Repository, name_key
from storage.dialect import insert_ignore
from storage.models import (
    PersonRow,
    WorkspaceRow,
)


class WorkspaceRepository(Repository):
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


class PersonRepository(Repository):
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
        # The platform's zone is a default: it never replaces one the person chose (set_timezone).
        zone = row.timezone if row.timezone_chosen else new.timezone or row.timezone
        if (row.display_name, row.is_admin, row.timezone) != (new.display_name, new.is_admin, zone):
            row.display_name, row.name_key, row.is_admin = new.display_name, name_key(new.display_name), new.is_admin
            row.timezone = zone
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
        """The person's choice: from now on it stands over the zone their platform reports."""
        await self.session.execute(update(PersonRow).where(PersonRow.workspace_id == self.workspace_id,
                                                           PersonRow.id == person_id)
                                   .values(timezone=timezone, timezone_chosen=True))
