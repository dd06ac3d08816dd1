from __future__ import annotations

from bot.reply import Button, Code, Reply, ReplyBuilder, Strong, Tone
from handlers.render_text import render


def test_renders_every_block() -> None:
    reply = (
        ReplyBuilder(title="#1 Title", tone=Tone.SUCCESS)
        .para("plain ", Strong("bold"), " ", Code("code"))
        .fields(("Owner", "dana"), ("Status", "open"))
        .bullets([("one",), ("two",)], heading="Items")
        .context("a hint")
        .build()
    )
    reply = Reply(reply.title, reply.blocks, (Button("handoff.ack", "Acknowledge", "1:1"),), reply.tone)
    assert render(reply).splitlines() == [
        "✓ #1 Title", "plain bold `code`", "  Owner   dana", "  Status  open", "Items:", "  • one", "  • two",
        "  (a hint)", "  actions: Acknowledge",
    ]


def test_terminal_escape_sequences_in_user_text_are_removed() -> None:
    out = render(ReplyBuilder(title="\x1b[2J\x1b[31mred").para("bell\x07").build())
    assert "\x1b" not in out and "\x07" not in out and "red" in out
