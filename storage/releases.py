"""Releases and their knowledge threads (entries, search)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, select, update

from bot.domain import EntryKind, KnowledgeEntry, Release, ReleaseSkip
from bot.ports import SearchHit, SearchScope
from storage import search
from storage.base import Repository, name_key, utc
from storage.dialect import insert_ignore
from storage.models import KnowledgeEntryRow, ReleaseRow, ReleaseSkipRow


def _release(row: ReleaseRow) -> Release:
    return Release(
        id=row.id, workspace_id=row.workspace_id, name=row.name, target_date=row.target_date,
        created_at=utc(row.created_at), status=row.status, channel_ref=row.channel_ref,
        thread_ref=row.thread_ref, owner_id=row.owner_id, tier=row.tier, statement=row.statement,
        statement_by=row.statement_by, statement_at=utc(row.statement_at) if row.statement_at else None,
        confirmed_by=row.confirmed_by, confirmed_at=utc(row.confirmed_at) if row.confirmed_at else None,
    )


class ReleaseRepository(Repository):
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

    async def save(self, release: Release) -> None:
        await self.session.execute(
            update(ReleaseRow).where(ReleaseRow.workspace_id == self.workspace_id, ReleaseRow.id == release.id)
            .values(name=release.name, name_key=name_key(release.name), status=release.status,
                    target_date=release.target_date, tier=release.tier, statement=release.statement,
                    statement_by=release.statement_by, statement_at=release.statement_at,
                    confirmed_by=release.confirmed_by, confirmed_at=release.confirmed_at)
        )

    async def skips(self, release_id: int | None = None) -> list[ReleaseSkip]:
        stmt = select(ReleaseSkipRow).where(ReleaseSkipRow.workspace_id == self.workspace_id)
        if release_id is not None:
            stmt = stmt.where(ReleaseSkipRow.release_id == release_id)
        rows = (await self.session.execute(stmt.order_by(ReleaseSkipRow.id))).scalars()
        return [ReleaseSkip(r.release_id, r.area_id, r.reason, r.skipped_by, utc(r.skipped_at)) for r in rows]

    async def skip(self, skip: ReleaseSkip) -> bool:
        """Mark the area not applicable; ``False`` when it already was."""
        values = {"workspace_id": self.workspace_id, "release_id": skip.release_id, "area_id": skip.area_id,
                  "reason": skip.reason, "skipped_by": skip.skipped_by, "skipped_at": skip.skipped_at}
        return await insert_ignore(self.session, ReleaseSkipRow, values, ("workspace_id", "release_id", "area_id"))

    async def unskip(self, release_id: int, area_id: int) -> bool:
        result = await self.session.execute(
            delete(ReleaseSkipRow).where(ReleaseSkipRow.workspace_id == self.workspace_id,
                                         ReleaseSkipRow.release_id == release_id, ReleaseSkipRow.area_id == area_id))
        return bool(result.rowcount)

    async def list(self) -> list[Release]:
        stmt = (
            select(ReleaseRow)
            .where(ReleaseRow.workspace_id == self.workspace_id)
            .order_by(ReleaseRow.target_date.is_(None), ReleaseRow.target_date, ReleaseRow.name_key)
        )
        return [_release(r) for r in (await self.session.execute(stmt)).scalars()]


def _entry(row: KnowledgeEntryRow) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=row.id, workspace_id=row.workspace_id, kind=EntryKind(row.kind), body=row.body,
        author_id=row.author_id, created_at=utc(row.created_at), release_id=row.release_id,
        handoff_id=row.handoff_id, link=row.link, private=row.private,
    )


class KnowledgeRepository(Repository):
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

    async def search(self, terms: Sequence[str], limit: int, scope: SearchScope) -> list[SearchHit]:
        """The best ``limit`` entries matching every term, best first (see storage/search.py)."""
        matches = await search.ranked_matches(self.session, self.workspace_id, terms, limit, scope)
        if not matches:
            return []
        stmt = (
            select(KnowledgeEntryRow, ReleaseRow.name)
            .outerjoin(ReleaseRow, ReleaseRow.id == KnowledgeEntryRow.release_id)
            .where(KnowledgeEntryRow.workspace_id == self.workspace_id,
                   KnowledgeEntryRow.id.in_([m.entry_id for m in matches]))
        )
        found = {row.id: (row, release) for row, release in await self.session.execute(stmt)}
        return [SearchHit(_entry(found[m.entry_id][0]), found[m.entry_id][1], m.first)
                for m in matches if m.entry_id in found]
