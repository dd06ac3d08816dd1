"""Release readiness: what stands between a release and its launch, in one line.

The order is the order of harm: a declined gate stops a launch outright, a late gate slips it,
overdue handoffs are the PMM work that gets dropped, and a grey area with no single driver is
the gulf where "each had a different idea of what the release did".
"""

from __future__ import annotations

from datetime import date

from bot.gates.decisions import blocker
from bot.releases.use_cases import ReleaseSummary


def at_risk(summary: ReleaseSummary, today: date) -> bool:
    """A declined gate, or one past its date and undecided, puts the release at risk."""
    return blocker(summary.gates, today) is not None


def blocking_line(summary: ReleaseSummary, today: date) -> str | None:
    if stop := blocker(summary.gates, today):
        return stop
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
    if summary.drafts_to_review:
        return f"{summary.drafts_to_review} messaging draft{'s' if summary.drafts_to_review > 1 else ''} await review"
    return None


def _some(names: list[str], shown: int = 3) -> str:
    head = ", ".join(names[:shown])
    return head + (f" and {len(names) - shown} more" if len(names) > shown else "")
