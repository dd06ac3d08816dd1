"""Message actions: Slack's message shortcuts as Teams messaging-extension action commands.

The manifest (``deploy/teams/manifest.json``) declares three action commands in the message
context, each with ``fetchTask``: "Hand off this message", "Add to release thread" and "Draft
customer messaging" (the ids are Slack's callback ids). Teams then sends two invokes:

- ``composeExtension/fetchTask``: answered with a dialog (a task module) holding the same form
  as Slack's modal, prefilled from the message (its HTML body read as plain text) and carrying
  the link back to it;
- ``composeExtension/submitAction``: the form's values. The core runs the command; a refusal is
  the dialog again with the person's values and the problem next to its field, and nothing is
  changed; success closes the dialog (``{}``) and posts the result in the conversation as a card
  with an "Open the message" button, queueing DMs to other people as a typed command does.

User text only ever reaches a card as an input's value (never rendered as Markdown) or through
the renderer's escaping.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import urlsplit

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.schema import Activity

from bot import commands as c
from bot.chat.core import Core, Outcome
from bot.context import Caller
from bot.domain import EntryKind
from bot.errors import TemporarilyUnavailable
from bot.reply import message_of
from handlers.teams import forms, pickers
from handlers.teams.render import SCHEMA, VERSION, escape

log = logging.getLogger("handoff.teams")

FETCH = "composeExtension/fetchTask"
SUBMIT = "composeExtension/submitAction"
INVOKES = (FETCH, SUBMIT)
HAND_OFF = "handoff_message"
ADD_TO_THREAD = "add_to_release_thread"
DRAFT = "draft_message"
TITLES = {HAND_OFF: "Hand off this message", ADD_TO_THREAD: "Add to release thread", DRAFT: "Draft customer messaging"}
MAX_TEXT = 3000  # what the forms' text inputs hold (Slack's modals hold the same)
MAX_TITLE = 150  # a handoff's title from the message's first line, as Slack's shortcut cuts it
MAX_LINK = 2048
# Where Teams links a message: the commercial, government and consumer clouds.
TEAMS_HOSTS = ("teams.microsoft.com", "teams.microsoft.us", "teams.microsoft.mil", "teams.cloud.microsoft",
               "teams.live.com")
DRAFTING_OFF = ("Drafting is off on this server (no model is set up), so you will get a brief built from these "
                "notes instead of a draft.")
_KINDS = (("note", "Note"), ("decision", "Decision"))
_HANDOFF_FIELDS = ("kind", "title", "details", "owner", "release", "area", "due")


class Host(Protocol):
    """What the actions need of the Teams surface (:class:`handlers.teams.surface.TeamsBot`)."""

    core: Core
    roster: pickers.Roster

    def caller(self, activity: Activity) -> Caller: ...

    async def _answer(self, turn_context: TurnContext, caller: Caller, outcome: Outcome, clicked: str | None,
                      link: str | None = None) -> None: ...

    async def _queue_notices(self, caller: Caller, outcome: Outcome) -> None: ...

    async def _release_threads(self, turn_context: TurnContext, caller: Caller, outcome: Outcome) -> None: ...


# --- the message -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    text: str
    link: str | None


class _Text(HTMLParser):
    """A Teams message body (HTML) as plain text: paragraphs and line breaks kept, mentions as
    ``@Name``, a link's address after its words, scripts, styles and every other tag dropped."""

    BLOCKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol"})
    SKIP = frozenset({"script", "style", "template", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "br" or tag in self.BLOCKS:
            self.out.append("\n")
        elif tag == "at":
            self.out.append("@")
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.out)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            words = "".join(self.out[start:]).strip()
            if href and re.match(r"https?://", href, re.IGNORECASE) and href != words:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)


def plain_text(content: str) -> str:
    parser = _Text()
    parser.feed(content)
    parser.close()
    text = "".join(parser.out).replace("\r\n", "\n").replace("\xa0", " ")
    text = "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def safe_link(value: Any) -> str | None:
    """``linkToMessage`` when it is what Teams sends: an https link to a Teams host."""
    if not isinstance(value, str) or len(value) > MAX_LINK or re.search(r"[\s<>\"'\\]", value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not any(host == h or host.endswith("." + h) for h in TEAMS_HOSTS):
        return None
    return value


def read_message(value: dict[str, Any]) -> Message:
    payload = value.get("messagePayload")
    if not isinstance(payload, dict):
        return Message("", None)
    body = payload.get("body") if isinstance(payload.get("body"), dict) else {}
    content = body.get("content") if isinstance(body.get("content"), str) else ""
    text = content.strip() if str(body.get("contentType") or "").lower() == "text" else plain_text(content)
    return Message(text, safe_link(payload.get("linkToMessage")))


def _with_link(text: str, link: str | None) -> str:
    """The text and where it came from, as Slack's shortcuts write it; the link is never cut off."""
    suffix = f"\n\nFrom: {link}" if link else ""
    room = MAX_TEXT - len(suffix)
    body = text if len(text) <= room else text[: room - 1].rstrip() + "…"
    return (body + suffix).strip()


# --- dialogs -----------------------------------------------------------------------------------

def _dialog(command: str, card: dict[str, Any], height: str = "medium") -> dict[str, Any]:
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return {"task": {"type": "continue", "value": {"title": TITLES[command], "height": height, "width": "medium",
                                                    "card": attachment}}}


def _note(text: str) -> dict[str, Any]:
    """A dialog that only says something (there is nothing to fill in)."""
    return {"task": {"type": "message", "value": text}}


def _submit_data(card: dict[str, Any], command: str, link: str | None) -> dict[str, Any]:
    """Each Submit says which action it answers and carries the link back to the message."""
    for action in card.get("actions", []):
        if action.get("type") == "Action.Submit":
            action["data"] = {**action.get("data", {}), "command": command, **({"link": link} if link else {})}
    return card


def _mark(card: dict[str, Any], field: str, problem: str) -> dict[str, Any]:
    """The problem next to its field, on inputs the form itself does not mark (its pick lists)."""
    for element in card["body"]:
        if element.get("id") == field and element.get("type", "").startswith("Input.") and "errorMessage" not in element:
            element["errorMessage"] = problem
    return card


def _card(body: list[dict[str, Any]], submit: str) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
            "actions": [{"type": "Action.Submit", "title": submit, "style": "positive", "data": {}}]}


def _header(title: str, problem: str | None, note: str | None = None) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}]
    if note:
        body.append({"type": "TextBlock", "text": escape(note), "isSubtle": True, "wrap": True})
    if problem:
        body.append({"type": "TextBlock", "text": escape(problem), "color": "Attention", "wrap": True})
    return body


def _text_input(name: str, label: str, values: dict[str, Any], problem: str | None, field: str | None,
                **props: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "Input.Text", "id": name, "label": label, **props}
    if values.get(name):
        element["value"] = str(values[name])
    if field == name:
        element["errorMessage"] = problem or "Check this field."
    return element


def _release_choice(name: str, releases: list[str], values: dict[str, Any], problem: str | None, field: str | None,
                    required: bool) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "Input.ChoiceSet", "id": name, "label": "Release", "style": "filtered",
                               "isRequired": required, "choices": [{"title": r, "value": r}
                                                                   for r in releases[:forms.MAX_CHOICES]]}
    if values.get(name):
        element["value"] = str(values[name])
    if field == name:
        element["errorMessage"] = problem or "Pick a release."
    elif required:
        element["errorMessage"] = "Pick the release to add it to."
    return element


def release_entry_form(releases: list[str], values: dict[str, Any], problem: str | None = None,
                       field: str | None = None) -> dict[str, Any]:
    """Slack's "Add to release thread" modal: which release, note or decision, and the text."""
    kind = values.get("kind") if values.get("kind") in dict(_KINDS) else "note"
    text = _text_input("text", "Text", values, problem, field, isMultiline=True, isRequired=True, maxLength=MAX_TEXT)
    text.setdefault("errorMessage", "Write what to add first.")
    kind_input: dict[str, Any] = {"type": "Input.ChoiceSet", "id": "kind", "label": "Add as", "style": "expanded",
                                  "value": kind, "choices": [{"title": t, "value": k} for k, t in _KINDS]}
    if field == "kind":
        kind_input["errorMessage"] = problem or "Check this field."
    body = [*_header("Add to release thread", problem), _release_choice("release", releases, values, problem, field, True),
            kind_input, text]
    return _card(body, "Add")


def draft_form(releases: list[str], values: dict[str, Any], drafting_on: bool, problem: str | None = None,
               field: str | None = None) -> dict[str, Any]:
    """The notes to draft from (the message), and optionally the release and the audience."""
    notes = _text_input("notes", "Technical notes", values, problem, field, isMultiline=True, isRequired=True,
                        maxLength=MAX_TEXT)
    notes.setdefault("errorMessage", "Give a sentence or more of technical notes.")
    body = [*_header("Draft customer messaging", problem, None if drafting_on else DRAFTING_OFF), notes]
    if releases:
        body.append(_release_choice("release", releases, values, problem, field, False))
    body.append(_text_input("audience", "Audience", values, problem, field, maxLength=200,
                            placeholder="e.g. mid-market ops leads (optional)"))
    return _card(body, "Draft")


# --- the invokes ---------------------------------------------------------------------------

async def answer(host: Host, turn_context: TurnContext) -> InvokeResponse:
    activity = turn_context.activity
    value = activity.value if isinstance(activity.value, dict) else {}
    command = value.get("commandId")
    if not isinstance(command, str) or command not in TITLES:
        return InvokeResponse(status=200, body=_note("I don't know that action; update the Handoff app."))
    caller = host.caller(activity)
    message = read_message(value)
    try:
        if activity.name == FETCH:
            body = await _fetch(host, caller, command, message, pickers.kind_of(activity))
        else:
            data = value.get("data") if isinstance(value.get("data"), dict) else {}
            link = message.link or safe_link(data.get("link"))
            body = await _submit(host, turn_context, caller, command, data, link)
    except TemporarilyUnavailable:
        body = _note("I can't reach my database right now; try again in a moment.")
    return InvokeResponse(status=200, body=body)


async def _fetch(host: Host, caller: Caller, command: str, message: Message, conversation_kind: str) -> dict[str, Any]:
    releases = await host.core.names(caller.workspace_id, "releases")
    if command == HAND_OFF:
        areas = await host.core.names(caller.workspace_id, "areas")
        first = next((line for line in message.text.splitlines() if line.strip()), "")
        values = {"title": first[:MAX_TITLE], "details": _with_link(message.text, message.link)}
        return _dialog(command, _submit_data(forms.new_handoff_form(releases, areas, values, conversation_kind=conversation_kind),
                                       command, message.link),
                       height="large")
    if command == ADD_TO_THREAD:
        if not releases:
            return _note("There is no release yet: create one by typing “release new v2.3 2026-12-15” in its channel.")
        values = {"text": _with_link(message.text, message.link), "kind": "note"}
        return _dialog(command, _submit_data(release_entry_form(releases, values), command, message.link))
    values = {"notes": message.text[:MAX_TEXT]}
    drafting_on = host.core.drafts.drafter is not None
    return _dialog(command, _submit_data(draft_form(releases, values, drafting_on), command, message.link))


def _text(data: dict[str, str], name: str) -> str:
    return data.get(name, "").strip()


async def _submit(host: Host, turn_context: TurnContext, caller: Caller, command: str, data: dict[str, Any],
                  link: str | None) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if isinstance(v, str)}  # what Teams' inputs send; anything else is dropped
    releases = await host.core.names(caller.workspace_id, "releases")
    run = {HAND_OFF: _hand_off, ADD_TO_THREAD: _add_entry, DRAFT: _draft}[command]
    result = await run(host, turn_context, caller, values, releases)
    if isinstance(result, dict):  # refused: the form again, nothing changed
        return _dialog(command, _submit_data(result, command, link), height="large" if command == HAND_OFF else "medium")
    outcome = result
    try:
        await host._answer(turn_context, caller, outcome, None, link)
        posted = True
    except Exception as exc:  # saved already (a chat the bot is not in): the dialog shows the result instead
        log.warning("could not post a message action's result: %s", type(exc).__name__)
        posted = False
    await host._queue_notices(caller, outcome)
    await host._release_threads(turn_context, caller, outcome)
    if not posted and command == DRAFT:
        return _note("I can't post in this conversation, so the draft has nowhere to go: add Handoff to it, or send "
                     "me the notes in our 1:1 chat.")
    if not posted:
        return _note(f"{message_of(outcome.reply)} I can't post in this conversation: add Handoff to it to see the card here.")
    return {}  # closes the dialog; the result is the card just posted in the conversation


async def _hand_off(host: Host, turn_context: TurnContext, caller: Caller, values: dict[str, str],
                    releases: list[str]) -> Outcome | dict[str, Any]:
    """The owner is a people pick (an AAD id): the roster resolves it before the command runs."""
    outcome = await host.roster.execute(host.core, turn_context, caller, values.get("owner"),
                                        lambda owner: forms.read_new_handoff(values, owner))
    if not outcome.reply.is_error:
        return outcome
    problem = message_of(outcome.reply)
    field = outcome.reply.field if outcome.reply.field in _HANDOFF_FIELDS else "title"
    areas = await host.core.names(caller.workspace_id, "areas")
    form = forms.new_handoff_form(releases, areas, values, problem, field, pickers.kind_of(turn_context.activity))
    return _mark(form, field, problem)


async def _add_entry(host: Host, turn_context: TurnContext, caller: Caller, values: dict[str, str], releases: list[str]) -> Outcome | dict[str, Any]:
    release, kind, text = _text(values, "release"), _text(values, "kind"), _text(values, "text")
    problem, field = _entry_problem(release, releases, kind, text)
    if problem is None:
        outcome = await host.core.execute(caller, c.AddReleaseEntry(release, EntryKind(kind), text))
        if not outcome.reply.is_error:
            return outcome
        problem, field = message_of(outcome.reply), "kind" if outcome.refused else "text"
    return release_entry_form(releases, values, problem, field)


async def _draft(host: Host, turn_context: TurnContext, caller: Caller, values: dict[str, str], releases: list[str]) -> Outcome | dict[str, Any]:
    release = _text(values, "release")
    if release and not _known(release, releases):
        problem, field = f"There is no release called “{release}”; pick one from the list.", "release"
    else:
        outcome = await host.core.execute(caller, c.DraftMessaging(
            notes=_text(values, "notes"), release=release or None, audience=_text(values, "audience")[:200] or None))
        if not outcome.reply.is_error:
            return outcome
        problem, field = message_of(outcome.reply), "release" if outcome.reply.field == "release" else "notes"
    return draft_form(releases, values, host.core.drafts.drafter is not None, problem, field)


def _known(release: str, releases: list[str]) -> bool:
    return release.casefold() in {r.casefold() for r in releases}


def _entry_problem(release: str, releases: list[str], kind: str, text: str) -> tuple[str | None, str | None]:
    """What the form itself can check before the core: a release from the list, a kind, some text."""
    if not release:
        return "Pick the release to add it to.", "release"
    if not _known(release, releases):
        return f"There is no release called “{release}”; pick one from the list.", "release"
    if kind not in dict(_KINDS):
        return "Add it as a note or a decision.", "kind"
    if not text:
        return "Write what to add first.", "text"
    return None, None
