"""The launch-plan template: what each tier of launch needs, from which grey area, by when.

Launch practice sorts releases into tiers: Tier 1 is a new product or market (8-12 weeks; press
and analyst briefings, the full sales kit, a landing page), Tier 2 a significant feature (4-6
weeks; blog, email, sales talk track), Tier 3 improvements (2-4 weeks; release notes only). A
release with a tier gets one handoff per template item of its tier, owned by the item's area's
driver, and one input handoff per thing the other side owes it (:mod:`bot.releases.launch_plan`).
Pure functions; the workspace's own template is stored by ``uow.plans``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from bot.domain import Kind, PlanTemplateItem
from bot.errors import InvalidInput, NotFound
from bot.gates.template import due_dates
from bot.working_time import WorkingHours

TIERS: dict[int, str] = {
    1: "Tier 1: a new product or market (8–12 weeks)",
    2: "Tier 2: a significant feature (4–6 weeks)",
    3: "Tier 3: improvements (2–4 weeks, release notes only)",
}


def _item(name: str, area: str, tiers: Sequence[int], days_before: int, needs: str | None) -> PlanTemplateItem:
    return PlanTemplateItem(name, area, Kind.MESSAGING, frozenset(tiers), -days_before, needs)


STANDARD_PLAN: tuple[PlanTemplateItem, ...] = (
    _item("Positioning and messaging", "messaging", (1, 2), 42, "audience, problem and proof points"),
    _item("Customer advisory board update", "customer advisory board", (1,), 28, "roadmap context for the board"),
    _item("Competitive battlecard", "competitive messaging", (1, 2), 21, "win/loss notes"),
    _item("Pricing and packaging communication", "pricing communication", (1, 2), 21, "final price points and packaging"),
    _item("Sales enablement kit", "sales enablement", (1, 2), 14, "demo script and known limitations"),
    _item("Web and landing page content", "web content", (1, 2), 14, "screenshots and feature details"),
    _item("Analyst and press briefing", "analyst and press relations", (1,), 14, "briefing facts and customer references"),
    _item("Release notes", "release notes", (1, 2, 3), 7, "the list of what changed"),
    _item("Internal announcement", "launch", (1, 2), 3, None),
)
MAX_ITEMS = 30
MAX_NAME = 60
MAX_NEEDS = 200
INPUT_LEAD = timedelta(days=7)  # an input is due a week before the item it feeds


def tier_of(text: str) -> int:
    """``1``, ``t1``, ``tier 1`` -> 1; anything else is a clear refusal."""
    m = re.fullmatch(r"(?:tier\s*|t)?([1-3])", text.strip().lower())
    if not m:
        raise InvalidInput("A launch tier is 1 (new product or market), 2 (significant feature) or 3 (improvements).")
    return int(m.group(1))


def items_for(template: Sequence[PlanTemplateItem], tier: int) -> list[PlanTemplateItem]:
    return [item for item in template if tier in item.tiers]


def item_key(item: PlanTemplateItem) -> str:
    return f"item:{item.name.casefold()}"


def input_key(item: PlanTemplateItem, person_id: int | None) -> str:
    return f"input:{item.name.casefold()}:{person_id or 0}"


def item_of_key(key: str) -> str:
    """The item name (casefolded) a plan key belongs to."""
    kind, _, rest = key.partition(":")
    return rest.rsplit(":", 1)[0] if kind == "input" else rest


def plan_dates(items: Sequence[PlanTemplateItem], target: date | None, today: date,
               hours: WorkingHours | None = None) -> list[date | None]:
    """Each item's due date: as the gates are dated (squeezed evenly when the target is near, on
    working days, never today or earlier)."""
    return due_dates(items, target, today, hours)  # type: ignore[arg-type]  # anything with offset_days


def input_due(item_due: date | None, today: date, hours: WorkingHours) -> date | None:
    """An input is due a week before the item it feeds: on a working day, after today, never
    after the item itself (when the item is due tomorrow, so is its input)."""
    if item_due is None:
        return None
    wanted = hours.working_day_on_or_before(item_due - INPUT_LEAD)
    if wanted > today:
        return wanted
    soonest = hours.working_day_on_or_after(today + timedelta(days=1))
    return min(soonest, item_due) if soonest <= item_due else item_due


def input_kind(item: PlanTemplateItem) -> Kind:
    """An input comes from the other side: a messaging item needs the PM's requirement facts."""
    return Kind.REQUIREMENT if item.kind is Kind.MESSAGING else Kind.MESSAGING


# --- editing the template ------------------------------------------------------------------------

def find(items: Sequence[PlanTemplateItem], which: str) -> int:
    text = which.strip().strip('"“”').strip()
    if text.isdecimal() and len(text) <= 9 and 1 <= int(text) <= len(items):
        return int(text) - 1
    for i, item in enumerate(items):
        if item.name.casefold() == text.casefold():
            return i
    names = ", ".join(f"{n}. {item.name}" for n, item in enumerate(items, 1))
    raise NotFound(f"The launch-plan template has no item “{text[:60]}”; name one or give its number: {names}.")


def checked(items: Sequence[PlanTemplateItem], new: PlanTemplateItem) -> PlanTemplateItem:
    name = " ".join(new.name.strip().strip('"“”').split())
    if not name or len(name) > MAX_NAME or name.isdigit():
        raise InvalidInput(f"Give the plan item a name of 1 to {MAX_NAME} characters (not just a number).")
    if any(item.name.casefold() == name.casefold() for item in items):
        raise InvalidInput(f"The launch-plan template already has an item called “{name}”.")
    if not new.tiers or not new.tiers <= {1, 2, 3}:
        raise InvalidInput("Say which tiers get the item: `tier 1`, `tier 1,2` or `tier 1,2,3`.")
    if new.needs and len(new.needs) > MAX_NEEDS:
        raise InvalidInput(f"Keep what the item needs under {MAX_NEEDS} characters.")
    return PlanTemplateItem(name, new.area, new.kind, new.tiers, new.offset_days, new.needs)


def describe(item: PlanTemplateItem) -> str:
    tiers = ",".join(str(t) for t in sorted(item.tiers))
    days = item.offset_days
    when = "on the target date" if days == 0 else f"{abs(days)} days {'before' if days < 0 else 'after'} the target"
    needs = f"; needs {item.needs}" if item.needs else ""
    return f"{item.name} ({item.area}, tier {tiers}, {when}{needs})"
