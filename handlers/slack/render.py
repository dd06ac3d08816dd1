"""Render a Reply as Slack Block Kit.

Why escaping matters: in Slack ``mrkdwn`` the characters ``&``, ``<`` and ``>`` are control
characters. ``<!channel>``, ``<!here>``, ``<!subteam^S1>``, ``<@U1>`` and ``<#C1>`` are mentions
that notify people, and ``<https://evil|Click>`` is a link whose visible label hides its target.
Every string in a Reply is *data* typed by some user (a handoff title, a note, a display name), so
it is entity-escaped before it reaches a ``mrkdwn`` text object: ``<!channel>`` shows as text and
pings nobody. Zero-width and bidi control characters are stripped too, so ``<!chan\u200bnel>``-style
tricks and right-to-left spoofing of refs and names don't survive either.

Formatting is structural: ``Strong`` becomes ``*text*`` and ``Code`` becomes ```text``` with the
delimiter removed from the content, so user text can't close the span and restyle what follows.

Slack rejects a whole message when one block breaks a limit (3,000 characters of section text,
150 of header, 75 of button label, 10 fields, 25 actions, 50 blocks). Nothing here raises for
long input: text is truncated *after* escaping, never inside an entity such as ``&amp;``, and long
lists or block runs are cut with a visible marker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.blocks import Block as SlackBlock

from bot.reply import Actions, Bullets, Button, Code, Context, Fields, Link, Paragraph, Reply, Span, Strong, plain_text

# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks).
HEADER_MAX = 150
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_PER_SECTION = 10
CONTEXT_TEXT_MAX = 2000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
ACTION_ID_MAX = 255
BUTTONS_PER_ACTIONS = 25
MESSAGE_BLOCKS_MAX = 50
FALLBACK_MAX = 300

# Our own limits, so that one huge item can't crowd out the rest.
_LABEL_MAX = 300  # a field label or a bullets heading
_BULLET_LINE_MAX = 1500  # one bullet, so at least two fit a section
_BULLET_SECTIONS_MAX = 3  # sections one Bullets block may use before "…and N more"
_MORE_RESERVE = 40  # room kept in the last bullets section for "\n…and N more"

_ELLIPSIS = "…"
_BULLET = "• "
_EMPTY_FIELD = "—"
_WARNING = ":warning: "
_TRUNCATED = "…truncated; see the full item"
_STYLES = frozenset({"primary", "danger"})

_T = TypeVar("_T")

# Zero-width characters, bidi marks/embeddings/overrides and isolates, word joiner, BOM.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
# The longest entity escape() produces is "&amp;".
_ENTITY_MAX = len("&amp;")
# Characters that would end the <url|label> syntax early; percent-encoded in the bot's own URL.
_URL_UNSAFE = str.maketrans({"<": "%3C", ">": "%3E", "|": "%7C"})


def clean(text: str) -> str:
    """Strip invisible and bidi control characters; for plain_text objects, which need no escaping."""
    return _INVISIBLE.sub("", text)


def escape(text: str) -> str:
    """Make user text inert in mrkdwn: no mentions, links or entities of its own."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, ending in "…" when cut.

    Meant for text that is already escaped: a cut never splits an entity like ``&amp;``.
    """
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and len(head) - amp < _ENTITY_MAX and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + _ELLIPSIS


def render_blocks(reply: Reply, *, max_blocks: int = MESSAGE_BLOCKS_MAX, more_url: str | None = None) -> list[SlackBlock]:
    """The reply as Block Kit blocks, each within Slack's limits, at most ``max_blocks`` of them."""
    blocks: list[SlackBlock] = []
    title = truncate(_one_line(clean(reply.title or "")).strip(), HEADER_MAX)
    if title:
        blocks.append(HeaderBlock(text=PlainTextObject(text=title)))
    warn = reply.is_error and not title
    for block in reply.blocks:
        if isinstance(block, Paragraph):
            text = _spans(block.spans)
            if not text.strip():
                continue
            if warn:
                text, warn = _WARNING + text, False
            blocks.append(_section(text))
        elif isinstance(block, Fields):
            blocks.extend(_fields(block))
        elif isinstance(block, Bullets):
            blocks.extend(_bullets(block))
        elif isinstance(block, Context):
            text = truncate(escape(block.text), CONTEXT_TEXT_MAX)
            if text.strip():
                blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text)]))
        elif isinstance(block, Actions):
            blocks.extend(_actions(block.buttons))
    blocks.extend(_actions(reply.buttons))
    return _limit(blocks, max(1, max_blocks), more_url)


def render_dicts(reply: Reply, **kw: Any) -> list[dict[str, Any]]:
    """The blocks as JSON-ready dicts; ``to_dict()`` also runs slack_sdk's validation."""
    return [block.to_dict() for block in render_blocks(reply, **kw)]


def fallback_text(reply: Reply) -> str:
    """The message's top-level ``text``: notifications, screen readers, clients without blocks."""
    source = reply.title or ""
    if not source.strip():
        source = next(("".join(_span_text(s) for s in b.spans) for b in reply.blocks if isinstance(b, Paragraph)), "")
    if not source.strip():
        source = next((line for line in plain_text(reply).splitlines() if line.strip()), "")
    return truncate(escape(_one_line(source)), FALLBACK_MAX)


# --- blocks ---------------------------------------------------------------------------------------


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)))


def _fields(block: Fields) -> list[SlackBlock]:
    texts = [_field(label, value) for label, value in block.pairs]
    return [SectionBlock(fields=[MarkdownTextObject(text=t) for t in chunk]) for chunk in _chunks(texts, FIELDS_PER_SECTION)]


def _field(label: str, value: str) -> str:
    head = _delimit(truncate(escape(_one_line(label)).replace("*", ""), _LABEL_MAX), "*")
    body = escape(value)
    if not body.strip():
        body = _EMPTY_FIELD
    if not head.strip():
        return truncate(body, FIELD_TEXT_MAX)
    return f"{head}\n{truncate(body, FIELD_TEXT_MAX - len(head) - 1)}"


def _bullets(block: Bullets) -> list[SlackBlock]:
    lines: list[str] = []
    if block.heading and block.heading.strip():
        lines.append(_delimit(truncate(escape(_one_line(block.heading)).replace("*", ""), _LABEL_MAX), "*"))
    lines.extend(truncate(_BULLET + _spans(item), _BULLET_LINE_MAX) for item in block.items)
    return [_section(text) for text in _pack(lines)]


def _pack(lines: list[str]) -> list[str]:
    """Lines into section texts of at most SECTION_TEXT_MAX; past the last section, "…and N more"."""
    sections: list[str] = []
    current: list[str] = []
    size = -1  # no newline before the first line
    for i, line in enumerate(lines):
        last = len(sections) == _BULLET_SECTIONS_MAX - 1
        budget = SECTION_TEXT_MAX - (_MORE_RESERVE if last else 0)
        if current and size + 1 + len(line) > budget:
            if last:
                current.append(f"{_ELLIPSIS}and {len(lines) - i} more")
                sections.append("\n".join(current))
                return sections
            sections.append("\n".join(current))
            current, size = [], -1
        current.append(line)
        size += 1 + len(line)
    if current:
        sections.append("\n".join(current))
    return sections


def _actions(buttons: Sequence[Button]) -> list[SlackBlock]:
    elements = [_button(b) for b in buttons]
    return [ActionsBlock(elements=chunk) for chunk in _chunks(elements, BUTTONS_PER_ACTIONS)]


def _button(button: Button) -> ButtonElement:
    label = truncate(_one_line(clean(button.label)).strip(), BUTTON_TEXT_MAX) or truncate(button.id, BUTTON_TEXT_MAX)
    return ButtonElement(
        text=PlainTextObject(text=label),
        action_id=button.id[:ACTION_ID_MAX],
        value=button.value[:BUTTON_VALUE_MAX] or None,
        style=button.style if button.style in _STYLES else None,
    )


def _limit(blocks: list[SlackBlock], max_blocks: int, more_url: str | None) -> list[SlackBlock]:
    if len(blocks) <= max_blocks:
        return blocks
    marker = _TRUNCATED
    if more_url:
        marker += f" — <{more_url.translate(_URL_UNSAFE)}|{escape('open it')}>"
    return [*blocks[: max_blocks - 1], ContextBlock(elements=[MarkdownTextObject(text=marker)])]


# --- spans ----------------------------------------------------------------------------------------


def _spans(spans: Iterable[Span]) -> str:
    out: list[str] = []
    for span in spans:
        if isinstance(span, Strong):
            # Backticks too: one left in bold text could pair with a later code span.
            out.append(_delimit(escape(span.text).replace("*", "").replace("`", ""), "*"))
        elif isinstance(span, Code):
            out.append(_delimit(escape(span.text).replace("`", ""), "`"))
        elif isinstance(span, Link):
            out.append(_link(span))
        else:
            out.append(escape(span))
    return "".join(out)


_REF = re.compile(r"^([A-Z0-9]{1,40}):(\d{1,12})\.(\d{1,8})$")


def _link(span: Link) -> str:
    """A link to a message we posted (its ``channel:ts`` ref); the label is escaped and ``|``-free."""
    label = escape(_one_line(span.text)).replace("|", "¦") or "link"
    m = _REF.match(span.ref)
    if not m:
        return label
    return f"<https://slack.com/archives/{m.group(1)}/p{m.group(2)}{m.group(3)}|{label}>"


def _delimit(text: str, delim: str) -> str:
    """Wrap each line's non-blank core in ``delim``; Slack needs ``*x*``, not ``* x *``, and no line breaks."""
    lines = []
    for line in text.split("\n"):
        core = line.strip()
        if not core:
            lines.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip())]
        trail = line[len(line.rstrip()) :]
        lines.append(f"{lead}{delim}{core}{delim}{trail}")
    return "\n".join(lines)


def _span_text(span: Span) -> str:
    return span if isinstance(span, str) else span.text


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


def _chunks(items: list[_T], size: int) -> list[list[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
