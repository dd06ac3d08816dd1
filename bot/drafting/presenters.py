"""A draft as a card: the messaging (or the brief) and its buttons."""

from __future__ import annotations

from bot.domain import (
    DraftRecord,
)
from bot.drafting.prompt import brief as drafting_brief
from bot.reply import Button, Reply, ReplyBuilder, Strong


def draft_buttons(draft_id: int, used: bool = False) -> list[Button]:
    value = str(draft_id)
    buttons = [] if used else [Button("draft.use", "Use as messaging handoff", value, "primary")]
    return [*buttons, Button("draft.regenerate", "Regenerate", value), Button("draft.discard", "Discard", value, "danger")]


def draft_card(record: DraftRecord, problem: str | None = None) -> Reply:
    """A draft (outside-in messaging), or the brief, with what to do next."""
    out = ReplyBuilder(ephemeral=False)
    result = record.result
    if result:
        out.title = f"Draft: {result.get('headline', '')}"
        p = result.get("positioning", {})
        out.para(Strong("Value proposition: "), result.get("value_proposition", ""))
        out.para(Strong("Positioning: "), f"For {p.get('for_whom', '')} who {p.get('who_need', '')}, "
                 f"{p.get('product_is', '')} that {p.get('that', '')}. Unlike {p.get('unlike', '')}.")
        out.fields(("Headline", result.get("headline", "")), ("Subheadline", result.get("subheadline", "")))
        out.bullets([(Strong(b.get("benefit", "")), f" (from: {b.get('from_feature', '')})") for b in result.get("benefits", [])],
                    heading="Benefits")
        out.para(Strong("Release note: "), result.get("release_note", ""))
        if result.get("jargon_avoided"):
            out.context("Jargon avoided: " + ", ".join(result["jargon_avoided"]))
        out.context("A first draft for a PMM to edit: check every claim against the notes before it ships.")
    else:
        out.title = "Messaging brief"
        if problem:
            out.para(problem)
        for slot, items in drafting_brief(record.notes, record.options.get("audience")).items():
            out.bullets([(item,) for item in items] or [("(nothing in the notes yet)",)], heading=slot)
    out.buttons.extend(draft_buttons(record.id, used=record.status == "used"))
    return out.build()
