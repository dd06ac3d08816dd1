"""Registry commands: owner/area add, remove, list, new; disputes."""

from __future__ import annotations

import re

from bot import commands as c
from bot.chat.grammar.words import (
    MENTION,
    NUMBER,
    UsageError,
    handoff_number_and_text,
    split_word,
    strip_release,
    user_ref,
)
from bot.domain import Duty, Side


def parse_owner(rest: str) -> c.Command:
    sub, after = split_word(rest)
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
        area, release = strip_release(after)
        if not area:
            raise UsageError("Name the area you are claiming.", "owner")
        return c.AssignArea(area=area, person=None, duty=Duty.DRIVER, release=release)
    if sub in ("who", "of"):
        if not after:
            raise UsageError("Name the area.", "owner")
        return c.WhoOwns(after)
    if sub in ("list", "ls", "unowned", "disputed", "mine", ""):
        _, release = strip_release(after) if after else ("", None)
        if after and release is None:
            raise UsageError(f"I can't filter areas by “{after}”; try `for <release>`.", "owner")
        return c.ListAreas(which="all" if sub in ("list", "ls", "") else sub, release=release)
    if sub == "new":
        return parse_new_area(after)
    raise UsageError(f"`owner` takes set, add, inform, remove, claim, who, list, unowned, disputed or new, not “{sub}”.", "owner")


def _area_person(text: str, sub: str) -> tuple[str, c.UserRef, str | None, str | None]:
    m = MENTION.search(text)
    if not m:
        raise UsageError(f"Mention the person: `owner {sub} <area> @person`.", "owner")
    area, release_before = strip_release(text[: m.start()].strip())
    after = text[m.end():].strip()
    owes = None
    after, release_after = strip_release(after)
    if after.lower().startswith("owes "):
        owes = after[5:].strip() or None
    elif after:
        raise UsageError(f"I don't understand “{after}” after the person.", "owner")
    if not area:
        raise UsageError("Name the area before the person.", "owner")
    return area, user_ref(m), owes, release_after or release_before


def parse_new_area(text: str) -> c.CreateArea:
    name_part, *aliases = re.split(r"\s+aka\s+", text, maxsplit=1, flags=re.IGNORECASE)
    words = name_part.split()
    if len(words) < 2 or words[-1].lower() not in {s.value for s in Side}:
        raise UsageError("Give the area's name, then inbound, outbound or shared.", "owner")
    alias_list = tuple(a.strip() for a in "".join(aliases).split(",") if a.strip())
    return c.CreateArea(name=" ".join(words[:-1]), side=Side(words[-1].lower()), aliases=alias_list)


def parse_dispute(rest: str) -> c.Command:
    """``dispute 12 <why>``; ``dispute <area> [for <release>]: <why>``; ``dispute resolve 3 2 [note]``."""
    word, tail = split_word(rest)
    if word.lower() in ("", "list", "ls"):
        return c.ListDisputes()
    if word.lower() in ("resolve", "settle", "decide"):
        dispute, after = handoff_number_and_text(tail, "dispute")
        option, note = split_word(after)
        if not (option.isdecimal() and len(option) <= 9):  # not isdigit(): int() refuses "²"
            raise UsageError(f"Pick an outcome by its number: `dispute resolve {dispute} 1`.", "dispute")
        return c.ResolveDispute(dispute, int(option), note)
    if NUMBER.fullmatch(word):
        number, reason = handoff_number_and_text(rest, "dispute")
        if not reason:
            raise UsageError(f"Say why you dispute #{number}: `dispute {number} this is a positioning call, not a requirement`.",
                             "dispute")
        return c.RaiseDispute(reason, number=number)
    head, colon, reason = rest.partition(":")
    area, release = strip_release(head)
    if not colon or not reason.strip() or not area:
        raise UsageError("Say what is disputed and why: `dispute 12 <why>` or `dispute competitive messaging for v2.3: <why>`.",
                         "dispute")
    return c.RaiseDispute(reason.strip(), area=area, release=release)
