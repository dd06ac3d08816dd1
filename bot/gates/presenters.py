"""Replies for gates, the gate template, slip proposals and disputes (buttons included)."""

from __future__ import annotations

from datetime import date

from bot.domain import Gate, GateStatus, GateTemplateItem, Release, Slip
from bot.gates.decisions import GateReport, blocker, quoted
from bot.gates.template import describe_offset
from bot.reply import Actions, Reply, ReplyBuilder, Span, Strong, Tone, command_button
from bot.wording import due_text, name

_MARKS = {GateStatus.APPROVED: "✓", GateStatus.WAIVED: "–", GateStatus.DECLINED: "✗", GateStatus.PENDING: "…"}


def gate_list(report: GateReport, today: date, headline: str | None = None) -> Reply:
    """Every gate with its state, and buttons on the ones still to decide (or declined)."""
    release = report.release
    out = ReplyBuilder(title=headline or f"Gates of {release.name}", tone=Tone.SUCCESS if headline else Tone.INFO)
    ref = quoted(release.name)
    for i, g in enumerate(report.gates, 1):
        when = f", due {due_text(g.due_date, today)}" if g.due_date and g.status is GateStatus.PENDING else ""
        who = f" by {name(report.people.get(g.decided_by))}" if g.decided_by else ""
        note = f": {g.note}" if g.note else ""
        approvers = "/".join(r.value.upper() for r in g.approver_roles)
        line: tuple[Span, ...] = (f"{_MARKS[g.status]} {i}. ", Strong(g.name), f" — {g.status.value}{who}{note}{when} (approves: {approvers})")
        out.para(*line)
        buttons = []
        if g.status is not GateStatus.APPROVED:
            buttons.append(command_button("Approve", f"gate approve {ref} {i}", "primary"))
        if g.status is GateStatus.PENDING:
            buttons.append(command_button("Decline", f"gate decline {ref} {i}", "danger", needs_text=True))
        if g.status not in (GateStatus.WAIVED, GateStatus.APPROVED):
            buttons.append(command_button("Waive", f"gate waive {ref} {i}"))
        if buttons:
            out.blocks.append(Actions(tuple(buttons)))
    if stop := blocker(report.gates, today):
        out.para(Strong("At risk: "), stop)
    if report.slip:
        _slip_blocks(out, release, report.slip)
    out.context(f"Type: gate approve|decline|waive {ref} <number> [note]")
    return out.build()


def _slip_blocks(out: ReplyBuilder, release: Release, slip: Slip) -> None:
    if slip.proposed_target:
        out.para(Strong("Proposed new target: "), f"{slip.proposed_target} (now {slip.old_target}), because {slip.reason}.")
    out.blocks.append(slip_buttons(release, slip))


def slip_buttons(release: Release, slip: Slip) -> Actions:
    ref = quoted(release.name)
    return Actions((command_button(f"Move to {slip.proposed_target}", f"release slip accept {ref} S{slip.id}", "primary"),
                    command_button("Keep the date", f"release slip reject {ref} S{slip.id}")))


def gate_buttons(release: Release, gate: Gate) -> Actions:
    """What an approver's reminder offers: decide the gate from the message."""
    ref, n = quoted(release.name), gate.position + 1
    return Actions((command_button("Approve", f"gate approve {ref} {n}", "primary"),
                    command_button("Decline", f"gate decline {ref} {n}", "danger", needs_text=True),
                    command_button("Waive", f"gate waive {ref} {n}")))


def slip_card(release: Release, slip: Slip) -> Reply:
    """What the release's owner gets: the risk, the proposed date, and one click either way."""
    out = ReplyBuilder(title=f"{release.name} is at risk", ephemeral=False)
    out.para(slip.reason)
    _slip_blocks(out, release, slip)
    out.context(f"Or type: release slip accept {quoted(release.name)} · release slip reject {quoted(release.name)} [why]")
    return out.build()


def slip_answered(release: Release, sentence: str) -> Reply:
    return ReplyBuilder(title=f"{release.name}: target {release.target_date or 'not set'}", tone=Tone.SUCCESS,
                        ephemeral=False).para(sentence + ".").build()


def template_reply(items: list[GateTemplateItem], standard: bool, headline: str | None = None) -> Reply:
    out = ReplyBuilder(title=headline or ("Gate template (the standard one)" if standard else "Gate template"),
                       tone=Tone.SUCCESS if headline else Tone.INFO)
    out.bullets([(f"{i}. ", Strong(item.name), f" — {describe_offset(item.offset_days)}; approves: "
                  + "/".join(r.value.upper() for r in item.approver_roles)) for i, item in enumerate(items, 1)])
    out.context('Leads edit it: gate template add "Security Review" 30 days before approvers lead · '
                "rename 2 to Use cases · move 5 to 2 · remove 3 · reset")
    return out.build()


# --- disputes ------------------------------------------------------------------------------


