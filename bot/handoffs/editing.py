"""Correcting a handoff after it was made: title, details, kind, release, grey area, and the
reason its owner gave. Each changed field is one history line with the old and the new value;
the thread gets one line and the other party one notice, however many fields changed."""

from __future__ import annotations

from dataclasses import dataclass

from bot import commands as c
from bot import rights
from bot.context import Ctx, find_release
from bot.domain import CLOSED_RELEASES, EntryKind, Handoff, HandoffView, Kind, Release
from bot.errors import InvalidInput
from bot.handoffs.lifecycle import parties, party_names
from bot.handoffs.use_cases import (
    MAX_DETAILS,
    MAX_NOTE,
    MAX_TITLE,
    find_area,
    load,
    log_event,
    record_event,
    save,
    tag_field,
    with_history,
)
from bot.reply import Form, FormField

NONE_WORDS = frozenset({"none", "-", "no release", "no area", "nothing"})
_KIND_LABELS = {Kind.REQUIREMENT: "Requirement (PM → PMM)", Kind.MESSAGING: "Messaging (PMM → PM)",
                Kind.QUESTION: "Question"}
MAX_CHOICES = 100


@dataclass(frozen=True)
class Change:
    """One field's correction, as the history and the notices tell it."""

    field: str
    old: str
    new: str

    def line(self) -> str:
        return f"{self.field}: {_quote(self.old)} → {_quote(self.new)}"


def right_for(field: str) -> str:
    """What was asked is the requester's to correct; the reason given is the owner's."""
    return "handoff.edit_reason" if field == "reason" else "handoff.edit"


async def edit(cmd: c.EditHandoff, ctx: Ctx, *, action: str = "edit") -> tuple[HandoffView, list[Change]]:
    """Apply the changes that change something; ``action`` is how the history names them (``undo``)."""
    view = await load(ctx, cmd.number)
    handoff = view.handoff
    old_release = view.release
    for field in dict(cmd.changes):
        rights.require(right_for(field), ctx.actor, parties(handoff, ctx.actor), subject=handoff.ref,
                       names=party_names(view.owner, view.requester))
    changes = [change for field, value in cmd.changes if (change := await _apply(ctx, view, field, value))]
    if not changes:
        raise InvalidInput(f"Nothing to change: {handoff.ref} already says that.")
    await save(ctx, handoff, cmd.expected_version)
    for change in changes:
        await record_event(ctx, handoff, action, None, None, change.line(), (change.field, change.old, change.new))
    summary = "; ".join(change.line() for change in changes)
    verb = "undid an edit of" if action == "undo" else "edited"
    sentence = f"{ctx.actor.display_name} {verb} {handoff.ref} {handoff.title}: {summary}"
    await log_event(ctx, handoff, sentence)
    if old_release is not None and old_release.id != handoff.release_id:
        await ctx.record(EntryKind.HANDOFF, sentence, old_release.id, handoff.id)
    for party in {p.id: p for p in (view.requester, view.owner) if p}.values():
        ctx.notify(party, sentence, handoff.number)
    await with_history(ctx, view)
    ctx.touch(view)
    return view, changes


async def _apply(ctx: Ctx, view: HandoffView, field: str, value: str) -> Change | None:
    """Set one field on the handoff (and the view); ``None`` when it already had that value."""
    h = view.handoff
    value = value.strip()
    if field == "title":
        if not value or len(value) > MAX_TITLE:
            raise InvalidInput(f"A title has 1 to {MAX_TITLE} characters; put the rest in the details.", "title")
        old, h.title = h.title, value
    elif field == "details":
        if len(value) > MAX_DETAILS:
            raise InvalidInput(f"Keep the details under {MAX_DETAILS:,} characters; link to a doc for more.", "details")
        old, h.details = h.details, value
    elif field == "kind":
        kind = _kind(value)
        old, h.kind, value = h.kind.value, kind, kind.value
    elif field == "release":
        old = view.release.name if view.release else "none"
        view.release = await _release(ctx, h, value)
        h.release_id, value = (view.release.id, view.release.name) if view.release else (None, "none")
    elif field == "area":
        old = view.area.name if view.area else "none"
        view.area = None if value.casefold() in NONE_WORDS else await tag_field("area", find_area(ctx, value))
        h.area_id, value = (view.area.id, view.area.name) if view.area else (None, "none")
    elif field == "reason":
        if not h.status_note:
            raise InvalidInput(f"{h.ref} is {h.status.label} and has no reason to reword.", "reason")
        if not value or len(value) > MAX_NOTE:
            raise InvalidInput(f"A reason has 1 to {MAX_NOTE:,} characters.", "reason")
        old, h.status_note = h.status_note, value
    else:
        raise InvalidInput(f"I can't edit “{field}”; you can edit: {', '.join(c.EDITABLE_FIELDS)}.")
    return None if old == value else Change(field, old, value)


async def form(cmd: c.ShowEditForm, ctx: Ctx) -> tuple[HandoffView, Form]:
    """The edit form, prefilled, with the fields the caller may change (refused if none)."""
    view = await load(ctx, cmd.number)
    h = view.handoff
    holds = parties(h, ctx.actor)
    may_ask = rights.allows("handoff.edit", ctx.actor, holds)
    may_reason = bool(h.status_note) and rights.allows("handoff.edit_reason", ctx.actor, holds)
    if not may_ask and not may_reason:
        rights.require("handoff.edit", ctx.actor, holds, subject=h.ref, names=party_names(view.owner, view.requester))
    fields: list[FormField] = []
    if may_ask:
        releases = [r.name for r in await ctx.uow.releases.list() if r.status not in CLOSED_RELEASES]
        areas = [a.name for a in (await ctx.area_index()).areas]
        fields += [
            FormField("kind", "Kind", h.kind.value, tuple((k.value, label) for k, label in _KIND_LABELS.items())),
            FormField("title", "Title", h.title, max_length=MAX_TITLE, required=True),
            FormField("details", "Details", h.details, multiline=True, max_length=MAX_DETAILS),
            FormField("release", "Release", view.release.name if view.release else "none",
                      _named_choices(releases, view.release.name if view.release else None, "No release")),
            FormField("area", "Grey area", view.area.name if view.area else "none",
                      _named_choices(areas, view.area.name if view.area else None, "No grey area")),
        ]
    if may_reason:
        fields.append(FormField("reason", "Reason", h.status_note or "", multiline=True, max_length=MAX_NOTE, required=True))
    return view, Form("handoff.edit", f"Edit {h.ref}", "Save", f"{h.number}:{h.version}", tuple(fields))


def _named_choices(names: list[str], current: str | None, none_label: str) -> tuple[tuple[str, str], ...]:
    """``none`` first, the current value always, then the rest up to what a pick list holds."""
    wanted = ([current] if current else []) + [n for n in names if n != current]
    return (("none", none_label), *((n, n) for n in wanted[:MAX_CHOICES - 1]))


def _kind(value: str) -> Kind:
    try:
        return Kind(value.casefold())
    except ValueError:
        raise InvalidInput("A handoff is a requirement, messaging or a question.", "kind") from None


async def _release(ctx: Ctx, handoff: Handoff, value: str) -> Release | None:
    """The release to move the handoff to: an open one, or none; a plan item stays in its plan."""
    if handoff.plan_key:
        raise InvalidInput(f"{handoff.ref} is an item of its release's launch plan, so it stays with that release; "
                           "`release skip` takes an area out of the plan.", "release")
    if value.casefold() in NONE_WORDS:
        return None
    release = await tag_field("release", find_release(ctx.uow, value))
    if release.status in CLOSED_RELEASES:
        raise InvalidInput(f"{release.name} is {release.status}; move {handoff.ref} to a release still under way.", "release")
    return release


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text[:77]}…”" if len(text) > 80 else f"“{text}”"


