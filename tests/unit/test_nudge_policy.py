"""`bot.reminders.policy.plan` and `bot.working_time` on fixed clocks: rules, zones, DST, quiet days, limits."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import (
    Area,
    Assignment,
    Duty,
    Gate,
    GateStatus,
    Handoff,
    Kind,
    Person,
    Release,
    Role,
    Side,
    Slip,
    SlipStatus,
    Status,
)
from bot.records import GateDue, PastNudge, Rule, SlipDue
from bot.reminders.policy import NudgeState, Plan, plan
from bot.working_time import NudgeSettings, WorkingHours

PARIS = "Europe/Paris"
LA = "America/Los_Angeles"


def at(tz: str, y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    """A local wall-clock time in ``tz``, as the UTC instant the policy works on."""
    return datetime(y, m, d, h, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def utc(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=UTC)


def person(pid: int, name: str, tz: str | None = PARIS, role: Role | None = Role.PM, admin: bool = False) -> Person:
    return Person(pid, "w", name.lower(), name, role, tz, admin)


DANA = person(1, "Dana", role=Role.PMM)  # usual owner
SAM = person(2, "Sam")  # usual requester
LEE = person(3, "Lee", tz=LA, role=Role.PMM)
ALEX = person(4, "Alex", role=Role.LEAD)
DREW = person(5, "Drew", role=Role.PMM)  # an area driver
TEAM = (DANA, SAM, LEE, ALEX, DREW)

MON = at(PARIS, 2026, 11, 23, 10)  # Monday 23 Nov 2026, 10:00 Paris
AREA = Area(7, "w", "Pricing page", Side.SHARED)


def handoff(hid: int = 1, *, owner: Person | None = DANA, requester: Person = SAM, created: datetime = MON,
            updated: datetime | None = None, due: date | None = None, status: Status = Status.OPEN,
            **kw: object) -> Handoff:
    h = Handoff(id=hid, workspace_id="w", number=hid, kind=Kind.REQUIREMENT, title=f"item {hid}", details="",
                requester_id=requester.id, owner_id=owner.id if owner else None, release_id=None, area_id=None,
                due_date=due, status=status, status_note=None, version=1, created_at=created,
                updated_at=updated or created)
    return dataclasses.replace(h, **kw)


def release(rid: int = 5, *, target: date | None = None, owner: Person | None = SAM, status: str = "planned",
            thread_ref: str | None = None) -> Release:
    return Release(rid, "w", f"R{rid}", target, MON - timedelta(days=30), status,
                   channel_ref="CREL" if thread_ref else None, thread_ref=thread_ref,
                   owner_id=owner.id if owner else None)


def past(h: Handoff, who: Person, when: datetime, rule: Rule = Rule.UNACKNOWLEDGED, key: str | None = None) -> PastNudge:
    return PastNudge(key or f"nudge:{h.id}:{rule}:{who.id}:{when.isoformat()}", rule, who.id, when, h.id)


def run(now: datetime, *handoffs: Handoff, people: Iterable[Person] = TEAM, releases: Sequence[Release] = (),
        areas: Sequence[Area] = (), assignments: Sequence[Assignment] = (), past: Sequence[PastNudge] = (),
        dm_times: dict[int, list[datetime]] | None = None, hours: WorkingHours | None = None,
        workspace_tz: str = PARIS, **settings: object) -> Plan:
    config = NudgeSettings(hours=hours or WorkingHours(), **settings)  # type: ignore[arg-type]
    return plan(NudgeState(now=now, workspace_timezone=workspace_tz, settings=config, handoffs=handoffs,
                           people={p.id: p for p in people}, releases={r.id: r for r in releases}, areas=areas,
                           assignments=assignments, past=past, dm_times=dm_times or {}))


def keys(p: Plan) -> dict[str, list[str]]:
    """Who gets a DM at this pass -> the keys batched into it."""
    return {batch[0].person.display_name: [n.key for n in batch] for batch in p.dms.values()}


def by_rule(p: Plan, rule: Rule) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for n in p.nudges:
        if n.rule is rule:
            found.setdefault(n.person.id, []).append(n.key)
    return found


# --- working_time ------------------------------------------------------------------------------

@pytest.mark.parametrize(("created", "expected"), [
    (at(PARIS, 2026, 11, 23, 10), at(PARIS, 2026, 11, 24, 10)),  # Monday -> Tuesday, same time
    (at(PARIS, 2026, 11, 27, 15), at(PARIS, 2026, 11, 30, 15)),  # Friday -> Monday, not Saturday
    (at(PARIS, 2026, 11, 28, 11), at(PARIS, 2026, 12, 1, 9)),  # Saturday -> from Monday's opening -> Tue 09:00
    (at(PARIS, 2026, 11, 23, 7), at(PARIS, 2026, 11, 24, 9)),  # before hours -> from Monday 09:00
    (at(PARIS, 2026, 11, 23, 18), at(PARIS, 2026, 11, 25, 9)),  # at closing -> from Tuesday 09:00
])
def test_add_one_working_day(created: datetime, expected: datetime) -> None:
    assert WorkingHours().add_working_days(created, 1, PARIS) == expected


@pytest.mark.parametrize(("tz", "created", "expected"), [
    # Paris moves to summer time on Sun 29 Mar 2026: Fri 10:00 CET (09:00Z) -> Mon 10:00 CEST (08:00Z).
    (PARIS, at(PARIS, 2026, 3, 27, 10), utc(2026, 3, 30, 8)),
    # Los Angeles goes back on Sun 1 Nov 2026: Fri 10:00 PDT (17:00Z) -> Mon 10:00 PST (18:00Z).
    (LA, at(LA, 2026, 10, 30, 10), utc(2026, 11, 2, 18)),
])
def test_a_working_day_across_a_dst_change_keeps_the_local_time(tz: str, created: datetime,
                                                                 expected: datetime) -> None:
    assert WorkingHours().add_working_days(created, 1, tz) == expected


@pytest.mark.parametrize(("now", "tz", "is_open"), [
    (at(PARIS, 2026, 11, 23, 8, 59), PARIS, False),
    (at(PARIS, 2026, 11, 23, 9), PARIS, True),
    (at(PARIS, 2026, 11, 23, 17, 59), PARIS, True),
    (at(PARIS, 2026, 11, 23, 18), PARIS, False),
    (at(PARIS, 2026, 11, 28, 11), PARIS, False),  # Saturday
    (utc(2026, 3, 30, 7, 30), PARIS, True),  # 09:30 CEST (would be 08:30 on winter time)
    (utc(2026, 11, 2, 16, 30), LA, False),  # 08:30 PST (would be 09:30 on summer time)
])
def test_is_open_uses_the_local_wall_clock(now: datetime, tz: str, is_open: bool) -> None:
    assert WorkingHours().is_open(now, tz) is is_open


CHRISTMAS = WorkingHours(quiet_days=frozenset({date(2026, 12, 25)}))  # a Friday


def test_a_quiet_day_is_closed_all_day() -> None:
    assert not CHRISTMAS.is_open(at(PARIS, 2026, 12, 25, 10), PARIS)
    assert WorkingHours().is_open(at(PARIS, 2026, 12, 25, 10), PARIS)


def test_a_quiet_day_is_skipped_when_counting_working_days() -> None:
    assert CHRISTMAS.add_working_days(at(PARIS, 2026, 12, 24, 10), 1, PARIS) == at(PARIS, 2026, 12, 28, 10)
    assert CHRISTMAS.next_opening(at(PARIS, 2026, 12, 24, 19), PARIS) == at(PARIS, 2026, 12, 28, 9)
    assert CHRISTMAS.previous_working_day(date(2026, 12, 28)) == date(2026, 12, 24)


@pytest.mark.parametrize(("now", "expected"), [
    (at(PARIS, 2026, 11, 23, 10), at(PARIS, 2026, 11, 23, 10)),  # open: now
    (at(PARIS, 2026, 11, 23, 7), at(PARIS, 2026, 11, 23, 9)),  # early: today's opening
    (at(PARIS, 2026, 11, 23, 19), at(PARIS, 2026, 11, 24, 9)),  # late: tomorrow's
    (at(PARIS, 2026, 11, 27, 19), at(PARIS, 2026, 11, 30, 9)),  # Friday evening: Monday's
])
def test_next_opening(now: datetime, expected: datetime) -> None:
    assert WorkingHours().next_opening(now, PARIS) == expected


# --- unacknowledged and no owner -----------------------------------------------------------------

def test_open_handoff_is_not_nudged_the_same_day() -> None:
    p = run(at(PARIS, 2026, 11, 23, 17), handoff(created=MON))
    assert p.nudges == [] and p.deferred == []


def test_open_handoff_is_nudged_one_working_day_later_with_a_dated_key() -> None:
    p = run(at(PARIS, 2026, 11, 24, 10), handoff(created=MON))
    assert keys(p) == {"Dana": ["nudge:1:unacknowledged:1:2026-11-24"]}
    assert p.dms[DANA.id][0].rule is Rule.UNACKNOWLEDGED


@pytest.mark.parametrize(("created", "quiet_at", "nudged_at"), [
    (at(PARIS, 2026, 11, 27, 15), at(PARIS, 2026, 11, 30, 14, 59), at(PARIS, 2026, 11, 30, 15)),  # Fri -> Mon
    (at(PARIS, 2026, 11, 28, 11), at(PARIS, 2026, 12, 1, 8, 59), at(PARIS, 2026, 12, 1, 9)),  # Sat -> Tue 09:00
    (at(PARIS, 2026, 3, 27, 10), utc(2026, 3, 30, 7, 59), utc(2026, 3, 30, 8)),  # across the Paris DST change
])
def test_unacknowledged_becomes_due_after_one_working_day(created: datetime, quiet_at: datetime,
                                                          nudged_at: datetime) -> None:
    h = handoff(created=created)
    assert run(quiet_at, h).nudges == []
    assert by_rule(run(nudged_at, h), Rule.UNACKNOWLEDGED) == {DANA.id: [f"nudge:1:unacknowledged:1:{nudged_at.date()}"]}


def test_us_owner_across_the_november_dst_change() -> None:
    h = handoff(owner=LEE, created=at(LA, 2026, 10, 30, 10))
    assert run(utc(2026, 11, 2, 17), h).nudges == []  # Monday 09:00 PST: 72 h on, but not one working day
    assert keys(run(utc(2026, 11, 2, 18), h)) == {"Lee": ["nudge:1:unacknowledged:3:2026-11-02"]}


def test_a_quiet_day_delays_the_unacknowledged_nudge() -> None:
    h = handoff(created=at(PARIS, 2026, 12, 24, 10))
    assert run(at(PARIS, 2026, 12, 25, 11), h, hours=CHRISTMAS).nudges == []
    assert run(at(PARIS, 2026, 12, 25, 11), h, hours=CHRISTMAS).deferred == []
    assert keys(run(at(PARIS, 2026, 12, 28, 10), h, hours=CHRISTMAS)) == {"Dana": ["nudge:1:unacknowledged:1:2026-12-28"]}


def test_a_nudge_due_on_a_quiet_day_waits_for_the_next_working_day() -> None:
    h = handoff(created=at(PARIS, 2026, 12, 21, 10), due=date(2026, 12, 25))
    p = run(at(PARIS, 2026, 12, 25, 11), h, hours=CHRISTMAS)
    assert p.dms == {}
    assert [(d.nudge.rule, d.until) for d in p.deferred] == [(Rule.DUE_SOON, at(PARIS, 2026, 12, 28, 9))]


@pytest.mark.parametrize(("now", "expected"), [
    (at(PARIS, 2026, 11, 23, 17), {}),
    (at(PARIS, 2026, 11, 24, 10), {"Sam": ["nudge:1:no_owner:2:2026-11-24"]}),
])
def test_requester_hears_when_nobody_owns_it_after_one_working_day(now: datetime, expected: dict) -> None:
    p = run(now, handoff(owner=None, created=MON))
    assert keys(p) == expected
    assert all(n.rule is Rule.NO_OWNER for n in p.nudges)


# --- time zones ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "open_owner", "closed_owner", "until"), [
    (utc(2026, 11, 24, 16), DANA, LEE, at(LA, 2026, 11, 24, 9)),  # 17:00 Paris, 08:00 LA
    (utc(2026, 11, 24, 18), LEE, DANA, at(PARIS, 2026, 11, 25, 9)),  # 19:00 Paris, 10:00 LA
])
def test_each_owner_is_nudged_in_their_own_working_hours(now: datetime, open_owner: Person, closed_owner: Person,
                                                         until: datetime) -> None:
    week_ago = MON - timedelta(days=7)
    p = run(now, handoff(1, owner=DANA, created=week_ago), handoff(2, owner=LEE, created=week_ago))
    assert list(p.dms) == [open_owner.id]
    [deferred] = p.deferred
    assert deferred.nudge.person == closed_owner
    assert deferred.until == until
    assert "working hours" in deferred.why


def test_owner_without_a_time_zone_uses_the_workspace_zone() -> None:
    nobody = person(9, "Nemo", tz=None)
    h = handoff(owner=nobody, created=MON - timedelta(days=7))
    now = utc(2026, 11, 24, 16)  # 17:00 Paris, 08:00 LA
    assert list(run(now, h, people=(*TEAM, nobody), workspace_tz=PARIS).dms) == [nobody.id]
    assert run(now, h, people=(*TEAM, nobody), workspace_tz=LA).deferred[0].until == at(LA, 2026, 11, 24, 9)


# --- snoozes and statuses --------------------------------------------------------------------------

@pytest.mark.parametrize(("snooze", "nudged"), [(timedelta(hours=1), False), (timedelta(hours=-1), True)])
def test_snooze(snooze: timedelta, nudged: bool) -> None:
    now = at(PARIS, 2026, 11, 24, 10)
    p = run(now, handoff(created=MON, snoozed_until=now + snooze))
    assert bool(p.dms) is nudged
    assert p.deferred == []


@pytest.mark.parametrize("status", [Status.DONE, Status.CANCELLED, Status.DECLINED])
def test_closed_handoffs_are_never_nudged(status: Status) -> None:
    week_ago = MON - timedelta(days=7)
    h = handoff(created=week_ago, due=date(2026, 11, 20), status=status,
                release_id=5, area_id=AREA.id)
    nagged = [past(h, DANA, week_ago + timedelta(days=i), Rule.OVERDUE) for i in range(1, 4)]
    orphan = handoff(2, owner=None, created=week_ago, status=status)
    p = run(at(PARIS, 2026, 11, 24, 10), h, orphan, releases=[release(thread_ref="1700.1")], past=nagged)
    assert p.nudges == [] and p.deferred == []


# --- due dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("due", "rule", "reason"), [
    (date(2026, 11, 24), Rule.DUE_SOON, "due today"),
    (date(2026, 11, 25), Rule.DUE_SOON, "due tomorrow"),
    (date(2026, 11, 23), Rule.OVERDUE, "overdue since Mon Nov 23"),
])
def test_due_dates_in_the_owners_calendar(due: date, rule: Rule, reason: str) -> None:
    p = run(at(PARIS, 2026, 11, 24, 10), handoff(created=MON, due=due))
    [n] = p.dms[DANA.id]
    assert (n.rule, n.reason, n.key) == (rule, reason, f"nudge:1:{rule}:1:2026-11-24")


def test_due_in_two_days_is_not_due_soon_yet() -> None:
    p = run(at(PARIS, 2026, 11, 24, 10), handoff(created=MON, due=date(2026, 11, 26)))
    assert [n.rule for n in p.nudges] == [Rule.UNACKNOWLEDGED]


def test_needs_info_is_not_chased_for_its_due_date() -> None:
    h = handoff(created=MON, due=date(2026, 11, 20), status=Status.NEEDS_INFO)
    assert run(at(PARIS, 2026, 11, 24, 10), h).nudges == []


@pytest.mark.parametrize(("private", "thread_ref", "thread_keys"), [
    (False, "1700.1", ["thread:1:overdue:2026-11-23"]),
    (True, "1700.1", []),  # made in a private conversation: never said in a channel
    (False, None, []),  # the release has no thread
])
def test_overdue_is_said_once_in_the_release_thread(private: bool, thread_ref: str | None,
                                                   thread_keys: list[str]) -> None:
    h = handoff(created=MON, due=date(2026, 11, 23), release_id=5, private=private)
    p = run(at(PARIS, 2026, 11, 24, 10), h, releases=[release(thread_ref=thread_ref)])
    assert [n.key for n in p.thread_posts] == thread_keys
    assert keys(p) == {"Dana": ["nudge:1:overdue:1:2026-11-24"]}  # the DM goes out either way


def test_the_thread_post_is_not_repeated_once_recorded() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23), release_id=5)
    said = PastNudge("thread:1:overdue:2026-11-23", Rule.OVERDUE, DANA.id, at(PARIS, 2026, 11, 24, 9), 1)
    p = run(at(PARIS, 2026, 11, 25, 10), h, releases=[release(thread_ref="1700.1")], past=[said])
    assert p.thread_posts == []
    assert keys(p) == {"Dana": ["nudge:1:overdue:1:2026-11-25"]}  # and does not hold back the owner's DM


# --- min gap and daily limit -------------------------------------------------------------------------

NOW = at(PARIS, 2026, 11, 24, 10)  # Tuesday


@pytest.mark.parametrize(("hours_ago", "nudged"), [(2, False), (19, False), (21, True)])
def test_an_item_is_nudged_at_most_once_a_day(hours_ago: int, nudged: bool) -> None:
    h = handoff(created=MON - timedelta(days=7))
    before = past(h, DANA, NOW - timedelta(hours=hours_ago), key="nudge:1:due_soon:earlier")
    p = run(NOW, h, past=[before])
    assert bool(p.dms) is nudged
    if not nudged:
        [d] = p.deferred
        assert d.why == "nudged less than a day ago"
        assert d.until == before.at + timedelta(hours=20)  # a working day later, whatever hour the last pass ran


def test_another_persons_or_items_nudge_does_not_count_for_the_gap() -> None:
    h = handoff(created=MON - timedelta(days=7))
    other = handoff(2, created=MON - timedelta(days=7))
    recent = [past(other, DANA, NOW - timedelta(hours=1)), past(h, SAM, NOW - timedelta(hours=1))]
    assert keys(run(NOW, h, past=recent)) == {"Dana": ["nudge:1:unacknowledged:1:2026-11-24"]}


def test_a_nudge_already_recorded_under_its_key_is_dropped_silently() -> None:
    h = handoff(created=MON)
    done = past(h, DANA, NOW - timedelta(hours=2), key="nudge:1:unacknowledged:1:2026-11-24")
    p = run(NOW, h, past=[done])
    assert p.nudges == [] and p.deferred == []


def test_several_items_for_one_person_are_batched_into_one_dm() -> None:
    week_ago = MON - timedelta(days=7)
    p = run(NOW, handoff(1, created=week_ago, due=date(2026, 11, 20)), handoff(2, created=week_ago, due=NOW.date()),
            handoff(3, created=week_ago), handoff(4, owner=SAM, requester=DANA, created=week_ago))
    assert keys(p) == {
        "Dana": ["nudge:1:overdue:1:2026-11-24", "nudge:2:due_soon:1:2026-11-24", "nudge:3:unacknowledged:1:2026-11-24"],
        "Sam": ["nudge:4:unacknowledged:2:2026-11-24"],
    }


def test_a_person_at_the_daily_limit_waits_for_their_next_working_morning() -> None:
    week_ago = MON - timedelta(days=7)
    today = [at(PARIS, 2026, 11, 24, 0, 30), at(PARIS, 2026, 11, 24, 9), at(PARIS, 2026, 11, 24, 9, 30)]
    p = run(NOW, handoff(1, created=week_ago), handoff(2, created=week_ago), handoff(3, owner=SAM, created=week_ago),
            dm_times={DANA.id: today})
    assert list(p.dms) == [SAM.id]
    assert sorted(d.nudge.handoff.id for d in p.deferred if d.nudge.handoff) == [1, 2]
    assert {(d.why, d.until) for d in p.deferred} == {("Dana already had 3 reminders today", at(PARIS, 2026, 11, 25, 9))}


def test_the_daily_limit_resets_at_local_midnight_not_utc_midnight() -> None:
    now = at(LA, 2026, 11, 24, 9)  # Tuesday 09:00 in LA = 17:00Z
    yesterday_in_la = [utc(2026, 11, 24, 1), utc(2026, 11, 24, 3), utc(2026, 11, 24, 7)]  # Monday evening in LA
    h = handoff(owner=LEE, created=MON - timedelta(days=7))
    assert list(run(now, h, dm_times={LEE.id: yesterday_in_la}).dms) == [LEE.id]
    assert list(run(now, h, dm_times={LEE.id: [*yesterday_in_la[1:], now - timedelta(hours=1)]}).dms) == [LEE.id]


@pytest.mark.parametrize("sent_today", [2, 3])
def test_the_daily_limit_is_max_dms_per_day(sent_today: int) -> None:
    times = [NOW - timedelta(minutes=10 * (i + 1)) for i in range(sent_today)]
    p = run(NOW, handoff(created=MON - timedelta(days=7)), dm_times={DANA.id: times}, max_dms_per_day=3)
    assert bool(p.dms) is (sent_today < 3)


def test_a_friday_limit_defers_to_monday_morning() -> None:
    friday = at(PARIS, 2026, 11, 27, 10)
    p = run(friday, handoff(created=MON), dm_times={DANA.id: [friday - timedelta(minutes=m) for m in (5, 10, 15)]})
    assert [d.until for d in p.deferred] == [at(PARIS, 2026, 11, 30, 9)]


# --- escalation -------------------------------------------------------------------------------------

ESC_NOW = at(PARIS, 2026, 11, 27, 11)  # Friday


def nagged(h: Handoff, *days: int) -> list[PastNudge]:
    """Owner nudges at 10:00 Paris on these days of Nov 2026."""
    return [past(h, DANA, at(PARIS, 2026, 11, d, 10), Rule.OVERDUE) for d in days]


def escalated(h: Handoff, *people: Person, day: str = "2026-11-27") -> dict[int, list[str]]:
    return {p.id: [f"escalate:{h.id}:{p.id}:{day}"] for p in people}


def test_three_unanswered_nudges_escalate_to_the_requester_and_the_area_driver() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23), area_id=AREA.id)
    p = run(ESC_NOW, h, areas=[AREA], assignments=[Assignment(AREA.id, DREW.id, Duty.DRIVER),
                                                   Assignment(AREA.id, ALEX.id, Duty.SUPPORTER)],
            past=nagged(h, 24, 25, 26))
    assert by_rule(p, Rule.ESCALATION) == escalated(h, SAM, DREW)
    assert all(n.reason == "Dana has not answered 3 reminders" for n in p.nudges if n.rule is Rule.ESCALATION)


def test_escalation_never_goes_to_the_owner_and_reaches_a_lead_when_they_drive_the_area() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23), area_id=AREA.id)
    p = run(ESC_NOW, h, areas=[AREA], assignments=[Assignment(AREA.id, DANA.id, Duty.DRIVER)],
            past=nagged(h, 24, 25, 26))
    assert by_rule(p, Rule.ESCALATION) == escalated(h, SAM, ALEX)


def test_escalation_uses_the_release_driver_over_the_base_driver() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23), area_id=AREA.id, release_id=5)
    p = run(ESC_NOW, h, areas=[AREA], releases=[release()],
            assignments=[Assignment(AREA.id, ALEX.id, Duty.DRIVER), Assignment(AREA.id, DREW.id, Duty.DRIVER, 5)],
            past=nagged(h, 24, 25, 26))
    assert by_rule(p, Rule.ESCALATION) == escalated(h, SAM, DREW)


@pytest.mark.parametrize("area_id", [None, AREA.id])  # no area at all, or an area nobody drives
def test_escalation_without_a_driver_goes_to_the_leads(area_id: int | None) -> None:
    h = handoff(created=MON, due=date(2026, 11, 23), area_id=area_id)
    p = run(ESC_NOW, h, areas=[AREA], past=nagged(h, 24, 25, 26))
    assert by_rule(p, Rule.ESCALATION) == escalated(h, SAM, ALEX)


def test_escalation_without_leads_goes_to_the_admins() -> None:
    boss = person(8, "Bo", admin=True)
    h = handoff(created=MON, due=date(2026, 11, 23))
    p = run(ESC_NOW, h, people=(DANA, SAM, DREW, boss), past=nagged(h, 24, 25, 26))
    assert by_rule(p, Rule.ESCALATION) == escalated(h, SAM, boss)


@pytest.mark.parametrize(("updated", "escalates"), [
    (MON, True),
    (at(PARIS, 2026, 11, 24, 12), False),  # the owner touched it after the first nudge: only 2 count
])
def test_only_nudges_since_the_last_change_count_towards_escalation(updated: datetime, escalates: bool) -> None:
    h = handoff(created=MON, updated=updated, due=date(2026, 11, 23))
    p = run(ESC_NOW, h, past=nagged(h, 24, 25, 26))
    assert bool(by_rule(p, Rule.ESCALATION)) is escalates


def test_other_peoples_or_non_owner_rule_nudges_do_not_count_towards_escalation() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23))
    noise = [past(h, SAM, at(PARIS, 2026, 11, 24, 10)), past(h, DANA, at(PARIS, 2026, 11, 25, 10), Rule.NO_OWNER)]
    p = run(ESC_NOW, h, past=[*nagged(h, 26), *noise])
    assert by_rule(p, Rule.ESCALATION) == {}


def test_escalation_ignores_the_min_gap_but_not_its_own_key() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23))
    recent = [*nagged(h, 24, 25), past(h, DANA, ESC_NOW - timedelta(hours=1), Rule.OVERDUE)]
    p = run(ESC_NOW, h, past=recent)
    assert by_rule(p, Rule.ESCALATION) == escalated(h, SAM, ALEX)
    assert [d.nudge.person for d in p.deferred] == [DANA]  # the owner's own reminder waits out the gap
    already = [PastNudge(k, Rule.ESCALATION, pid, ESC_NOW - timedelta(hours=30), h.id)
               for pid, ks in escalated(h, SAM, ALEX).items() for k in ks]
    assert by_rule(run(ESC_NOW, h, past=recent + already), Rule.ESCALATION) == {}


# --- grey areas ------------------------------------------------------------------------------------------

GAP = Area(11, "w", "Positioning", Side.OUTBOUND)
FIGHT = Area(12, "w", "Pricing", Side.SHARED)
SETTLED = Area(13, "w", "Roadmap", Side.INBOUND)
AREA_ASSIGNMENTS = (Assignment(FIGHT.id, DANA.id, Duty.DRIVER), Assignment(FIGHT.id, DREW.id, Duty.DRIVER),
                    Assignment(SETTLED.id, SAM.id, Duty.DRIVER), Assignment(GAP.id, DREW.id, Duty.SUPPORTER))


def area_items(p: Plan) -> dict[int, list[tuple[str, str]]]:
    return {n.person.id: [(a.name, why) for a, why in n.areas] for n in p.nudges if n.rule is Rule.AREAS}


def test_a_release_shipping_soon_with_grey_areas_tells_its_owner_and_the_leads() -> None:
    r = release(target=date(2026, 12, 4))  # in 10 days
    p = run(NOW, releases=[r], areas=[GAP, FIGHT, SETTLED], assignments=AREA_ASSIGNMENTS)
    assert area_items(p) == {
        SAM.id: [("Positioning", "no driver")],  # the release owner: gaps only
        ALEX.id: [("Positioning", "no driver"), ("Pricing", "2 drivers")],  # the leads decide disputes
    }
    assert by_rule(p, Rule.AREAS) == {SAM.id: ["areas:5:2:2026-11-24"], ALEX.id: ["areas:5:4:2026-11-24"]}
    assert {n.reason for n in p.nudges} == {"ships in 10 days"}


def test_a_disputed_area_alone_goes_only_to_the_leads() -> None:
    p = run(NOW, releases=[release(target=date(2026, 12, 4))], areas=[FIGHT, SETTLED], assignments=AREA_ASSIGNMENTS)
    assert area_items(p) == {ALEX.id: [("Pricing", "2 drivers")]}


@pytest.mark.parametrize("r", [
    release(target=date(2026, 12, 24)),  # 30 days away
    release(target=date(2026, 11, 23)),  # already past its date
    release(target=None),
    release(target=date(2026, 12, 4), status="shipped"),
    release(target=date(2026, 12, 4), status="cancelled"),
], ids=["30-days-away", "past", "no-date", "shipped", "cancelled"])
def test_no_area_nudges_for_releases_outside_the_window_or_closed(r: Release) -> None:
    p = run(NOW, releases=[r], areas=[GAP, FIGHT], assignments=AREA_ASSIGNMENTS)
    assert p.nudges == [] and p.deferred == []


def test_area_nudges_respect_the_gap_per_release_and_person() -> None:
    r = release(target=date(2026, 12, 4))
    yesterday = PastNudge("areas:5:2:2026-11-23", Rule.AREAS, SAM.id, NOW - timedelta(hours=19))
    p = run(NOW, releases=[r], areas=[GAP], past=[yesterday])
    assert list(p.dms) == [ALEX.id]
    assert [(d.nudge.person, d.why) for d in p.deferred] == [(SAM, "nudged less than a day ago")]


def test_a_long_batch_keeps_the_most_urgent_items_and_defers_the_rest() -> None:
    week_ago = MON - timedelta(days=7)
    stale = [handoff(i, owner=ALEX, created=week_ago) for i in range(1, 11)]
    late = handoff(20, owner=ALEX, created=week_ago, due=date(2026, 11, 20))
    p = run(NOW, *stale, late, releases=[release(target=date(2026, 12, 4))], areas=[GAP])
    batch = p.dms[ALEX.id]
    assert len(batch) == 10
    assert [n.rule for n in batch[:2]] == [Rule.OVERDUE, Rule.AREAS]
    assert [(d.nudge.rule, d.why) for d in p.deferred] == [(Rule.UNACKNOWLEDGED, "more than 10 items in one reminder")] * 2


def test_a_release_thread_post_is_not_an_unanswered_reminder_to_the_owner() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23), release_id=5)
    # What record_plan stores for one overdue day: the owner's DM and the thread line (under the owner's id).
    thread = PastNudge("thread:1:overdue:2026-11-23", Rule.OVERDUE, DANA.id, at(PARIS, 2026, 11, 24, 10), h.id)
    p = run(at(PARIS, 2026, 11, 26, 11), h, releases=[release(thread_ref="1700.1")],
            past=[*nagged(h, 24, 25), thread])  # two DMs so far: escalate_after=3 is not reached
    assert by_rule(p, Rule.ESCALATION) == {}


# --- escalation reaches someone above the owner (issue 14, finding 8) ----------------------------

def test_an_owner_who_asked_for_it_themself_is_escalated_to_a_lead() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23), requester=DANA)  # handed to themself
    p = run(ESC_NOW, h, past=nagged(h, 24, 25, 26))
    assert by_rule(p, Rule.ESCALATION) == escalated(h, ALEX)


def test_a_lead_who_owns_it_is_escalated_to_an_admin() -> None:
    boss = person(8, "Bo", admin=True)
    h = handoff(created=MON, due=date(2026, 11, 23), owner=ALEX, requester=ALEX)
    nags = [past(h, ALEX, at(PARIS, 2026, 11, d, 10), Rule.OVERDUE) for d in (24, 25, 26)]
    p = run(ESC_NOW, h, people=(*TEAM, boss), past=nags)
    assert by_rule(p, Rule.ESCALATION) == escalated(h, boss)


def test_reminders_that_never_reached_the_owner_do_not_count_towards_escalation() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23))
    lost = [dataclasses.replace(n, delivered=False) for n in nagged(h, 24, 25, 26)]
    assert by_rule(run(ESC_NOW, h, past=lost), Rule.ESCALATION) == {}
    assert by_rule(run(ESC_NOW, h, past=[*lost[:1], *nagged(h, 25, 26)]), Rule.ESCALATION) == {}


def test_escalation_comes_again_after_as_many_more_unanswered_reminders() -> None:
    h = handoff(created=MON, due=date(2026, 11, 23))
    first = [PastNudge(k, Rule.ESCALATION, pid, at(PARIS, 2026, 11, 27, 11), h.id)
             for pid, ks in escalated(h, SAM, ALEX).items() for k in ks]
    nags = nagged(h, 24, 25, 26) + [past(h, DANA, at(PARIS, 2026, 12, d, 10), Rule.OVERDUE) for d in (1, 2)]
    assert by_rule(run(at(PARIS, 2026, 12, 3, 11), h, past=[*nags, *first]), Rule.ESCALATION) == {}  # 2 since
    nags.append(past(h, DANA, at(PARIS, 2026, 12, 3, 10), Rule.OVERDUE))
    again = run(at(PARIS, 2026, 12, 3, 11), h, past=[*nags, *first])
    assert by_rule(again, Rule.ESCALATION) == escalated(h, SAM, ALEX, day="2026-12-03")
    assert {n.reason for n in again.nudges if n.rule is Rule.ESCALATION} == {"Dana has not answered 3 reminders"}


# --- gates in each approver's own calendar (issue 14, finding 4) --------------------------------

NY = "America/New_York"
KIM = person(9, "Kim", tz=NY, role=Role.LEAD)
RAJ = person(10, "Raj", tz=LA, role=Role.PM)


def gate(gid: int = 1, due: date = date(2026, 12, 2), roles: tuple[Role, ...] = (Role.LEAD, Role.PM)) -> Gate:
    return Gate(gid, "w", 5, gid - 1, f"Gate {gid}", roles, GateStatus.PENDING, due)


def gate_run(now: datetime, g: Gate, past: Sequence[PastNudge] = (), approvers: Sequence[Person] = (KIM, RAJ),
             **kw: object) -> Plan:
    config = NudgeSettings(hours=WorkingHours(), **kw)  # type: ignore[arg-type]
    return plan(NudgeState(now=now, workspace_timezone="UTC", settings=config, handoffs=(),
                           people={p.id: p for p in (*TEAM, KIM, RAJ)}, releases={5: release()}, areas=(), assignments=(),
                           past=past, gates=(GateDue(g, release(), tuple(approvers)),)))


def gate_keys(p: Plan) -> dict[str, list[str]]:
    return {batch[0].person.display_name: [n.key for n in batch if n.rule is Rule.GATE] for batch in p.dms.values()}


@pytest.mark.parametrize(("now", "told"), [
    (utc(2026, 12, 2, 9, 5), {}),  # 04:05 in New York, 01:05 in Los Angeles: nobody
    (at(NY, 2026, 12, 2, 9, 5), {"Kim": ["gate:1:9:2026-12-02"]}),  # 06:05 in LA: only Kim
    (at(LA, 2026, 12, 2, 9, 5), {"Kim": ["gate:1:9:2026-12-02"], "Raj": ["gate:1:10:2026-12-02"]}),
])
def test_a_gate_due_today_reaches_each_approver_in_their_own_working_hours(now: datetime, told: dict) -> None:
    assert gate_keys(gate_run(now, gate())) == told


def test_a_gate_due_on_a_saturday_is_reminded_on_friday() -> None:
    g = gate(due=date(2026, 12, 5))  # a Saturday
    assert gate_keys(gate_run(at(NY, 2026, 12, 3, 10), g)) == {}  # Thursday: not yet
    assert gate_keys(gate_run(at(NY, 2026, 12, 4, 10), g, approvers=(KIM,))) == {"Kim": ["gate:1:9:2026-12-04"]}
    [n] = gate_run(at(NY, 2026, 12, 4, 10), g, approvers=(KIM,)).nudges
    assert n.reason == "due Sat Dec 5 (tomorrow)"


def test_a_late_gate_is_reminded_every_other_working_day_until_decided() -> None:
    g = gate(due=date(2026, 12, 2))  # Wednesday
    told = []
    past: list[PastNudge] = []
    for day in range(2, 17):
        now = at(NY, 2026, 12, day, 10)
        p = gate_run(now, g, past=past, approvers=(KIM,))
        for n in p.nudges:
            told.append(day)
            past.append(PastNudge(n.key, n.rule, n.person.id, now))
    assert told == [2, 4, 8, 10, 14, 16]  # Wed; Fri; then Tue (Mon +2 working days after Fri), Thu, Mon (14), Wed
    [late] = gate_run(at(NY, 2026, 12, 16, 10), g, past=past[:-1], approvers=(KIM,)).nudges
    assert late.reason == "past its date since Wed Dec 2: the release is at risk"


def test_a_gate_reminder_counts_towards_the_daily_limit() -> None:
    g = gate()
    now = at(NY, 2026, 12, 2, 10)
    p = gate_run(now, g, approvers=(KIM,), max_dms_per_day=1)
    assert gate_keys(p) == {"Kim": ["gate:1:9:2026-12-02"]}
    capped = plan(dataclasses.replace(_state_of(now, g), dm_times={KIM.id: [now - timedelta(hours=1)]}))
    assert capped.dms == {} and [d.why for d in capped.deferred] == ["Kim already had 1 reminder today"]


def _state_of(now: datetime, g: Gate) -> NudgeState:
    return NudgeState(now=now, workspace_timezone="UTC", settings=NudgeSettings(max_dms_per_day=1), handoffs=(),
                      people={p.id: p for p in (*TEAM, KIM)}, releases={5: release()}, areas=(), assignments=(),
                      past=(), gates=(GateDue(g, release(), (KIM,)),))


def test_a_proposed_slip_is_told_to_the_release_owner_once() -> None:
    slip = Slip(3, "w", 5, 1, "overdue:1:2026-12-02:1", "Gate 1 is late", date(2027, 3, 1), date(2027, 3, 8),
                SlipStatus.PROPOSED, MON)
    state = NudgeState(now=at(NY, 2026, 12, 3, 10), workspace_timezone="UTC", settings=NudgeSettings(), handoffs=(),
                       people={KIM.id: KIM}, releases={5: release()}, areas=(), assignments=(), past=(),
                       slips=(SlipDue(slip, release(), KIM),))
    [n] = plan(state).nudges
    assert (n.rule, n.key) == (Rule.SLIP, "slip:3:9:2026-12-03")
    later = dataclasses.replace(state, now=at(NY, 2026, 12, 8, 10), past=(PastNudge(n.key, n.rule, KIM.id, state.now),))
    assert plan(later).nudges == []


def test_a_handoff_reassigned_after_its_nudge_reaches_the_new_owner_the_same_day() -> None:
    h = handoff(created=MON - timedelta(days=7))
    dana_was_told = past(h, DANA, NOW - timedelta(hours=2), Rule.UNACKNOWLEDGED, key="nudge:1:unacknowledged:1:2026-11-24")
    moved = dataclasses.replace(h, owner_id=ALEX.id)
    assert keys(run(NOW, moved, past=[dana_was_told])) == {"Alex": ["nudge:1:unacknowledged:4:2026-11-24"]}
