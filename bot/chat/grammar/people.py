"""People and workload commands: person @x role/tz, load."""

from __future__ import annotations

from bot import commands as c
from bot.chat.grammar.words import MENTION, UsageError, split_word, user_ref
from bot.domain import Role


def parse_person(rest: str) -> c.Command:
    text = rest.strip()
    if text.lower() in ("list", "ls"):
        return c.ListPeople()
    person = None
    if m := MENTION.match(text):
        person, text = user_ref(m), text[m.end():].strip()
    elif text.lower().startswith("me"):
        text = text[2:].strip()
    if not text:
        return c.ShowPerson(person)
    word, value = split_word(text)
    if word.lower() == "role":
        try:
            return c.SetPersonRole(person, Role(value.strip().lower()))
        except ValueError:
            raise UsageError("A role is pm, pmm, lead or other.", "person") from None
    if word.lower() in ("tz", "timezone", "time-zone") and value.strip():
        return c.SetPersonTimezone(person, value.strip())
    raise UsageError(f"I can't set “{word}” on a person.", "person")


_LOAD_ROLES = {"pm": Role.PM, "pms": Role.PM, "pmm": Role.PMM, "pmms": Role.PMM, "lead": Role.LEAD, "leads": Role.LEAD}


def parse_load(rest: str) -> c.ShowWorkload:
    """``load`` or ``load team``: everybody; ``load pm|pmm|lead``: one role; ``load @person``: one person."""
    text = rest.strip()
    if m := MENTION.fullmatch(text):
        return c.ShowWorkload(person=user_ref(m))
    if text.lower() in ("", "team", "all", "everyone"):
        return c.ShowWorkload()
    if text.lower() in _LOAD_ROLES:
        return c.ShowWorkload(role=_LOAD_ROLES[text.lower()])
    raise UsageError(f"`load` takes team, pm, pmm, lead or one @person, not “{text[:40]}”.", "load")
