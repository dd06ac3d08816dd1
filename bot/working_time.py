"""Working hours in a person's own time zone: when a nudge may be sent, what "a working day" is.

All arithmetic is on local wall-clock time through :mod:`zoneinfo`, so a working day that
crosses a daylight-saving change is still "the same time next working day", 23 or 25 hours on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.dates import zone

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingHours:
    days: frozenset[int] = frozenset(range(5))  # Monday = 0
    start: time = time(9)
    end: time = time(18)
    quiet_days: frozenset[date] = field(default_factory=frozenset)  # holidays, company days off

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.quiet_days

    def is_open(self, now: datetime, timezone: str) -> bool:
        local = now.astimezone(zone(timezone))
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def next_opening(self, now: datetime, timezone: str) -> datetime:
        """``now`` if the hours are open, else the next start of a working day (UTC)."""
        if self.is_open(now, timezone):
            return now
        tz = zone(timezone)
        local = now.astimezone(tz)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        day = self._working_day_from(day)
        return datetime.combine(day, self.start, tzinfo=tz).astimezone(UTC)

    def add_working_days(self, start: datetime, days: int, timezone: str) -> datetime:
        """The same local time ``days`` working days after ``start``; a start outside the hours
        counts from the next opening (created Saturday -> one working day is Tuesday 09:00)."""
        tz = zone(timezone)
        local = start.astimezone(tz)
        if not (self.is_working_day(local.date()) and self.start <= local.time() < self.end):
            local = self.next_opening(start, timezone).astimezone(tz)
        day = local.date()
        for _ in range(days):
            day = self._working_day_from(day + timedelta(days=1))
        return datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC)

    def working_day_on_or_before(self, day: date) -> date:
        """``day`` if it is a working day, else the last working day before it (a gate due on a
        Saturday is Friday's business)."""
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def working_day_on_or_after(self, day: date) -> date:
        return self._working_day_from(day)

    def add_working_days_to(self, day: date, days: int) -> date:
        """The date ``days`` working days after ``day`` (Friday + 1 is Monday)."""
        for _ in range(days):
            day = self._working_day_from(day + timedelta(days=1))
        return day

    def previous_working_day(self, day: date) -> date:
        day -= timedelta(days=1)
        for _ in range(366):
            if self.is_working_day(day):
                return day
            day -= timedelta(days=1)
        return day

    def _working_day_from(self, day: date) -> date:
        for _ in range(366):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        return day  # no working days configured at all: never loop forever

    def describe(self) -> str:
        names = ", ".join(WEEKDAY_NAMES[d].capitalize() for d in sorted(self.days)) or "no days"
        return f"{names} {self.start:%H:%M}–{self.end:%H:%M}"


# --- a workspace's stored nudge settings (the hours live in them) ---------------------

@dataclass(frozen=True)
class NudgeSettings:
    """A workspace's nudge preferences (stored with the workspace, changed with `nudges set`)."""

    hours: WorkingHours = field(default_factory=WorkingHours)
    ack_after_working_days: int = 1
    due_soon_days: int = 1  # due today or within this many days
    escalate_after: int = 3  # unanswered nudges on one item
    area_window_days: int = 14  # releases due this soon must have a driver per grey area
    max_dms_per_day: int = 3
    min_gap: timedelta = timedelta(hours=20)  # once a working day, whatever hour the pass lands on
    max_items_per_dm: int = 10
    gate_every: int = 2  # working days between reminders of a gate past its date


def settings_from(values: dict[str, Any] | None) -> NudgeSettings:
    v = values or {}
    base = NudgeSettings()
    hours = WorkingHours(
        days=frozenset(v.get("days", sorted(base.hours.days))),
        start=time.fromisoformat(v.get("start", f"{base.hours.start:%H:%M}")),
        end=time.fromisoformat(v.get("end", f"{base.hours.end:%H:%M}")),
        quiet_days=frozenset(datetime.fromisoformat(d).date() for d in v.get("quiet_days", ())),
    )
    return replace(
        base, hours=hours,
        escalate_after=int(v.get("escalate_after", base.escalate_after)),
        max_dms_per_day=int(v.get("max_dms_per_day", base.max_dms_per_day)),
        ack_after_working_days=int(v.get("ack_after_working_days", base.ack_after_working_days)),
    )


def settings_to(s: NudgeSettings) -> dict[str, Any]:
    return {
        "days": sorted(s.hours.days), "start": f"{s.hours.start:%H:%M}", "end": f"{s.hours.end:%H:%M}",
        "quiet_days": sorted(d.isoformat() for d in s.hours.quiet_days), "escalate_after": s.escalate_after,
        "max_dms_per_day": s.max_dms_per_day, "ack_after_working_days": s.ack_after_working_days,
    }
