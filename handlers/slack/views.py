"""Slack modals and the App Home view, and reading modal submissions back into commands.

Block ids double as the core's error ``field`` names (title, details, owner, release, area,
due, reason), so a refusal from the core lands beside the input it is about.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.models.blocks import (
    ChannelSelectElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.blocks.block_elements import ExternalDataSelectElement
from slack_sdk.models.views import View

from bot import commands as c
from bot.domain import Action, EntryKind, Kind
from bot.releases.plan import TIERS
from bot.reply import Form, Reply
from handlers.slack.render import render_dicts

NEW_HANDOFF = "handoff_new"
REASON = "handoff_reason"
COMMENT = "handoff_comment"
REASSIGN = "handoff_reassign"
RELEASE_ENTRY = "release_entry"
NEW_RELEASE = "release_new"
COMMAND_TEXT = "command_text"
EDIT = "handoff_edit"
SLACK_TEXT_MAX = 3000  # plain_text_input's max_length
MAX_OPTIONS = 100
HOME_BLOCKS = 100

_F = TypeVar("_F", bound=Callable[..., Any])


class Malformed(ValueError):
    """A submission Slack never sends: garbage metadata, missing state, values of the wrong type.

    Signed but not Slack's shape (a forged or replayed-and-edited request): the listener answers
    400 and logs one line, instead of a 500 with a traceback."""


def _reader(fn: _F) -> _F:
    """Turn any shape error while reading a submission into :class:`Malformed`."""

    @functools.wraps(fn)
    def read(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            raise Malformed(f"{fn.__name__}: {type(exc).__name__}") from exc

    return read  # type: ignore[return-value]


def _small_int(value: Any) -> bool:
    """An int as the grammar reads one (up to 9 digits): ``2**40`` would overflow the column."""
    return type(value) is int and 0 <= value < 10**9


def _str_or_none(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


_KIND_LABELS = {Kind.REQUIREMENT: "Requirement (PM → PMM)", Kind.MESSAGING: "Messaging (PMM → PM)", Kind.QUESTION: "Question"}
_REASON_PROMPTS = {
    Action.ASK: ("Ask for info", "What do you need to know?"),
    Action.ANSWER: ("Answer", "Your answer (e.g. audience: mid-market ops leads)"),
    Action.DECLINE: ("Decline", "Why are you declining it?"),
    Action.BLOCK: ("Mark blocked", "What is it waiting on?"),
    Action.CANCEL: ("Cancel", "Why is it no longer needed? (optional)"),
}


@dataclass(frozen=True)
class Target:
    """Which handoff a modal acts on, and the message the click came from (to update it)."""

    number: int
    version: int | None
    channel: str | None = None
    ts: str | None = None
    action: str | None = None

    def dump(self) -> str:
        return json.dumps({"n": self.number, "v": self.version, "ch": self.channel, "ts": self.ts, "a": self.action})

    @classmethod
    @_reader
    def load(cls, text: str) -> Target:
        data = json.loads(text or "{}")
        number, version = data["n"], data.get("v")
        if not _small_int(number) or not (version is None or _small_int(version)):
            raise TypeError("the handoff number and version are integers the database holds")
        return cls(number, version, _str_or_none(data.get("ch")), _str_or_none(data.get("ts")), _str_or_none(data.get("a")))


def _options(labels: list[str]) -> list[Option]:
    return [Option(text=label[:75], value=label[:150]) for label in labels[:MAX_OPTIONS]]


def new_handoff_modal(areas: list[str], *, channel: str | None, title: str = "", details: str = "") -> dict[str, Any]:
    blocks = [
        InputBlock(block_id="kind", label="Kind", element=StaticSelectElement(
            action_id="kind", options=[Option(text=label, value=kind.value) for kind, label in _KIND_LABELS.items()],
            initial_option=Option(text=_KIND_LABELS[Kind.REQUIREMENT], value=Kind.REQUIREMENT.value))),
        InputBlock(block_id="title", label="Title", element=PlainTextInputElement(
            action_id="title", max_length=200, initial_value=title[:200] or None)),
        InputBlock(block_id="details", label="Details", optional=True, hint="audience: …, problem: …, why now: … / claims to verify: …, proof points: …",
                   element=PlainTextInputElement(action_id="details", multiline=True, max_length=3000, initial_value=details[:3000] or None)),
        InputBlock(block_id="owner", label="Owner", optional=True, element=UserSelectElement(action_id="owner")),
        InputBlock(block_id="release", label="Release", optional=True,
                   element=ExternalDataSelectElement(action_id="release", min_query_length=0)),
        *([InputBlock(block_id="area", label="Grey area", optional=True,
                      element=StaticSelectElement(action_id="area", options=_options(areas)))] if areas else []),
        InputBlock(block_id="due", label="Due", optional=True, element=DatePickerElement(action_id="due")),
    ]
    return View(type="modal", callback_id=NEW_HANDOFF, title="New handoff", submit="Hand off", close="Cancel",
                private_metadata=json.dumps({"ch": channel}), blocks=blocks).to_dict()


@_reader
def read_new_handoff(state: dict[str, Any]) -> c.CreateHandoff:
    def value(block: str, key: str = "value") -> Any:
        element = state.get(block, {}).get(block, {})
        return element.get(key)

    def selected(block: str) -> str | None:
        option = value(block, "selected_option")
        return option.get("value") if option else None

    owner = _str_or_none(value("owner", "selected_user"))
    return c.CreateHandoff(
        title=(value("title") or "").strip(),
        owner=c.UserRef(platform_id=owner) if owner else None,
        kind=Kind(selected("kind")) if selected("kind") else None,
        release=_str_or_none(selected("release")),
        area=_str_or_none(selected("area")),
        details=(value("details") or "").strip(),
        due=_str_or_none(value("due", "selected_date")),
    )


@_reader
def origin_of(view: dict[str, Any]) -> str | None:
    """The channel a new-handoff modal was opened from (its metadata), if any."""
    return _str_or_none(json.loads(view.get("private_metadata") or "{}").get("ch"))


@_reader
def state_of(view: dict[str, Any]) -> dict[str, Any]:
    """A submission's input values: ``{block_id: {action_id: element}}``."""
    values = view["state"]["values"]
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise TypeError("state values are objects")
    return values


def reason_modal(action: Action, target: Target, ref: str) -> dict[str, Any]:
    title, prompt = _REASON_PROMPTS[action]
    block = InputBlock(block_id="reason", label=prompt, optional=action is Action.CANCEL,
                       element=PlainTextInputElement(action_id="reason", multiline=True, max_length=2000))
    return View(type="modal", callback_id=REASON, title=f"{title} {ref}"[:24], submit="Send", close="Cancel",
                private_metadata=target.dump(), blocks=[block]).to_dict()


def command_text_modal(label: str, command: str, channel: str | None, ts: str | None) -> dict[str, Any]:
    """A command button that needs a few words (a gate's decline reason): they complete the command."""
    block = InputBlock(block_id="reason", label=f"{label}: why?"[:2000], element=PlainTextInputElement(
        action_id="reason", multiline=True, max_length=1000))
    metadata = json.dumps({"cmd": command, "ch": channel, "ts": ts})
    return View(type="modal", callback_id=COMMAND_TEXT, title=label[:24], submit="Send", close="Cancel",
                private_metadata=metadata, blocks=[block]).to_dict()


@_reader
def read_command_text(view: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """The full command text from a submitted :func:`command_text_modal`, and the message it came from."""
    meta = json.loads(view.get("private_metadata") or "{}")
    command = _str_or_none(meta.get("cmd")) or ""
    return f"{command} {text_of(state_of(view))}".strip(), _str_or_none(meta.get("ch")), _str_or_none(meta.get("ts"))


def comment_modal(target: Target, ref: str) -> dict[str, Any]:
    block = InputBlock(block_id="reason", label="Comment", element=PlainTextInputElement(
        action_id="reason", multiline=True, max_length=2000))
    return View(type="modal", callback_id=COMMENT, title=f"Comment on {ref}"[:24], submit="Add", close="Cancel",
                private_metadata=target.dump(), blocks=[block]).to_dict()


def reassign_modal(target: Target, ref: str) -> dict[str, Any]:
    block = InputBlock(block_id="owner", label="New owner", element=UserSelectElement(action_id="owner"))
    return View(type="modal", callback_id=REASSIGN, title=f"Reassign {ref}"[:24], submit="Reassign", close="Cancel",
                private_metadata=target.dump(), blocks=[block]).to_dict()


def form_modal(form: Form, target: Target) -> dict[str, Any]:
    """A core :class:`Form` (the edit form) as a modal: pick lists as selects, the rest as text.

    A text field whose value Slack cannot hold (over 3,000 characters) is left out, so it is
    sent back unchanged rather than cut."""
    blocks = []
    for f in form.fields:
        if f.choices:
            options = [Option(text=label[:75], value=value[:150]) for value, label in f.choices[:MAX_OPTIONS]]
            initial = next((o for o in options if o.value == f.value), None)
            element: Any = StaticSelectElement(action_id=f.id, options=options, initial_option=initial)
        elif len(f.value) <= SLACK_TEXT_MAX:
            element = PlainTextInputElement(action_id=f.id, multiline=f.multiline, initial_value=f.value or None,
                                            max_length=min(f.max_length, SLACK_TEXT_MAX))
        else:
            continue
        blocks.append(InputBlock(block_id=f.id, label=f.label, optional=not f.required, element=element))
    return View(type="modal", callback_id=EDIT, title=form.title[:24], submit=form.submit[:24], close="Cancel",
                private_metadata=target.dump(), blocks=blocks).to_dict()


@_reader
def read_edit(view: dict[str, Any]) -> c.EditHandoff:
    """The edit a submitted :func:`form_modal` asks for: every field it showed, as it was sent."""
    target = Target.load(view.get("private_metadata", ""))
    changes = []
    for block, elements in state_of(view).items():
        if block not in c.EDITABLE_FIELDS:
            raise TypeError(f"a field the edit form does not have: {block!r}")
        element = elements.get(block) or {}
        option = element.get("selected_option")
        value = option.get("value") if isinstance(option, dict) else element.get("value")
        changes.append((block, _str_or_none(value) or ""))
    return c.EditHandoff(target.number, tuple(changes), target.version)


def release_entry_modal(releases: list[str], text: str) -> dict[str, Any]:
    blocks = [
        InputBlock(block_id="release", label="Release", element=StaticSelectElement(action_id="release", options=_options(releases))),
        InputBlock(block_id="kind", label="Add as", element=RadioButtonsElement(
            action_id="kind", options=[Option(text="Note", value="note"), Option(text="Decision", value="decision")],
            initial_option=Option(text="Note", value="note"))),
        InputBlock(block_id="reason", label="Text", element=PlainTextInputElement(
            action_id="reason", multiline=True, max_length=3000, initial_value=text[:3000] or None)),
    ]
    return View(type="modal", callback_id=RELEASE_ENTRY, title="Add to release thread", submit="Add", close="Cancel",
                blocks=blocks).to_dict()


_TIER_OPTIONS = [Option(text="No launch plan yet", value="none"),
                 *(Option(text=label[:75], value=str(tier)) for tier, label in TIERS.items())]


def new_release_modal(channel: str | None) -> dict[str, Any]:
    """A release with its target, its launch tier (which lays out its plan) and its home channel."""
    blocks = [
        InputBlock(block_id="name", label="Name", element=PlainTextInputElement(action_id="name", max_length=60,
                                                                                placeholder="v2.3")),
        InputBlock(block_id="target", label="Target date", optional=True, element=DatePickerElement(action_id="target")),
        InputBlock(block_id="tier", label="Launch tier", hint="Tier 1 gets press, analysts and the full sales kit; "
                   "Tier 3 release notes only.", element=StaticSelectElement(
                       action_id="tier", options=_TIER_OPTIONS, initial_option=_TIER_OPTIONS[0])),
        InputBlock(block_id="channel", label="Home channel (its knowledge thread)", optional=True,
                   element=ChannelSelectElement(action_id="channel",
                                                initial_channel=channel if channel and channel[:1] in "CG" else None)),
    ]
    return View(type="modal", callback_id=NEW_RELEASE, title="New release", submit="Create", close="Cancel",
                blocks=blocks).to_dict()


@_reader
def read_new_release(state: dict[str, Any]) -> c.CreateRelease:
    tier = ((state.get("tier", {}).get("tier", {}).get("selected_option")) or {}).get("value", "none")
    if tier != "none" and tier not in {str(t) for t in TIERS}:
        raise TypeError("a tier the form does not offer")
    return c.CreateRelease(
        name=(state["name"]["name"].get("value") or "").strip(),
        target=_str_or_none(state.get("target", {}).get("target", {}).get("selected_date")),
        channel=_str_or_none(state.get("channel", {}).get("channel", {}).get("selected_channel")),
        tier=None if tier == "none" else int(tier),
    )


@_reader
def read_release_entry(state: dict[str, Any]) -> c.AddReleaseEntry:
    release = state["release"]["release"].get("selected_option") or {}
    kind = (state["kind"]["kind"].get("selected_option") or {}).get("value", "note")
    return c.AddReleaseEntry(release=_str_or_none(release.get("value")) or "", kind=EntryKind(kind),
                             text=(state["reason"]["reason"].get("value") or "").strip())


@_reader
def text_of(state: dict[str, Any], block: str = "reason") -> str:
    return (state.get(block, {}).get(block, {}).get("value") or "").strip()


@_reader
def user_of(state: dict[str, Any], block: str = "owner") -> str | None:
    return _str_or_none(state.get(block, {}).get(block, {}).get("selected_user"))


def home_view(sections: list[Reply]) -> dict[str, Any]:
    """The App Home tab: one rendered Reply per section, within Slack's 100-block limit."""
    blocks: list[dict[str, Any]] = []
    budget = HOME_BLOCKS
    for reply in sections:
        rendered = render_dicts(reply, max_blocks=max(2, min(budget - 1, 30)))
        if len(rendered) + 1 > budget:
            break
        blocks.extend([*rendered, {"type": "divider"}])
        budget -= len(rendered) + 1
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}
