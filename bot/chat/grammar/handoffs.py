"""Handoff commands: new, list, show, the lifecycle moves, reassign, comment, snooze, due."""

from __future__ import annotations

import re

from bot import commands as c
from bot.chat.grammar.words import (
    ANY_DAY,
    KINDS,
    MAX_TITLE,
    MENTION,
    UsageError,
    handoff_number,
    handoff_number_and_text,
    is_date,
    split_word,
    take_name,
    user_ref,
)
from bot.dates import parse_date
from bot.domain import Action, Kind, Status
from bot.errors import InvalidInput

STATUS_WORDS = {
    "open": Status.OPEN, "acknowledged": Status.ACKNOWLEDGED, "acked": Status.ACKNOWLEDGED,
    "in_progress": Status.IN_PROGRESS, "started": Status.IN_PROGRESS, "in-progress": Status.IN_PROGRESS,
    "needs_info": Status.NEEDS_INFO, "needs-info": Status.NEEDS_INFO, "blocked": Status.BLOCKED,
    "declined": Status.DECLINED, "done": Status.DONE, "cancelled": Status.CANCELLED,
    "canceled": Status.CANCELLED,
}


class BadDue(UsageError):
    """A due date in the header that is no date: said, not taken as part of the title."""


def parse_new(text: str) -> c.CreateHandoff:
    if not text:
        raise UsageError("Say what you are handing off and to whom.", "new")
    header, body = _split_header(text)
    owner, kind, release, area, due = parse_header(header) if header is not None else (None, None, None, None, None)
    if header is None:
        owner, kind, body = _leading_owner_and_kind(body)
    title, details = _split_details(body)
    title, trailing, guessed = _trailing_due(title)
    details, in_details = _due_in_details(details)
    due = due or trailing or in_details
    guessed = guessed and due == trailing
    if not title:
        raise UsageError("The handoff needs a title after the colon.", "new")
    if len(title) > MAX_TITLE:
        raise UsageError(
            f"Keep the title under {MAX_TITLE} characters; put the rest after ` | ` as details.", "new"
        )
    return c.CreateHandoff(title=title, owner=owner, kind=kind, release=release, area=area, details=details, due=due,
                           due_from_title=guessed)


def _split_header(text: str) -> tuple[str | None, str]:
    """``@dana requirement for v2.3: title`` -> (``@dana requirement for v2.3``, ``title``)."""
    colon = _header_colon(text)
    if colon < 0:
        return None, text
    head, body = text[:colon], text[colon + 1:]
    if "\n" in head or len(head) > 120:
        return None, text
    try:
        parse_header(head)
    except BadDue:
        raise
    except UsageError:
        return None, text
    return head, body.strip()


def _header_colon(text: str) -> int:
    """The first colon outside a ``<…>`` mention: Teams user ids (``<@29:1a2b|Dana>``) hold colons."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif ch == ":" and not depth:
            return i
    return -1


def parse_header(header: str) -> tuple[c.UserRef | None, Kind | None, str | None, str | None, str | None]:
    owner = kind = release = area = due = None
    rest = header.strip()
    while rest:
        if m := MENTION.match(rest):
            if owner is not None:
                raise UsageError("A handoff has one owner; mention just one person.", "new")
            owner = user_ref(m)
            rest = rest[m.end():].strip()
            continue
        word, after = split_word(rest)
        lower = word.lower()
        if lower in KINDS and kind is None:
            kind, rest = KINDS[lower], after
        elif lower == "for" and after and release is None:
            release, rest = take_name(after)
        elif lower in ("by", "due", "before") and after and due is None:
            due, rest = _header_due(after)
        elif lower == "about" and after and area is None:
            area, _, rest = after.partition(" for ")
            rest = f"for {rest}" if rest else ""
            area = area.strip()
        else:
            raise UsageError(f"I don't understand “{word}” before the colon.", "new")
    if owner is None and kind is None and release is None and area is None:
        raise UsageError("Empty header.", "new")
    return owner, kind, release, area, due


def _header_due(text: str) -> tuple[str, str]:
    """``fri for v2.3`` -> (``fri``, ``for v2.3``): a due date in the header runs to the next keyword."""
    m = re.search(r"\s+(?=(?:for|about)\s)|\s+(?=@|<@)", text, re.IGNORECASE)
    due, rest = (text[: m.start()], text[m.end():]) if m else (text, "")
    due = re.sub(r"^(?:by|on)\s+", "", due.strip(), flags=re.IGNORECASE)
    if not is_date(due):
        raise BadDue(f"I can't read “{due}” as a due date; try `by fri`, `by dec 12` or `by 2026-12-15`.", "new")
    return due, rest


def _leading_owner_and_kind(text: str) -> tuple[c.UserRef | None, Kind | None, str]:
    owner = kind = None
    if m := MENTION.match(text):
        owner, text = user_ref(m), text[m.end():].strip()
    word, after = split_word(text)
    if word.lower() in KINDS and after:
        kind, text = KINDS[word.lower()], after
    return owner, kind, text


def _split_details(body: str) -> tuple[str, str]:
    """The title ends at the first line break or `` | ``, whichever comes first."""
    m = re.search(r"\n| \| ", body)
    if not m:
        return body.strip(), ""
    return body[: m.start()].strip(), body[m.end():].strip()


def _trailing_due(title: str) -> tuple[str, str | None, bool]:
    """A due date at the end of the title: after by/due/before/on/until (taken), or a bare date
    phrase (taken too, and said so in the reply, since the person may have meant it as title)."""
    m = re.search(r"\s+(?:by|due(?:\s+by|\s+on)?|before|on|until|till|for)\s+(.{1,40}?)[.!]?$", title, re.IGNORECASE)
    if m and is_date(m.group(1)):
        return title[: m.start()].strip(), m.group(1).strip(), False
    words = title.rstrip(".!").split()
    for size in range(min(4, len(words) - 1), 0, -1):
        phrase = " ".join(words[-size:])
        if _clearly_a_date(phrase):
            return " ".join(words[:-size]), phrase, True
    return title, None, False


def _clearly_a_date(phrase: str) -> bool:
    try:
        return parse_date(phrase, ANY_DAY) is not None
    except InvalidInput:
        return False


def _due_in_details(details: str) -> tuple[str, str | None]:
    """A ``due: fri`` line in the details is the due date, not a detail; one that is no date is refused."""
    m = re.search(r"(?:^|\n|;\s*|,\s*)(?:due|by|deadline)\s*:\s*([^\n;,]{1,40})\s*(?=$|\n|;|,)", details, re.IGNORECASE)
    if not m:
        return details, None
    due = m.group(1).strip()
    if not is_date(due):
        raise UsageError(f"I can't read “{due}” as a due date; try `due: fri` or `due: 2026-12-15`.", "new")
    return (details[: m.start()] + details[m.end():]).strip(" \n;,"), due


def parse_list(rest: str) -> c.ListHandoffs:
    scope, person, release, status, overdue = "mine", None, None, None, False
    text = rest.strip()
    while text:
        if m := MENTION.match(text):
            scope, person, text = "person", user_ref(m), text[m.end():].strip()
            continue
        word, text = split_word(text)
        lower = word.lower()
        if lower in ("mine", "owed", "asked", "all", "everything"):
            scope = "all" if lower == "everything" else lower
        elif lower in ("for", "release") and text:
            release, text = take_name(text)
        elif lower == "overdue":
            overdue = True
        elif lower == "in" and text.lower().startswith("progress"):
            status, text = Status.IN_PROGRESS, text[len("progress"):].strip()
        elif lower == "needs" and text.lower().startswith("info"):
            status, text = Status.NEEDS_INFO, text[len("info"):].strip()
        elif lower == "status" and text:
            continue
        elif lower in STATUS_WORDS:
            status = STATUS_WORDS[lower]
        else:
            raise UsageError(f"I can't filter a list by “{word}”.", "list")
    return c.ListHandoffs(scope=scope, person=person, release=release, status=status, overdue=overdue)


def parse_show(rest: str) -> c.ShowHandoff:
    return c.ShowHandoff(handoff_number(rest, "show"))


_REFS = r"#\d{1,9}(?:\s*(?:,|and|&)?\s*#\d{1,9})*"
_BLOCK_BY = re.compile(rf"(?:by|on|waiting\s+on|waits\s+on)\s+(?P<refs>{_REFS})[.!]?", re.IGNORECASE)
_LINK = re.compile(rf"(?:(?:needs|waits\s+on|to|on)\s+)?(?P<refs>{_REFS})[.!]?", re.IGNORECASE)
_UNLINK = re.compile(rf"(?:(?:from|needs)\s+)?(?P<refs>{_REFS})[.!]?", re.IGNORECASE)
_EDIT_FIELDS = {
    "title": "title", "details": "details", "detail": "details", "description": "details", "kind": "kind",
    "type": "kind", "release": "release", "area": "area", "reason": "reason", "question": "reason",
}


def parse_move(action: Action, rest: str) -> c.MoveHandoff | c.LinkHandoff:
    number, reason = handoff_number_and_text(rest, action.value)
    if action is Action.BLOCK and (m := _BLOCK_BY.fullmatch(reason)):
        return c.LinkHandoff(number=number, needs=_numbers(m.group("refs")), block=True)
    return c.MoveHandoff(number=number, action=action, reason=reason or None)


def parse_link(rest: str) -> c.LinkHandoff:
    number, text = handoff_number_and_text(rest, "link")
    if not (m := _LINK.fullmatch(text)):
        raise UsageError("Say what it waits on, by number: `link 12 needs #14`.", "link")
    return c.LinkHandoff(number=number, needs=_numbers(m.group("refs")))


def parse_unlink(rest: str) -> c.UnlinkHandoff:
    number, text = handoff_number_and_text(rest, "unlink")
    if not (m := _UNLINK.fullmatch(text)):
        raise UsageError("Say which one it no longer waits on: `unlink 12 #14`.", "unlink")
    return c.UnlinkHandoff(number=number, needs=_numbers(m.group("refs")))


def parse_edit(rest: str) -> c.EditHandoff | c.ShowEditForm | c.SetDueDate | c.ReassignHandoff:
    number, text = handoff_number_and_text(rest, "edit")
    if not text:
        return c.ShowEditForm(number)
    word, value = split_word(text)
    field = word.lower()
    if field == "grey" and value.lower().startswith("area"):
        field, value = "area", value[4:].strip()
    if field in ("due", "date"):
        return parse_due(f"{number} {value}")
    if field in ("owner", "assignee"):
        return parse_reassign(f"{number} {value}")
    if field not in _EDIT_FIELDS:
        raise UsageError(f"I can't edit “{word}”; you can edit title, details, kind, release, area, reason, "
                         "due or owner.", "edit")
    field = _EDIT_FIELDS[field]
    if not value and field != "details":
        raise UsageError(f"Give the new {field} after the word: `edit {number} {field} …`.", "edit")
    if field == "kind":
        if value.lower() not in KINDS:
            raise UsageError("A handoff is a requirement, messaging or a question.", "edit")
        value = KINDS[value.lower()].value
    return c.EditHandoff(number=number, changes=((field, value),))


def _numbers(refs: str) -> tuple[int, ...]:
    return tuple(dict.fromkeys(int(n) for n in re.findall(r"#(\d+)", refs)))


def parse_reassign(rest: str) -> c.ReassignHandoff:
    number, after = handoff_number_and_text(rest, "reassign")
    after = re.sub(r"^to\s+", "", after, flags=re.IGNORECASE)
    m = MENTION.match(after)
    if not m:
        raise UsageError("Say who should take it over.", "reassign")
    return c.ReassignHandoff(number=number, to=user_ref(m))


def parse_comment(rest: str) -> c.CommentOnHandoff:
    number, text = handoff_number_and_text(rest, "comment")
    if not text:
        raise UsageError("Add the comment after the number.", "comment")
    return c.CommentOnHandoff(number=number, text=text)


def parse_snooze(rest: str) -> c.SnoozeHandoff:
    number, text = handoff_number_and_text(rest, "snooze")
    return c.SnoozeHandoff(number=number, duration=text or "1d")


def parse_due(rest: str) -> c.SetDueDate:
    number, text = handoff_number_and_text(rest, "due")
    if not text:
        raise UsageError("Give the new due date.", "due")
    return c.SetDueDate(number=number, due=text)
