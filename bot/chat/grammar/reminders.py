"""Reminder commands: digest here/off/preview, nudges."""

from __future__ import annotations

import re

from bot import commands as c
from bot.chat.grammar.words import UsageError, split_word, take_name

_CLOCK = re.compile(r"([01]?\d|2[0-3])[:.h]?([0-5]\d)?\s*(am|pm)?", re.IGNORECASE)


def _clock(word: str) -> str | None:
    """``9``, ``09:00``, ``9am``, ``17.30`` -> ``HH:MM``; anything else -> None."""
    m = _CLOCK.fullmatch(word.strip())
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3):
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if m.group(3).lower() == "pm" else 0)
    return f"{hour:02d}:{minute:02d}"


def parse_digest(rest: str) -> c.Command:
    sub, rest = split_word(rest)
    sub = sub.lower()
    if not sub:
        return c.ShowDigest()
    if sub in ("off", "stop", "unsubscribe"):
        return c.StopDigest()
    if sub == "preview":
        return c.PreviewDigest()
    if sub in ("tz", "timezone"):
        if not rest:
            raise UsageError("Give the digest's time zone, such as Europe/Paris.", "digest")
        return c.SubscribeDigest(timezone=rest.strip())
    if sub in ("all-clear", "allclear"):
        if rest.lower() not in ("on", "off"):
            raise UsageError("Say `digest all-clear on` or `digest all-clear off`.", "digest")
        return c.SubscribeDigest(all_clear=rest.lower() == "on")
    if sub != "here":
        raise UsageError(f"I don't know `digest {sub}`.", "digest")
    word, rest = split_word(rest)
    at = _clock(word) if word else "09:00"
    if at is None:
        raise UsageError(f"“{word}” is not a time of day; use 24-hour HH:MM such as 09:00.", "digest")
    rest = re.sub(r"^for\s+", "", rest, flags=re.IGNORECASE)
    release, extra = take_name(rest) if rest else (None, "")
    if extra:
        raise UsageError("After the time, give at most one release name.", "digest")
    return c.SubscribeDigest(at=at, release=release or None)


def parse_nudges(rest: str) -> c.Command:
    sub, rest = split_word(rest)
    if not sub:
        return c.ShowNudges()
    if sub.lower() != "set":
        raise UsageError(f"I don't know `nudges {sub}`.", "nudges")
    option, value = split_word(rest)
    option = option.lower()
    if option not in ("hours", "days", "limit", "escalate", "quiet") or not value:
        raise UsageError("Say which setting and its value, such as `nudges set hours 09:00-17:30`.", "nudges")
    return c.SetNudgeOption(option, value.strip())
