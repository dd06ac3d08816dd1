"""Gate commands: gate approve/reject/waive, the template, slips."""

from __future__ import annotations

import re

from bot import commands as c
from bot.chat.grammar.words import UsageError, split_word, take_name
from bot.domain import Role


def parse_gate(rest: str) -> c.Command:
    """``gate <release>`` lists; ``gate approve|decline|waive <release> <gate> [note]`` decides;
    ``gate template …`` shows or edits the workspace's template."""
    verb, tail = split_word(rest)
    if verb.lower() in ("approve", "decline", "waive"):
        release, what = take_name(tail)
        if not release or not what:
            raise UsageError(f"Say which release and which gate: `gate {verb.lower()} v2.3 \"Release Readiness\"`.", "gate")
        return c.DecideGate(release, verb.lower(), what)
    if verb.lower() == "template":
        return parse_gate_template(tail)
    if verb.lower() in ("watch", "unwatch"):
        release, extra = take_name(tail)
        if not release or extra:
            raise UsageError(f"Name one release: `gate {verb.lower()} v2.3`.", "gate")
        return c.WatchGates(release, verb.lower() == "watch")
    release, extra = take_name(rest)
    if not release or extra:
        raise UsageError("Name one release: `gate v2.3`.", "gate")
    return c.ListGates(release)


_OFFSET = re.compile(r"(?:(?P<n>\d{1,3})\s*(?P<unit>d|days?|w|weeks?)\s+(?P<dir>before|after)|on\s+(?:the\s+)?target)"
                     r"(?:\s+(?:the\s+)?target)?", re.IGNORECASE)


_APPROVERS = re.compile(r"\bapprovers?\s*:?\s*(?P<roles>[a-z ,/]+)$", re.IGNORECASE)


def parse_gate_template(rest: str) -> c.Command:
    verb, tail = split_word(rest)
    verb = verb.lower()
    if verb in ("", "show", "list"):
        return c.ShowGateTemplate()
    if verb == "reset":
        return c.EditGateTemplate("reset")
    if verb == "add":
        return parse_template_add(tail)
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
        name, after = take_name(text)
        word, rest = split_word(after)
        return (name, rest.strip('"“” ')) if word.lower() == "to" else ("", "")
    m = re.search(r"\s+to\s+", text, re.IGNORECASE)
    if not m:
        return text, ""
    return text[: m.start()].strip(), text[m.end():].strip().strip('"“”').strip()


def parse_template_add(text: str) -> c.EditGateTemplate:
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


def parse_slip(rest: str) -> c.AnswerSlip:
    """``slip accept|reject <release> [S<id>] [note]``: buttons name the proposal they show."""
    verb, tail = split_word(rest)
    if verb.lower() not in ("accept", "reject"):
        raise UsageError("`release slip accept v2.3` takes the proposed date; `release slip reject v2.3 [why]` keeps the target.",
                         "release")
    release, note = take_name(tail)
    if not release:
        raise UsageError(f"Name the release: `release slip {verb.lower()} v2.3`.", "release")
    slip_id = None
    if m := re.match(r"S(\d{1,9})(?:\s+|$)", note):
        slip_id, note = int(m.group(1)), note[m.end():].strip()
    return c.AnswerSlip(release, verb.lower() == "accept", note, slip_id)
