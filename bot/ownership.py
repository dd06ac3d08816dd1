"""Grey-area ownership: the seeded registry, the "who owns …?" resolver, and duty rules.

Pure functions over domain objects; the use cases in :mod:`bot.registry` load and save.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process, utils

from bot.domain import Area, Assignment, Duty, Role, Side

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
    """The area ``query`` names, exactly or fuzzily; when unsure, the closest two or three."""
    q = normalise(query)
    if not q:
        return AreaMatch(None)
    names: dict[str, Area] = {}
    for area in areas:
        for label in (area.name, *area.aliases):
            names.setdefault(normalise(label), area)
    if q in names:
        return AreaMatch(names[q])
    best: dict[int, tuple[float, Area]] = {}
    fuzzy_labels = [label for label in names if len(label) >= MIN_FUZZY_LABEL]
    for label, score, _ in process.extract(q, fuzzy_labels, scorer=fuzz.WRatio, processor=utils.default_process, limit=12):
        area = names[label]
        if score > best.get(area.id, (0.0, area))[0]:
            best[area.id] = (score, area)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1].name))
    if not ranked or ranked[0][0] < CLOSE_ENOUGH:
        return AreaMatch(None)
    top_score, top = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    if top_score >= CONFIDENT and top_score - runner_up >= MARGIN:
        return AreaMatch(top)
    return AreaMatch(None, tuple(area for score, area in ranked[:3] if score >= CLOSE_ENOUGH))


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
        return ownership(self._by_area.get(area_id, ()), area_id, release_id)


def suggested_roles(side: Side) -> tuple[Role, Role]:
    """(driver, supporter) as practice recommends: PM drives inbound areas; PMM drives
    customer- and market-facing ones, with PM input."""
    return (Role.PM, Role.PMM) if side is Side.INBOUND else (Role.PMM, Role.PM)
