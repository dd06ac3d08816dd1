"""The grammar's shared words: numbers, names, mentions, channels, dates, and the usage error."""

from __future__ import annotations

import re
from datetime import date

from bot import commands as c
from bot.dates import parse_date
from bot.domain import Action, Kind
from bot.errors import InvalidInput

MAX_TEXT = 8000


MAX_TITLE = 200


class UsageError(InvalidInput):
    """The text did not fit the grammar; ``topic`` is the command whose usage helps."""

    def __init__(self, message: str, topic: str | None = None) -> None:
        super().__init__(message, field="title" if topic == "new" else None)
        self.topic = topic


MENTION = re.compile(r"<@([A-Za-z0-9._:\-]+)(?:\|([^>]*))?>|(?<![\w.@])@([\w][\w.\-]{0,79})")


NUMBER = re.compile(r"#?(\d{1,9})")


CHANNEL = re.compile(r"<#([A-Za-z0-9]+)(?:\|[^>]*)?>|(?<!\S)#([A-Za-z][\w\-]{0,79})(?!\S)")


KINDS = {
    "requirement": Kind.REQUIREMENT, "requirements": Kind.REQUIREMENT, "req": Kind.REQUIREMENT,
    "messaging": Kind.MESSAGING, "message": Kind.MESSAGING, "msg": Kind.MESSAGING,
    "question": Kind.QUESTION, "q": Kind.QUESTION,
}


ACTIONS = {
    "ack": Action.ACK, "acknowledge": Action.ACK, "start": Action.START, "done": Action.DONE,
    "finish": Action.DONE, "complete": Action.DONE, "ask": Action.ASK, "answer": Action.ANSWER,
    "decline": Action.DECLINE, "block": Action.BLOCK, "cancel": Action.CANCEL, "reopen": Action.REOPEN,
}


# A fixed day used only to tell whether a phrase is a date at all; the use case re-reads it
# against the person's real "today".
ANY_DAY = date(2000, 1, 3)


def is_date(text: str) -> bool:
    try:
        return parse_date(text, ANY_DAY) is not None
    except InvalidInput:
        return True  # a date-shaped phrase that is wrong: let the use case say why


def strip_release(text: str) -> tuple[str, str | None]:
    m = re.search(r"(?:^|\s)for\s+(\"[^\"]+\"|\S+)$", text, re.IGNORECASE)
    if not m:
        return text.strip(), None
    return text[: m.start()].strip(), m.group(1).strip('"')


def split_word(text: str) -> tuple[str, str]:
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def take_name(text: str) -> tuple[str, str]:
    """A release name: one word, or several in double quotes."""
    text = text.strip()
    if text.startswith(("\"", "“")):
        close = text.find("\"" if text[0] == "\"" else "”", 1)
        if close > 1:
            return text[1:close].strip(), text[close + 1:].strip()
    return split_word(text)


def handoff_number(text: str, topic: str) -> int:
    number, extra = handoff_number_and_text(text, topic)
    if extra:
        raise UsageError(f"`{topic}` takes just the handoff's number.", topic)
    return number


def handoff_number_and_text(text: str, topic: str) -> tuple[int, str]:
    word, rest = split_word(text)
    m = NUMBER.fullmatch(word)
    if not m:
        raise UsageError(
            f"“{word}” is not a handoff number; use the number shown as #12." if word else "Which handoff? Give its number.",
            topic,
        )
    return int(m.group(1)), rest


def user_ref(m: re.Match[str]) -> c.UserRef:
    if m.group(1):
        return c.UserRef(platform_id=m.group(1), name=(m.group(2) or None))
    return c.UserRef(name=m.group(3).rstrip(".-").lower())
