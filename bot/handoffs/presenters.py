"""Turn use-case results into platform-neutral Replies. All wording for results lives here."""

from __future__ import annotations

from datetime import date

from bot.chat.texts import HELP_ORDER, USAGE, WRITE_SIDE_HINT, Usage
from bot.domain import (
    ACTIVE_STATUSES,
    DEFINITION_OF_READY,
    Action,
    Area,
    DraftRecord,
    GateStatus,
    HandoffView,
    Kind,
    KnowledgeEntry,
    Person,
    Release,
    Status,
)
from bot.drafting.prompt import brief as drafting_brief
from bot.handoffs.lifecycle import allowed_actions
from bot.ownership.registry import AreaReport, AssignResult, WhoOwnsAnswer
from bot.ports import SearchHit
from bot.releases.readiness import at_risk, blocking_line
from bot.releases.use_cases import ReleaseSummary
from bot.reply import Button, Code, Reply, ReplyBuilder, Span, Strong, Tone
from bot.wording import due_text, name

_KIND_LABEL = {Kind.REQUIREMENT: "requirement (PM → PMM)", Kind.MESSAGING: "messaging (PMM → PM)", Kind.QUESTION: "question"}
_BUTTONS = {
    Action.ACK: ("Acknowledge", "primary"), Action.START: ("Start", None), Action.DONE: ("Done", "primary"),
    Action.ASK: ("Ask for info", None), Action.DECLINE: ("Decline", "danger"), Action.ANSWER: ("Answer", "primary"),
    Action.REOPEN: ("Reopen", None),
}


def handoff_line(view: HandoffView, today: date) -> tuple[Span, ...]:
    h = view.handoff
    spans: list[Span] = [Strong(h.ref), f" {h.title} — {h.status.label}, {name(view.owner)}"]
    if h.due_date:
        spans.append(f", due {due_text(h.due_date, today)}")
    if h.is_overdue(today):
        spans.append(Strong(" OVERDUE"))
    if view.release:
        spans.append(f" · {view.release.name}")
    return tuple(spans)


def handoff_card(view: HandoffView, today: date, headline: str | None = None) -> Reply:
    h = view.handoff
    out = ReplyBuilder(title=f"{h.ref} {h.title}", tone=Tone.SUCCESS if headline else Tone.INFO)
    if headline:
        out.para(headline)
    out.fields(
        ("Kind", _KIND_LABEL[h.kind]), ("Status", h.status.label), ("Owner", name(view.owner)),
        ("Requester", name(view.requester)), ("Release", view.release.name if view.release else "none"),
        ("Due", due_text(h.due_date, today) + (" — overdue" if h.is_overdue(today) else "")),
        *((("Grey area", view.area.name),) if view.area else ()),
        *((("Snoozed until", f"{h.snoozed_until:%Y-%m-%d %H:%M} UTC"),) if h.snoozed_until and h.status in ACTIVE_STATUSES else ()),
    )
    if h.status_note:
        label = "Question" if h.status is Status.NEEDS_INFO else "Reason"
        out.para(Strong(f"{label}: "), h.status_note)
    if h.details:
        out.para(h.details)
    ready = DEFINITION_OF_READY[h.kind]
    if ready:
        lowered = h.details.casefold()
        out.bullets(
            [(("✓ " if f"{item}:" in lowered else "✗ ") + item,) for item in ready],
            heading=f"Definition of ready ({h.kind.value}): the requester covers these in the details as “{ready[0]}: …”",
        )
    if view.history:
        out.bullets(
            [(f"{e.at:%Y-%m-%d %H:%M} UTC {name(view.actors.get(e.actor_id))} {e.action}" + (f": {e.note}" if e.note else ""),)
             for e in view.history[-8:]],
            heading="History",
        )
    out.buttons.extend(handoff_buttons(view))
    return out.build()


def handoff_buttons(view: HandoffView) -> list[Button]:
    """Buttons that fit the state; the value carries number and version for compare-and-set."""
    h = view.handoff
    value = f"{h.number}:{h.version}"
    buttons = []
    for action in allowed_actions(h.status):
        if action in _BUTTONS:
            label, style = _BUTTONS[action]
            buttons.append(Button(f"handoff.{action.value}", label, value, style))
    if h.status not in (Status.DONE, Status.CANCELLED):
        buttons.append(Button("handoff.reassign", "Reassign", value))
        buttons.append(Button("handoff.comment", "Comment", value))
    if h.status in ACTIVE_STATUSES:
        buttons.append(Button("handoff.snooze_1d", "Snooze 1d", value))
        buttons.append(Button("handoff.snooze_3d", "Snooze 3d", value))
        if h.kind is Kind.MESSAGING:
            buttons.append(Button("handoff.draft", "Draft messaging", value))
    return buttons


def handoff_list(views: list[HandoffView], total: int, label: str, today: date) -> Reply:
    if not views:
        return Reply(title=f"Nothing {label}.", blocks=(), tone=Tone.INFO)
    out = ReplyBuilder(title=f"Handoffs {label} ({len(views)} of {total})" if total > len(views) else f"Handoffs {label} ({total})")
    out.bullets([handoff_line(v, today) for v in views])
    if total > len(views):
        out.context(f"{total - len(views)} more; narrow it with `for <release>` or a status.")
    return out.build()


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
                  + (" — at risk" if r.id in at_risk else "")) for r in releases])
    return out.build()


def release_summary(summary: ReleaseSummary, today: date) -> Reply:
    """The release's readiness: gates, handoffs by kind, grey areas, drafts, and what blocks it."""
    r, counts = summary.release, summary.counts
    out = ReplyBuilder(title=f"Release {r.name}" + (" — at risk" if at_risk(summary, today) else ""))
    pairs = [
        ("Target", due_text(r.target_date, today) if r.target_date else "not set"),
        ("Open", _by_kind(counts["open"])), ("Overdue", _by_kind(counts["overdue"])), ("Done", _by_kind(counts["done"])),
    ]
    if summary.gates:
        passed = sum(g.status in (GateStatus.APPROVED, GateStatus.WAIVED) for g in summary.gates)
        declined = sum(g.status is GateStatus.DECLINED for g in summary.gates)
        pairs.append(("Gates", f"{passed} passed, {len(summary.gates) - passed - declined} pending, {declined} declined"))
    pairs += [("Grey areas", f"{len(summary.unowned)} unowned, {len(summary.contested)} disputed"),
              ("Open disputes", str(summary.disputes)), ("Drafts to review", str(summary.drafts_to_review))]
    out.fields(*pairs)
    stop = blocking_line(summary, today)
    if stop:
        out.para(Strong("Blocking the launch: "), stop)
    else:
        out.para(Strong("Nothing blocks the launch."))
    if summary.slip and summary.slip.proposed_target:
        out.para(Strong("Proposed new target: "), f"{summary.slip.proposed_target}, because {summary.slip.reason}.")
    out.bullets([(Strong(h.ref), f" {h.title}, due {due_text(h.due_date, today)}") for h in summary.overdue], heading="Overdue")
    out.bullets(
        [(e.body, f" — {name(summary.authors.get(e.author_id))}, {e.created_at:%Y-%m-%d}") for e in summary.decisions],
        heading="Latest decisions",
    )
    out.bullets([(e.body, f" — {name(summary.authors.get(e.author_id))}") for e in summary.notes], heading="Latest notes")
    if not summary.decisions:
        out.context(f"No decisions recorded yet: `release decide {r.name} <decision>`.")
    return out.build()


def entry_added(release: Release, entry: KnowledgeEntry) -> Reply:
    return ReplyBuilder(title=f"{entry.kind.value.capitalize()} added to {release.name}", tone=Tone.SUCCESS).para(entry.body).build()


def who_owns(answer: WhoOwnsAnswer) -> Reply:
    if answer.report is not None:
        return area_report(answer.report)
    if answer.candidates:
        out = ReplyBuilder(title=f"Which area do you mean by “{answer.query.strip()}”?")
        out.bullets([(Strong(a.name), f" ({a.side.value})") for a in answer.candidates])
        out.context("Ask again with one of these names.")
        return out.build()
    return ReplyBuilder(title=f"I don't know a grey area like “{answer.query.strip()}”.").para(
        "See them all with ", Code("owner list"), " or add it with ", Code(f"owner new {answer.query.strip()[:40]} shared"), "."
    ).build()


def area_report(report: AreaReport, headline: str | None = None) -> Reply:
    area, owned, people = report.area, report.ownership, report.people
    out = ReplyBuilder(title=f"{area.name.capitalize()} ({area.side.value})", tone=Tone.SUCCESS if headline else Tone.INFO)
    if headline:
        out.para(headline)

    def names(ids: tuple[int, ...]) -> str:
        return ", ".join(name(people.get(i)) for i in ids)

    pairs: list[tuple[str, str]] = []
    if report.release and owned.release_drivers:
        override = f" (overrides {names(owned.drivers)})" if owned.drivers else ""
        pairs.append((f"Driver for {report.release.name}", names(owned.release_drivers) + override))
    else:
        pairs.append(("Driver", names(owned.drivers) or "nobody"))
    supporters = [*owned.supporters, *owned.release_supporters]
    if supporters:
        pairs.append(("Supporters", "; ".join(name(people.get(s.person_id)) + (f" owes {s.owes}" if s.owes else "") for s in supporters)))
    if owned.informed:
        pairs.append(("Informed", names(owned.informed)))
    out.fields(*pairs)
    if owned.disputed:
        out.para(Strong("Disputed: "), f"{names(owned.effective_drivers)} both claim it. A lead settles it with ", Code(f"owner set {area.name} @person"), ".")
    for claim in report.claims:
        out.para(Strong("Disputed: "), f"{name(people.get(claim.raised_by))} claims it (D{claim.id}). A lead decides with ",
                 Code(f"dispute resolve {claim.id} <outcome>"), " or ", Code(f"owner set {area.name} @person"), ".")
    if owned.unowned:
        out.para(*_claim_advice(report))
    return out.build()


def _claim_advice(report: AreaReport) -> tuple[Span, ...]:
    area = report.area
    driver_role = "PM" if area.side.value == "inbound" else "PMM"
    helper = "PMM" if driver_role == "PM" else "PM"
    scope = f" for {report.release.name}" if report.release else ""
    spans: list[Span] = [f"Nobody drives {area.name}{scope} yet. "]
    facing = "an inbound area" if driver_role == "PM" else "customer- and market-facing work"
    spans.append(f"As {facing}, a {driver_role} usually drives it with {helper} input")
    if report.suggestions:
        spans.append(f" ({', '.join(p.display_name for p in report.suggestions)} could)")
    spans += [". Claim it with ", Code(f"owner claim {area.name}{scope}"), " or assign it with ", Code(f"owner set {area.name} @person{scope}"), "."]
    return tuple(spans)


def assigned(result: AssignResult) -> Reply:
    duty = {"driver": "drives", "supporter": "supports", "informed": "is kept informed on"}[result.duty.value]
    scope = f" for {result.report.release.name}" if result.report.release else ""
    if result.dispute is not None:
        others = ", ".join(p.display_name for p in result.disputed_with) or "someone"
        told = "are told, and a lead decides" if result.new_dispute else "were told; a lead decides"
        headline = (f"{others} already drives {result.report.area.name}{scope}, so I recorded {result.person.display_name}'s "
                    f"claim as dispute D{result.dispute.id}: {others} and the leads {told}.")
    elif not result.changed:
        headline = f"{result.person.display_name} already {duty} {result.report.area.name}{scope}."
    else:
        headline = f"{result.person.display_name} now {duty} {result.report.area.name}{scope}."
    return area_report(result.report, headline)


def area_list(reports: list[AreaReport], which: str, release: Release | None) -> Reply:
    scope = f" for {release.name}" if release else ""
    if not reports:
        empty = {"all": "No grey areas yet.", "mine": "You have no duty on any grey area yet."}
        return Reply(title=empty.get(which, f"No {which} grey areas{scope}."))
    heading = {"all": "Grey areas", "mine": "Your grey areas"}.get(which, f"{which.capitalize()} grey areas")
    out = ReplyBuilder(title=f"{heading}{scope} ({len(reports)})")
    lines = []
    for r in reports:
        drivers = r.ownership.effective_drivers
        who = ", ".join(name(r.people.get(i)) for i in drivers) or "nobody"
        flag = " — disputed" if r.disputed else " — unowned" if r.ownership.unowned else ""
        lines.append((Strong(r.area.name), f" ({r.area.side.value}): {who}{flag}"))
    out.bullets(lines)
    out.context(WRITE_SIDE_HINT)
    return out.build()


def area_created(area: Area) -> Reply:
    aliases = f" (also: {', '.join(area.aliases)})" if area.aliases else ""
    return ReplyBuilder(title=f"Grey area {area.name} added{aliases}", tone=Tone.SUCCESS).para(
        "Give it a driver: ", Code(f"owner set {area.name} @person")
    ).build()


def person_card(person: Person, default_timezone: str, headline: str | None = None) -> Reply:
    out = ReplyBuilder(title=person.display_name, tone=Tone.SUCCESS if headline else Tone.INFO)
    if headline:
        out.para(headline)
    out.fields(
        ("Role", person.role.value if person.role else "not set"),
        ("Time zone", person.timezone or f"{default_timezone} (workspace default)"),
        *((("Admin", "yes"),) if person.is_admin else ()),
    )
    return out.build()


def people_list(people: list[Person]) -> Reply:
    out = ReplyBuilder(title=f"People ({len(people)})")
    out.bullets([(Strong(p.display_name), f" — {p.role.value if p.role else 'role not set'}") for p in people])
    return out.build()


def search_results(words: str, hits: list[SearchHit]) -> Reply:
    if not hits:
        return Reply(title=f"Nothing found for “{words}”.", blocks=(), tone=Tone.INFO)
    out = ReplyBuilder(title=f"Found for “{words}” ({len(hits)})")
    out.bullets(
        [(Strong(f"[{h.release_name or 'workspace'}] "), h.entry.body, f" — {h.entry.kind.value}, {h.entry.created_at:%Y-%m-%d}") for h in hits]
    )
    return out.build()


def help_reply(topic: str | None) -> Reply:
    if topic and topic in USAGE:
        return usage(topic, None)
    out = ReplyBuilder(title="Handoff keeps PMs and PMMs in step")
    out.para(WRITE_SIDE_HINT)
    out.bullets([(Code(USAGE[k].syntax.split(" [")[0].split(" <")[0]), f" — {USAGE[k].purpose}") for k in HELP_ORDER])
    out.context(f"Try: {USAGE['new'].example} · `help <command>` for details.")
    return out.build()


def usage(topic: str | None, message: str | None) -> Reply:
    out = ReplyBuilder(tone=Tone.USAGE)
    if message:
        out.para(message)
    if topic in USAGE:
        u: Usage = USAGE[topic]
        out.para(Strong("Usage: "), Code(u.syntax))
        out.para(Strong("Example: "), Code(u.example))
    else:
        out.para("Type ", Code("help"), " to see every command.")
    return out.build()


def _by_kind(counts: dict[Kind, int]) -> str:
    total = sum(counts.values())
    if not total:
        return "0"
    return f"{total} (" + ", ".join(f"{n} {k.value}" for k, n in sorted(counts.items())) + ")"


# --- drafts ------------------------------------------------------------------------------------

def draft_buttons(draft_id: int, used: bool = False) -> list[Button]:
    value = str(draft_id)
    buttons = [] if used else [Button("draft.use", "Use as messaging handoff", value, "primary")]
    return [*buttons, Button("draft.regenerate", "Regenerate", value), Button("draft.discard", "Discard", value, "danger")]


def draft_card(record: DraftRecord, problem: str | None = None) -> Reply:
    """A draft (outside-in messaging), or the brief, with what to do next."""
    out = ReplyBuilder(ephemeral=False)
    result = record.result
    if result:
        out.title = f"Draft: {result.get('headline', '')}"
        p = result.get("positioning", {})
        out.para(Strong("Value proposition: "), result.get("value_proposition", ""))
        out.para(Strong("Positioning: "), f"For {p.get('for_whom', '')} who {p.get('who_need', '')}, "
                 f"{p.get('product_is', '')} that {p.get('that', '')}. Unlike {p.get('unlike', '')}.")
        out.fields(("Headline", result.get("headline", "")), ("Subheadline", result.get("subheadline", "")))
        out.bullets([(Strong(b.get("benefit", "")), f" (from: {b.get('from_feature', '')})") for b in result.get("benefits", [])],
                    heading="Benefits")
        out.para(Strong("Release note: "), result.get("release_note", ""))
        if result.get("jargon_avoided"):
            out.context("Jargon avoided: " + ", ".join(result["jargon_avoided"]))
        out.context("A first draft for a PMM to edit: check every claim against the notes before it ships.")
    else:
        out.title = "Messaging brief"
        if problem:
            out.para(problem)
        for slot, items in drafting_brief(record.notes, record.options.get("audience")).items():
            out.bullets([(item,) for item in items] or [("(nothing in the notes yet)",)], heading=slot)
    out.buttons.extend(draft_buttons(record.id, used=record.status == "used"))
    return out.build()

