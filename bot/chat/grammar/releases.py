"""Release commands: release new/list/show/owner/export, notes and decisions, search."""

from __future__ import annotations

from bot import commands as c
from bot.chat.grammar.gates import parse_slip
from bot.chat.grammar.words import CHANNEL, MENTION, UsageError, split_word, take_name, user_ref
from bot.domain import EntryKind


def parse_release(rest: str) -> c.Command:
    sub, after = split_word(rest)
    sub = sub.lower()
    if sub in ("new", "create", "add"):
        name, rest = take_name(after)
        if not name:
            raise UsageError("Name the release.", "release")
        channel = None
        if m := CHANNEL.search(rest):
            channel = m.group(1) or m.group(2)
            rest = (rest[: m.start()] + rest[m.end():]).strip()
        return c.CreateRelease(name=name, target=rest or None, channel=channel)
    if sub in ("list", "ls", ""):
        return c.ListReleases()
    if sub == "show":
        name, _ = take_name(after)
        if not name:
            raise UsageError("Name the release to show.", "release")
        return c.ShowRelease(name)
    if sub == "export":
        name, extra = take_name(after)
        if not name or extra:
            raise UsageError("Name one release to export: `release export v2.3`.", "release")
        return c.ExportRelease(name)
    if sub in ("note", "decide", "decision"):
        return parse_entry(EntryKind.NOTE if sub == "note" else EntryKind.DECISION, after)
    if sub == "slip":
        return parse_slip(after)
    if sub == "owner":
        name, who = take_name(after)
        m = MENTION.fullmatch(who.strip())
        if not name or not m:
            raise UsageError("Name the release and its new owner: `release owner v2.3 @kim`.", "release")
        return c.SetReleaseOwner(name, user_ref(m))
    name, extra = take_name(rest)
    if not extra:
        return c.ShowRelease(name)
    raise UsageError(f"`release` takes new, list, show, export, note, decide, owner or slip, not “{sub}”.", "release")


def parse_entry(kind: EntryKind, rest: str) -> c.AddReleaseEntry:
    name, text = take_name(rest)
    if not name or not text:
        raise UsageError(f"Name the release, then the {kind.value}.", "release")
    return c.AddReleaseEntry(release=name, kind=kind, text=text)


def parse_search(rest: str) -> c.SearchKnowledge:
    if not rest.strip():
        raise UsageError("Give the words to search for.", "search")
    return c.SearchKnowledge(rest.strip())
