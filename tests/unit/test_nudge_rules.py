"""The nudge policy with fixed clocks: rules, time zones, a DST change, working hours, snoozes, limits."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import Area, Assignment, Duty, Handoff, Kind, Person, Release, Role, Side, Status
from bot.records import PastNudge, Rule
from bot.reminders.policy import NudgeState, Plan, plan
from bot.working_time import NudgeSettings, WorkingHours

PARIS = ZoneInfo("Europe/Paris")
DANA = Person(1, "w", "dana", "Dana", Role.PMM, "Europe/Paris")
SAM = Person(2, "w", "sam", "Sam", Role.PM, "Europe/Paris")
LEE = Person(3, "w", "lee", "Lee", Role.PMM, "America/Los_Angeles")
ALEX = Person(4, "w", "alex", "Alex", Role.LEAD, "Europe/Paris")
PEOPLE = {p.id: p for p in (DANA, SAM, LEE, ALEX)}


def paris(y: int, m: int, d: int, h: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=PARIS).astimezone(UTC)


def handoff(number: int = 1, *, owner: Person | None = DANA, created: datetime | None = None, due: date | None = None,
            status: Status = Status.OPEN, **kw: object) -> Handoff:
    created = created or paris(2026, 11, 23, 10)  # Monday
    base = Handoff(id=number, workspace_id="w", number=number, kind=Kind.REQUIREMENT, title=f"item {number}", details="",
                   requester_id=SAM.id, owner_id=owner.id if owner else None, release_id=None, area_id=None,
                   due_date=due, status=status, status_note=None, version=1, created_at=created, updated_at=created)
    return dataclasses.replace(base, **kw)


def state(now: datetime, *handoffs: Handoff, past: tuple[PastNudge, ...] = (), releases: tuple[Release, ...] = (),
          areas: tuple[Area, ...] = (), assignments: tuple[Assignment, ...] = (), dm_times: dict | None = None,
          settings: NudgeSettings | None = None) -> NudgeState:
    return NudgeState(now=now, workspace_timezone="UTC", settings=settings or NudgeSettings(), handoffs=handoffs,
                      people=PEOPLE, releases={r.id: r for r in releases}, areas=areas, assignments=assignments,
                      past=past, dm_times=dm_times or {})


def sent(p: Plan) -> dict[str, list[str]]:
    """person -> the keys of what they are told at this pass."""
    return {batch[0].person.display_name: [n.key for n in batch] for batch in p.dms.values()}


# --- rules -------------------------------------------------------------------------------------

def test_unacknowledged_waits_one_working_day() -> None:
    h = handoff(created=paris(2026, 11, 23, 10))
    assert sent(plan(state(paris(2026, 11, 23, 17), h))) == {}
    assert sent(plan(state(paris(2026, 11, 24, 10, 1), h))) == {"Dana": ["nudge:1:unacknowledged:1:2026-11-24"]}


@pytest.mark.parametrize(("created", "quiet_until", "due_at"), [
    (paris(2026, 11, 27, 15), paris(2026, 11, 30, 14, 59), paris(2026, 11, 30, 15)),  # Friday -> Monday
    (paris(2026, 11, 28, 11), paris(2026, 12, 1, 8, 59), paris(2026, 12, 1, 9)),  # Saturday -> Tuesday 09:00
    (paris(2026, 11, 23, 20), paris(2026, 11, 25, 8, 59), paris(2026, 11, 25, 9)),  # after hours -> counts from Tue 09:00
])
def test_a_working_day_skips_weekends_and_evenings(created: datetime, quiet_until: datetime, due_at: datetime) -> None:
    h = handoff(created=created)
    assert sent(plan(state(quiet_until, h))) == {}
    assert list(sent(plan(state(due_at, h)))) == ["Dana"]


def test_a_working_day_across_the_dst_change_keeps_local_time() -> None:
    # Clocks went forward in Paris on Sunday 2026-03-29: Friday 10:00 (09:00 UTC) -> Monday 10:00 (08:00 UTC).
    hours = WorkingHours()
    friday = paris(2026, 3, 27, 10)
    assert friday.hour == 9
    monday = hours.add_working_days(friday, 1, "Europe/Paris")
    assert monday == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    h = handoff(created=friday)
    assert sent(plan(state(monday - timedelta(minutes=1), h))) == {}
    assert list(sent(plan(state(monday, h)))) == ["Dana"]


def test_each_person_is_nudged_in_their_own_working_hours() -> None:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 11:00 in Paris, 02:00 in Los Angeles
    p = plan(state(now, handoff(1, owner=DANA), handoff(2, owner=LEE)))
    assert list(sent(p)) == ["Dana"]
    (waiting,) = [d for d in p.deferred if d.nudge.person is LEE]
    assert "working hours" in waiting.why
    assert waiting.until == datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles")).astimezone(UTC)


def test_quiet_days_count_as_no_working_day() -> None:
    holiday = WorkingHours(quiet_days=frozenset({date(2026, 11, 24)}))
    settings = NudgeSettings(hours=holiday)
    h = handoff(created=paris(2026, 11, 23, 10))
    assert sent(plan(state(paris(2026, 11, 24, 11), h, settings=settings))) == {}
    assert sent(plan(state(paris(2026, 11, 25, 9, 59), h, settings=settings))) == {}
    assert list(sent(plan(state(paris(2026, 11, 25, 10, 1), h, settings=settings)))) == ["Dana"]


@pytest.mark.parametrize(("due", "rule"), [
    (date(2026, 11, 25), Rule.DUE_SOON), (date(2026, 11, 26), Rule.DUE_SOON), (date(2026, 11, 24), Rule.OVERDUE),
])
def test_due_soon_and_overdue(due: date, rule: Rule) -> None:
    now = paris(2026, 11, 25, 11)
    h = handoff(created=paris(2026, 11, 25, 10), due=due, status=Status.IN_PROGRESS)
    (batch,) = plan(state(now, h)).dms.values()
    assert [n.rule for n in batch] == [rule]


def test_overdue_is_said_once_in_the_release_thread_unless_private() -> None:
    release = Release(7, "w", "v2.3", date(2026, 12, 15), paris(2026, 11, 1, 9), channel_ref="C1", thread_ref="1.1")
    now = paris(2026, 11, 25, 11)
    public = handoff(1, due=date(2026, 11, 24), release_id=7)
    secret = handoff(2, due=date(2026, 11, 24), release_id=7, private=True)
    p = plan(state(now, public, secret, releases=(release,)))
    assert [n.key for n in p.thread_posts] == ["thread:1:overdue:2026-11-24"]
    again = plan(state(now + timedelta(days=1), public, secret, releases=(release,),
                       past=(PastNudge("thread:1:overdue:2026-11-24", Rule.OVERDUE, DANA.id, now, 1),)))
    assert again.thread_posts == []


@pytest.mark.parametrize("status", [Status.DONE, Status.CANCELLED, Status.DECLINED])
def test_finished_handoffs_are_never_nudged(status: Status) -> None:
    assert plan(state(paris(2026, 11, 30, 11), handoff(due=date(2026, 11, 24), status=status))).nudges == []


def test_a_snooze_holds_the_nudges_until_it_ends() -> None:
    now = paris(2026, 11, 25, 11)
    h = handoff(due=date(2026, 11, 24), snoozed_until=now + timedelta(hours=1))
    assert plan(state(now, h)).nudges == []
    assert list(sent(plan(state(now + timedelta(hours=2), h)))) == ["Dana"]


def test_no_owner_tells_the_requester() -> None:
    h = handoff(owner=None)
    (batch,) = plan(state(paris(2026, 11, 24, 11), h)).dms.values()
    assert batch[0].person is SAM and batch[0].rule is Rule.NO_OWNER


# --- repetition and limits ----------------------------------------------------------------------

def test_one_nudge_per_item_per_day() -> None:
    now = paris(2026, 11, 25, 11)
    h = handoff(due=date(2026, 11, 24))
    recent = PastNudge("nudge:1:due_soon:2026-11-24", Rule.DUE_SOON, DANA.id, now - timedelta(hours=2), 1)
    p = plan(state(now, h, past=(recent,)))
    assert sent(p) == {} and "less than a day ago" in p.deferred[0].why
    older = dataclasses.replace(recent, at=now - timedelta(hours=25))
    assert list(sent(plan(state(now, h, past=(older,))))) == ["Dana"]
    same_key = PastNudge("nudge:1:overdue:1:2026-11-25", Rule.OVERDUE, DANA.id, now - timedelta(hours=30), 1)
    assert sent(plan(state(now, h, past=(same_key,)))) == {}


def test_everything_due_for_a_person_is_one_dm_and_the_daily_limit_holds() -> None:
    now = paris(2026, 11, 25, 11)
    items = [handoff(i, due=date(2026, 11, 24)) for i in range(1, 4)]
    assert [len(b) for b in plan(state(now, *items)).dms.values()] == [3]
    three_today = {DANA.id: [now - timedelta(hours=h) for h in (1, 2, 3)]}
    p = plan(state(now, *items, dm_times=three_today))
    assert sent(p) == {} and all("already had 3 reminders" in d.why for d in p.deferred)
    yesterday = {DANA.id: [now - timedelta(days=1, hours=h) for h in (1, 2, 3)]}
    assert list(sent(plan(state(now, *items, dm_times=yesterday)))) == ["Dana"]


def test_a_dm_carries_the_ten_most_urgent_items() -> None:
    now = paris(2026, 11, 25, 11)
    unacked = [handoff(i) for i in range(1, 11)]
    overdue = [handoff(i, due=date(2026, 11, 20), status=Status.IN_PROGRESS) for i in range(11, 14)]
    p = plan(state(now, *unacked, *overdue))
    (batch,) = p.dms.values()
    assert len(batch) == 10 and [n.rule for n in batch[:3]] == [Rule.OVERDUE] * 3
    assert sum("more than 10" in d.why for d in p.deferred) == 3


# --- escalation and grey areas ---------------------------------------------------------------------

def test_three_unanswered_nudges_escalate_to_the_requester_and_the_areas_driver() -> None:
    now = paris(2026, 11, 27, 11)
    h = handoff(due=date(2026, 11, 24), area_id=9)
    ignored = tuple(PastNudge(f"nudge:1:overdue:2026-11-2{d}", Rule.OVERDUE, DANA.id, paris(2026, 11, 20 + d, 10), 1)
                    for d in (4, 5, 6))
    area = Area(9, "w", "competitive messaging", Side.OUTBOUND)
    driver = Assignment(9, LEE.id, Duty.DRIVER)
    p = plan(state(now, h, past=ignored, areas=(area,), assignments=(driver,)))
    escalated = {n.person.display_name for n in p.nudges + [d.nudge for d in p.deferred] if n.rule is Rule.ESCALATION}
    assert escalated == {"Sam", "Lee"}
    answered = dataclasses.replace(h, updated_at=paris(2026, 11, 26, 12))  # Dana did something since
    p = plan(state(now, answered, past=ignored, areas=(area,), assignments=(driver,)))
    assert not [n for n in p.nudges if n.rule is Rule.ESCALATION]


def test_escalation_without_a_driver_goes_to_the_leads() -> None:
    now = paris(2026, 11, 27, 11)
    ignored = tuple(PastNudge(f"k{d}", Rule.OVERDUE, DANA.id, paris(2026, 11, 20 + d, 10), 1) for d in (4, 5, 6))
    p = plan(state(now, handoff(due=date(2026, 11, 24)), past=ignored))
    assert {n.person.display_name for n in p.nudges if n.rule is Rule.ESCALATION} == {"Sam", "Alex"}


def test_a_release_due_soon_with_unowned_or_disputed_areas_is_raised() -> None:
    now = paris(2026, 11, 25, 11)
    release = Release(7, "w", "v2.3", date(2026, 12, 5), paris(2026, 11, 1, 9), owner_id=SAM.id)
    far = Release(8, "w", "v3", date(2027, 2, 1), paris(2026, 11, 1, 9), owner_id=SAM.id)
    shipped = Release(9, "w", "v2.2", date(2026, 11, 30), paris(2026, 11, 1, 9), status="shipped", owner_id=SAM.id)
    unowned, disputed = Area(1, "w", "release notes", Side.SHARED), Area(2, "w", "pricing", Side.INBOUND)
    two = (Assignment(2, SAM.id, Duty.DRIVER), Assignment(2, DANA.id, Duty.DRIVER))
    p = plan(state(now, releases=(release, far, shipped), areas=(unowned, disputed), assignments=two))
    told = {n.person.display_name: [a.name for a, _ in n.areas] for n in p.nudges if n.rule is Rule.AREAS}
    assert told == {"Sam": ["release notes"], "Alex": ["release notes", "pricing"]}
    assert all(n.release is release for n in p.nudges)


def test_working_hours_can_be_changed() -> None:
    early = NudgeSettings(hours=WorkingHours(start=time(7), end=time(15)))
    h = handoff(due=date(2026, 11, 24))
    assert sent(plan(state(paris(2026, 11, 25, 16), h, settings=early))) == {}
    assert list(sent(plan(state(paris(2026, 11, 25, 7, 30), h, settings=early)))) == ["Dana"]
