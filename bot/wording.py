"""Small pieces of wording every capability renders the same way: a person, a due date, a time."""

from __future__ import annotations

from datetime import date, datetime

from bot.dates import zone
from bot.domain import (
    Person,
)


def name(person: Person | None) -> str:
    return person.display_name if person else "nobody"


def due_text(due: date | None, today: date) -> str:
    if due is None:
        return "no due date"
    days = (due - today).days
    when = {0: "today", 1: "tomorrow", -1: "yesterday"}.get(days)
    if when is None:
        when = f"in {days} days" if days > 0 else f"{-days} days ago"
    return f"{due.isoformat()} ({when})"


def local_time(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(zone(timezone)).strftime("%a %Y-%m-%d %H:%M ") + timezone
