"""One command grammar for every surface: Slack's slash command, a Teams message, the shell.

:func:`parse` turns text into a :mod:`bot.commands` object or raises :class:`UsageError`, whose
``topic`` names the command whose usage the reply should show. Handlers turn platform mentions
into ``<@ID>`` or ``<@ID|name>`` before calling it; a bare ``@name`` is kept as a name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

from rapidfuzz import fuzz, process

from bot import commands as c
from bot.chat.texts import HELP_ORDER, USAGE
from bot.dates import parse_date
from bot.domain import Action, Duty, EntryKind, Kind, Role, Side, Status
from bot.errors import InvalidInput

MAX_TEXT = 8000
MAX_TITLE = 200


class UsageError(InvalidInput):
    """The text did not fit the grammar; ``topic`` is the command whose usage helps."""

    def __init__(self, message: str, topic: str | None = None) -> None:
        super().__init__(message, field="title" if topic == "new" else None)
        self.topic = topic


_MENTION = re.compile(r"<@([A-Za-z0-9._:\-]+)(?:\|([^>]*))?>|(?<![\w.@])@([\w][\w.\-]{0,79})")
_NUMBER = re.compile(r"#?(\d{1,9})")
_CHANNEL = re.compile(r"<#([A-Za-z0-9]+)(?:\|[^>]*)?>|(?<!\S)#([A-Za-z][\w\-]{0,79})(?!\S)")
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E]
)
_KINDS = {
    "requirement": Kind.REQUIREMENT, "requirements": Kind.REQUIREMENT, "req": Kind.REQUIREMENT,
    "messaging": Kind.MESSAGING, "message": Kind.MESSAGING, "msg": Kind.MESSAGING,
    "question": Kind.QUESTION, "q": Kind.QUESTION,
}
_STATUS_WORDS = {
    "open": Status.OPEN, "acknowledged": Status.ACKNOWLEDGED, "acked": Status.ACKNOWLEDGED,
    "in_progress": Status.IN_PROGRESS, "started": Status.IN_PROGRESS, "in-progress": Status.IN_PROGRESS,
    "needs_info": Status.NEEDS_INFO, "needs-info": Status.NEEDS_INFO, "blocked": Status.BLOCKED,
    "declined": Status.DECLINED, "done": Status.DONE, "cancelled": Status.CANCELLED,
    "canceled": Status.CANCELLED,
}
_ACTIONS = {
    "ack": Action.ACK, "acknowledge": Action.ACK, "start": Action.START, "done": Action.DONE,
    "finish": Action.DONE, "complete": Action.DONE, "ask": Action.ASK, "answer": Action.ANSWER,
    "decline": Action.DECLINE, "block": Action.BLOCK, "cancel": Action.CANCEL, "reopen": Action.REOPEN,
}
_WHO_OWNS = re.compile(
    r"(?:who(?:'s|’s|\s+is)?\s+(?:owns?|owning|drives|driving|responsible\s+for|accountable\s+for"
    r"|on\s+the\s+hook\s+for|in\s+charge\s+of|handles|handling)|owner\s+of)\s+(?P<q>.+?)[\s?.!]*",
    re.IGNORECASE | re.DOTALL,
)
_WHATS = re.compile(r"what(?:'s|’s|\s+is|\s+are)\s+(?P<what>.+?)[\s?.!]*", re.IGNORECASE)
_DECIDED = re.compile(r"what\s+did\s+we\s+decide(?:\s+(?:about|on|for))?\s+(?P<q>.+?)[\s?.!]*", re.IGNORECASE)
# A fixed day used only to tell whether a phrase is a date at all; the use case re-reads it
# against the person's real "today".
_ANY_DAY = date(2000, 1, 3)


def clean(text: str) -> str:
    """Drop invisible and control characters that people never mean, keep line breaks."""
    text = text.translate(_INVISIBLE)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def parse(text: str) -> c.Command:
    text = clean(text)
    if len(text) > MAX_TEXT:
        raise UsageError(f"That is {len(text):,} characters; keep a command under {MAX_TEXT:,}.")
    if re.match(r"/?handoff\b", text, re.IGNORECASE):  # Slack's /handoff; in Teams, "handoff @Dana …"
        text = re.sub(r"^/?handoff\b", "", text, flags=re.IGNORECASE).strip()
    if not text:
        return c.ShowHelp()
    if natural := _parse_question(text):
        return natural
    head, rest = _split_word(text)
    parser = _PARSERS.get(head.lower())
    if parser:
        return parser(rest)
    if head.lower() in _ACTIONS:
        return _parse_move(_ACTIONS[head.lower()], rest)
    if _MENTION.match(text) or head.lower() in _KINDS:
        return _parse_new(text)
    raise _unknown(head)


# --- handoffs ------------------------------------------------------------------------------

def _parse_new(text: str) -> c.CreateHandoff:
    if not text:
        raise UsageError("Say what you are handing off and to whom.", "new")
    header, body = _split_header(text)
    owner, kind, release, area = _parse_header(header) if header is not None else (None, None, None, None)
    if header is None:
        owner, kind, body = _leading_owner_and_kind(body)
    title, details = _split_details(body)
    title, due = _trailing_due(title)
    if not title:
        raise UsageError("The handoff needs a title after the colon.", "new")
    if len(title) > MAX_TITLE:
        raise UsageError(
            f"Keep the title under {MAX_TITLE} characters; put the rest after ` | ` as details.", "new"
        )
    return c.CreateHandoff(title=title, owner=owner, kind=kind, release=release, area=area, details=details, due=due)


def _split_header(text: str) -> tuple[str | None, str]:
    """``@dana requirement for v2.3: title`` -> (``@dana requirement for v2.3``, ``title``)."""
    colon = _header_colon(text)
    if colon < 0:
        return None, text
    head, body = text[:colon], text[colon + 1:]
    if "\n" in head or len(head) > 120:
        return None, text
    try:
        _parse_header(head)
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


def _parse_header(header: str) -> tuple[c.UserRef | None, Kind | None, str | None, str | None]:
    owner = kind = release = area = None
    rest = header.strip()
    while rest:
        if m := _MENTION.match(rest):
            if owner is not None:
                raise UsageError("A handoff has one owner; mention just one person.", "new")
            owner = _user_ref(m)
            rest = rest[m.end():].strip()
            continue
        word, after = _split_word(rest)
        lower = word.lower()
        if lower in _KINDS and kind is None:
            kind, rest = _KINDS[lower], after
        elif lower == "for" and after and release is None:
            release, rest = _take_name(after)
        elif lower == "about" and after and area is None:
            area, _, rest = after.partition(" for ")
            rest = f"for {rest}" if rest else ""
            area = area.strip()
        else:
            raise UsageError(f"I don't understand “{word}” before the colon.", "new")
    if owner is None and kind is None and release is None and area is None:
        raise UsageError("Empty header.", "new")
    return owner, kind, release, area


def _leading_owner_and_kind(text: str) -> tuple[c.UserRef | None, Kind | None, str]:
    owner = kind = None
    if m := _MENTION.match(text):
        owner, text = _user_ref(m), text[m.end():].strip()
    word, after = _split_word(text)
    if word.lower() in _KINDS and after:
        kind, text = _KINDS[word.lower()], after
    return owner, kind, text


def _split_details(body: str) -> tuple[str, str]:
    """The title ends at the first line break or `` | ``, whichever comes first."""
    m = re.search(r"\n| \| ", body)
    if not m:
        return body.strip(), ""
    return body[: m.start()].strip(), body[m.end():].strip()


def _trailing_due(title: str) -> tuple[str, str | None]:
    m = re.search(r"\s+(?:by|due(?:\s+by|\s+on)?|before)\s+(.{1,40}?)[.!]?$", title, re.IGNORECASE)
    if m and _is_date(m.group(1)):
        return title[: m.start()].strip(), m.group(1).strip()
    return title, None


def _is_date(text: str) -> bool:
    try:
        return parse_date(text, _ANY_DAY) is not None
    except InvalidInput:
        return True  # a date-shaped phrase that is wrong: let the use case say why


def _parse_list(rest: str) -> c.ListHandoffs:
    scope, person, release, status, overdue = "mine", None, None, None, False
    text = rest.strip()
    while text:
        if m := _MENTION.match(text):
            scope, person, text = "person", _user_ref(m), text[m.end():].strip()
            continue
        word, text = _split_word(text)
        lower = word.lower()
        if lower in ("mine", "owed", "asked", "all", "everything"):
            scope = "all" if lower == "everything" else lower
        elif lower in ("for", "release") and text:
            release, text = _take_name(text)
        elif lower == "overdue":
            overdue = True
        elif lower == "in" and text.lower().startswith("progress"):
            status, text = Status.IN_PROGRESS, text[len("progress"):].strip()
        elif lower == "needs" and text.lower().startswith("info"):
            status, text = Status.NEEDS_INFO, text[len("info"):].strip()
        elif lower == "status" and text:
            continue
        elif lower in _STATUS_WORDS:
            status = _STATUS_WORDS[lower]
        else:
            raise UsageError(f"I can't filter a list by “{word}”.", "list")
    return c.ListHandoffs(scope=scope, person=person, release=release, status=status, overdue=overdue)


def _parse_show(rest: str) -> c.ShowHandoff:
    return c.ShowHandoff(_number(rest, "show"))


def _parse_move(action: Action, rest: str) -> c.MoveHandoff:
    number, reason = _number_and_text(rest, action.value)
    return c.MoveHandoff(number=number, action=action, reason=reason or None)


def _parse_reassign(rest: str) -> c.ReassignHandoff:
    number, after = _number_and_text(rest, "reassign")
    after = re.sub(r"^to\s+", "", after, flags=re.IGNORECASE)
    m = _MENTION.match(after)
    if not m:
        raise UsageError("Say who should take it over.", "reassign")
    return c.ReassignHandoff(number=number, to=_user_ref(m))


def _parse_comment(rest: str) -> c.CommentOnHandoff:
    number, text = _number_and_text(rest, "comment")
    if not text:
        raise UsageError("Add the comment after the number.", "comment")
    return c.CommentOnHandoff(number=number, text=text)


def _parse_snooze(rest: str) -> c.SnoozeHandoff:
    number, text = _number_and_text(rest, "snooze")
    return c.SnoozeHandoff(number=number, duration=text or "1d")


def _parse_due(rest: str) -> c.SetDueDate:
    number, text = _number_and_text(rest, "due")
    if not text:
        raise UsageError("Give the new due date.", "due")
    return c.SetDueDate(number=number, due=text)


# --- releases ------------------------------------------------------------------------------

def _parse_release(rest: str) -> c.Command:
    sub, after = _split_word(rest)
    sub = sub.lower()
    if sub in ("new", "create", "add"):
        name, rest = _take_name(after)
        if not name:
            raise UsageError("Name the release.", "release")
        channel = None
        if m := _CHANNEL.search(rest):
            channel = m.group(1) or m.group(2)
            rest = (rest[: m.start()] + rest[m.end():]).strip()
        return c.CreateRelease(name=name, target=rest or None, channel=channel)
    if sub in ("list", "ls", ""):
        return c.ListReleases()
    if sub == "show":
        name, _ = _take_name(after)
        if not name:
            raise UsageError("Name the release to show.", "release")
        return c.ShowRelease(name)
    if sub == "export":
        name, extra = _take_name(after)
        if not name or extra:
            raise UsageError("Name one release to export: `release export v2.3`.", "release")
        return c.ExportRelease(name)
    if sub in ("note", "decide", "decision"):
        return _parse_entry(EntryKind.NOTE if sub == "note" else EntryKind.DECISION, after)
    if sub == "slip":
        return _parse_slip(after)
    if sub == "owner":
        name, who = _take_name(after)
        m = _MENTION.fullmatch(who.strip())
        if not name or not m:
            raise UsageError("Name the release and its new owner: `release owner v2.3 @kim`.", "release")
        return c.SetReleaseOwner(name, _user_ref(m))
    name, extra = _take_name(rest)
    if not extra:
        return c.ShowRelease(name)
    raise UsageError(f"`release` takes new, list, show, export, note, decide, owner or slip, not “{sub}”.", "release")


def _parse_entry(kind: EntryKind, rest: str) -> c.AddReleaseEntry:
    name, text = _take_name(rest)
    if not name or not text:
        raise UsageError(f"Name the release, then the {kind.value}.", "release")
    return c.AddReleaseEntry(release=name, kind=kind, text=text)


# --- grey areas ----------------------------------------------------------------------------

def _parse_owner(rest: str) -> c.Command:
    sub, after = _split_word(rest)
    sub = sub.lower()
    duties = {"set": Duty.DRIVER, "add": Duty.SUPPORTER, "inform": Duty.INFORMED}
    if sub in duties or sub == "remove":
        area, person, owes, release = _area_person(after, sub)
        if sub == "remove":
            return c.UnassignArea(area=area, person=person, release=release)
        if owes and duties[sub] is not Duty.SUPPORTER:
            raise UsageError("Only supporters owe input; use `owner add`.", "owner")
        return c.AssignArea(area=area, person=person, duty=duties[sub], release=release, owes=owes)
    if sub == "claim":
        area, release = _strip_release(after)
        if not area:
            raise UsageError("Name the area you are claiming.", "owner")
        return c.AssignArea(area=area, person=None, duty=Duty.DRIVER, release=release)
    if sub in ("who", "of"):
        if not after:
            raise UsageError("Name the area.", "owner")
        return c.WhoOwns(after)
    if sub in ("list", "ls", "unowned", "disputed", "mine", ""):
        _, release = _strip_release(after) if after else ("", None)
        if after and release is None:
            raise UsageError(f"I can't filter areas by “{after}”; try `for <release>`.", "owner")
        return c.ListAreas(which="all" if sub in ("list", "ls", "") else sub, release=release)
    if sub == "new":
        return _parse_new_area(after)
    raise UsageError(f"`owner` takes set, add, inform, remove, claim, who, list, unowned, disputed or new, not “{sub}”.", "owner")


def _area_person(text: str, sub: str) -> tuple[str, c.UserRef, str | None, str | None]:
    m = _MENTION.search(text)
    if not m:
        raise UsageError(f"Mention the person: `owner {sub} <area> @person`.", "owner")
    area, release_before = _strip_release(text[: m.start()].strip())
    after = text[m.end():].strip()
    owes = None
    after, release_after = _strip_release(after)
    if after.lower().startswith("owes "):
        owes = after[5:].strip() or None
    elif after:
        raise UsageError(f"I don't understand “{after}” after the person.", "owner")
    if not area:
        raise UsageError("Name the area before the person.", "owner")
    return area, _user_ref(m), owes, release_after or release_before


def _parse_new_area(text: str) -> c.CreateArea:
    name_part, *aliases = re.split(r"\s+aka\s+", text, maxsplit=1, flags=re.IGNORECASE)
    words = name_part.split()
    if len(words) < 2 or words[-1].lower() not in {s.value for s in Side}:
        raise UsageError("Give the area's name, then inbound, outbound or shared.", "owner")
    alias_list = tuple(a.strip() for a in "".join(aliases).split(",") if a.strip())
    return c.CreateArea(name=" ".join(words[:-1]), side=Side(words[-1].lower()), aliases=alias_list)


def _strip_release(text: str) -> tuple[str, str | None]:
    m = re.search(r"(?:^|\s)for\s+(\"[^\"]+\"|\S+)$", text, re.IGNORECASE)
    if not m:
        return text.strip(), None
    return text[: m.start()].strip(), m.group(1).strip('"')


# --- people, search, help ------------------------------------------------------------------

def _parse_person(rest: str) -> c.Command:
    text = rest.strip()
    if text.lower() in ("list", "ls"):
        return c.ListPeople()
    person = None
    if m := _MENTION.match(text):
        person, text = _user_ref(m), text[m.end():].strip()
    elif text.lower().startswith("me"):
        text = text[2:].strip()
    if not text:
        return c.ShowPerson(person)
    word, value = _split_word(text)
    if word.lower() == "role":
        try:
            return c.SetPersonRole(person, Role(value.strip().lower()))
        except ValueError:
            raise UsageError("A role is pm, pmm, lead or other.", "person") from None
    if word.lower() in ("tz", "timezone", "time-zone") and value.strip():
        return c.SetPersonTimezone(person, value.strip())
    raise UsageError(f"I can't set “{word}” on a person.", "person")


def _parse_search(rest: str) -> c.SearchKnowledge:
    if not rest.strip():
        raise UsageError("Give the words to search for.", "search")
    return c.SearchKnowledge(rest.strip())


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


def _parse_digest(rest: str) -> c.Command:
    sub, rest = _split_word(rest)
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
    word, rest = _split_word(rest)
    at = _clock(word) if word else "09:00"
    if at is None:
        raise UsageError(f"“{word}” is not a time of day; use 24-hour HH:MM such as 09:00.", "digest")
    rest = re.sub(r"^for\s+", "", rest, flags=re.IGNORECASE)
    release, extra = _take_name(rest) if rest else (None, "")
    if extra:
        raise UsageError("After the time, give at most one release name.", "digest")
    return c.SubscribeDigest(at=at, release=release or None)


def _parse_nudges(rest: str) -> c.Command:
    sub, rest = _split_word(rest)
    if not sub:
        return c.ShowNudges()
    if sub.lower() != "set":
        raise UsageError(f"I don't know `nudges {sub}`.", "nudges")
    option, value = _split_word(rest)
    option = option.lower()
    if option not in ("hours", "days", "limit", "escalate", "quiet") or not value:
        raise UsageError("Say which setting and its value, such as `nudges set hours 09:00-17:30`.", "nudges")
    return c.SetNudgeOption(option, value.strip())


def _parse_gate(rest: str) -> c.Command:
    """``gate <release>`` lists; ``gate approve|decline|waive <release> <gate> [note]`` decides;
    ``gate template …`` shows or edits the workspace's template."""
    verb, tail = _split_word(rest)
    if verb.lower() in ("approve", "decline", "waive"):
        release, what = _take_name(tail)
        if not release or not what:
            raise UsageError(f"Say which release and which gate: `gate {verb.lower()} v2.3 \"Release Readiness\"`.", "gate")
        return c.DecideGate(release, verb.lower(), what)
    if verb.lower() == "template":
        return _parse_gate_template(tail)
    if verb.lower() in ("watch", "unwatch"):
        release, extra = _take_name(tail)
        if not release or extra:
            raise UsageError(f"Name one release: `gate {verb.lower()} v2.3`.", "gate")
        return c.WatchGates(release, verb.lower() == "watch")
    release, extra = _take_name(rest)
    if not release or extra:
        raise UsageError("Name one release: `gate v2.3`.", "gate")
    return c.ListGates(release)


_OFFSET = re.compile(r"(?:(?P<n>\d{1,3})\s*(?P<unit>d|days?|w|weeks?)\s+(?P<dir>before|after)|on\s+(?:the\s+)?target)"
                     r"(?:\s+(?:the\s+)?target)?", re.IGNORECASE)
_APPROVERS = re.compile(r"\bapprovers?\s*:?\s*(?P<roles>[a-z ,/]+)$", re.IGNORECASE)


def _parse_gate_template(rest: str) -> c.Command:
    verb, tail = _split_word(rest)
    verb = verb.lower()
    if verb in ("", "show", "list"):
        return c.ShowGateTemplate()
    if verb == "reset":
        return c.EditGateTemplate("reset")
    if verb == "add":
        return _parse_template_add(tail)
    if verb in ("rename", "move"):
        gate, to = _split_on_to(tail)
        if not gate or not to:
            raise UsageError(f"`gate template {verb} <gate> to <{'new name' if verb == 'rename' else 'position'}>`.", "gate")
        if verb == "rename":
            return c.EditGateTemplate("rename", gate=gate, name=to)
        if not (to.isdecimal() and len(to) <= 9):  # not isdigit(): int() refuses "²"
            raise UsageError(f"“{to[:20]}” is not a position; say `gate template move {gate} to 2`.", "gate")
        return c.EditGateTemplate("move", gate=gate, position=int(to))
    if verb in ("remove", "delete", "rm"):
        if not tail:
            raise UsageError("Name the gate to remove: `gate template remove 3`.", "gate")
        return c.EditGateTemplate("remove", gate=tail)
    raise UsageError(f"`gate template` takes add, rename, move, remove or reset, not “{verb[:20]}”.", "gate")


def _split_on_to(text: str) -> tuple[str, str]:
    """``"Use Case Definition" to Use cases`` -> (gate, new); quotes keep a name with "to" in it whole."""
    text = text.strip()
    if text.startswith(("\"", "“")):
        name, after = _take_name(text)
        word, rest = _split_word(after)
        return (name, rest.strip('"“” ')) if word.lower() == "to" else ("", "")
    m = re.search(r"\s+to\s+", text, re.IGNORECASE)
    if not m:
        return text, ""
    return text[: m.start()].strip(), text[m.end():].strip().strip('"“”').strip()


def _parse_template_add(text: str) -> c.EditGateTemplate:
    """``add "Security Review" 30 days before [approvers pm, lead]``."""
    roles: tuple[Role, ...] = ()
    if m := _APPROVERS.search(text):
        words = [w for w in re.split(r"[\s,/]+", m.group("roles").strip().lower()) if w and w not in ("and", "or")]
        unknown = [w for w in words if w not in _ROLE_WORDS]
        if unknown or not words:
            raise UsageError(f"Approvers are roles: pm, pmm or lead, not “{(unknown or [''])[0][:20]}”.", "gate")
        roles = tuple(dict.fromkeys(_ROLE_WORDS[w] for w in words))
        text = text[: m.start()].strip()
    offset = -7
    if m := _OFFSET.search(text):
        if m.group("n"):
            days = int(m.group("n")) * (7 if m.group("unit").lower().startswith("w") else 1)
            offset = -days if m.group("dir").lower() == "before" else days
        else:
            offset = 0
        text = (text[: m.start()] + text[m.end():]).strip()
    name = text.strip().strip('"“”').strip()
    if not name:
        raise UsageError("Name the new gate: `gate template add \"Security Review\" 30 days before approvers lead`.", "gate")
    return c.EditGateTemplate("add", name=name, offset_days=offset, approver_roles=roles or (Role.LEAD,))


_ROLE_WORDS = {"pm": Role.PM, "pms": Role.PM, "pmm": Role.PMM, "pmms": Role.PMM, "lead": Role.LEAD, "leads": Role.LEAD}


def _parse_slip(rest: str) -> c.AnswerSlip:
    """``slip accept|reject <release> [S<id>] [note]``: buttons name the proposal they show."""
    verb, tail = _split_word(rest)
    if verb.lower() not in ("accept", "reject"):
        raise UsageError("`release slip accept v2.3` takes the proposed date; `release slip reject v2.3 [why]` keeps the target.",
                         "release")
    release, note = _take_name(tail)
    if not release:
        raise UsageError(f"Name the release: `release slip {verb.lower()} v2.3`.", "release")
    slip_id = None
    if m := re.match(r"S(\d{1,9})(?:\s+|$)", note):
        slip_id, note = int(m.group(1)), note[m.end():].strip()
    return c.AnswerSlip(release, verb.lower() == "accept", note, slip_id)


def _parse_dispute(rest: str) -> c.Command:
    """``dispute 12 <why>``; ``dispute <area> [for <release>]: <why>``; ``dispute resolve 3 2 [note]``."""
    word, tail = _split_word(rest)
    if word.lower() in ("", "list", "ls"):
        return c.ListDisputes()
    if word.lower() in ("resolve", "settle", "decide"):
        dispute, after = _number_and_text(tail, "dispute")
        option, note = _split_word(after)
        if not (option.isdecimal() and len(option) <= 9):  # not isdigit(): int() refuses "²"
            raise UsageError(f"Pick an outcome by its number: `dispute resolve {dispute} 1`.", "dispute")
        return c.ResolveDispute(dispute, int(option), note)
    if _NUMBER.fullmatch(word):
        number, reason = _number_and_text(rest, "dispute")
        if not reason:
            raise UsageError(f"Say why you dispute #{number}: `dispute {number} this is a positioning call, not a requirement`.",
                             "dispute")
        return c.RaiseDispute(reason, number=number)
    head, colon, reason = rest.partition(":")
    area, release = _strip_release(head)
    if not colon or not reason.strip() or not area:
        raise UsageError("Say what is disputed and why: `dispute 12 <why>` or `dispute competitive messaging for v2.3: <why>`.",
                         "dispute")
    return c.RaiseDispute(reason.strip(), area=area, release=release)


_DRAFT_ACTIONS: dict[str, Callable[[int], c.Command]] = {
    "use": c.UseDraft, "again": c.RegenerateDraft, "regenerate": c.RegenerateDraft, "discard": c.DiscardDraft,
}


def _parse_draft(rest: str) -> c.Command:
    """``draft [for <release>] [audience: <who>;] <notes>``; ``draft use|again|discard <N>``."""
    text = rest.strip()
    word, tail = _split_word(text)
    if word.lower() in _DRAFT_ACTIONS and _NUMBER.fullmatch(tail.strip()):
        return _DRAFT_ACTIONS[word.lower()](int(tail.strip().lstrip("#")))
    release = None
    if m := re.match(r"for\s+", text, re.IGNORECASE):
        release, text = _take_name(text[m.end():])
    options: dict[str, str] = {}
    while m := re.match(r"(audience|tone|format)\s*:\s*([^;\n]{1,120})[;\n]\s*", text, re.IGNORECASE):
        options[m.group(1).lower()] = m.group(2).strip()
        text = text[m.end():]
    if len(text.strip()) < 10:
        raise UsageError("Give the technical notes to turn into customer messaging (a sentence or more).", "draft")
    return c.DraftMessaging(notes=text.strip(), release=release, **options)


_LOAD_ROLES = {"pm": Role.PM, "pms": Role.PM, "pmm": Role.PMM, "pmms": Role.PMM, "lead": Role.LEAD, "leads": Role.LEAD}


def _parse_load(rest: str) -> c.ShowWorkload:
    """``load`` or ``load team``: everybody; ``load pm|pmm|lead``: one role; ``load @person``: one person."""
    text = rest.strip()
    if m := _MENTION.fullmatch(text):
        return c.ShowWorkload(person=_user_ref(m))
    if text.lower() in ("", "team", "all", "everyone"):
        return c.ShowWorkload()
    if text.lower() in _LOAD_ROLES:
        return c.ShowWorkload(role=_LOAD_ROLES[text.lower()])
    raise UsageError(f"`load` takes team, pm, pmm, lead or one @person, not “{text[:40]}”.", "load")


def _parse_help(rest: str) -> c.ShowHelp:
    return c.ShowHelp(rest.strip().lower() or None)


def _parse_question(text: str) -> c.Command | None:
    if m := _WHO_OWNS.fullmatch(text):
        return c.WhoOwns(m.group("q"))
    if m := _DECIDED.fullmatch(text):
        return c.SearchKnowledge(m.group("q"), kind=EntryKind.DECISION)
    if m := _WHATS.fullmatch(text):
        what = m.group("what").lower()
        if what == "overdue":
            return c.ListHandoffs(scope="all", overdue=True)
        if what in ("mine", "on my plate", "on me"):
            return c.ListHandoffs(scope="mine")
        if om := re.fullmatch(r"open(?:\s+for\s+(.+))?", what):
            return c.ListHandoffs(scope="all", release=om.group(1))
    return None


# --- small helpers -------------------------------------------------------------------------

def _split_word(text: str) -> tuple[str, str]:
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def _take_name(text: str) -> tuple[str, str]:
    """A release name: one word, or several in double quotes."""
    text = text.strip()
    if text.startswith(("\"", "“")):
        close = text.find("\"" if text[0] == "\"" else "”", 1)
        if close > 1:
            return text[1:close].strip(), text[close + 1:].strip()
    return _split_word(text)


def _number(text: str, topic: str) -> int:
    number, extra = _number_and_text(text, topic)
    if extra:
        raise UsageError(f"`{topic}` takes just the handoff's number.", topic)
    return number


def _number_and_text(text: str, topic: str) -> tuple[int, str]:
    word, rest = _split_word(text)
    m = _NUMBER.fullmatch(word)
    if not m:
        raise UsageError(
            f"“{word}” is not a handoff number; use the number shown as #12." if word else "Which handoff? Give its number.",
            topic,
        )
    return int(m.group(1)), rest


def _user_ref(m: re.Match[str]) -> c.UserRef:
    if m.group(1):
        return c.UserRef(platform_id=m.group(1), name=(m.group(2) or None))
    return c.UserRef(name=m.group(3).rstrip(".-").lower())


def _unknown(head: str) -> UsageError:
    guess = process.extractOne(head.lower(), HELP_ORDER, scorer=fuzz.ratio, score_cutoff=60)
    if guess:
        return UsageError(f"I don't know “{head}”. Did you mean `{guess[0]}`?", guess[0])
    return UsageError(
        f"I don't know “{head[:40]}”. To hand something off, start with @someone: "
        f"`{USAGE['new'].example}`.",
        None,
    )


_PARSERS: dict[str, Callable[[str], c.Command]] = {
    "new": _parse_new,
    "list": _parse_list,
    "ls": _parse_list,
    "show": _parse_show,
    "reassign": _parse_reassign,
    "comment": _parse_comment,
    "due": _parse_due,
    "snooze": _parse_snooze,
    "release": _parse_release,
    "releases": lambda rest: c.ListReleases() if not rest else _parse_release(rest),
    "note": lambda rest: _parse_entry(EntryKind.NOTE, rest),
    "decide": lambda rest: _parse_entry(EntryKind.DECISION, rest),
    "owner": _parse_owner,
    "owners": lambda rest: _parse_owner(rest or "list"),
    "area": _parse_owner,
    "areas": lambda rest: _parse_owner(rest or "list"),
    "person": _parse_person,
    "people": lambda rest: c.ListPeople(),
    "search": _parse_search,
    "find": _parse_search,
    "help": _parse_help,
    "?": _parse_help,
    "digest": _parse_digest,
    "draft": _parse_draft,
    "gate": _parse_gate,
    "gates": _parse_gate,
    "slip": _parse_slip,
    "dispute": _parse_dispute,
    "disputes": lambda rest: c.ListDisputes() if not rest else _parse_dispute(rest),
    "nudges": _parse_nudges,
    "load": _parse_load,
    "workload": _parse_load,
    "reminders": _parse_nudges,
}
