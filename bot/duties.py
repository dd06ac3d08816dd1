"""Who holds which duty on a grey area, workspace-wide and for one release: a release's own
drivers replace the workspace's for that release. Every capability that routes, nudges or
reports by area reads it; the registry (:mod:`bot.ownership.registry`) is what changes it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.domain import Area, Assignment, Duty, Release, Role, Side

if TYPE_CHECKING:
    from bot.ports import UnitOfWork


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


@dataclass(frozen=True)
class AreaScope:
    """Which areas each release needs a driver for. A release with a launch tier needs those of its
    plan and handoffs; any other release every area of the workspace; never one it skips."""

    tiered_areas: Mapping[int, AbstractSet[int]] = field(default_factory=dict)  # release -> areas, tiered only
    skipped: Mapping[int, AbstractSet[int]] = field(default_factory=dict)  # release -> areas not applicable

    def areas(self, release: Release, areas: Sequence[Area]) -> list[Area]:
        skipped = self.skipped.get(release.id, frozenset())
        if release.tier is not None:
            mine = self.tiered_areas.get(release.id, frozenset())
            return [a for a in areas if a.id in mine and a.id not in skipped]
        return [a for a in areas if a.id not in skipped]

    def skips(self, release_id: int | None, area_id: int | None) -> bool:
        return release_id is not None and area_id is not None and area_id in self.skipped.get(release_id, frozenset())


async def load_area_scope(uow: UnitOfWork, releases: Iterable[Release]) -> AreaScope:
    """Two queries: the areas of every tiered release's handoffs, and every skip of the workspace."""
    skipped: dict[int, set[int]] = {}
    for skip in await uow.releases.skips():
        skipped.setdefault(skip.release_id, set()).add(skip.area_id)
    tiered = [r.id for r in releases if r.tier is not None]
    return AreaScope(await uow.handoffs.areas_by_release(tiered), skipped)
