"""When a digest is due (catch-up after downtime, never the next day) and what it says."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain import DigestSubscription, EntryKind, Handoff, Kind, KnowledgeEntry, Person, Release, Status
from bot.reminders.digest import DigestData, compose, due_day, window_start
from bot.reply import Fields, plain_text
from bot.working_time import WorkingHours

PARIS = ZoneInfo("Europe/Paris")
HOURS = WorkingHours()


def paris(m: int, d: int, h: int, minute: int = 0) -> datetime:
    return datetime(2026, m, d, h, minute, tzinfo=PARIS).astimezone(UTC)


SUB = DigestSubscription(1, "w", "CLAUNCH", time(9), "Europe/Paris", created_at=paris(11, 20, 12))


@pytest.mark.parametrize(("now", "expected"), [
    (paris(11, 23, 8, 59), None),
    (paris(11, 23, 9, 0), date(2026, 11, 23)),
    (paris(11, 23, 11, 30), date(2026, 11, 23)),  # back after downtime: that day's digest, once (the key)
    (paris(11, 23, 23, 59), date(2026, 11, 23)),
    (paris(11, 24, 8, 0), None),  # Monday's is not sent on Tuesday morning
    (paris(11, 28, 9, 30), None),  # Saturday
])
def test_when_a_digest_is_due(now: datetime, expected: date | None) -> None:
    assert due_day(SUB, now, HOURS) == expected


def test_no_digest_the_moment_a_channel_subscribes_after_its_time() -> None:
    late = dataclasses.replace(SUB, created_at=paris(11, 23, 10))
    assert due_day(late, paris(11, 23, 10, 1), HOURS) is None
    assert due_day(late, paris(11, 24, 9, 0), HOURS) == date(2026, 11, 24)


def test_mondays_digest_covers_the_weekend() -> None:
    assert window_start(SUB, date(2026, 11, 23), HOURS) == paris(11, 20, 9)
    assert window_start(SUB, date(2026, 11, 24), HOURS) == paris(11, 23, 9)


PEOPLE = {1: Person(1, "w", "dana", "Dana"), 2: Person(2, "w", "sam", "Sam")}
V23 = Release(7, "w", "v2.3", date(2026, 12, 1), paris(11, 1, 9))


def h(number: int, title: str, *, status: Status = Status.IN_PROGRESS, created: datetime | None = None,
      due: date | None = None, **kw: object) -> Handoff:
    at = created or paris(11, 10, 9)
    base = Handoff(number, "w", number, Kind.REQUIREMENT, title, "", 2, 1, 7, None, due, status, None, 1, at, at)
    return dataclasses.replace(base, **kw)


def data(*handoffs: Handoff, sub: DigestSubscription = SUB, decisions: tuple[KnowledgeEntry, ...] = ()) -> DigestData:
    return DigestData(sub, since=paris(11, 23, 9), today=date(2026, 11, 24), handoffs=handoffs, people=PEOPLE,
                      releases={7: V23}, areas=(), assignments=(), decisions=decisions)


def test_nothing_to_say_means_no_digest() -> None:
    quiet = DigestData(SUB, paris(11, 23, 9), date(2026, 11, 24), (), PEOPLE, {}, (), (), ())
    assert compose(quiet) is None


def test_counts_first_then_each_release_with_its_items() -> None:
    reply = compose(data(
        h(1, "new pricing page", created=paris(11, 23, 15), status=Status.OPEN),
        h(2, "overdue battlecards", due=date(2026, 11, 20)),
        h(3, "finished faq", status=Status.DONE, updated_at=paris(11, 23, 16)),
        h(4, "old done thing", status=Status.DONE, updated_at=paris(11, 2, 16)),
    ))
    assert reply is not None and isinstance(reply.blocks[0], Fields)
    counts = dict(reply.blocks[0].pairs)
    assert counts["New"] == "1" and counts["Overdue"] == "1" and counts["Done"] == "1"
    text = plain_text(reply)
    assert "v2.3" in text and "overdue battlecards (Dana, due 4 days ago)" in text and "old done thing" not in text


def test_a_private_handoff_only_reaches_its_own_channels_digest() -> None:
    secret = h(5, "secret acquisition copy", created=paris(11, 23, 15), private=True, message_ref="GSECRET:1.1")
    public = compose(data(secret))
    assert public is not None and "secret acquisition" not in plain_text(public)  # v2.3 is upcoming: still a digest
    own = dataclasses.replace(SUB, channel="GSECRET", private=True)
    assert "secret acquisition" in plain_text(compose(data(secret, sub=own)))


def test_decisions_said_in_private_stay_out() -> None:
    public = KnowledgeEntry(1, "w", EntryKind.DECISION, "We launch mid-market first", 2, paris(11, 23, 12), release_id=7)
    private = dataclasses.replace(public, id=2, body="We drop the enterprise tier", private=True)
    text = plain_text(compose(data(decisions=(public, private))))
    assert "mid-market first" in text and "enterprise tier" not in text
