"""Adaptive Card forms for Teams: what Slack does with modals (the new-handoff form, reasons)."""

from __future__ import annotations

from typing import Any

from bot import commands as c
from bot.domain import Kind
from bot.reply import Form
from handlers.teams import pickers
from handlers.teams.render import SCHEMA, VERSION, escape

NEW_HANDOFF = "handoff.new"
_KINDS = (("requirement", "Requirement (PM → PMM)"), ("messaging", "Messaging (PMM → PM)"), ("question", "Question"))
_LABELS = {"handoff.ask": "Your question", "handoff.answer": "Your answer", "handoff.comment": "Your comment"}
MAX_CHOICES = pickers.MAX_CHOICES


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body, "actions": actions}


def _choices(values: list[str]) -> list[dict[str, str]]:
    return [{"title": v, "value": v} for v in values[:MAX_CHOICES]]


def new_handoff_form(releases: list[str], areas: list[str], values: dict[str, Any] | None = None,
                     problem: str | None = None, field: str | None = None,
                     conversation_kind: str = "personal") -> dict[str, Any]:
    """The form; sent again with the person's values and the problem next to its field. The owner
    is a people picker (see :mod:`handlers.teams.pickers`), the release a type-ahead."""
    v = values or {}
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": "New handoff", "weight": "Bolder", "size": "Medium"}]
    if problem:
        body.append({"type": "TextBlock", "text": escape(problem), "color": "Attention", "wrap": True})

    def text_input(name: str, label: str, **props: Any) -> dict[str, Any]:
        element = {"type": "Input.Text", "id": name, "label": label, **props}
        if v.get(name):
            element["value"] = str(v[name])
        if field == name:
            element["errorMessage"] = problem or "Check this field."
        return element

    body.append({"type": "Input.ChoiceSet", "id": "kind", "label": "Kind", "style": "compact",
                 "value": v.get("kind") or "requirement", "choices": [{"title": t, "value": k} for k, t in _KINDS]})
    body.append(text_input("title", "Title", isRequired=True, maxLength=200, errorMessage="A handoff needs a title."))
    body.append(text_input("details", "Details", isMultiline=True, maxLength=3000,
                           placeholder="audience: …, problem: …, why now: … / claims to verify: …, proof points: …"))
    body.append(pickers.people_picker("owner", "Owner (optional)", conversation_kind, str(v.get("owner") or ""),
                                      problem if field == "owner" else None))
    if releases:
        body.append(pickers.release_picker(releases, str(v.get("release") or "")))
    if areas:
        body.append({"type": "Input.ChoiceSet", "id": "area", "label": "Grey area", "style": "filtered",
                     "choices": _choices(areas), **({"value": v["area"]} if v.get("area") else {})})
    due = {"type": "Input.Date", "id": "due", "label": "Due"}
    if v.get("due"):
        due["value"] = str(v["due"])
    if field == "due":
        due["errorMessage"] = problem or "Check the date."
    body.append(due)
    return _card(body, [{"type": "Action.Submit", "title": "Hand off", "style": "positive",
                         "data": {"handoff_action": NEW_HANDOFF}}])


def read_new_handoff(value: dict[str, Any], owner: c.UserRef | None = None) -> c.CreateHandoff:
    """The form's fields; the owner is the person its picker named, resolved by the caller
    (``pickers.Roster``: a picker submits an AAD id, which only Teams' roster can turn into a person)."""
    def text(name: str) -> str:
        return str(value.get(name) or "").strip()

    kind = text("kind")
    return c.CreateHandoff(
        title=text("title"), owner=owner,
        kind=Kind(kind) if kind in {k.value for k in Kind} else None,
        release=text("release") or None, area=text("area") or None, details=text("details"), due=text("due") or None,
    )


EDIT_SAVE = "handoff.edit_save"


def form_card(form: Form, values: dict[str, Any] | None = None, problem: str | None = None,
              field: str | None = None) -> dict[str, Any]:
    """A core :class:`Form` (the edit form) as a card; sent again with the person's values and
    the problem next to its field when the core refuses them."""
    v = values or {}
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": form.title, "weight": "Bolder", "size": "Medium",
                                   "wrap": True}]
    if problem:
        body.append({"type": "TextBlock", "text": escape(problem), "color": "Attention", "wrap": True})
    for f in form.fields:
        value = str(v.get(f.id, f.value))
        element: dict[str, Any] = {"id": f.id, "label": f.label, "isRequired": f.required}
        if f.choices:
            element |= {"type": "Input.ChoiceSet", "style": "filtered" if len(f.choices) > 5 else "compact",
                        "choices": [{"title": label, "value": val} for val, label in f.choices[:MAX_CHOICES]]}
            if f.id == "release":  # a type-ahead: past the first hundred, Teams asks pickers.search
                element |= {"style": "filtered", "choices.data": dict(pickers.RELEASES_QUERY)}
        else:
            element |= {"type": "Input.Text", "isMultiline": f.multiline, "maxLength": f.max_length}
        if value:
            element["value"] = value
        if f.required or field == f.id:
            element["errorMessage"] = problem if field == f.id and problem else f"{f.label} can't be empty."
        body.append(element)
    data = {"handoff_action": EDIT_SAVE, "value": form.value, "fields": ",".join(f.id for f in form.fields),
            "form": form.action}
    return _card(body, [{"type": "Action.Submit", "title": form.submit, "style": "positive", "data": data}])


def read_edit(value: dict[str, Any], number: int, version: int | None) -> c.EditHandoff:
    """Every field the form showed, as the person left it (an input left empty reads as "")."""
    shown = [f for f in str(value.get("fields") or "").split(",") if f in c.EDITABLE_FIELDS]
    return c.EditHandoff(number, tuple((f, str(value.get(f) or "")) for f in shown), version)


def command_text_form(action: str, label: str, command: str) -> dict[str, Any]:
    """A command button that needs a few words (a gate's decline reason): Send runs the command with them."""
    return _card(
        [{"type": "TextBlock", "text": f"{label}: why?", "weight": "Bolder", "wrap": True},
         {"type": "Input.Text", "id": "text", "isMultiline": True, "isRequired": True, "maxLength": 1000,
          "label": "Reason", "errorMessage": "Write a few words first."}],
        [{"type": "Action.Submit", "title": "Send", "style": "positive",
          "data": {"handoff_action": action, "value": command, "label": label}}],
    )


def text_form(action: str, number: int, version: int | None) -> dict[str, Any]:
    """The card that replaces Slack's reason modal: a required text box and a Send button."""
    label = _LABELS.get(action, "Why?")
    value = f"{number}:{version}" if version is not None else str(number)
    return _card(
        [{"type": "TextBlock", "text": f"{label} (#{number})", "weight": "Bolder", "wrap": True},
         {"type": "Input.Text", "id": "text", "isMultiline": True, "isRequired": True, "maxLength": 3000,
          "label": label, "errorMessage": "Write a few words first."}],
        [{"type": "Action.Submit", "title": "Send", "style": "positive", "data": {"handoff_action": action, "value": value}}],
    )
