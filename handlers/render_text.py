"""Render a Reply as plain text for a terminal (the local shell and logs)."""

from __future__ import annotations

import re

from bot.reply import (
    ASK_PREFIX,
    RUN_PREFIX,
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
)

# A terminal has its own "mentions": escape sequences. User text never gets to move the cursor.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape(text: str) -> str:
    return _CONTROL.sub("", text)


def render(reply: Reply) -> str:
    lines: list[str] = []
    if reply.title:
        prefix = {Tone.ERROR: "✗ ", Tone.SUCCESS: "✓ "}.get(reply.tone, "")
        lines.append(prefix + escape(reply.title))
    for block in reply.blocks:
        if isinstance(block, Paragraph):
            lines.append(_spans(block.spans))
        elif isinstance(block, Fields):
            width = max(len(k) for k, _ in block.pairs)
            lines.extend(f"  {escape(k).ljust(width)}  {escape(v)}" for k, v in block.pairs)
        elif isinstance(block, Bullets):
            if block.heading:
                lines.append(escape(block.heading) + ":")
            lines.extend(f"  • {_spans(item)}" for item in block.items)
        elif isinstance(block, Context):
            lines.append(f"  ({escape(block.text)})")
        elif isinstance(block, Actions):
            lines.append("  actions: " + " · ".join(_button(b) for b in block.buttons))
    if reply.buttons:
        lines.append("  actions: " + " · ".join(_button(b) for b in reply.buttons))
    if reply.tone is Tone.ERROR and not reply.title and lines:
        lines[0] = "✗ " + lines[0]
    return "\n".join(lines)


def _button(button: Button) -> str:
    """A button's label; for a command button, also the command that does the same in the shell."""
    if button.id.startswith(RUN_PREFIX):
        return f"{escape(button.label)} [{escape(button.value)}]"
    if button.id.startswith(ASK_PREFIX):
        return f"{escape(button.label)} [{escape(button.value)} <why>]"
    return escape(button.label)


def _spans(spans: tuple[Span, ...]) -> str:
    out = []
    for span in spans:
        if isinstance(span, Strong | Link):
            out.append(escape(span.text))
        elif isinstance(span, Code):
            out.append(f"`{escape(span.text)}`")
        else:
            out.append(escape(span))
    return "".join(out)
