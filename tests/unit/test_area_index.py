"""The per-workspace area index: built once per version of the areas, rebuilt when it changes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from bot.area_names import AreaIndex, AreaIndexCache, resolve_area
from bot.domain import Area, Side
from bot.ownership.seed import DEFAULT_AREAS

AREAS = [Area(i, "w", name, side, aliases) for i, (name, side, aliases, _) in enumerate(DEFAULT_AREAS)]


class FakeAreas:
    """The two AreaRepository methods the cache uses, counting calls; ``add`` changes the version
    the way the SQL repository does."""

    def __init__(self, areas: Sequence[Area] = AREAS) -> None:
        self.areas = list(areas)
        self.current = ""
        self.version_reads = self.lists = 0

    def add(self, name: str, *aliases: str) -> None:
        self.areas.append(Area(len(self.areas) + 100, "w", name, Side.SHARED, aliases))
        self.current = uuid.uuid4().hex

    async def version(self) -> str:
        self.version_reads += 1
        return self.current

    async def list(self) -> list[Area]:
        self.lists += 1
        return list(self.areas)


def test_an_index_answers_as_resolve_area_does() -> None:
    index = AreaIndex(AREAS)
    for query in ("battlecards", "competitve mesaging", "press", "xyzzy", "", "win loss", "field"):
        assert index.resolve(query) == resolve_area(query, AREAS)
    assert index.areas == tuple(AREAS)


async def test_built_once_while_the_version_holds() -> None:
    repo, cache = FakeAreas(), AreaIndexCache()
    first = await cache.get("w", repo)
    for _ in range(5):
        assert await cache.get("w", repo) is first
    assert (repo.lists, repo.version_reads) == (1, 6)


async def test_a_new_version_rebuilds_and_finds_the_new_area() -> None:
    repo, cache = FakeAreas(), AreaIndexCache()
    assert (await cache.get("w", repo)).resolve("partner marketing").area is None
    repo.add("partner marketing", "alliances")  # as another process would, committed
    index = await cache.get("w", repo)
    assert index.resolve("alliances").area is not None and repo.lists == 2


async def test_a_version_read_with_the_caller_is_used_as_is() -> None:
    repo, cache = FakeAreas(), AreaIndexCache()
    first = await cache.get("w", repo, version="")
    assert await cache.get("w", repo, version="") is first
    assert repo.version_reads == 0
    assert await cache.get("w", repo, version="other") is not first


async def test_an_index_built_under_a_version_that_never_committed_is_not_reused() -> None:
    """A transaction adds an area, resolves (building an index that holds it) and rolls back:
    the database keeps the old version, which no longer matches what the cache holds."""
    repo, cache = FakeAreas(), AreaIndexCache()
    committed = repo.current
    repo.add("ghost area")
    assert (await cache.get("w", repo)).resolve("ghost area").area is not None
    repo.areas.pop()
    repo.current = committed  # rolled back
    assert (await cache.get("w", repo)).resolve("ghost area").area is None


async def test_workspaces_are_kept_apart_and_the_least_recent_dropped() -> None:
    cache = AreaIndexCache(max_workspaces=2)
    a, b, c = FakeAreas(), FakeAreas(AREAS[:3]), FakeAreas(AREAS[3:6])
    index_a = await cache.get("a", a)
    assert (await cache.get("b", b)).areas == tuple(AREAS[:3])
    assert await cache.get("a", a) is index_a  # a is now the most recent
    await cache.get("c", c)  # drops b
    assert await cache.get("a", a) is index_a
    await cache.get("b", b)
    assert (a.lists, b.lists, c.lists) == (1, 2, 1)
