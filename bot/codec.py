"""A Reply as JSON and back: the outbox stores what it will send, so a retry sends the same words."""

from __future__ import annotations

import json
from typing import Any

from bot.reply import Actions, Bullets, Button, Code, Context, Fields, Link, Paragraph, Reply, Span, Strong, Tone


def dumps(reply: Reply) -> str:
    return json.dumps(
        {"title": reply.title, "tone": reply.tone.value, "blocks": [_block(b) for b in reply.blocks],
         "buttons": [_button(b) for b in reply.buttons]},
        ensure_ascii=False, separators=(",", ":"),
    )


def loads(text: str) -> Reply:
    data = json.loads(text)
    return Reply(
        title=data.get("title"), tone=Tone(data.get("tone", "info")), ephemeral=False,
        blocks=tuple(_unblock(b) for b in data.get("blocks", ())),
        buttons=tuple(_unbutton(b) for b in data.get("buttons", ())),
    )


def _span(span: Span) -> Any:
    if isinstance(span, Strong):
        return {"strong": span.text}
    if isinstance(span, Code):
        return {"code": span.text}
    if isinstance(span, Link):
        return {"link": span.text, "ref": span.ref}
    return span


def _unspan(data: Any) -> Span:
    if isinstance(data, dict):
        if "link" in data:
            return Link(data["link"], data["ref"])
        return Strong(data["strong"]) if "strong" in data else Code(data["code"])
    return str(data)


def _button(b: Button) -> dict[str, Any]:
    return {"id": b.id, "label": b.label, "value": b.value, "style": b.style}


def _unbutton(d: dict[str, Any]) -> Button:
    return Button(d["id"], d["label"], d["value"], d.get("style"))


def _block(block: Any) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"p": [_span(s) for s in block.spans]}
    if isinstance(block, Fields):
        return {"fields": [list(pair) for pair in block.pairs]}
    if isinstance(block, Bullets):
        return {"bullets": [[_span(s) for s in item] for item in block.items], "heading": block.heading}
    if isinstance(block, Actions):
        return {"actions": [_button(b) for b in block.buttons]}
    return {"context": block.text}


def _unblock(d: dict[str, Any]) -> Any:
    if "p" in d:
        return Paragraph(tuple(_unspan(s) for s in d["p"]))
    if "fields" in d:
        return Fields(tuple((str(k), str(v)) for k, v in d["fields"]))
    if "bullets" in d:
        return Bullets(tuple(tuple(_unspan(s) for s in item) for item in d["bullets"]), d.get("heading"))
    if "actions" in d:
        return Actions(tuple(_unbutton(b) for b in d["actions"]))
    return Context(d["context"])
