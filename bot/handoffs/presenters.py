"""Turn use-case results into platform-neutral Replies. All wording for results lives here."""

from __future__ import annotations

import dataclasses
from datetime import date

from bot.domain import (
    ACTIVE_STATUSES,
    DEFINITION_OF_READY,
    Action,
    Handoff,
    HandoffView,
    Kind,
    Status,
)
from bot.handoffs.editing import Change
from bot.handoffs.lifecycle import allowed_actions
from bot.reply import Button, Form, FormField, Reply, ReplyBuilder, Span, Strong, Tone
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
    if view.needs:
        out.bullets([_link_line(n) for n in view.needs], heading="Waits on")
    if view.needed_by:
        out.bullets([_link_line(n) for n in view.needed_by], heading="Needed by")
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


def edited(view: HandoffView, changes: list[Change]) -> str:
    return f"Edited {view.handoff.ref}: " + "; ".join(change.line() for change in changes) + "."


def waits_on(view: HandoffView) -> str:
    h = view.handoff
    pending = [n.ref for n in view.needs if n.status in ACTIVE_STATUSES]
    if not pending:
        return f"{h.ref} waits on nothing open; it is {h.status.label}."
    return f"{h.ref} waits on {', '.join(pending)} and is {h.status.label}; its owner hears when they are done."


def edit_form(view: HandoffView, form: Form) -> Reply:
    """In a chat without forms (the shell), the current values and how to change each."""
    n = view.handoff.number
    out = ReplyBuilder(title=f"Edit {view.handoff.ref} {view.handoff.title}")
    out.fields(*((f.label, _shown(f)) for f in form.fields))
    out.context(f"Change one with `edit {n} <field> <new value>`, e.g. `edit {n} title {view.handoff.title[:40]}`; "
                f"fields: {', '.join(f.id for f in form.fields)}. `none` clears a release or an area.")
    return dataclasses.replace(out.build(), form=form)


def _shown(f: FormField) -> str:
    label = dict(f.choices).get(f.value, f.value) if f.choices else f.value
    return " ".join(label.split())[:200] or "—"


def _link_line(h: Handoff) -> tuple[Span, ...]:
    return (f"{h.ref} {h.title} — {h.status.label}",)


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
        buttons.append(Button("handoff.edit", "Edit", value))
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


# --- drafts ------------------------------------------------------------------------------------


