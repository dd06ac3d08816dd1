"""The launch-gate template: the standard gates, a workspace's edits to it, and due dates.

A new release gets one gate per template item, due ``offset_days`` from its target date. When
the target is nearer than the template's lead time, the gates before it are squeezed evenly
into the days that are left (the first one due tomorrow), so none is born overdue. Each date then
lands on a working day of the workspace (its days and quiet dates): the one on or before it, or,
when that would be today or earlier, the first one after today.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.domain import GateTemplateItem, Role
from bot.errors import InvalidInput, NotFound
from bot.working_time import WorkingHours

STANDARD: tuple[GateTemplateItem, ...] = (
    GateTemplateItem("Market Opportunity", -84, (Role.PM, Role.LEAD)),
    GateTemplateItem("Use Case Definition", -70, (Role.PM,)),
    GateTemplateItem("Functional and Usability Reqs", -56, (Role.PM,)),
    GateTemplateItem("Engineering Development Timeline", -42, (Role.LEAD,)),
    GateTemplateItem("Functional Completeness", -21, (Role.PM,)),
    GateTemplateItem("Release Readiness", -7, (Role.PMM, Role.LEAD)),
    GateTemplateItem("6 Month Assessment", 182, (Role.LEAD, Role.PMM)),
)
MAX_GATES = 15
MAX_NAME = 60


def due_dates(items: Sequence[GateTemplateItem], target: date | None, today: date,
              hours: WorkingHours | None = None) -> list[date | None]:
    if target is None:
        return [None] * len(items)
    lead = max((-i.offset_days for i in items if i.offset_days < 0), default=0)
    room = max((target - today).days - 1, 0)
    scale = min(1.0, room / lead) if lead else 1.0
    days = [target + timedelta(days=round(i.offset_days * scale) if i.offset_days < 0 else i.offset_days) for i in items]
    return [_working(day, today, hours) for day in days] if hours else list(days)


def _working(day: date, today: date, hours: WorkingHours) -> date:
    earlier = hours.working_day_on_or_before(day)
    return earlier if earlier > today else hours.working_day_on_or_after(max(day, today + timedelta(days=1)))


def gates_for(items: Sequence[GateTemplateItem], target: date | None, today: date,
              hours: WorkingHours | None = None) -> list[tuple[str, tuple[Role, ...], date | None]]:
    dates = due_dates(items, target, today, hours)
    return [(i.name, i.approver_roles, due) for i, due in zip(items, dates, strict=True)]


def find(items: Sequence[GateTemplateItem], which: str) -> int:
    """The index of the item ``which`` names: its number (1-based) or its name, case-insensitively."""
    text = which.strip().strip('"“”').strip()
    if text.isdecimal() and len(text) <= 9 and 1 <= int(text) <= len(items):  # int() refuses "²"
        return int(text) - 1
    for i, item in enumerate(items):
        if item.name.casefold() == text.casefold():
            return i
    names = ", ".join(f"{n}. {item.name}" for n, item in enumerate(items, 1))
    raise NotFound(f"The template has no gate “{text[:60]}”; name one or give its number: {names}.")


def checked_name(items: Sequence[GateTemplateItem], name: str, skip: int | None = None) -> str:
    name = " ".join(name.strip().strip('"“”').split())
    if not name or len(name) > MAX_NAME or name.isdigit():
        raise InvalidInput(f"Give the gate a name of 1 to {MAX_NAME} characters (not just a number).")
    if any(i != skip and item.name.casefold() == name.casefold() for i, item in enumerate(items)):
        raise InvalidInput(f"The template already has a gate called “{name}”.")
    return name


def describe_offset(days: int) -> str:
    if days == 0:
        return "on the target date"
    return f"{abs(days)} days {'before' if days < 0 else 'after'} the target"
