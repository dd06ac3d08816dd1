"""How a name someone typed becomes a grey area: exactly, by alias, or fuzzily, with the closest
two or three when unsure; and a per-workspace cache of the resolver that the database keeps honest."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rapidfuzz import utils

from bot.domain import Area
from bot.fuzzy import WRatioIndex

CONFIDENT = 88


CLOSE_ENOUGH = 72


MARGIN = 8


# Labels shorter than this ("ar", "pr", "cab") match only exactly: partial fuzzy scoring finds
# two letters inside almost any word ("pr" in "print ads") and would answer with confidence.
MIN_FUZZY_LABEL = 4


@dataclass(frozen=True)
class AreaMatch:
    area: Area | None
    candidates: tuple[Area, ...] = ()


@lru_cache(maxsize=65_536)
def normalise(text: str) -> str:
    text = text.casefold().replace("’", "'")
    text = re.sub(r"[^\w/'&+\- ]+", " ", text)
    text = re.sub(r"^(?:the|our|a)\s+", "", " ".join(text.split()))
    return text


def resolve_area(query: str, areas: Sequence[Area]) -> AreaMatch:
    """The area ``query`` names, exactly or fuzzily; when unsure, the closest two or three.

    Builds an :class:`AreaIndex` for one question; callers that ask often keep the index."""
    return AreaIndex(areas).resolve(query)


class AreaIndex:
    """A workspace's areas, ready to resolve names: every name and alias normalised into one
    label -> area map, and the labels long enough for fuzzy matching in a
    :class:`~bot.fuzzy.WRatioIndex`, which scores only the labels that could match.

    Building it (4,000 labels for 1,000 areas, 10 to 20 ms) used to happen on every "who owns …?";
    now it happens once per version of the areas (:class:`AreaIndexCache`). The answers are the
    ones :func:`resolve_area` gave before the cache, to the tie."""

    def __init__(self, areas: Sequence[Area]) -> None:
        self.areas: tuple[Area, ...] = tuple(areas)
        self._labels: dict[str, Area] = {}
        for area in self.areas:
            for label in (area.name, *area.aliases):
                self._labels.setdefault(normalise(label), area)
        fuzzy = [label for label in self._labels if len(label) >= MIN_FUZZY_LABEL]
        self._fuzzy_areas = [self._labels[label] for label in fuzzy]
        self._fuzzy = WRatioIndex([utils.default_process(label) for label in fuzzy])

    def resolve(self, query: str) -> AreaMatch:
        """The area ``query`` names, exactly or fuzzily; when unsure, the closest two or three."""
        q = normalise(query)
        if not q:
            return AreaMatch(None)
        if q in self._labels:
            return AreaMatch(self._labels[q])
        best: dict[int, tuple[float, Area]] = {}
        # Scores under CLOSE_ENOUGH cannot change the answer (a runner-up below it leaves a
        # confident top score more than MARGIN ahead), so rapidfuzz may skip them.
        for _, score, i in self._fuzzy.extract(utils.default_process(q), CLOSE_ENOUGH, limit=12):
            area = self._fuzzy_areas[i]
            if score > best.get(area.id, (0.0, area))[0]:
                best[area.id] = (score, area)
        ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1].name))
        if not ranked:
            return AreaMatch(None)
        top_score, top = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if top_score >= CONFIDENT and top_score - runner_up >= MARGIN:
            return AreaMatch(top)
        return AreaMatch(None, tuple(area for _, area in ranked[:3]))


class AreaSource(Protocol):
    """What :class:`AreaIndexCache` reads: the part of :class:`~bot.ports.AreaRepository` it needs."""

    async def version(self) -> str: ...
    async def list(self) -> list[Area]: ...


class AreaIndexCache:
    """The :class:`AreaIndex` of each workspace, kept between commands and rebuilt only when the
    workspace's areas changed.

    Whether it changed is asked of the database on every use, never trusted to this process:
    every write to a workspace's areas also stores a new random ``areas_version`` in the same
    transaction (:class:`~bot.ports.AreaRepository`), and each use compares the version read in
    the caller's transaction (a command reads it with its caller, in the same statement:
    ``PersonRepository.upsert_caller``). So an area another process (another web or worker) added
    is seen by the first command after that process commits. A version is random rather than a
    counter so that one written by a transaction that then rolled back (an index built inside it
    included areas that never existed) can never be written again and match. The version is read
    *before* the areas: a commit landing between the two reads can only make the cached index
    newer than its version (one needless rebuild next time), never staler.

    The most recently used workspaces are kept: an index takes about 2 MB for 1,000 areas, 40 KB
    for the 15 seeded ones."""

    def __init__(self, max_workspaces: int = 64) -> None:
        self._max = max_workspaces
        self._indexes: OrderedDict[str, tuple[str, AreaIndex]] = OrderedDict()

    async def get(self, workspace_id: str, areas: AreaSource, version: str | None = None) -> AreaIndex:
        """The index for ``version`` of the workspace's areas (read from ``areas`` when not given)."""
        if version is None:
            version = await areas.version()
        cached = self._indexes.get(workspace_id)
        if cached is not None and cached[0] == version:
            self._indexes.move_to_end(workspace_id)
            return cached[1]
        index = AreaIndex(await areas.list())
        self._indexes[workspace_id] = (version, index)
        self._indexes.move_to_end(workspace_id)
        while len(self._indexes) > self._max:
            self._indexes.popitem(last=False)
        return index
