"""Teams pickers: a people picker for owners and a type-ahead for releases.

Both are ``Input.ChoiceSet`` with ``choices.data`` (a ``Data.Query``), which Teams renders in
cards of any version (the Adaptive Cards schema itself names it only from 1.6 on).

* People: Teams searches the directory itself (dataset ``graph.microsoft.com/users``; in a
  channel or group chat only the conversation's members, which is all Teams can search there)
  and submits the picked person's AAD object id. :class:`Roster` turns that id into a person:
  the caller themselves, someone looked up recently, or the conversation's member record from
  ``TeamsInfo.get_member``; the core stores them on first sight, like Slack's ``users.info``.
* Releases: Teams asks the bot with an ``application/search`` invoke as the person types;
  :func:`search` answers with the caller's workspace's releases whose names contain the text,
  those that start with it first. The first ``MAX_CHOICES`` are in the card too, for clients
  that never ask.

Reassign and "Not mine" open :func:`reassign_form` (the core's not-mine is a reassignment: it
takes no reason).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from bot import commands as c
from bot.chat.core import Core, Outcome
from bot.context import Caller
from bot.ports import NewPerson
from bot.reply import error
from handlers.teams.render import SCHEMA, VERSION, escape

log = logging.getLogger("handoff.teams")

SEARCH_INVOKE = "application/search"
RELEASES_DATASET = "handoff.releases"
PEOPLE_DATASET = "graph.microsoft.com/users"
PEOPLE_HERE_DATASET = "graph.microsoft.com/users?scope=currentContext"
RELEASES_QUERY = {"type": "Data.Query", "dataset": RELEASES_DATASET}
SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"
REASSIGN_SAVE = "handoff.reassign_save"
MAX_CHOICES = 100  # static choices in a card
DEFAULT_TOP, MAX_TOP = 15, 50  # Teams shows 15 at a time
MAX_QUERY = 100  # no release name is longer
_AAD_ID = re.compile(r"[\w.@:-]{1,128}", re.ASCII)  # a GUID in Teams; never a comma-joined multi-select
_TITLES = {"handoff.reassign": "Who should own #{n}?", "handoff.not_mine": "Not yours? Who should own #{n}?"}


def _choices(values: list[str]) -> list[dict[str, str]]:
    return [{"title": v, "value": v} for v in values[:MAX_CHOICES]]


def release_picker(releases: list[str], value: str | None = None, **props: Any) -> dict[str, Any]:
    """The release field: static choices plus a type-ahead over all of the workspace's releases."""
    element = {"type": "Input.ChoiceSet", "id": "release", "label": "Release", "style": "filtered",
               "choices": _choices(releases), "choices.data": dict(RELEASES_QUERY),
               "placeholder": "Type to search releases", **props}
    if value:
        element["value"] = value
    return element


def people_picker(field: str, label: str, conversation_kind: str, value: str | None = None,
                  problem: str | None = None, **props: Any) -> dict[str, Any]:
    """A people picker. Teams can search the whole directory only in a 1:1 chat with the bot;
    elsewhere it searches the conversation's members. ``value`` (an AAD id) preselects a person."""
    dataset = PEOPLE_DATASET if conversation_kind == "personal" else PEOPLE_HERE_DATASET
    element: dict[str, Any] = {"type": "Input.ChoiceSet", "id": field, "label": label, "choices": [],
                               "choices.data": {"type": "Data.Query", "dataset": dataset},
                               "placeholder": "Search for a person", **props}
    if value:
        element["value"] = value
    if problem:
        element["errorMessage"] = problem
    return element


def reassign_form(action: str, number: int, version: int | None, conversation_kind: str, value: str | None = None,
                  problem: str | None = None) -> dict[str, Any]:
    """The card that replaces Slack's reassign modal: a people picker and a Reassign button."""
    ref = f"{number}:{version}" if version is not None else str(number)
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": _TITLES.get(action, _TITLES["handoff.reassign"]).format(n=number),
                                   "weight": "Bolder", "wrap": True}]
    if problem:
        body.append({"type": "TextBlock", "text": escape(problem), "color": "Attention", "wrap": True})
    body.append(people_picker("owner", "New owner", conversation_kind, value, problem or "Pick the new owner.",
                              isRequired=True))
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
            "actions": [{"type": "Action.Submit", "title": "Reassign", "style": "positive",
                         "data": {"handoff_action": REASSIGN_SAVE, "value": ref, "form": action}}]}


def kind_of(activity: Activity) -> str:
    """personal, groupChat or channel: where a people picker can search the whole directory."""
    return (activity.conversation.conversation_type if activity.conversation else None) or "personal"


def picked(value: Any) -> str | None:
    """The AAD id a people picker submitted; ``""`` when none was picked; ``None`` when it is not one."""
    text = value.strip() if isinstance(value, str) else "" if value is None else None
    if text is None or (text and not _AAD_ID.fullmatch(text)):
        return None
    return text


class Roster:
    """AAD object ids to people, through the Teams roster, with a short cache."""

    def __init__(self, ttl_seconds: float = 3600.0) -> None:
        self.ttl = ttl_seconds
        self._cache: dict[tuple[str, str], tuple[float, NewPerson]] = {}

    async def person(self, turn_context: TurnContext, caller: Caller, aad_id: str) -> NewPerson | None:
        """Who ``aad_id`` is, or ``None`` when Teams does not know them here."""
        if aad_id in caller.aliases:
            return NewPerson(caller.user_id, caller.display_name, caller.timezone)
        key = (caller.workspace_id, aad_id)
        cached = self._cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            member = await TeamsInfo.get_member(turn_context, aad_id)
        except Exception as exc:  # not a member (404), no roster here, Teams unreachable: nobody to resolve
            log.warning("Teams roster lookup failed: %s", type(exc).__name__)
            return None
        if not member or not member.id:
            return None
        name = member.name or " ".join(p for p in (member.given_name, member.surname) if p) or member.id
        person = NewPerson(member.id, name[:200], email=member.email or member.user_principal_name or None)
        self._cache[key] = (time.monotonic() + self.ttl, person)
        return person

    async def owner(self, turn_context: TurnContext, caller: Caller, value: Any) -> tuple[c.UserRef | None, Caller, str | None]:
        """A picker's value as a mention the core resolves, the caller that can look them up, or the problem.

        ``(None, caller, None)``: nobody was picked."""
        aad_id = picked(value)
        if aad_id is None:
            return None, caller, "Pick someone with the people picker."
        if not aad_id:
            return None, caller, None
        person = await self.person(turn_context, caller, aad_id)
        if person is None:
            return None, caller, "I couldn't find that person in Teams here; pick them again."

        async def lookup(ids: list[str]) -> dict[str, NewPerson]:
            return {person.platform_user_id: person} if person.platform_user_id in ids else {}

        return c.UserRef(platform_id=person.platform_user_id, name=person.display_name), \
            dataclasses.replace(caller, lookup=lookup), None

    async def execute(self, core: Core, turn_context: TurnContext, caller: Caller, value: Any,
                      command: Callable[[c.UserRef | None], c.Command]) -> Outcome:
        """Run ``command(owner)`` with the person a picker picked; a pick nobody can resolve is
        refused like any other bad field, next to it, and changes nothing."""
        owner, caller, problem = await self.owner(turn_context, caller, value)
        if problem:
            return Outcome(error(problem, field="owner"))
        return await core.execute(caller, command(owner))


async def search(core: Core, workspace_id: str, value: Any) -> InvokeResponse:
    """Answer Teams' type-ahead: the workspace's releases whose names contain the text typed."""
    return InvokeResponse(status=200, body={"type": SEARCH_RESPONSE, "value": {
        "results": [{"title": n, "value": n} for n in await _matches(core, workspace_id, value)]}})


async def _matches(core: Core, workspace_id: str, value: Any) -> list[str]:
    if not isinstance(value, dict) or value.get("dataset") != RELEASES_DATASET:
        return []
    query = value.get("queryText")
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY or not query.isprintable():
        return []
    options = value.get("queryOptions") if isinstance(value.get("queryOptions"), dict) else {}
    top, skip = _count(options.get("top"), DEFAULT_TOP), _count(options.get("skip"), 0)
    names = await core.names(workspace_id, "releases", query)
    wanted = query.strip().casefold()
    names.sort(key=lambda n: not n.casefold().startswith(wanted))  # stable: the core's order within each
    return names[skip:skip + min(top, MAX_TOP)]


def _count(raw: Any, default: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != raw:  # NaN
        return default
    return int(max(0, min(raw, 10_000)))  # json reads Infinity too
