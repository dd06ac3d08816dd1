"""Release readiness: what stands between a release and its launch, in one line.

The order is the order of harm: a declined gate stops a launch outright, a late gate slips it,
overdue handoffs are the PMM work that gets dropped, and a grey area with no single driver is
the gulf where "each had a different idea of what the release did".
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain import CLOSED_RELEASES, Gate, GateStatus, Release
from bot.gates.decisions import blocker
from bot.releases.use_cases import ReleaseSummary

STATEMENT_DAYS = 14  # within this many days of Release Readiness, an unconfirmed statement blocks
READINESS_GATE = "release readiness"


def at_risk(summary: ReleaseSummary, today: date) -> bool:
    """A declined gate, or one past its date and undecided, puts the release at risk (until it ships)."""
    return risk(summary.release, summary.gates, today) is not None


def risk(release: Release, gates: list[Gate], today: date) -> str | None:
    """Why the release is at risk (the gate that blocks it), or None: shipped and closed ones never are."""
    return None if release.status in CLOSED_RELEASES else blocker(gates, today)


def blocking_line(summary: ReleaseSummary, today: date) -> str | None:
    if summary.release.status in CLOSED_RELEASES:
        return None  # launched (or ended): nothing stands before a launch any more
    if stop := blocker(summary.gates, today):
        return stop
    if statement_blocks(summary.release, summary.gates, today):
        return (f"nobody has confirmed what {summary.release.name} does" if summary.release.statement
                else f"{summary.release.name} has no statement of what it does (`release brief`)")
    if summary.overdue:
        first = summary.overdue[0]
        more = sum(summary.counts["overdue"].values()) - 1
        return f"{first.ref} {first.title} is overdue" + (f" (and {more} more)" if more > 0 else "")
    if summary.contested:
        return f"{_some(summary.contested)} {'is' if len(summary.contested) == 1 else 'are'} disputed"
    if summary.disputes:
        return f"{summary.disputes} open dispute{'s' if summary.disputes > 1 else ''} await a lead's decision (`disputes`)"
    if summary.unowned:
        return f"{_some(summary.unowned)} {'has' if len(summary.unowned) == 1 else 'have'} no driver"
    if summary.plan and summary.plan.needs_driver:
        lines = summary.plan.needs_driver
        return f"{_some([line.item.title for line in lines])} {'has' if len(lines) == 1 else 'have'} no owner in the plan"
    if summary.drafts_to_review:
        return f"{summary.drafts_to_review} messaging draft{'s' if summary.drafts_to_review > 1 else ''} await review"
    return None


def _some(names: list[str], shown: int = 3) -> str:
    head = ", ".join(names[:shown])
    return head + (f" and {len(names) - shown} more" if len(names) > shown else "")


def statement_blocks(release: Release, gates: list[Gate], today: date) -> bool:
    """Unconfirmed (or, for a release with a launch plan, missing) within 14 days of Release Readiness."""
    if release.confirmed_by is not None or (release.statement is None and release.tier is None) or release.closed:
        return False
    readiness = next((g for g in gates if g.name.casefold() == READINESS_GATE and g.status is GateStatus.PENDING), None)
    due = readiness.due_date if readiness else release.target_date
    return due is not None and today >= due - timedelta(days=STATEMENT_DAYS)
