"""The workload view as a Reply: flags first (what to act on), then one line per person."""

from __future__ import annotations

from bot.reply import Code, Reply, ReplyBuilder, Span, Strong
from bot.workload.model import Load, Workload

LEGEND = "Open is in / out / total (questions count in the total only); ack is the average time to acknowledge over 30 days."


def workload_reply(view: Workload) -> Reply:
    if not view.rows:
        return _empty(view)
    team = f"{view.team_size} {'person' if view.team_size == 1 else 'people'}"
    title = f"Workload: {view.scope}" + (f" ({team})" if view.scope == "team" else "")
    out = ReplyBuilder(title=title)
    out.bullets([line for row in view.rows for line in flag_lines(row, view.median)], heading="Flags")
    if view.one_person:
        _person_fields(out, view.rows[0])
    else:
        out.bullets([person_line(row) for row in view.rows])
    out.context(f"Team median: {number(view.median)} open. {LEGEND}")
    return out.build()


def _empty(view: Workload) -> Reply:
    if view.scope == "team":
        return ReplyBuilder(title="Nobody is on the team yet.").para(
            "Give people a role with ", Code("person @dana role pm"), " or hand them something.").build()
    return ReplyBuilder(title=f"No {view.scope} on the team.").para(
        "Give someone that role with ", Code("person @dana role pm"), ".").build()


def _person_fields(out: ReplyBuilder, row: Load) -> None:
    out.fields(
        ("Role", row.person.role.value if row.person.role else "not set"),
        ("Open (in / out / total)", open_text(row)),
        ("Overdue", str(row.overdue)),
        ("Grey areas driven", str(row.areas)),
        ("Time to acknowledge (30 days)", duration(row.ack_hours)),
    )


def person_line(row: Load) -> tuple[Span, ...]:
    role = row.person.role.value if row.person.role else "no role"
    return (
        Strong(row.person.display_name),
        f" ({role}) — {open_text(row)} · {row.overdue} overdue · drives {row.areas} area{'' if row.areas == 1 else 's'}"
        f" · ack {duration(row.ack_hours)}",
    )


def flag_lines(row: Load, median: float) -> list[tuple[Span, ...]]:
    who = Strong(row.person.display_name)
    lines: list[tuple[Span, ...]] = [
        (who, f" drives {', '.join(b.inbound)} (inbound) and {', '.join(b.outbound)} (outbound) for {b.release}")
        for b in row.both_sides
    ]
    if row.overloaded:
        spans: list[Span] = [who, f" has {row.open} open, far above the team median of {number(median)}"]
        if s := row.suggestion:
            spans += ["; move ", Strong(f"#{s.number}"), f" to {s.to.display_name} ({s.their_open} open)"]
        lines.append(tuple(spans))
    return lines


def open_text(row: Load) -> str:
    return f"{row.inbound} in / {row.outbound} out / {row.open} open"


def duration(hours: float | None) -> str:
    """``25 min``, ``4.5 h``, ``2.1 d``; ``—`` when there is nothing to average."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 24:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"
