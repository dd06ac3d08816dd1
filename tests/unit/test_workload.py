"""The workload rules without a database: sides, median, flags, the suggestion and its ties."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import commands as c
from bot.chat.grammar import parse
from bot.chat.grammar.words import UsageError
from bot.domain import Area, Assignment, Duty, Kind, Person, Release, Role, Side
from bot.records import AckWait, OpenGroup, SlackItem
from bot.workload.model import (
    Facts,
    areas_driven,
    average_ack_hours,
    both_sides,
    compute,
    is_overloaded,
    side_of,
    team_median,
    team_of,
)
from bot.workload.presenters import duration, number

T0 = datetime(2026, 11, 23, 10, tzinfo=UTC)
PRICING = Area(1, "w", "pricing", Side.INBOUND)
LAUNCH = Area(2, "w", "launch", Side.OUTBOUND)
WINLOSS = Area(3, "w", "win/loss", Side.SHARED)
ROADMAP = Area(4, "w", "roadmap", Side.INBOUND)


def person(pid: int, name: str, role: Role | None) -> Person:
    return Person(pid, "w", f"U{pid}", name, role)


def release(rid: int, name: str, status: str = "planned") -> Release:
    return Release(rid, "w", name, None, T0, status)


def drives(area: Area, pid: int, release_id: int | None = None) -> Assignment:
    return Assignment(area.id, pid, Duty.DRIVER, release_id)


def facts(people: list[Person], opens: dict[int, int], slack: Sequence[SlackItem] = (), **kw: object) -> Facts:
    groups = [OpenGroup(pid, Kind.QUESTION, None, False, n) for pid, n in opens.items()]
    values: dict = {"ack_waits": [], "assignments": [], "areas": [], "releases": []} | kw
    return Facts(people, groups, slack_items=list(slack), **values)


@pytest.mark.parametrize(
    ("kind", "area_side", "side"),
    [
        (Kind.REQUIREMENT, None, Side.INBOUND),
        (Kind.MESSAGING, None, Side.OUTBOUND),
        (Kind.QUESTION, None, None),
        (Kind.QUESTION, Side.SHARED, None),
        (Kind.REQUIREMENT, Side.SHARED, Side.INBOUND),
        (Kind.REQUIREMENT, Side.OUTBOUND, Side.OUTBOUND),  # the area wins over the kind
        (Kind.QUESTION, Side.INBOUND, Side.INBOUND),
    ],
)
def test_side_comes_from_the_area_then_the_kind(kind: Kind, area_side: Side | None, side: Side | None) -> None:
    assert side_of(kind, area_side) is side


def test_counts_split_into_in_out_and_total_with_overdue() -> None:
    dana = person(1, "dana", Role.PM)
    groups = [OpenGroup(1, Kind.REQUIREMENT, None, True, 2), OpenGroup(1, Kind.MESSAGING, Side.INBOUND, False, 1),
              OpenGroup(1, Kind.MESSAGING, None, False, 3), OpenGroup(1, Kind.QUESTION, Side.SHARED, True, 4)]
    load = compute(Facts([dana], groups, [], [], [], [], []))[1]
    assert (load.inbound, load.outbound, load.open, load.overdue) == (3, 3, 10, 6)


def test_the_median_is_the_whole_teams_and_the_team_is_roles_or_open_work() -> None:
    people = [person(1, "a", Role.PM), person(2, "b", Role.PMM), person(3, "c", None), person(4, "d", None),
              person(5, "e", Role.OTHER)]
    loads = compute(facts(people, {1: 1, 2: 4, 3: 2}))
    team = team_of(loads)
    assert [ld.person.display_name for ld in team] == ["b", "c", "a"]
    assert team_median(team) == 2.0
    assert team_median([]) == 0.0
    assert team_median(team_of(compute(facts(people[:2], {1: 1, 2: 4})))) == 2.5


@pytest.mark.parametrize(
    ("load", "median", "flagged"),
    [(3, 0, True), (2, 0, False), (4, 1, True), (3, 1, False), (5, 2, True), (4, 2, False), (10, 5, False), (11, 5, True),
     (6, 2.5, True), (5, 2.5, False)],
)
def test_far_above_the_median_is_more_than_twice_it_and_at_least_three_above(load: int, median: float, flagged: bool) -> None:
    assert is_overloaded(load, median) is flagged


def test_release_drivers_override_workspace_drivers_for_areas_and_both_sides() -> None:
    v23, v24, old = release(10, "v2.3"), release(11, "v2.4"), release(12, "v1.0", status="shipped")
    assignments = [
        drives(PRICING, 1), drives(LAUNCH, 1),  # dana drives both sides workspace-wide ...
        drives(LAUNCH, 2, v23.id),  # ... but lee drives launch for v2.3
        drives(ROADMAP, 2, old.id), drives(LAUNCH, 2, old.id),  # lee, both sides, for a shipped release
        drives(WINLOSS, 3), Assignment(ROADMAP.id, 3, Duty.SUPPORTER),
    ]
    found = both_sides(assignments, [PRICING, LAUNCH, WINLOSS, ROADMAP], [v23, v24, old])
    assert {pid: [(b.release, b.inbound, b.outbound) for b in items] for pid, items in found.items()} == {
        1: [("v2.4", ("pricing",), ("launch",))],
    }
    assert areas_driven(assignments) == {1: 2, 2: 2, 3: 1}


def test_no_release_means_no_both_sides_flag() -> None:
    assert both_sides([drives(PRICING, 1), drives(LAUNCH, 1)], [PRICING, LAUNCH], []) == {}


def test_average_ack_is_per_person_in_hours() -> None:
    waits = [AckWait(1, T0, T0 + timedelta(hours=3)), AckWait(1, T0, T0 + timedelta(hours=9)),
             AckWait(2, T0, T0 + timedelta(days=2, hours=12))]
    assert average_ack_hours(waits) == {1: 6.0, 2: 60.0}


def test_the_suggestion_goes_to_the_least_loaded_of_the_same_role_ties_by_name() -> None:
    lee, sam, bea, kim = person(1, "lee", Role.PMM), person(2, "Sam", Role.PMM), person(3, "bea", Role.PMM), person(4, "kim", Role.PM)
    dave = person(5, "dave", Role.PMM)
    loads = compute(facts([lee, sam, bea, kim, dave], {1: 9, 2: 1, 3: 1, 5: 2}, [SlackItem(1, 7, None)]))
    assert loads[1].overloaded and not any(loads[i].overloaded for i in (2, 3, 4, 5))
    s = loads[1].suggestion
    assert s is not None and (s.number, s.to.display_name, s.their_open) == (7, "bea", 1)
    assert loads[2].suggestion is None  # not flagged, no suggestion


def test_no_suggestion_without_a_peer_an_item_or_a_peer_with_room() -> None:
    kim, dana = person(1, "kim", Role.PM), person(2, "dana", Role.PM)
    pmms = [person(10 + i, f"x{i}", Role.PMM) for i in range(4)]  # idle: the median is 0
    alone = compute(facts([kim, *pmms], {1: 9}, [SlackItem(1, 3, date(2026, 12, 1))]))
    assert alone[1].overloaded and alone[1].suggestion is None  # nobody else is a PM
    only_private = compute(facts([kim, dana, *pmms], {1: 9}))
    assert only_private[1].overloaded and only_private[1].suggestion is None  # no item it may name
    both_full = compute(facts([kim, dana, *pmms], {1: 9, 2: 9}, [SlackItem(1, 3, None)]))
    assert both_full[1].overloaded and both_full[2].overloaded and both_full[1].suggestion is None
    no_role = compute(facts([person(1, "kim", None), person(2, "x", None), *pmms], {1: 9}, [SlackItem(1, 3, None)]))
    assert no_role[1].overloaded and no_role[1].suggestion is None  # a person without a role has no peers


def test_both_sides_and_overload_flag_a_load() -> None:
    dana = person(1, "dana", Role.PM)
    loads = compute(facts([dana], {}, assignments=[drives(PRICING, 1, 10), drives(LAUNCH, 1, 10)],
                          areas=[PRICING, LAUNCH], releases=[release(10, "v2.3")]))
    assert loads[1].flagged and not loads[1].overloaded and loads[1].areas == 2


@pytest.mark.parametrize(("hours", "text"), [(None, "—"), (0.25, "15 min"), (4.5, "4.5 h"), (23.9, "23.9 h"),
                                              (24, "1.0 d"), (50.4, "2.1 d")])
def test_durations_read_in_minutes_hours_or_days(hours: float | None, text: str) -> None:
    assert duration(hours) == text


def test_the_median_reads_as_a_whole_number_when_it_is_one() -> None:
    assert (number(1.0), number(2.5)) == ("1", "2.5")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("load", c.ShowWorkload()),
        ("/handoff load team", c.ShowWorkload()),
        ("workload", c.ShowWorkload()),
        ("load PMM", c.ShowWorkload(role=Role.PMM)),
        ("load leads", c.ShowWorkload(role=Role.LEAD)),
        ("load @dana", c.ShowWorkload(person=c.UserRef(name="dana"))),
        ("load <@U2|lee>", c.ShowWorkload(person=c.UserRef("U2", "lee"))),
    ],
)
def test_load_parses(text: str, expected: c.ShowWorkload) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["load sideways", "load @dana pm", "load pm pmm", "load @a @b"])
def test_anything_else_after_load_gets_its_usage(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse(text)
    assert err.value.topic == "load"
