"""Releases as replies: created, listed, summarised, an entry added, search hits."""

from __future__ import annotations

from collections import Counter
from datetime import date

from bot.domain import (
    GateStatus,
    Handoff,
    Kind,
    KnowledgeEntry,
    Person,
    Release,
    Status,
)
from bot.gates.decisions import quoted
from bot.ports import SearchHit
from bot.releases import plan
from bot.releases.readiness import at_risk, blocking_line
from bot.releases.search_text import snippet
from bot.releases.statement import state as statement_state
from bot.releases.use_cases import ReleaseSummary, SearchAnswer
from bot.reply import Code, Reply, ReplyBuilder, Span, Strong, Tone, command_button
from bot.wording import due_text, name


def release_created(release: Release) -> Reply:
    target = f", target {release.target_date.isoformat()}" if release.target_date else ""
    return ReplyBuilder(title=f"Release {release.name} created{target}", tone=Tone.SUCCESS).para(
        "Hand things off to it with ", Code(f"@someone requirement for {release.name}: …"),
        " and record decisions with ", Code(f"release decide {release.name} …"), ".",
    ).build()


def release_list(releases: list[Release], today: date, at_risk: set[int] | frozenset[int] = frozenset()) -> Reply:
    if not releases:
        return ReplyBuilder(title="No releases yet.").para("Create one: ", Code("release new v2.3 2026-12-15")).build()
    out = ReplyBuilder(title=f"Releases ({len(releases)})")
    out.bullets([(Strong(r.name), (f" — target {due_text(r.target_date, today)}" if r.target_date else " — no target date")
                  + (f" — Tier {r.tier}" if r.tier else "") + (f" — {r.status}" if r.status != "planned" else "")
                  + (" — at risk" if r.id in at_risk else "")) for r in releases])
    return out.build()


def release_summary(summary: ReleaseSummary, today: date) -> Reply:
    """The release's readiness: gates, handoffs by kind, grey areas, drafts, and what blocks it."""
    r, counts = summary.release, summary.counts
    out = ReplyBuilder(title=f"Release {r.name}" + (" — at risk" if at_risk(summary, today) else ""))
    pairs = [
        ("Target", due_text(r.target_date, today) if r.target_date else "not set"),
        *((("Status", r.status),) if r.status != "planned" else ()),
        *((("Tier", plan.TIERS[r.tier]),) if r.tier else ()),
        ("Open", _by_kind(counts["open"])), ("Overdue", _by_kind(counts["overdue"])), ("Done", _by_kind(counts["done"])),
    ]
    if summary.plan is not None:
        active = [line.item for line in summary.plan.lines if line.item.status is not Status.CANCELLED]
        by_state = Counter(h.status for h in active)
        pairs.append(("Plan", ", ".join(f"{n} {s.label}" for s, n in by_state.items()) or "no items"))
        if summary.plan.skipped:
            pairs.append(("Not applicable", ", ".join(area for area, _ in summary.plan.skipped)))
    pairs.append(("Statement", statement_state(r)))
    if summary.gates:
        passed = sum(g.status in (GateStatus.APPROVED, GateStatus.WAIVED) for g in summary.gates)
        declined = sum(g.status is GateStatus.DECLINED for g in summary.gates)
        pairs.append(("Gates", f"{passed} passed, {len(summary.gates) - passed - declined} pending, {declined} declined"))
    pairs += [("Grey areas", f"{len(summary.unowned)} unowned, {len(summary.contested)} disputed"),
              ("Open disputes", str(summary.disputes)), ("Drafts to review", str(summary.drafts_to_review))]
    out.fields(*pairs)
    stop = blocking_line(summary, today)
    if r.shipped:
        out.para(Strong("Shipped."), " Its post-launch work (the 6 Month Assessment) goes on.")
    elif r.closed:
        out.para(Strong(f"Closed ({r.status})."), " Searchable and exportable; out of digests and nudges.")
    elif stop:
        out.para(Strong("Blocking the launch: "), stop)
    else:
        out.para(Strong("Nothing blocks the launch."))
    if r.statement:
        by = summary.people.get(r.statement_by) if r.statement_by else None
        ok = summary.people.get(r.confirmed_by) if r.confirmed_by else None
        out.para(Strong("What it does: "), r.statement, f" — {name(by)}" + (f", confirmed by {name(ok)}" if ok else ", not confirmed yet"))
    if summary.slip and summary.slip.proposed_target:
        out.para(Strong("Proposed new target: "), f"{summary.slip.proposed_target}, because {summary.slip.reason}.")
    if summary.plan is not None:
        lines = [line for line in summary.plan.lines if line.item.status is not Status.CANCELLED]
        out.bullets([_plan_line(line.item, summary.plan.people, today) for line in lines[:MAX_PLAN_LINES]]
                    + ([(f"and {len(lines) - MAX_PLAN_LINES} more: `release plan {quoted(r.name)}`",)]
                       if len(lines) > MAX_PLAN_LINES else []), heading="Launch plan")
    out.bullets([(Strong(h.ref), f" {h.title}, due {due_text(h.due_date, today)}") for h in summary.overdue], heading="Overdue")
    out.bullets(
        [(e.body, f" — {name(summary.authors.get(e.author_id))}, {e.created_at:%Y-%m-%d}") for e in summary.decisions],
        heading="Latest decisions",
    )
    out.bullets([(e.body, f" — {name(summary.authors.get(e.author_id))}") for e in summary.notes], heading="Latest notes")
    if not summary.decisions:
        out.context(f"No decisions recorded yet: `release decide {r.name} <decision>`.")
    if r.tier:
        out.buttons.append(command_button("Launch plan", f"release plan {quoted(r.name)}"))
    if r.statement and not r.confirmed_by and not r.closed:
        out.buttons.append(command_button("Confirm what it does", f"release confirm {quoted(r.name)}", "primary"))
    return out.build()


MAX_PLAN_LINES = 12


def _plan_line(h: Handoff, people: dict[int, Person], today: date) -> tuple[Span, ...]:
    mark = "☑" if h.status is Status.DONE else "☐"
    owner = name(people.get(h.owner_id)) if h.owner_id else "no owner yet"
    return (f"{mark} ", Strong(h.ref), f" {h.title} — {owner}, due {due_text(h.due_date, today)}")


def entry_added(release: Release, entry: KnowledgeEntry) -> Reply:
    return ReplyBuilder(title=f"{entry.kind.value.capitalize()} added to {release.name}", tone=Tone.SUCCESS).para(entry.body).build()


def search_results(found: SearchAnswer) -> Reply:
    where = f" in {found.release.name}" if found.release else ""
    if not found.hits:
        out = ReplyBuilder(title=f"Nothing found for “{found.words}”{where}.")
        if found.lifecycle_left_out:
            out.context("Handoff lifecycle lines are left out; add `all` to search them too.")
        return out.build()
    out = ReplyBuilder(title=f"Found for “{found.words}”{where} ({len(found.hits)})")
    out.bullets([_hit(h) for h in found.hits])
    return out.build()


def _hit(h: SearchHit) -> tuple[Span, ...]:
    when = f" — {h.entry.kind.value}, {h.entry.created_at:%Y-%m-%d}"
    return Strong(f"[{h.release_name or 'workspace'}] "), snippet(h.entry.body, h.first_word), when


def _by_kind(counts: dict[Kind, int]) -> str:
    total = sum(counts.values())
    if not total:
        return "0"
    return f"{total} (" + ", ".join(f"{n} {k.value}" for k, n in sorted(counts.items())) + ")"
