"""The words of nudges: one batched DM per person per pass, and the release-thread line for
overdue items. Every handoff item carries buttons to act at once."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Handoff, Status
from bot.gates.decisions import slip_sentence
from bot.gates.presenters import gate_buttons, slip_buttons
from bot.records import Rule
from bot.reminders.policy import Deferred, Nudge, Plan
from bot.reply import Actions, Button, Context, Paragraph, Reply, ReplyBuilder, Strong

MAX_AREAS = 6

_HEADINGS = {
    Rule.OVERDUE: "Overdue",
    Rule.DUE_SOON: "Due soon",
    Rule.UNACKNOWLEDGED: "Waiting for your acknowledgement",
    Rule.NO_OWNER: "Nobody owns these yet",
    Rule.ESCALATION: "Escalated to you",
    Rule.AREAS: "Grey areas that need a decision",
    Rule.GATE: "Launch gates waiting for your decision",
    Rule.SLIP: "A release at risk: move its date?",
}


def nudge_buttons(h: Handoff, rule: Rule) -> tuple[Button, ...]:
    """No version in the value: a reminder may be clicked hours later; the lifecycle still
    refuses a move that no longer fits."""
    value = str(h.number)
    if rule in (Rule.NO_OWNER, Rule.ESCALATION):
        return (Button("handoff.reassign", f"Reassign {h.ref}", value), Button("handoff.comment", "Comment", value))
    buttons = []
    if h.status is Status.OPEN:
        buttons.append(Button("handoff.ack", f"Acknowledge {h.ref}", value, "primary"))
    buttons += [Button("handoff.done", "Done", value), Button("handoff.snooze_1d", "Snooze 1d", value),
                Button("handoff.not_mine", "Not mine", value)]
    return tuple(buttons)


def dm(nudges: Sequence[Nudge]) -> Reply:
    count = len(nudges)
    out = ReplyBuilder(title="A reminder from Handoff" if count == 1 else f"{count} things need you", ephemeral=False)
    for rule in Rule:
        items = [n for n in nudges if n.rule is rule]
        if not items:
            continue
        out.para(Strong(_HEADINGS[rule]))
        for n in items:
            if n.handoff is not None:
                out.para(*_handoff_line(n))
                out.blocks.append(Actions(nudge_buttons(n.handoff, n.rule)))
            elif n.gate is not None and n.release is not None:
                out.para(Strong(n.gate.name), f" ({n.release.name}): {n.reason}")
                out.blocks.append(gate_buttons(n.release, n.gate))
            elif n.slip is not None and n.release is not None:
                out.para(Strong(n.release.name), f": {slip_sentence(n.release, n.slip)}")
                out.blocks.append(slip_buttons(n.release, n.slip))
            else:
                shown = "; ".join(f"{area.name} ({why})" for area, why in n.areas[:MAX_AREAS])
                more = f"; and {len(n.areas) - MAX_AREAS} more" if len(n.areas) > MAX_AREAS else ""
                out.para(Strong(n.release.name if n.release else "A release"), f" {n.reason}: {shown}{more}")
                if n.release:
                    out.context(f"Settle one with: owner set <area> @person for {n.release.name}")
    out.context("Snooze a handoff to quiet it; `nudges` shows what is coming next.")
    return out.build()


def thread_line(nudges: Sequence[Nudge]) -> Reply:
    lines = [(Strong(n.handoff.ref), f" {n.handoff.title} ", n.reason) for n in nudges if n.handoff]
    out = ReplyBuilder(ephemeral=False).bullets(lines, heading="Overdue")
    return out.build()


def _handoff_line(n: Nudge) -> tuple[str | Strong, ...]:
    h = n.handoff
    assert h is not None
    where = f" (for {n.release.name})" if n.release else ""
    return Strong(h.ref), f" {h.title}{where}: {n.reason}"


def preview(plan: Plan, limit: int = 20) -> Reply:
    """`nudges`: what goes out at the next pass, and what waits and why."""
    out = ReplyBuilder(title="Upcoming nudges")
    ready = [(n.person.display_name, n) for batch in plan.dms.values() for n in batch]
    out.bullets([(Strong(who), f" {_about(n)}: {n.reason}") for who, n in ready[:limit]], heading="At the next pass")
    waiting = sorted(plan.deferred, key=lambda d: d.until or d.nudge.person.display_name)
    out.bullets([_waiting(d) for d in waiting[:limit]], heading="Waiting")
    if not ready and not waiting:
        out.blocks.append(Paragraph(("Nothing to nudge: every handoff is on track.",)))
    out.blocks.append(Context("Nudges go out in each person's working hours, at most once a day per item."))
    return out.build()


def _about(n: Nudge) -> str:
    if n.handoff:
        return f"{n.handoff.ref} {n.handoff.title}"
    if n.gate:
        return f"gate {n.gate.name} of {n.release.name if n.release else '?'}"
    return n.release.name if n.release else "grey areas"


def _waiting(d: Deferred) -> tuple[str | Strong, ...]:
    when = f" until {d.until:%a %H:%M} UTC" if d.until else ""
    return Strong(d.nudge.person.display_name), f" {_about(d.nudge)}: {d.nudge.reason} — {d.why}{when}"
