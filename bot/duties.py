"""Who holds which duty on a grey area, workspace-wide and for one release: a release's own
drivers replace the workspace's for that release. Every capability that routes, nudges or
reports by area reads it; the registry (:mod:`bot.ownership.registry`) is what changes it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import Assignment, Duty, Role, Side


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
