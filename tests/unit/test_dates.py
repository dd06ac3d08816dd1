from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.dates import check_timezone, local_today, parse_date, parse_due
from bot.errors import InvalidInput

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-04", date(2026, 12, 4)),
        ("today", MONDAY),
        ("tomorrow", date(2026, 11, 24)),
        ("fri", date(2026, 11, 27)),
        ("Friday", date(2026, 11, 27)),
        ("mon", MONDAY),
        ("next fri", date(2026, 12, 4)),
        ("eow", date(2026, 11, 27)),
        ("eom", date(2026, 11, 30)),
        ("in 3 days", date(2026, 11, 26)),
        ("in 2 weeks", date(2026, 12, 7)),
        ("in a week", date(2026, 11, 30)),
        ("dec 4", date(2026, 12, 4)),
        ("4 December", date(2026, 12, 4)),
        ("jan 5", date(2027, 1, 5)),
    ],
)
def test_due_dates(text: str, expected: date) -> None:
    assert parse_due(text, MONDAY) == expected


def test_next_weekday_from_a_weekend_is_the_coming_one() -> None:
    sunday = date(2026, 11, 22)
    assert parse_date("next fri", sunday) == date(2026, 11, 27)


@pytest.mark.parametrize("text", ["2026-11-20", "yesterday-ish", "2026-02-30", "blue", "in 3 fortnights"])
def test_past_or_unreadable_dates_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_due(text, MONDAY)


def test_today_depends_on_the_person_time_zone() -> None:
    late_sunday_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert local_today(late_sunday_utc, "UTC") == date(2026, 11, 22)
    assert local_today(late_sunday_utc, "Europe/Paris") == MONDAY
    assert local_today(late_sunday_utc, "America/Los_Angeles") == date(2026, 11, 22)


def test_time_zone_names() -> None:
    assert check_timezone("europe/paris") == "Europe/Paris"
    with pytest.raises(InvalidInput):
        check_timezone("Mars/Olympus")
