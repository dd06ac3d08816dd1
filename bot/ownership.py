"""Grey-area ownership: the seeded registry, the "who owns …?" resolver, and duty rules.

Pure functions over domain objects; the use cases in :mod:`bot.registry` load and save. The one
exception is :class:`AreaIndexCache`, which keeps each workspace's resolver between calls and asks
the areas' repository whether it is still current.
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rapidfuzz import utils

from bot.domain import Area, Assignment, Duty, Role, Side
from bot.fuzzy import WRatioIndex

# name, side, aliases, what the area covers. PM is inbound, PMM outbound; "shared" areas are
# the grey ones teams argue about.
DEFAULT_AREAS: tuple[tuple[str, Side, tuple[str, ...], str], ...] = (
    ("requirements", Side.INBOUND, ("prd", "product requirements", "specs", "user stories"), "what the product must do"),
    ("roadmap", Side.INBOUND, ("product roadmap", "prioritization", "prioritisation"), "what ships when"),
    ("pricing", Side.INBOUND, ("pricing model", "packaging", "price points", "tiers"), "price and packaging decisions"),
    ("market research", Side.INBOUND, ("market needs", "mrd", "market requirements", "customer research"), "what the market needs"),
    ("win/loss", Side.SHARED, ("win loss", "win-loss analysis", "deal reviews"), "why deals are won and lost"),
    ("customer advisory board", Side.SHARED, ("cab", "advisory board", "customer council"), "the customers we consult"),
    ("competitive messaging", Side.SHARED, ("battlecards", "battle cards", "competitive intel", "competitive intelligence", "competitor comparison"), "how we talk about competitors"),
    ("release notes", Side.SHARED, ("changelog", "what's new", "release announcement"), "what changed, for customers"),
    ("pricing communication", Side.SHARED, ("pricing page", "price change announcement", "pricing comms"), "how price changes are told"),
    ("positioning", Side.OUTBOUND, ("positioning statement", "value proposition", "target segment"), "who it is for and why it wins"),
    ("messaging", Side.OUTBOUND, ("messaging framework", "copy", "key messages"), "the words we use"),
    ("sales enablement", Side.OUTBOUND, ("sales training", "sales deck", "pitch deck", "sales collateral"), "what sales needs to sell it"),
    ("launch", Side.OUTBOUND, ("go to market", "gtm", "launch plan", "go-to-market"), "bringing a release to market"),
    ("analyst and press relations", Side.OUTBOUND, ("analyst relations", "press relations", "ar", "pr", "press"), "analysts and media"),
    ("web content", Side.OUTBOUND, ("website", "web copy", "landing page", "product pages"), "what the website says"),
)

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


@dataclass(frozen=True)
class Ownership:
    """Who holds which duty on an area, workspace-wide and for one release."""

    drivers: tuple[int, ...]
    supporters: tuple[Assignment, ...]
    informed: tuple[int, ...]
    release_drivers: tuple[int, ...] = ()
    release_supporters: tuple[Assignment, ...] = ()

    @property
    def effective_drivers(self) -> tuple[int, ...]:
        return self.release_drivers or self.drivers

    @property
    def unowned(self) -> bool:
        return not self.effective_drivers

    @property
    def disputed(self) -> bool:
        return len(self.effective_drivers) > 1


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


def ownership(assignments: Sequence[Assignment], area_id: int, release_id: int | None) -> Ownership:
    mine = [a for a in assignments if a.area_id == area_id]
    base = [a for a in mine if a.release_id is None]
    scoped = [a for a in mine if release_id is not None and a.release_id == release_id]
    return Ownership(
        drivers=tuple(a.person_id for a in base if a.duty is Duty.DRIVER),
        supporters=tuple(a for a in base if a.duty is Duty.SUPPORTER),
        informed=tuple(a.person_id for a in [*base, *scoped] if a.duty is Duty.INFORMED),
        release_drivers=tuple(a.person_id for a in scoped if a.duty is Duty.DRIVER),
        release_supporters=tuple(a for a in scoped if a.duty is Duty.SUPPORTER),
    )


class OwnershipIndex:
    """Ownership of many areas from one list of assignments, grouped by area once.

    Calling :func:`ownership` with the whole list for each of N areas costs N x assignments; a
    digest or nudge pass over 1,000 areas spent most of its time there."""

    def __init__(self, assignments: Sequence[Assignment]) -> None:
        self._by_area: dict[int, list[Assignment]] = defaultdict(list)
        for a in assignments:
            self._by_area[a.area_id].append(a)

    def __call__(self, area_id: int, release_id: int | None) -> Ownership:
        mine = self._by_area.get(area_id)
        return ownership(mine, area_id, release_id) if mine else NOBODY


NOBODY = Ownership(drivers=(), supporters=(), informed=())  # an area without duties (shared: it is frozen)


def suggested_roles(side: Side) -> tuple[Role, Role]:
    """(driver, supporter) as practice recommends: PM drives inbound areas; PMM drives
    customer- and market-facing ones, with PM input."""
    return (Role.PM, Role.PMM) if side is Side.INBOUND else (Role.PMM, Role.PM)
