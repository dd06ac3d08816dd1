"""The platform-neutral reply that every use case returns and every handler renders.

All strings in a Reply are *data*: renderers escape them for their platform (mrkdwn, Adaptive
Card text, terminal). Emphasis is structural (``Strong``), never markup inside a string, so
``<!channel>`` typed into a handoff title can never become a ping.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class Tone(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    ERROR = "error"
    USAGE = "usage"


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Link:
    """Text that links to a platform message, named by its reference (``C123:1700.1``)."""

    text: str
    ref: str


Span = str | Strong | Code | Link


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Fields:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Bullets:
    items: tuple[tuple[Span, ...], ...]
    heading: str | None = None


@dataclass(frozen=True)
class Context:
    text: str


@dataclass(frozen=True)
class Button:
    """An action a platform can render as a button. ``id`` is stable across platforms."""

    id: str
    label: str
    value: str
    style: str | None = None  # "primary" | "danger" | None


@dataclass(frozen=True)
class Actions:
    """Buttons that belong to the block above them (one item of a batched nudge, say)."""

    buttons: tuple[Button, ...]


Block = Paragraph | Fields | Bullets | Context | Actions


@dataclass(frozen=True)
class OutFile:
    """A file a command produced (an export): the platform uploads, attaches or writes it.

    ``name`` is a bare file name the core built (no directories, no user-chosen path); ``title``
    is what a platform may show instead of the name."""

    name: str
    title: str
    content: bytes
    mime: str


@dataclass(frozen=True)
class FormField:
    """One input of a :class:`Form`. ``choices`` (value, label) make it a pick list."""

    id: str
    label: str
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    multiline: bool = False
    max_length: int = 200
    required: bool = False


@dataclass(frozen=True)
class Form:
    """A prefilled form a platform shows as a dialog (Slack modal, Teams card). Submitting it
    sends every field back under ``action``, with ``value`` naming the thing and its version."""

    action: str
    title: str
    submit: str
    value: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class Reply:
    title: str | None = None
    blocks: tuple[Block, ...] = ()
    buttons: tuple[Button, ...] = ()
    tone: Tone = Tone.INFO
    ephemeral: bool = True  # only the caller needs to see it
    error_id: str | None = None
    field: str | None = None  # for errors: the form input the message is about
    form: Form | None = None  # where a platform can, it shows this form instead of the blocks

    @property
    def is_error(self) -> bool:
        return self.tone in (Tone.ERROR, Tone.USAGE)


@dataclass
class ReplyBuilder:
    """Collects blocks top-down; keeps use-case presenters short."""

    title: str | None = None
    tone: Tone = Tone.INFO
    ephemeral: bool = True
    blocks: list[Block] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    def para(self, *spans: Span) -> ReplyBuilder:
        self.blocks.append(Paragraph(tuple(spans)))
        return self

    def fields(self, *pairs: tuple[str, str]) -> ReplyBuilder:
        self.blocks.append(Fields(tuple(pairs)))
        return self

    def bullets(self, items: list[tuple[Span, ...]], heading: str | None = None) -> ReplyBuilder:
        if items:
            self.blocks.append(Bullets(tuple(items), heading))
        return self

    def context(self, text: str) -> ReplyBuilder:
        self.blocks.append(Context(text))
        return self

    def build(self) -> Reply:
        return Reply(self.title, tuple(self.blocks), tuple(self.buttons), self.tone, self.ephemeral)


def error(message: str, error_id: str | None = None, field: str | None = None) -> Reply:
    return Reply(blocks=(Paragraph((message,)),), tone=Tone.ERROR, error_id=error_id, field=field)


def message_of(reply: Reply) -> str:
    """The first paragraph's text: an error's one sentence."""
    for block in reply.blocks:
        if isinstance(block, Paragraph):
            return "".join(_span_text(s) for s in block.spans)
    return reply.title or ""


def plain_text(reply: Reply) -> str:
    """Every string of a reply, for search-style assertions and logs."""
    parts: list[str] = [reply.title or ""]
    for block in reply.blocks:
        if isinstance(block, Paragraph):
            parts.append("".join(_span_text(s) for s in block.spans))
        elif isinstance(block, Fields):
            parts.extend(f"{k}: {v}" for k, v in block.pairs)
        elif isinstance(block, Bullets):
            parts.append(block.heading or "")
            parts.extend("".join(_span_text(s) for s in item) for item in block.items)
        elif isinstance(block, Actions):
            parts.extend(b.label for b in block.buttons)
        else:
            parts.append(block.text)
    parts.extend(b.label for b in reply.buttons)
    return "\n".join(p for p in parts if p)


def _span_text(span: Span) -> str:
    return span if isinstance(span, str) else span.text


RUN_PREFIX = "cmd.run."  # a click runs the button's value as a command, as the person who clicked
ASK_PREFIX = "cmd.ask."  # the same, after a form asks for the text that completes the command


def command_button(label: str, command: str, style: str | None = None, needs_text: bool = False) -> Button:
    """A button whose value is command text in the shared grammar.

    Clicking it is exactly like typing the command: the core checks the caller's workspace and
    rights, so a forged value can do nothing its sender could not type. The id carries a short
    hash of the command because Slack wants action ids unique within a message."""
    digest = hashlib.blake2s(command.encode(), digest_size=4).hexdigest()
    return Button(f"{ASK_PREFIX if needs_text else RUN_PREFIX}{digest}", label, command, style)
