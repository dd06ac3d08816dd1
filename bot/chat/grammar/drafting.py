"""Drafting commands: draft (notes, options), draft for #12."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot import commands as c
from bot.chat.grammar.words import NUMBER, UsageError, split_word, take_name

_DRAFT_ACTIONS: dict[str, Callable[[int], c.Command]] = {
    "use": c.UseDraft, "again": c.RegenerateDraft, "regenerate": c.RegenerateDraft, "discard": c.DiscardDraft,
}


def parse_draft(rest: str) -> c.Command:
    """``draft [for <release>] [audience: <who>;] <notes>``; ``draft use|again|discard <N>``."""
    text = rest.strip()
    word, tail = split_word(text)
    if word.lower() in _DRAFT_ACTIONS and NUMBER.fullmatch(tail.strip()):
        return _DRAFT_ACTIONS[word.lower()](int(tail.strip().lstrip("#")))
    release = None
    if m := re.match(r"for\s+", text, re.IGNORECASE):
        release, text = take_name(text[m.end():])
    options: dict[str, str] = {}
    while m := re.match(r"(audience|tone|format)\s*:\s*([^;\n]{1,120})[;\n]\s*", text, re.IGNORECASE):
        options[m.group(1).lower()] = m.group(2).strip()
        text = text[m.end():]
    if len(text.strip()) < 10:
        raise UsageError("Give the technical notes to turn into customer messaging (a sentence or more).", "draft")
    return c.DraftMessaging(notes=text.strip(), release=release, **options)
