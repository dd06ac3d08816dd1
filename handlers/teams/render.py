"""Render a Reply as an Adaptive Card (schema 1.5) for Teams.

TextBlocks render a Markdown subset, so user text is escaped: every character Markdown could
read as syntax gets a backslash, and nothing a person typed can become a link, bold text or a
list. ``<at>`` mentions only work with message entities, which cards never carry. Buttons are
``Action.Submit`` whose data names the same stable action ids as Slack's buttons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.reply import (
    Actions,
    Bullets,
    Button,
    Code,
    Context,
    Fields,
    Link,
    Paragraph,
    Reply,
    Span,
    Strong,
    Tone,
    plain_text,
)

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
MAX_TEXT = 4000  # per TextBlock: Teams renders more, but a card is read at a glance
MAX_FACTS = 20
PER_ROW = 4
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")


def escape(text: str) -> str:
    text = "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32)
    return _MARKDOWN.sub(r"\\\1", text)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_card(reply: Reply) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if reply.title:
        color = {Tone.ERROR: "Attention", Tone.SUCCESS: "Good"}.get(reply.tone, "Default")
        body.append(_text(escape(reply.title), weight="Bolder", size="Medium", color=color))
    for block in reply.blocks:
        if isinstance(block, Paragraph):
            text = _spans(block.spans)
            if text.strip():
                body.append(_text(text, color="Attention" if reply.is_error and not reply.title else None))
        elif isinstance(block, Fields):
            # Teams renders Markdown in facts too: a display name or release name is escaped like any text.
            facts = [{"title": truncate(escape(k), 100), "value": truncate(escape(v), 500) or "—"}
                     for k, v in block.pairs[:MAX_FACTS]]
            if facts:
                body.append({"type": "FactSet", "facts": facts})
        elif isinstance(block, Bullets):
            if block.heading:
                body.append(_text(escape(block.heading), weight="Bolder"))
            lines = [f"- {_spans(item)}" for item in block.items]
            if lines:
                body.append(_text("\r".join(lines)))
        elif isinstance(block, Context):
            body.append(_text(escape(block.text), isSubtle=True, size="Small"))
        elif isinstance(block, Actions):
            body.extend(_action_sets(block.buttons))
    body.extend(_action_sets(reply.buttons))
    if not body:
        body.append(_text(" "))
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}


def card_text(reply: Reply) -> str:
    """A one-line summary for notifications and clients without cards."""
    first = next((line for line in plain_text(reply).splitlines() if line.strip()), "Handoff")
    return truncate(first, 200)


def _text(text: str, **props: Any) -> dict[str, Any]:
    block = {"type": "TextBlock", "text": truncate(text, MAX_TEXT), "wrap": True}
    block.update({k: v for k, v in props.items() if v is not None})
    return block


def _spans(spans: Iterable[Span]) -> str:
    out = []
    for span in spans:
        if isinstance(span, Strong):
            text = escape(span.text)
            core = text.strip()
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
            out.append(f"{lead}**{core}**{trail}" if core else text)
        elif isinstance(span, Code | Link):
            out.append(escape(span.text))
        else:
            out.append(escape(span))
    return "".join(out)


def _action_sets(buttons: Sequence[Button]) -> list[dict[str, Any]]:
    """Rows of at most ``PER_ROW`` buttons: Teams shows a few per row and hides the rest."""
    return [{"type": "ActionSet", "actions": _actions(buttons[i:i + PER_ROW])} for i in range(0, len(buttons), PER_ROW)]


def _actions(buttons: Sequence[Button]) -> list[dict[str, Any]]:
    actions = []
    for b in buttons:
        action: dict[str, Any] = {"type": "Action.Submit", "title": truncate(b.label, 40) or b.id,
                                  "data": {"handoff_action": b.id, "value": b.value}}
        if b.style in ("positive", "destructive"):
            action["style"] = b.style
        elif b.style == "primary":
            action["style"] = "positive"
        elif b.style == "danger":
            action["style"] = "destructive"
        actions.append(action)
    return actions
