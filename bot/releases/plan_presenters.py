"""Launch plans, statements and release changes as replies: the plan as a checklist, what it
added and cancelled, areas skipped, the statement and who stands behind it."""

from __future__ import annotations

from datetime import date

from bot.domain import PlanTemplateItem, Release, Status
from bot.gates.decisions import quoted
from bot.releases import plan
from bot.releases.changes import ReleaseChange
from bot.releases.launch_plan import PlanChange, PlanLine, PlanView, SkipResult
from bot.releases.statement import StatementResult
from bot.reply import Reply, ReplyBuilder, Span, Strong, Tone
from bot.wording import due_text, name

_MARK = {Status.DONE: "☑", Status.CANCELLED: "✕"}


def plan_reply(view: PlanView, today: date, headline: str | None = None) -> Reply:
    r = view.release
    tier = f" (Tier {r.tier})" if r.tier else ""
    out = ReplyBuilder(title=f"Launch plan of {r.name}{tier}", tone=Tone.SUCCESS if headline else Tone.INFO)
    if headline:
        out.para(headline)
    lines = [line for line in view.lines if line.item.status is not Status.CANCELLED]
    if not lines:
        out.para("No plan items yet: ", Strong(f"release tier {quoted(r.name)} 1"), " (or 2, 3) lays them out.")
    else:
        counts = view.counts()
        done = counts.get(Status.DONE, 0)
        out.para(f"{done} of {len(lines)} done. " + ", ".join(f"{n} {s.label}" for s, n in counts.items()
                                                               if s not in (Status.DONE, Status.CANCELLED)))
        out.bullets([_line(line, view, today) for line in lines], heading="Checklist")
    if view.skipped:
        out.bullets([(Strong(area), f" — {skip.reason}" if skip.reason else " — not applicable")
                     for area, skip in view.skipped], heading="Not applicable")
    missing = view.needs_driver
    if missing:
        out.context("Needs a driver: " + ", ".join(f"{line.item.ref} {line.item.title}" for line in missing)
                    + ". `owner claim <area>` or `owner set <area> @person`, then `reassign <N> @person`.")
    return out.build()


def _line(line: PlanLine, view: PlanView, today: date) -> tuple[Span, ...]:
    h = line.item
    owner = name(view.people.get(h.owner_id)) if h.owner_id else "no owner yet"
    spans: list[Span] = [f"{_MARK.get(h.status, '☐')} ", Strong(h.ref), f" {h.title} — {owner}, due {due_text(h.due_date, today)}"]
    if h.status not in (Status.OPEN, Status.DONE):
        spans.append(f" ({h.status.label})")
    for given in line.inputs:
        if given.status is Status.CANCELLED:
            continue
        who = name(view.people.get(given.owner_id)) if given.owner_id else "nobody yet"
        spans.append(f"; needs {given.ref} {given.title} from {who} ({given.status.label})")
    return tuple(spans)


def plan_change_reply(change: PlanChange, today: date) -> Reply:
    parts = [f"Tier {change.tier}: {len(change.added)} handoffs added"]
    if change.cancelled:
        parts.append(f"{len(change.cancelled)} cancelled ({', '.join(h.ref for h in change.cancelled)})")
    if change.kept:
        parts.append(f"{len(change.kept)} kept because they are under way ({', '.join(h.ref for h in change.kept)})")
    return plan_reply(change.view, today, "; ".join(parts) + ".")


def skip_reply(result: SkipResult) -> Reply:
    r, area = result.release, result.area
    if result.undo:
        title = f"{area.name} is part of {r.name} again." if result.changed else f"{area.name} was part of {r.name} already."
        if result.added:
            title += f" Its plan items are back: {', '.join(h.ref for h in result.added)}."
        return Reply(title=title, tone=Tone.SUCCESS if result.changed else Tone.INFO)
    if not result.changed:
        return Reply(title=f"{area.name} was already marked not applicable to {r.name}.", tone=Tone.INFO)
    out = ReplyBuilder(title=f"{area.name} does not apply to {r.name}", tone=Tone.SUCCESS)
    out.para("It is out of the release's readiness, digests and nudges.")
    if result.cancelled:
        out.para(f"Cancelled its untouched plan items: {', '.join(h.ref for h in result.cancelled)}.")
    if result.kept:
        out.para(f"Kept what is under way: {', '.join(h.ref for h in result.kept)}.")
    out.context(f"`release unskip {quoted(r.name)} {area.name}` takes it back.")
    return out.build()


def statement_written(result: StatementResult) -> Reply:
    r = result.release
    asked = ", ".join(p.display_name for p in result.asked)
    out = ReplyBuilder(title=f"What {r.name} does", tone=Tone.SUCCESS)
    out.para(r.statement or "")
    if result.changed_from:
        out.para(Strong("It said: "), result.changed_from)
    out.context(f"Saved. {asked} {'is' if len(result.asked) == 1 else 'are'} asked to confirm it." if asked
                else "Saved. Nobody drives the launch area and there is no PMM yet: a lead can confirm it.")
    return out.build()


def statement_confirmed(release: Release) -> Reply:
    return ReplyBuilder(title=f"Confirmed: both sides stand behind what {release.name} does", tone=Tone.SUCCESS).para(
        release.statement or "").build()


def release_changed(change: ReleaseChange, today: date) -> Reply:
    out = ReplyBuilder(title=change.sentence, tone=Tone.SUCCESS)
    if change.moved:
        out.bullets([(Strong(h.ref), f" {h.title}: due {due_text(h.due_date, today)}") for h in change.moved],
                    heading="Plan items moved with it")
    if change.still_open:
        out.context(f"Still open in its plan: {', '.join(f'{h.ref} {h.title}' for h in change.still_open)}.")
    return out.build()


def plan_template_reply(items: list[PlanTemplateItem], standard: bool, headline: str | None = None) -> Reply:
    out = ReplyBuilder(title="Launch-plan template" + (" (the standard one)" if standard else ""),
                       tone=Tone.SUCCESS if headline else Tone.INFO)
    if headline:
        out.para(headline)
    for tier, label in plan.TIERS.items():
        mine = plan.items_for(items, tier)
        out.bullets([(plan.describe(i),) for i in mine], heading=f"{label}: {len(mine)} items")
    out.bullets([(f"{n}. {plan.describe(i)}",) for n, i in enumerate(items, 1)], heading="Every item, by number")
    out.context('Leads change it: `plan template add "Webinar" area launch tier 1 10 days before needs demo '
                'environment`, `plan template remove 3`, `plan template reset`.')
    return out.build()
