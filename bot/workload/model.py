"""The workload view (``load [@person|team|pm|pmm|lead]``): who carries what, and who carries too much.

Definitions, per person of the caller's workspace:

- **Open**: handoffs they own whose status is in :data:`~bot.domain.ACTIVE_STATUSES`.
- **Side** of a handoff: its grey area's side when that is inbound or outbound; otherwise its
  kind decides: a requirement is inbound, messaging outbound, a question neither (it counts in
  the open total only). Shown as "in / out / open total".
- **Overdue**: open, and due before the caller's local today (:meth:`Ctx.today`).
- **Areas driven**: grey areas where they are an effective driver workspace-wide or for any
  release, as :func:`bot.duties.ownership` resolves it (a release's drivers override the
  workspace's for that release).
- **Average time to acknowledge** over the last 30 days: for each of their own ``ack`` events in
  ``[now - 30 days, now]``, the time from the moment the handoff became theirs (its creation, or
  the latest reassign before that ack) to the ack; averaged. An ack a lead makes on someone's
  behalf counts as the lead's.
- **Team**: people with a role of pm, pmm or lead, or with at least one open handoff.
  ``load pm`` shows one role, ``load @dana`` one person; the median is always the whole team's.

Flags:

- **Both sides**: for a release that is not closed, they drive an inbound area and an outbound one
  (effective drivers, so a release-level driver replaces the workspace-level ones).
- **Overloaded**: open load above twice the team median and at least 3 above it. The suggestion
  moves their open, non-private handoff with the most slack (latest due date, undated first) to
  the person with the same role and the least open load (ties by name), unless nobody else has
  that role or that person is overloaded too.

Loading (:func:`bot.workload.use_cases.show`) is a fixed handful of queries whatever the team's size; everything else is
pure (:func:`compute`) so the rules are unit-tested without a database.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain import CLOSED_RELEASES, Area, Assignment, Kind, Person, Release, Role, Side
from bot.duties import ownership
from bot.records import AckWait, OpenGroup, SlackItem

ACK_WINDOW = timedelta(days=30)
REASSIGN = "reassign"  # the history action bot.handoffs.use_cases.reassign records
TEAM_ROLES = frozenset({Role.PM, Role.PMM, Role.LEAD})
OVERLOAD_FACTOR = 2  # "far above the median": more than twice it ...
OVERLOAD_MARGIN = 3  # ... and at least this many above it
ROLE_PLURAL = {Role.PM: "PMs", Role.PMM: "PMMs", Role.LEAD: "leads", Role.OTHER: "others"}


# --- what storage hands back -------------------------------------------------------------------


@dataclass
class Facts:
    """Everything :func:`compute` needs, loaded with one query each."""

    people: list[Person]
    open_groups: list[OpenGroup]
    ack_waits: list[AckWait]
    assignments: list[Assignment]
    areas: list[Area]
    releases: list[Release]
    slack_items: list[SlackItem]


# --- what the view shows -----------------------------------------------------------------------

@dataclass(frozen=True)
class BothSides:
    release: str
    inbound: tuple[str, ...]  # names of the inbound areas they drive for it
    outbound: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    number: int
    to: Person
    their_open: int


@dataclass
class Load:
    person: Person
    inbound: int = 0
    outbound: int = 0
    open: int = 0
    overdue: int = 0
    areas: int = 0
    ack_hours: float | None = None
    both_sides: list[BothSides] = field(default_factory=list)
    overloaded: bool = False
    suggestion: Suggestion | None = None

    @property
    def flagged(self) -> bool:
        return self.overloaded or bool(self.both_sides)


@dataclass
class Workload:
    scope: str  # "team", "PMs", "PMMs", "leads" or a person's name
    rows: list[Load]
    median: float
    team_size: int
    one_person: bool = False  # ``load @dana``: the person in detail


# --- loading -----------------------------------------------------------------------------------


# --- the rules, pure -----------------------------------------------------------------------------

def compute(facts: Facts) -> dict[int, Load]:
    """Every person's load and flags, by person id; the team is :func:`team_of` these."""
    loads = {p.id: Load(p) for p in facts.people}
    for group in facts.open_groups:
        if (load := loads.get(group.owner_id)) is not None:
            _add(load, group)
    for person_id, n in areas_driven(facts.assignments).items():
        if person_id in loads:
            loads[person_id].areas = n
    for person_id, hours in average_ack_hours(facts.ack_waits).items():
        if person_id in loads:
            loads[person_id].ack_hours = hours
    for person_id, found in both_sides(facts.assignments, facts.areas, facts.releases).items():
        if person_id in loads:
            loads[person_id].both_sides = found
    median = team_median(team_of(loads))
    slack = {item.owner_id: item for item in facts.slack_items}
    for load in loads.values():
        load.overloaded = is_overloaded(load.open, median)
    for load in loads.values():
        if load.overloaded:
            load.suggestion = suggest(load, loads.values(), slack)
    return loads


def side_of(kind: Kind, area_side: Side | None) -> Side | None:
    """Inbound or outbound as the area says, else as the kind says; ``None`` for neither."""
    if area_side in (Side.INBOUND, Side.OUTBOUND):
        return area_side
    return {Kind.REQUIREMENT: Side.INBOUND, Kind.MESSAGING: Side.OUTBOUND}.get(kind)


def _add(load: Load, group: OpenGroup) -> None:
    side = side_of(group.kind, group.area_side)
    load.open += group.count
    load.inbound += group.count if side is Side.INBOUND else 0
    load.outbound += group.count if side is Side.OUTBOUND else 0
    load.overdue += group.count if group.overdue else 0


def team_of(loads: dict[int, Load]) -> list[Load]:
    """People with a role of pm, pmm or lead, or with open work; most loaded first, then by name."""
    team = [ld for ld in loads.values() if ld.person.role in TEAM_ROLES or ld.open > 0]
    return sorted(team, key=lambda ld: (-ld.open, ld.person.display_name.casefold(), ld.person.id))


def team_median(team: Sequence[Load]) -> float:
    return float(statistics.median(ld.open for ld in team)) if team else 0.0


def is_overloaded(open_load: int, median: float) -> bool:
    return open_load > OVERLOAD_FACTOR * median and open_load >= median + OVERLOAD_MARGIN


def _by_area(assignments: Iterable[Assignment]) -> dict[int, list[Assignment]]:
    grouped: dict[int, list[Assignment]] = defaultdict(list)
    for a in assignments:
        grouped[a.area_id].append(a)
    return grouped


def areas_driven(assignments: Sequence[Assignment]) -> dict[int, int]:
    """How many areas each person drives, workspace-wide or for some release.

    A release without assignments of its own on an area inherits the workspace's drivers, so the
    scopes worth resolving are the workspace and each release that has assignments on the area."""
    driven: dict[int, set[int]] = defaultdict(set)
    for area_id, mine in _by_area(assignments).items():
        scopes = {None, *(a.release_id for a in mine if a.release_id is not None)}
        for release_id in scopes:
            for person_id in ownership(mine, area_id, release_id).effective_drivers:
                driven[person_id].add(area_id)
    return {person_id: len(areas) for person_id, areas in driven.items()}


def both_sides(assignments: Sequence[Assignment], areas: Sequence[Area], releases: Sequence[Release]) -> dict[int, list[BothSides]]:
    """Who drives an inbound and an outbound area for the same release that is not closed."""
    grouped = _by_area(assignments)
    sided = [a for a in areas if a.side in (Side.INBOUND, Side.OUTBOUND)]
    found: dict[int, list[BothSides]] = defaultdict(list)
    for release in releases:
        if release.status in CLOSED_RELEASES:
            continue
        drives: dict[int, dict[Side, list[str]]] = defaultdict(lambda: {Side.INBOUND: [], Side.OUTBOUND: []})
        for area in sided:
            for person_id in ownership(grouped.get(area.id, []), area.id, release.id).effective_drivers:
                drives[person_id][area.side].append(area.name)
        for person_id, sides in drives.items():
            if sides[Side.INBOUND] and sides[Side.OUTBOUND]:
                found[person_id].append(BothSides(release.name, tuple(sides[Side.INBOUND]), tuple(sides[Side.OUTBOUND])))
    return found


def average_ack_hours(waits: Iterable[AckWait]) -> dict[int, float]:
    hours: dict[int, list[float]] = defaultdict(list)
    for w in waits:
        hours[w.person_id].append(max(0.0, (w.acked_at - w.since).total_seconds() / 3600))
    return {person_id: sum(h) / len(h) for person_id, h in hours.items()}


def suggest(load: Load, loads: Iterable[Load], slack: dict[int, SlackItem]) -> Suggestion | None:
    """Move their item with the most slack to the least-loaded person of the same role."""
    item = slack.get(load.person.id)
    role = load.person.role
    if item is None or role is None:
        return None
    peers = [ld for ld in loads if ld.person.role is role and ld.person.id != load.person.id]
    if not peers:
        return None
    to = min(peers, key=lambda ld: (ld.open, ld.person.display_name.casefold(), ld.person.id))
    if to.overloaded:
        return None
    return Suggestion(item.number, to.person, to.open)
