"""The registry as replies: who owns an area, an area's duties, disputes to settle."""

from __future__ import annotations

from bot.domain import (
    Area,
    Dispute,
    DisputeStatus,
    Duty,
    Person,
    Release,
    Role,
)
from bot.duties import suggested_roles
from bot.ownership.registry import AreaReport, AssignResult, WhoOwnsAnswer
from bot.reply import Actions, Code, Reply, ReplyBuilder, Span, Strong, Tone, command_button
from bot.wording import name

WRITE_SIDE_HINT = (
    "Requirements go PM → PMM, messaging PMM → PM; a grey area's driver is accountable for it."
)


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
        headline += _practice(result)
    return area_report(result.report, headline)


def _practice(result: AssignResult) -> str:
    """A PM driving a customer-facing area (or a PMM an inbound one) is allowed; say what practice suggests."""
    role = result.person.role
    if result.duty is not Duty.DRIVER or role not in (Role.PM, Role.PMM):
        return ""
    usual, helper = suggested_roles(result.report.area.side)
    if role is usual:
        return ""
    facing = "inbound (market and product) work" if usual is Role.PM else "customer- and market-facing work"
    return (f" Practice suggests a {usual.value.upper()} drives {facing}, with {helper.value.upper()} input; "
            f"that is a suggestion, not a rule.")


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


def dispute_subject(dispute: Dispute, handoff_ref: str | None, area: Area | None, release: Release | None) -> str:
    what = handoff_ref or (area.name if area else "?")
    return what + (f" for {release.name}" if release and not handoff_ref else "")


def dispute_card(dispute: Dispute, subject: str, people: dict[int, Person], options: list[str],
                 headline: str | None = None) -> Reply:
    """Both sides, and for a lead one button per outcome."""
    out = ReplyBuilder(title=headline or f"Dispute D{dispute.id}: {subject}", ephemeral=False)
    out.para(Strong(f"{name(people.get(dispute.raised_by))}: "), dispute.reason)
    if dispute.other_party:
        out.para(Strong(f"{name(people.get(dispute.other_party))}: "), dispute.other_side or "(has not said yet)")
    if dispute.status is DisputeStatus.RESOLVED:
        out.para(Strong("Decided: "), f"{dispute.outcome} — {name(people.get(dispute.resolved_by))}")
        return out.build()
    out.bullets([(f"{i}. {label}",) for i, label in enumerate(options, 1)], heading="Outcomes")
    out.blocks.append(Actions(tuple(command_button(label[:70], f"dispute resolve {dispute.id} {i}", "primary" if i == 1 else None)
                                    for i, label in enumerate(options, 1))))
    out.context(f"A lead or admin decides: dispute resolve {dispute.id} <outcome number> [note]")
    return out.build()
