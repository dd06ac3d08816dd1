"""Grey-area ownership: the seeded registry and the duty rules (who drives, supports, is informed).

Pure functions over domain objects; the use cases in :mod:`bot.ownership.registry` load and save.
Resolving a typed name to an area ("who owns battlecards?") is :mod:`bot.area_names`, in the
kernel, because every command's context needs it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import Assignment, Duty, Role, Side

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
