from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block as SlackBlock

from bot import codec
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
    ReplyBuilder,
    Strong,
    Tone,
    error,
)
from handlers.slack.render import escape, fallback_text, render_blocks, render_dicts, truncate

LONG = "x" * 4000
HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!subteam^S1>",
    "<@U1>",
    "<#C1>",
    "<https://evil|Click>",
    "a\u200bb",
    "&lt;",
    LONG,
]
MORE_URL = "https://handoff.example/items/12?a=1&b=2"
BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def texts(node: Any, kind: str) -> Iterator[str]:
    """Every ``text`` of a text object of ``kind`` ("mrkdwn" or "plain_text") in rendered dicts."""
    if isinstance(node, dict):
        if node.get("type") == kind and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from texts(value, kind)
    elif isinstance(node, list):
        for item in node:
            yield from texts(item, kind)


def validated(blocks: list[SlackBlock]) -> list[dict[str, Any]]:
    """to_dict() runs slack_sdk's validators and raises SlackObjectFormationError on a broken limit."""
    return [block.to_dict() for block in blocks]


def everywhere(s: str) -> Reply:
    """``s`` in every slot a user can fill."""
    return Reply(
        title=s,
        blocks=(
            Paragraph(("plain ", s)),
            Paragraph((Strong(s), " ", Code(s))),
            Fields(((s, "value"), ("Label", s))),
            Bullets(((s,), (Strong(s), " tail")), heading=s),
            Context(s),
        ),
        buttons=(Button("handoff.ack", s, "1:1", "primary"),),
    )


def assert_within_limits(dicts: list[dict[str, Any]]) -> None:
    for block in dicts:
        if block["type"] == "header":
            assert 0 < len(block["text"]["text"]) <= 150
        elif block["type"] == "section":
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= 3000
            for field in block.get("fields", []):
                assert 0 < len(field["text"]) <= 2000
            assert len(block.get("fields", [])) <= 10
        elif block["type"] == "context":
            assert all(0 < len(e["text"]) <= 2000 for e in block["elements"])
        elif block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for button in block["elements"]:
                assert 0 < len(button["text"]["text"]) <= 75
                assert len(button.get("value", "")) <= 2000


# --- escape and truncate --------------------------------------------------------------------------


def test_escape_neutralises_control_characters_in_order() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert escape("&lt;") == "&amp;lt;"  # a literal entity stays literal


def test_escape_strips_zero_width_and_bidi_controls() -> None:
    hidden = "".join(chr(c) for c in [*range(0x200B, 0x2010), 0x2060, 0xFEFF, *range(0x202A, 0x202F)])
    assert escape(f"a{hidden}b") == "ab"


def test_truncate_leaves_short_text_alone_and_marks_a_cut() -> None:
    assert truncate("hello", 5) == "hello"
    assert truncate("hello world", 6) == "hello…"
    assert truncate("hello", 0) == ""


@pytest.mark.parametrize("limit", range(1, 20))
def test_truncate_never_cuts_inside_an_entity(limit: int) -> None:
    out = truncate(escape("a&b<c>d" * 5), limit)
    assert len(out) <= limit
    assert not BROKEN_ENTITY.search(out), out
    assert "&am…" not in out and "&l…" not in out


@given(st.text(), st.integers(min_value=0, max_value=60))
def test_truncate_property(text: str, limit: int) -> None:
    out = truncate(escape(text), limit)
    assert len(out) <= limit
    assert not BROKEN_ENTITY.search(out)


# --- each block type ------------------------------------------------------------------------------


def test_renders_every_block_type() -> None:
    built = (
        ReplyBuilder(title="#1 Title", tone=Tone.SUCCESS)
        .para("plain ", Strong("bold"), " ", Code("code"))
        .fields(("Owner", "dana"), ("Status", "open"))
        .bullets([("one",), (Strong("#2"), " two")], heading="Items")
        .context("a hint")
        .build()
    )
    reply = Reply(
        built.title, built.blocks,
        (Button("handoff.ack", "Acknowledge", "1:1", "primary"), Button("handoff.comment", "Comment", "1:1")),
        built.tone,
    )
    assert render_dicts(reply) == [
        {"type": "header", "text": {"type": "plain_text", "text": "#1 Title"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "plain *bold* `code`"}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": "*Owner*\ndana"}, {"type": "mrkdwn", "text": "*Status*\nopen"},
        ]},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Items*\n• one\n• *#2* two"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "a hint"}]},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": "handoff.ack", "text": {"type": "plain_text", "text": "Acknowledge"},
             "value": "1:1", "style": "primary"},
            {"type": "button", "action_id": "handoff.comment", "text": {"type": "plain_text", "text": "Comment"},
             "value": "1:1"},
        ]},
    ]


def test_strong_keeps_surrounding_spaces_outside_the_asterisks() -> None:
    reply = ReplyBuilder().para(Strong("#1"), " late", Strong(" OVERDUE"), " ", Strong("Reason: "), "x").build()
    assert list(texts(render_dicts(reply), "mrkdwn")) == ["*#1* late *OVERDUE* *Reason:* x"]


def test_strong_and_code_content_cannot_break_out_of_its_delimiters() -> None:
    reply = ReplyBuilder().para(Strong("a* _b_ *c`d"), " ", Code("x` *y* `z"), " ", Strong("one\ntwo")).build()
    (text,) = texts(render_dicts(reply), "mrkdwn")
    assert text == "*a _b_ cd* `x *y* z` *one*\n*two*"


def test_unknown_button_style_is_dropped_and_an_empty_label_falls_back_to_the_id() -> None:
    reply = Reply(buttons=(Button("handoff.start", "", "1:1", "loud"),))
    (actions,) = render_dicts(reply)
    assert actions["elements"][0] == {
        "type": "button", "action_id": "handoff.start", "text": {"type": "plain_text", "text": "handoff.start"}, "value": "1:1",
    }


def test_error_without_title_gets_a_warning_prefix() -> None:
    assert render_dicts(error("That didn't work.")) == [
        {"type": "section", "text": {"type": "mrkdwn", "text": ":warning: That didn't work."}},
    ]
    usage = Reply(blocks=(Context("hint"), Paragraph(("Try `help`.",)), Paragraph(("more",))), tone=Tone.USAGE)
    assert list(texts(render_dicts(usage), "mrkdwn")) == ["hint", ":warning: Try `help`.", "more"]
    titled = Reply(title="Oops", blocks=(Paragraph(("x",)),), tone=Tone.ERROR)
    assert list(texts(render_dicts(titled), "mrkdwn")) == ["x"]


def test_empty_pieces_render_no_empty_text() -> None:
    reply = Reply(title="  ", blocks=(Paragraph(()), Fields((("", ""), ("Due", ""))), Context(""), Bullets(())))
    assert render_dicts(reply) == [
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "—"}, {"type": "mrkdwn", "text": "*Due*\n—"}]},
    ]


def test_fallback_text_is_the_title_or_the_first_paragraph_escaped() -> None:
    assert fallback_text(Reply(title="#1 <!here> & co", blocks=(Paragraph(("x",)),))) == "#1 &lt;!here&gt; &amp; co"
    assert fallback_text(ReplyBuilder().para(Strong("Done:"), " <@U1>").build()) == "Done: &lt;@U1&gt;"
    assert fallback_text(Reply(blocks=(Context("only a hint"),))) == "only a hint"
    long = fallback_text(Reply(title="&" * 400))
    assert len(long) <= 300 and long.endswith("…") and not BROKEN_ENTITY.search(long)


# --- hostile input --------------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda s: s[:20].encode("unicode_escape").decode())
def test_hostile_text_in_every_slot_stays_inert(hostile: str) -> None:
    dicts = validated(render_blocks(everywhere(hostile), max_blocks=50))
    mrkdwn = list(texts(dicts, "mrkdwn"))
    assert mrkdwn
    for text in mrkdwn:
        assert "<" not in text and ">" not in text, text
        assert not BROKEN_ENTITY.search(text), text
    assert_within_limits(dicts)
    if hostile is not LONG:
        visible = escape(hostile)
        # plain paragraph, Strong, Code, field label and value, bullets heading and items, context
        assert sum(text.count(visible) for text in mrkdwn) >= 9
        assert f"*{visible}*" in mrkdwn[1] and f"`{visible}`" in mrkdwn[1]
        plain = list(texts(dicts, "plain_text"))
        assert plain == [hostile.replace("\u200b", "")] * 2  # header and button: plain_text is never parsed
        assert fallback_text(everywhere(hostile)) == visible


def test_hostile_corpus_together_keeps_escaped_forms_visible() -> None:
    mixed = " ".join(HOSTILE[:-1])
    mrkdwn = " ".join(texts(render_dicts(everywhere(mixed)), "mrkdwn"))
    assert "<" not in mrkdwn and ">" not in mrkdwn
    for visible in ("&lt;!channel&gt;", "&lt;!here&gt;", "&lt;!subteam^S1&gt;", "&lt;@U1&gt;", "&lt;#C1&gt;",
                    "&lt;https://evil|Click&gt;", "ab", "&amp;lt;"):
        assert visible in mrkdwn
    assert "\u200b" not in mrkdwn


def test_only_the_bot_built_more_url_is_a_link() -> None:
    reply = Reply(blocks=tuple(Paragraph(("<!channel>",)) for _ in range(60)))
    dicts = validated(render_blocks(reply, max_blocks=10, more_url=MORE_URL))
    mrkdwn = list(texts(dicts, "mrkdwn"))
    assert len(dicts) == 10
    assert all("<" not in t and ">" not in t for t in mrkdwn[:-1])
    assert mrkdwn[-1] == f"…truncated; see the full item — <{MORE_URL}|open it>"
    assert dicts[-1]["type"] == "context"


def test_truncation_marker_without_url() -> None:
    reply = Reply(blocks=tuple(Paragraph((f"p{i}",)) for i in range(5)))
    dicts = render_dicts(reply, max_blocks=3)
    assert list(texts(dicts, "mrkdwn")) == ["p0", "p1", "…truncated; see the full item"]


# --- limits ---------------------------------------------------------------------------------------


def test_long_title_and_paragraph_are_truncated() -> None:
    dicts = validated(render_blocks(ReplyBuilder(title="t" * 3001).para("p" * 3001).build()))
    assert dicts[0]["text"]["text"] == "t" * 149 + "…"
    assert dicts[1]["text"]["text"] == "p" * 2999 + "…"


def test_escaping_happens_before_truncation() -> None:
    dicts = render_dicts(ReplyBuilder().para("<" * 3000).build())
    text = dicts[0]["text"]["text"]
    assert len(text) <= 3000 and text.endswith("&lt;…") and not BROKEN_ENTITY.search(text)


def test_thirty_buttons_split_into_actions_blocks_of_25() -> None:
    buttons = tuple(Button(f"b{i}", "L" * 100, "v" * 3000, "danger") for i in range(30))
    dicts = validated(render_blocks(Reply(buttons=buttons)))
    assert [len(d["elements"]) for d in dicts] == [25, 5]
    assert_within_limits(dicts)
    assert dicts[0]["elements"][0]["text"]["text"] == "L" * 74 + "…"
    assert [e["action_id"] for d in dicts for e in d["elements"]] == [f"b{i}" for i in range(30)]


def test_twelve_fields_split_into_sections_of_ten() -> None:
    reply = ReplyBuilder().fields(*((f"k{i}", "v" * 4000) for i in range(12))).build()
    dicts = validated(render_blocks(reply))
    assert [len(d["fields"]) for d in dicts] == [10, 2]
    assert_within_limits(dicts)
    assert dicts[1]["fields"][1]["text"].startswith("*k11*\nvvv")


def test_two_hundred_bullets_stay_within_section_limits() -> None:
    reply = ReplyBuilder().bullets([(f"item {i} " + "y" * 40,) for i in range(200)], heading="Many").build()
    dicts = validated(render_blocks(reply))
    assert_within_limits(dicts)
    joined = "\n".join(texts(dicts, "mrkdwn"))
    assert joined.startswith("*Many*\n• item 0 ")
    assert len(dicts) == 3  # split across sections, then summarised
    shown = joined.count("• ")
    assert shown > 150 and joined.endswith(f"…and {200 - shown} more")
    assert f"• item {shown - 1} " in joined and f"• item {shown} " not in joined


def test_too_many_long_bullets_end_with_and_n_more() -> None:
    reply = ReplyBuilder().bullets([("z" * 4000,) for _ in range(200)]).build()
    dicts = validated(render_blocks(reply))
    assert_within_limits(dicts)
    assert len(dicts) == 3
    last = dicts[-1]["text"]["text"]
    shown = sum(t.count("• ") for t in texts(dicts, "mrkdwn"))
    assert last.endswith(f"…and {200 - shown} more")


def test_eighty_paragraphs_are_cut_to_max_blocks() -> None:
    reply = Reply(title="T", blocks=tuple(Paragraph((f"p{i}",)) for i in range(80)), buttons=(Button("a", "A", "1"),))
    dicts = validated(render_blocks(reply, max_blocks=50))
    assert len(dicts) == 50
    assert dicts[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "…truncated; see the full item"}]}


def test_everything_huge_at_once() -> None:
    reply = Reply(
        title="<" * 3001,
        blocks=(
            *(Paragraph(("&" * 3001, Strong("<" * 3001), Code(">" * 3001))) for _ in range(80)),
            Fields(tuple(("<" * 4000, "&" * 4000) for _ in range(12))),
            Bullets(tuple(("<" * 4000,) for _ in range(200)), heading="&" * 4000),
            Context("<" * 4000),
        ),
        buttons=tuple(Button(f"b{i}", "<" * 100, "v" * 3000) for i in range(30)),
    )
    for max_blocks in (50, 5, 1):
        dicts = validated(render_blocks(reply, max_blocks=max_blocks, more_url=MORE_URL))
        assert len(dicts) <= max_blocks
        assert_within_limits(dicts)
        for text in list(texts(dicts, "mrkdwn"))[:-1]:
            assert "<" not in text and ">" not in text and not BROKEN_ENTITY.search(text)


# --- property -------------------------------------------------------------------------------------


@settings(deadline=None)
@given(title=st.text(), paragraph=st.text(), strong=st.text(), code=st.text(), tone=st.sampled_from(Tone))
def test_any_text_renders_valid_inert_blocks(title: str, paragraph: str, strong: str, code: str, tone: Tone) -> None:
    reply = Reply(title=title, blocks=(Paragraph((paragraph, Strong(strong), Code(code))),), tone=tone)
    dicts = validated(render_blocks(reply))
    assert_within_limits(dicts)
    for text in texts(dicts, "mrkdwn"):
        assert "<" not in text and ">" not in text
        assert not BROKEN_ENTITY.search(text)
    fallback = fallback_text(reply)
    assert "<" not in fallback and ">" not in fallback and len(fallback) <= 300


def test_a_link_span_points_at_the_message_and_its_label_cannot_inject() -> None:
    reply = Reply(blocks=(Paragraph((Link("#12 <!channel>|<https://evil|x>", "C0123ABC:1700000000.000100"), " title")),))
    text = json.dumps(render_dicts(reply), ensure_ascii=False)
    assert "<https://slack.com/archives/C0123ABC/p1700000000000100|#12 &lt;!channel&gt;¦&lt;https://evil¦x&gt;>" in text
    bad_ref = Reply(blocks=(Paragraph((Link("#3", "C1:1.1|<!here>"),)),))
    assert "archives" not in json.dumps(render_dicts(bad_ref)) and "#3" in json.dumps(render_dicts(bad_ref))


def test_a_reply_survives_the_outbox_codec_unchanged() -> None:
    reply = Reply(
        title="3 things need you",
        blocks=(Paragraph((Strong("#1"), " battlecards ", Code("x"), Link("#1", "C1:1.1"))), Fields((("Due", "fri"),)),
                Bullets(((Strong("a"), "b"),), heading="Overdue"), Context("note"),
                Actions((Button("handoff.ack", "Acknowledge #1", "1", "primary"),))),
        buttons=(Button("handoff.done", "Done", "1"),), ephemeral=False,
    )
    assert codec.loads(codec.dumps(reply)) == reply
