"""Release commands: release new/list/board/show/owner/export/calendar, notes and decisions, the launch
plan and its statement, the release's lifecycle, search."""

from __future__ import annotations

import re

from bot import commands as c
from bot.chat.grammar.gates import parse_slip
from bot.chat.grammar.words import CHANNEL, MENTION, UsageError, split_word, take_name, user_ref
from bot.domain import EntryKind, Kind
from bot.errors import InvalidInput
from bot.releases import plan


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
        tier = None
        if m := _TIER.search(rest):
            tier = int(m.group(1))
            rest = (rest[: m.start()] + rest[m.end():]).strip()
        return c.CreateRelease(name=name, target=rest or None, channel=channel, tier=tier)
    if sub == "tier":
        name, level = take_name(after)
        try:
            tier = plan.tier_of(level)
        except InvalidInput:
            tier = None
        if not name or tier is None:
            raise UsageError("Name the release and its tier, 1 to 3: `release tier v2.3 2`.", "release")
        return c.SetReleaseTier(name, tier)
    if sub == "plan":
        name, extra = take_name(after)
        if not name or extra:
            raise UsageError("Name one release: `release plan v2.3`.", "release")
        return c.ShowPlan(name)
    if sub in ("skip", "unskip"):
        name, what = take_name(after)
        area, reason = _area_and_reason(what)
        if not name or not area:
            raise UsageError(f"Name the release and the grey area: `release {sub} v2.3 analyst and press relations"
                             + (": no press for a minor release`." if sub == "skip" else "`."), "release")
        return c.SkipArea(name, area, reason, undo=sub == "unskip")
    if sub in ("brief", "statement"):
        name, text = take_name(after)
        if not name or not text:
            raise UsageError("Name the release, then say what it does, for whom, and what changes for them: "
                             "`release brief v2.3 Admins can audit every SSO login; compliance reviews take minutes`.",
                             "release")
        return c.SetReleaseStatement(name, text)
    if sub == "confirm":
        name, extra = take_name(after)
        if not name or extra:
            raise UsageError("Name one release: `release confirm v2.3`.", "release")
        return c.ConfirmReleaseStatement(name)
    if sub in ("rename", "target", "retarget"):
        name, value = take_name(after)
        if not name or not value:
            example = "release rename v2.3 v2.4" if sub == "rename" else "release target v2.3 2027-01-15"
            raise UsageError(f"Name the release, then the new {'name' if sub == 'rename' else 'target date'}: `{example}`.",
                             "release")
        return c.ChangeRelease(name, "rename" if sub == "rename" else "target", value)
    if sub in ("ship", "shipped", "close"):
        name, extra = take_name(after)
        if not name or extra:
            raise UsageError(f"Name one release: `release {sub} v2.3`.", "release")
        return c.ChangeRelease(name, "close" if sub == "close" else "ship")
    if sub in ("list", "ls", ""):
        return c.ListReleases()
    if sub == "show":
        name, _ = take_name(after)
        if not name:
            raise UsageError("Name the release to show.", "release")
        return c.ShowRelease(name)
    if sub == "export":
        if after.strip().lower() == "all":  # a release called "all": `release export "all"`
            return c.ExportAllReleases()
        name, extra = take_name(after)
        if not name or extra:
            raise UsageError("Name one release to export (`release export v2.3`), or `release export all`.", "release")
        return c.ExportRelease(name)
    if sub == "board":
        if after.strip():
            raise UsageError("`release board` shows every open release; `release show v2.3` shows one.", "release")
        return c.ShowReleaseBoard()
    if sub == "calendar":
        if after.strip().lower() in ("", "all"):
            return c.ReleaseCalendar()
        name, extra = take_name(after)
        if not name or extra:
            raise UsageError("Name one release (`release calendar v2.3`), or none for every open one.", "release")
        return c.ReleaseCalendar(name)
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
    raise UsageError(f"`release` takes new, list, board, show, plan, tier, skip, brief, confirm, export, calendar, note, "
                     f"decide, owner, rename, target, ship, close or slip, not “{sub}”.", "release")


_TIER = re.compile(r"(?<!\S)(?:tier\s*|t)([1-3])(?!\S)", re.IGNORECASE)


def _area_and_reason(text: str) -> tuple[str, str | None]:
    """``press relations: no press for a minor release`` (or ``… because …``) -> area, reason."""
    for sep in (":", " because ", " — ", " - "):
        if sep in text:
            area, _, reason = text.partition(sep)
            return area.strip(), reason.strip() or None
    return text.strip(), None


def parse_plan(rest: str) -> c.Command:
    """``plan <release>`` shows a launch plan; ``plan template [add|remove|reset …]`` the workspace's template."""
    verb, tail = split_word(rest)
    if verb.lower() != "template":
        name, extra = take_name(rest)
        if not name or extra:
            raise UsageError("Name one release (`plan v2.3`), or `plan template`.", "plan")
        return c.ShowPlan(name)
    action, tail = split_word(tail)
    action = action.lower()
    if action in ("", "show", "list"):
        return c.ShowPlanTemplate()
    if action == "reset":
        return c.EditPlanTemplate("reset")
    if action in ("remove", "delete", "rm"):
        if not tail:
            raise UsageError("Say which item: `plan template remove 3` or its name.", "plan")
        return c.EditPlanTemplate("remove", item=tail)
    if action == "add":
        return _parse_plan_add(tail)
    raise UsageError(f"`plan template` takes add, remove or reset, not “{action}”.", "plan")


_PLAN_ADD = re.compile(
    r"(?P<name>\"[^\"]+\"|“[^”]+”|\S+)\s+area\s+(?P<area>\"[^\"]+\"|“[^”]+”|\S+)"
    r"(?:\s+kind\s+(?P<kind>requirement|messaging|question))?"
    r"\s+tiers?\s+(?P<tiers>[1-3](?:\s*,\s*[1-3])*)"
    r"\s+(?:(?P<n>\d{1,3})\s*(?P<unit>d|days?|w|weeks?)\s+(?P<dir>before|after)(?:\s+(?:the\s+)?target)?|(?P<on>on\s+(?:the\s+)?target))"
    r"(?:\s+needs?\s+(?P<needs>.+))?",
    re.IGNORECASE | re.DOTALL,
)


def _parse_plan_add(text: str) -> c.EditPlanTemplate:
    m = _PLAN_ADD.fullmatch(text.strip())
    if not m:
        raise UsageError('Say the item, its area, tiers and when: `plan template add "Webinar" area launch tier 1 '
                         '10 days before needs demo environment`.', "plan")
    days = 0 if m.group("on") else int(m.group("n")) * (7 if m.group("unit").lower().startswith("w") else 1)
    offset = -days if (m.group("dir") or "").lower() == "before" else days
    kind = Kind(m.group("kind").lower()) if m.group("kind") else Kind.MESSAGING
    return c.EditPlanTemplate(
        "add", name=m.group("name").strip('"“”'), area=m.group("area").strip('"“”'), kind=kind,
        tiers=frozenset(int(t) for t in re.findall(r"[1-3]", m.group("tiers"))), offset_days=offset,
        needs=(m.group("needs") or "").strip() or None)


def parse_entry(kind: EntryKind, rest: str) -> c.AddReleaseEntry:
    name, text = take_name(rest)
    if not name or not text:
        raise UsageError(f"Name the release, then the {kind.value}.", "release")
    return c.AddReleaseEntry(release=name, kind=kind, text=text)


_ALL = re.compile(r"\s+all[.!?]*$", re.IGNORECASE)
_IN_RELEASE = re.compile(r"\s+(?:for|in)\s+(\"[^\"]+\"|“[^”]+”|\S+)$", re.IGNORECASE)


def parse_search(rest: str) -> c.SearchKnowledge:
    if not rest.strip():
        raise UsageError("Give the words to search for.", "search")
    return search_command(rest.strip())


def search_command(text: str, kind: EntryKind | None = None) -> c.SearchKnowledge:
    """``zapier for beacon all`` -> words ``zapier``, release ``beacon``, lifecycle lines too.

    ``all`` may come before or after the ``for <release>``; neither is taken when it would leave
    no words to look for.
    """
    words, everything = _strip(_ALL, text)
    words, release = _strip(_IN_RELEASE, words)
    if not everything:
        words, everything = _strip(_ALL, words)
    name = release.group(1).strip('"“”?.!') if release else None
    return c.SearchKnowledge(words, kind, name or None, bool(everything))


def _strip(pattern: re.Pattern[str], text: str) -> tuple[str, re.Match[str] | None]:
    m = pattern.search(text)
    return (text[: m.start()].strip(), m) if m else (text, None)
