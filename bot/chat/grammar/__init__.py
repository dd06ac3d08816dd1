"""One command grammar for every surface: Slack's slash command, a Teams message, the shell.

:func:`parse` turns text into a :mod:`bot.commands` object or raises :class:`UsageError`, whose
``topic`` names the command whose usage the reply should show. Handlers turn platform mentions
into ``<@ID>`` or ``<@ID|name>`` before calling it; a bare ``@name`` is kept as a name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from rapidfuzz import fuzz, process

from bot import commands as c
from bot.chat.grammar.drafting import parse_draft
from bot.chat.grammar.gates import parse_gate, parse_slip
from bot.chat.grammar.handoffs import (
    parse_comment,
    parse_due,
    parse_edit,
    parse_link,
    parse_list,
    parse_move,
    parse_new,
    parse_reassign,
    parse_show,
    parse_snooze,
    parse_unlink,
)
from bot.chat.grammar.ownership import parse_dispute, parse_owner
from bot.chat.grammar.people import parse_load, parse_person
from bot.chat.grammar.releases import parse_entry, parse_plan, parse_release, parse_search, search_command
from bot.chat.grammar.reminders import parse_digest, parse_nudges
from bot.chat.grammar.words import ACTIONS, KINDS, MAX_TEXT, MENTION, UsageError, split_word
from bot.chat.texts import HELP_ORDER, USAGE
from bot.domain import EntryKind

_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E]
)
_WHO_OWNS = re.compile(
    r"(?:who(?:'s|’s|\s+is)?\s+(?:owns?|owning|drives|driving|responsible\s+for|accountable\s+for"
    r"|on\s+the\s+hook\s+for|in\s+charge\s+of|handles|handling)|owner\s+of)\s+(?P<q>.+?)[\s?.!]*",
    re.IGNORECASE | re.DOTALL,
)
_WHATS = re.compile(r"what(?:'s|’s|\s+is|\s+are)\s+(?P<what>.+?)[\s?.!]*", re.IGNORECASE)
_DECIDED = re.compile(r"what\s+did\s+we\s+decide(?:\s+(?:about|on|for))?\s+(?P<q>.+?)[\s?.!]*", re.IGNORECASE)


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
    head, rest = split_word(text)
    parser = _PARSERS.get(head.lower())
    if parser:
        return parser(rest)
    if head.lower() in ACTIONS:
        return parse_move(ACTIONS[head.lower()], rest)
    if MENTION.match(text) or head.lower() in KINDS:
        return parse_new(text)
    raise _unknown(head)


# --- handoffs ------------------------------------------------------------------------------


# --- releases ------------------------------------------------------------------------------


# --- grey areas ----------------------------------------------------------------------------


# --- people, search, help ------------------------------------------------------------------


def _parse_help(rest: str) -> c.ShowHelp:
    return c.ShowHelp(rest.strip().lower() or None)


def _parse_question(text: str) -> c.Command | None:
    if m := _WHO_OWNS.fullmatch(text):
        return c.WhoOwns(m.group("q"))
    if m := _DECIDED.fullmatch(text):
        return search_command(m.group("q"), EntryKind.DECISION)
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
    "new": parse_new,
    "list": parse_list,
    "ls": parse_list,
    "show": parse_show,
    "reassign": parse_reassign,
    "comment": parse_comment,
    "due": parse_due,
    "edit": parse_edit,
    "change": parse_edit,
    "link": parse_link,
    "unlink": parse_unlink,
    "undo": lambda rest: c.UndoLastChange(),
    "home": lambda rest: c.ShowHome(),
    "snooze": parse_snooze,
    "release": parse_release,
    "releases": lambda rest: c.ListReleases() if not rest else parse_release(rest),
    "plan": parse_plan,
    "note": lambda rest: parse_entry(EntryKind.NOTE, rest),
    "decide": lambda rest: parse_entry(EntryKind.DECISION, rest),
    "owner": parse_owner,
    "owners": lambda rest: parse_owner(rest or "list"),
    "area": parse_owner,
    "areas": lambda rest: parse_owner(rest or "list"),
    "person": parse_person,
    "people": lambda rest: c.ListPeople(),
    "search": parse_search,
    "find": parse_search,
    "help": _parse_help,
    "?": _parse_help,
    "digest": parse_digest,
    "draft": parse_draft,
    "gate": parse_gate,
    "gates": parse_gate,
    "slip": parse_slip,
    "dispute": parse_dispute,
    "disputes": lambda rest: c.ListDisputes() if not rest else parse_dispute(rest),
    "nudges": parse_nudges,
    "load": parse_load,
    "workload": parse_load,
    "reminders": parse_nudges,
}
