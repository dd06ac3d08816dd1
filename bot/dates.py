"""Due dates as people type them: ``2026-12-04``, ``fri``, ``tomorrow``, ``in 3 days``, ``eow``.

Everything is relative to ``today`` in the person's own time zone, which the caller computes
with :func:`local_today`. A date in the past is refused; so is anything unparseable.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import InvalidInput

_WEEKDAYS = {name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
_WEEKDAY_ALIASES = {
    "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed", "thursday": "thu",
    "thur": "thu", "thurs": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_MONTHS["sept"] = 9
_UNITS = {"day": 1, "days": 1, "d": 1, "week": 7, "weeks": 7, "w": 7, "wk": 7, "wks": 7}

DATE_EXAMPLES = "2026-12-04, fri, tomorrow, in 3 days, eow or dec 4"


def local_today(now_utc: datetime, timezone: str) -> date:
    return now_utc.astimezone(zone(timezone)).date()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def check_timezone(name: str) -> str:
    """Return the canonical spelling of an IANA zone name, or refuse it."""
    by_lower = {z.lower(): z for z in available_timezones()}
    found = by_lower.get(name.strip().lower())
    if not found:
        raise InvalidInput(f"“{name}” is not a time zone I know; use an IANA name such as Europe/Paris.")
    return found


def parse_date(text: str, today: date) -> date | None:
    """The date ``text`` names, or ``None`` when it is not a date expression at all."""
    t = re.sub(r"\s+", " ", text.strip().lower().rstrip(".!"))
    if t in ("today", "eod", "tonight"):
        return today
    if t in ("tomorrow", "tmrw", "tmr"):
        return today + timedelta(days=1)
    if t in ("eow", "end of week", "end of the week", "this week"):
        return _next_weekday(today, _WEEKDAYS["fri"])
    if t in ("eom", "end of month", "end of the month"):
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if t in ("next week",):
        return today + timedelta(days=7 - today.weekday())
    if m := re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", t):
        try:
            return date.fromisoformat("-".join(p.zfill(2) for p in m.group(0).split("-")))
        except ValueError:
            raise InvalidInput(f"“{text.strip()}” is not a real calendar date.") from None
    if m := re.fullmatch(r"in (\d{1,3}|a|an|one) ?(days?|weeks?|d|w|wks?)", t):
        count = 1 if m.group(1) in ("a", "an", "one") else int(m.group(1))
        return today + timedelta(days=count * _UNITS[m.group(2)])
    if m := re.fullmatch(r"(next |this )?([a-z]+)", t):
        day = _WEEKDAY_ALIASES.get(m.group(2), m.group(2))
        if day in _WEEKDAYS:
            found = _next_weekday(today, _WEEKDAYS[day])
            # "next fri" said on a Monday means the Friday of next week, not this one.
            if m.group(1) == "next " and _same_week(found, today):
                found += timedelta(days=7)
            return found
    if m := re.fullmatch(r"([a-z]+) (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?", t) or re.fullmatch(
        r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)(?:,? (\d{4}))?", t
    ):
        month_word, day_text = (m.group(1), m.group(2)) if m.group(1).isalpha() else (m.group(2), m.group(1))
        if month_word in _MONTHS:
            return _month_day(_MONTHS[month_word], int(day_text), m.group(3), today, text)
    return None


def parse_due(text: str, today: date) -> date:
    """Like :func:`parse_date` but for a due date: required, and not in the past."""
    found = parse_date(text, today)
    if found is None:
        raise InvalidInput(f"I can't read “{text.strip()}” as a date; try {DATE_EXAMPLES}.")
    if found < today:
        raise InvalidInput(f"{found.isoformat()} is in the past; give a due date from today on.")
    return found


MAX_SNOOZE = timedelta(days=90)
WORKDAY_START = time(9, 0)


def parse_snooze(text: str, now_utc: datetime, timezone: str) -> datetime:
    """When a snooze ends: ``4h``, ``1d``, ``3 days``, ``1w``, or ``until fri`` (09:00 local that day)."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    if m := re.fullmatch(r"(\d{1,3}) ?(h|hr|hrs|hours?|d|days?|w|wks?|weeks?)", t):
        count, unit = int(m.group(1)), m.group(2)[0]
        until = now_utc + timedelta(hours=count) if unit == "h" else now_utc + timedelta(days=count * (7 if unit == "w" else 1))
    else:
        day = parse_due(t.removeprefix("until ").strip(), local_today(now_utc, timezone))
        until = datetime.combine(day, WORKDAY_START, tzinfo=zone(timezone)).astimezone(UTC)
    if until <= now_utc:
        raise InvalidInput("That snooze would already be over; try `1d`, `3d` or `until fri`.")
    if until - now_utc > MAX_SNOOZE:
        raise InvalidInput("Snooze for at most 90 days; set a later due date with `due` instead.")
    return until


def _next_weekday(today: date, weekday: int) -> date:
    """The coming ``weekday``, today included."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _same_week(a: date, b: date) -> bool:
    return a.isocalendar()[:2] == b.isocalendar()[:2]


def _month_day(month: int, day: int, year_text: str | None, today: date, original: str) -> date:
    year = int(year_text) if year_text else today.year
    try:
        found = date(year, month, day)
    except ValueError:
        raise InvalidInput(f"“{original.strip()}” is not a real calendar date.") from None
    if not year_text and found < today:
        found = found.replace(year=year + 1)
    return found
