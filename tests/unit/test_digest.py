"""`bot.reminders.digest`: when a channel's digest is due, the window it covers, and what it says (fixed clocks)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import (
    Area,
    Assignment,
    DigestSubscription,
    Duty,
    EntryKind,
    Gate,
    GateStatus,
    Handoff,
    Kind,
    KnowledgeEntry,
    Person,
    Release,
    Role,
    Side,
    Status,
)
from bot.duties import AreaScope
from bot.reminders.digest import DigestData, all_clear, compose, due_day, standing_risks, visible_in, window_start
from bot.reply import Fields, Link, plain_text
from bot.working_time import WorkingHours

PARIS = "Europe/Paris"
HOURS = WorkingHours()


def paris(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=ZoneInfo(PARIS)).astimezone(UTC)


def utc(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=UTC)


SUB = DigestSubscription(1, "w", "CLAUNCH", time(9), PARIS, created_at=paris(2026, 1, 5, 12))


# --- due_day ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "expected"), [
    (paris(2026, 11, 24, 8, 59), None),
    (paris(2026, 11, 24, 9), date(2026, 11, 24)),
    (paris(2026, 11, 24, 11, 30), date(2026, 11, 24)),  # catch-up after downtime: that same day's digest
    (paris(2026, 11, 24, 23, 59), date(2026, 11, 24)),
    (paris(2026, 11, 25, 8), None),  # Tuesday's digest is not sent on Wednesday morning
    (paris(2026, 11, 28, 9, 30), None),  # Saturday
    (paris(2026, 11, 29, 12), None),  # Sunday
], ids=["08:59", "09:00", "11:30", "23:59", "next-morning", "saturday", "sunday"])
def test_due_day_on_the_subscription_clock(now: datetime, expected: date | None) -> None:
    assert due_day(SUB, now, HOURS) == expected


@pytest.mark.parametrize(("created", "expected"), [
    (paris(2026, 11, 24, 8), date(2026, 11, 24)),
    (paris(2026, 11, 24, 9), date(2026, 11, 24)),
    (paris(2026, 11, 24, 9, 1), None),  # subscribed after today's time: no instant digest
])
def test_due_day_waits_for_a_scheduled_time_after_subscribing(created: datetime, expected: date | None) -> None:
    sub = dataclasses.replace(SUB, created_at=created)
    assert due_day(sub, paris(2026, 11, 24, 10), HOURS) == expected
    assert due_day(sub, paris(2026, 11, 25, 9), HOURS) == date(2026, 11, 25)


def test_due_day_skips_quiet_days() -> None:
    christmas = WorkingHours(quiet_days=frozenset({date(2026, 12, 25)}))
    assert due_day(SUB, paris(2026, 12, 25, 10), christmas) is None
    assert due_day(SUB, paris(2026, 12, 25, 10), HOURS) == date(2026, 12, 25)


@pytest.mark.parametrize(("sub", "not_yet", "due"), [
    (SUB, utc(2026, 3, 30, 6, 59), utc(2026, 3, 30, 7)),  # 09:00 CEST, the day after the clocks moved
    (dataclasses.replace(SUB, timezone="America/Los_Angeles"), utc(2026, 11, 2, 16, 59), utc(2026, 11, 2, 17)),
], ids=["paris-spring", "la-autumn"])
def test_due_day_follows_local_time_across_dst(sub: DigestSubscription, not_yet: datetime, due: datetime) -> None:
    assert due_day(sub, not_yet, HOURS) is None
    assert due_day(sub, due, HOURS) == due.date()


# --- window_start -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "hours", "expected"), [
    (date(2026, 11, 23), HOURS, paris(2026, 11, 20, 9)),  # Monday covers since Friday's digest
    (date(2026, 11, 24), HOURS, paris(2026, 11, 23, 9)),  # Tuesday: since Monday's
    (date(2026, 12, 28), WorkingHours(quiet_days=frozenset({date(2026, 12, 25)})), paris(2026, 12, 24, 9)),
    (date(2026, 3, 30), HOURS, utc(2026, 3, 27, 8)),  # Friday 09:00 CET, before the clocks moved
], ids=["monday", "tuesday", "after-a-holiday", "across-dst"])
def test_window_start_is_the_previous_working_days_digest_time(day: date, hours: WorkingHours,
                                                               expected: datetime) -> None:
    assert window_start(SUB, day, hours) == expected


# --- compose ----------------------------------------------------------------------------------------

TODAY = date(2026, 11, 24)  # Tuesday
SINCE = window_start(SUB, TODAY, HOURS)  # Monday 09:00 Paris
FRESH = SINCE + timedelta(hours=3)
OLD = SINCE - timedelta(days=5)

DANA = Person(1, "w", "dana", "Dana", Role.PMM, PARIS)
SAM = Person(2, "w", "sam", "Sam", Role.PM, PARIS)
PEOPLE = {p.id: p for p in (DANA, SAM)}
BETA = Release(1, "w", "Beta launch", None, OLD)  # id order differs from name order on purpose
ALPHA = Release(2, "w", "Alpha launch", None, OLD)


def handoff(number: int, title: str, *, created: datetime = FRESH, updated: datetime | None = None,
            status: Status = Status.ACKNOWLEDGED, owner: Person | None = DANA, release: Release | None = None,
            due: date | None = None, **kw: object) -> Handoff:
    h = Handoff(id=number, workspace_id="w", number=number, kind=Kind.REQUIREMENT, title=title, details="",
                requester_id=SAM.id, owner_id=owner.id if owner else None,
                release_id=release.id if release else None, area_id=None, due_date=due, status=status,
                status_note=None, version=1, created_at=created, updated_at=updated or created)
    return dataclasses.replace(h, **kw)


def decision(body: str, *, private: bool = False, created: datetime = FRESH,
             release: Release | None = None) -> KnowledgeEntry:
    return KnowledgeEntry(id=abs(hash(body)) % 10_000, workspace_id="w", kind=EntryKind.DECISION, body=body,
                          author_id=SAM.id, created_at=created, release_id=release.id if release else None,
                          private=private)


def data(*handoffs: Handoff, sub: DigestSubscription = SUB, releases: Sequence[Release] = (BETA, ALPHA),
         areas: Sequence[Area] = (), assignments: Sequence[Assignment] = (),
         decisions: Sequence[KnowledgeEntry] = ()) -> DigestData:
    return DigestData(subscription=sub, since=SINCE, today=TODAY, handoffs=handoffs, people=PEOPLE,
                      releases={r.id: r for r in releases}, areas=areas, assignments=assignments, decisions=decisions)


def text(d: DigestData) -> str:
    reply = compose(d)
    assert reply is not None
    return plain_text(reply)


def counts(d: DigestData) -> dict[str, str]:
    reply = compose(d)
    assert reply is not None and isinstance(reply.blocks[0], Fields)
    return dict(reply.blocks[0].pairs)


@pytest.mark.parametrize("d", [
    data(),
    data(handoff(1, "shipped last week", created=OLD, status=Status.DONE)),  # done before the window
    data(handoff(2, "quietly in progress", created=OLD, status=Status.IN_PROGRESS)),
    data(handoff(3, "someone's DM", private=True, message_ref="DPRIVATE:1.1")),  # not visible here
    data(decisions=[decision("old call", created=OLD), decision("secret", private=True)]),
    data(releases=[dataclasses.replace(ALPHA, target_date=TODAY + timedelta(days=30))]),  # not upcoming yet
], ids=["empty", "old-done", "old-in-progress", "invisible-private", "old-or-private-decisions", "far-release"])
def test_compose_returns_none_with_nothing_to_say(d: DigestData) -> None:
    assert compose(d) is None


def test_compose_leads_with_counts_then_groups_by_release_name() -> None:
    d = data(handoff(1, "beta copy", release=BETA), handoff(2, "alpha claims", release=ALPHA),
             handoff(3, "loose end", created=OLD, status=Status.OPEN),
             handoff(4, "alpha faq", created=OLD, updated=FRESH, status=Status.DONE, release=ALPHA))
    assert counts(d) == {"New": "2", "Done": "1", "Awaiting acknowledgement": "1", "Due soon": "0", "Overdue": "0",
                         "Stuck": "0", "Grey areas to settle": "0", "Gates to decide": "0"}
    body = text(d)
    assert body.index("Alpha launch") < body.index("alpha claims") < body.index("alpha faq")
    assert body.index("alpha faq") < body.index("Beta launch") < body.index("beta copy")
    assert body.index("beta copy") < body.index("Not tied to a release") < body.index("loose end")


def test_compose_lists_overdue_and_due_soon_items_with_owner_and_when() -> None:
    d = data(handoff(3, "fix pricing", created=OLD, due=TODAY - timedelta(days=2), release=ALPHA),
             handoff(4, "battlecard", created=OLD, due=TODAY + timedelta(days=1), owner=None, release=ALPHA),
             handoff(5, "done late", created=OLD, updated=OLD, due=TODAY - timedelta(days=3), status=Status.DONE))
    assert counts(d)["Overdue"] == "1" and counts(d)["Due soon"] == "1"
    lines = text(d).splitlines()
    assert lines[lines.index("Overdue") + 1] == "#3 fix pricing (Dana, due 2 days ago)"
    assert lines[lines.index("Due soon") + 1] == "#4 battlecard (no owner, due tomorrow)"
    assert "done late" not in text(d)


def test_items_with_a_card_link_to_it() -> None:
    reply = compose(data(handoff(1, "linked", message_ref="CLAUNCH:1700.1")))
    assert reply is not None
    assert any(Link("#1", "CLAUNCH:1700.1") in item for block in reply.blocks for item in getattr(block, "items", ()))


@pytest.mark.parametrize(("sub_private", "sub_channel", "message_ref", "shown"), [
    (True, "CPRIV", "CPRIV:1700.1", True),  # its own private channel's digest
    (False, "CPRIV", "CPRIV:1700.1", False),  # the subscription is not marked private
    (True, "COTHER", "CPRIV:1700.1", False),  # another private channel
    (True, "CPRIV", None, False),  # no card to say where it was made
    (True, "CPRIV", "CPRIVATE:1700.1", False),  # a channel whose id merely starts the same
])
def test_a_private_handoff_appears_only_in_its_own_private_channel(sub_private: bool, sub_channel: str,
                                                                   message_ref: str | None, shown: bool) -> None:
    sub = dataclasses.replace(SUB, private=sub_private, channel=sub_channel)
    h = handoff(1, "secret launch", private=True, message_ref=message_ref)
    assert visible_in(h, sub) is shown
    reply = compose(data(h, handoff(2, "public work"), sub=sub))
    assert reply is not None
    assert ("secret launch" in plain_text(reply)) is shown
    assert "public work" in plain_text(reply)


def test_public_handoffs_appear_in_every_channel() -> None:
    h = handoff(1, "public work", message_ref="COTHER:1.1")
    assert visible_in(h, SUB) and visible_in(h, dataclasses.replace(SUB, private=True))


def test_private_and_old_decisions_are_left_out() -> None:
    d = data(decisions=[decision("EU first", release=ALPHA), decision("price is 9", private=True),
                        decision("last month's call", created=OLD)])
    body = text(d)
    assert "Decisions\nEU first" in body
    assert "price is 9" not in body and "last month's call" not in body


def test_a_subscription_for_one_release_ignores_the_others() -> None:
    sub = dataclasses.replace(SUB, release_id=ALPHA.id)
    d = data(handoff(1, "alpha claims", release=ALPHA), handoff(2, "beta copy", release=BETA),
             handoff(3, "loose end"), decisions=[decision("beta call", release=BETA)], sub=sub)
    body = text(d)
    assert "alpha claims" in body
    assert not any(s in body for s in ("beta copy", "loose end", "beta call", "Beta launch"))
    assert counts(d)["New"] == "1"


def test_upcoming_releases_and_their_grey_areas() -> None:
    soon = dataclasses.replace(ALPHA, target_date=date(2026, 12, 1))
    gap, fight, fine = (Area(i, "w", name, Side.SHARED) for i, name in ((1, "Pricing"), (2, "FAQ"), (3, "Demo")))
    two = [Assignment(2, DANA.id, Duty.DRIVER), Assignment(2, SAM.id, Duty.DRIVER), Assignment(3, SAM.id, Duty.DRIVER)]
    d = data(releases=[soon, BETA], areas=[gap, fight, fine], assignments=two)
    body = text(d)
    assert "Alpha launch ships in 7 days (Tue Dec 1)" in body
    assert "Pricing: no driver" in body and "FAQ: 2 drivers" in body and "Demo" not in body
    assert counts(d)["Grey areas to settle"] == "2"


def test_long_sections_are_cut_with_a_count_of_the_rest() -> None:
    d = data(*(handoff(i, f"item {i}") for i in range(1, 11)))
    body = text(d)
    assert "item 8" in body and "item 9" not in body
    assert "… and 2 more" in body
    assert counts(d)["New"] == "10"


def test_compose_lists_declined_and_due_launch_gates_under_their_release() -> None:
    gates = [Gate(1, "w", ALPHA.id, 0, "Market Opportunity", (Role.PM,), GateStatus.DECLINED, decided_at=FRESH,
                  note="market too small"),
             Gate(2, "w", ALPHA.id, 1, "Release Readiness", (Role.PMM,), due_date=TODAY + timedelta(days=3)),
             Gate(3, "w", BETA.id, 0, "Use Case Definition", (Role.PM,), due_date=TODAY - timedelta(days=1))]
    d = dataclasses.replace(data(), gates=gates)
    assert counts(d)["Gates to decide"] == "3"
    body = text(d)
    assert "Market Opportunity declined: market too small (the release is at risk)" in body
    assert body.index("Alpha launch") < body.index("Release Readiness to decide, due in 3 days") < body.index("Beta launch")
    assert "Use Case Definition to decide, due 1 day ago (the release is at risk)" in body


# --- what is stuck, and risks that stand (issue 14, finding 9) -------------------------------------

def test_blocked_waiting_and_declined_items_are_listed_with_why_and_for_how_long() -> None:
    d = data(handoff(1, "battlecard", created=OLD, updated=OLD, status=Status.BLOCKED, status_note="waiting on legal"),
             handoff(2, "segment", created=OLD, updated=SINCE - timedelta(days=1), status=Status.NEEDS_INFO,
                     status_note="which segment?", due=TODAY - timedelta(days=1)),
             handoff(3, "hero copy", created=OLD, updated=FRESH, status=Status.DECLINED, status_note="web team's"),
             handoff(4, "ancient", created=OLD, updated=OLD - timedelta(days=10), status=Status.DECLINED))
    assert counts(d)["Stuck"] == "3" and counts(d)["Overdue"] == "0"  # stuck is said once, not also as overdue
    lines = text(d).splitlines()
    at = lines.index("Stuck")
    assert lines[at + 1:at + 4] == [
        "#1 battlecard — blocked for 6 days: waiting on legal (Dana)",
        "#2 segment — waiting for Sam's answer for 2 days: which segment? (Dana)",
        "#3 hero copy — declined yesterday: web team's (Dana)",
    ]
    assert "ancient" not in text(d)


def test_a_release_at_risk_since_before_the_window_is_one_compact_line_and_no_news_alone() -> None:
    gates = [Gate(1, "w", ALPHA.id, 0, "Market Opportunity", (Role.PM,), GateStatus.DECLINED, decided_at=OLD,
                  note="market too small"),
             Gate(2, "w", ALPHA.id, 1, "Use Case Definition", (Role.PM,), due_date=TODAY - timedelta(days=9))]
    quiet = dataclasses.replace(data(), gates=gates)
    assert compose(quiet) is None  # nothing new today: the standing risk alone is not news
    assert standing_risks(quiet) == ["Alpha launch (Market Opportunity declined 6 days ago: market too small; "
                                     "Use Case Definition 9 days late)"]
    clear = plain_text(all_clear(SUB, TODAY, standing_risks(quiet)))
    assert "nothing new" in clear and "Still at risk: Alpha launch (Market Opportunity declined" in clear
    busy = dataclasses.replace(data(handoff(5, "new work")), gates=gates)
    body = text(busy)
    assert body.count("Market Opportunity") == 1 and "Still at risk: Alpha launch" in body
    assert counts(busy)["Gates to decide"] == "0"


# --- launch plans: statements, skipped areas, closed releases -----------------------------------------

def test_an_upcoming_release_says_whether_both_sides_confirmed_what_it_does() -> None:
    soon = TODAY + timedelta(days=5)
    unconfirmed = dataclasses.replace(ALPHA, target_date=soon, statement="Admins audit every login", statement_by=SAM.id)
    assert "Alpha launch ships" in text(data(releases=[unconfirmed])) and "what it does is not confirmed yet" in text(
        data(releases=[unconfirmed]))
    confirmed = dataclasses.replace(unconfirmed, confirmed_by=DANA.id)
    assert "both sides confirmed what it does" in text(data(releases=[confirmed]))
    tiered = dataclasses.replace(ALPHA, target_date=soon, tier=2)
    assert "no statement of what it does yet" in text(data(releases=[tiered]))


def test_a_skipped_area_and_a_closed_release_leave_the_digest() -> None:
    press = Area(7, "w", "analyst and press relations", Side.OUTBOUND)
    soon = dataclasses.replace(ALPHA, target_date=TODAY + timedelta(days=5))
    assert "analyst and press relations: no driver" in text(data(releases=[soon], areas=[press]))
    skipping = dataclasses.replace(data(releases=[soon], areas=[press]), scope=AreaScope(skipped={soon.id: {press.id}}))
    assert "analyst and press relations" not in text(skipping)
    item = handoff(4, "press briefing", release=soon, area_id=press.id)
    with_item = dataclasses.replace(data(item, releases=[soon], areas=[press]), scope=AreaScope(skipped={soon.id: {press.id}}))
    assert "press briefing" not in text(with_item)
    closed = dataclasses.replace(soon, status="closed")
    assert compose(data(handoff(5, "left over", release=closed), releases=[closed])) is None
