"""Drafting use cases: start (fast, in the command's transaction), run (slow, after the ack,
holding no transaction while the model writes), save, use, regenerate, discard.

Failure is always a useful answer: without a model, with the daily budget spent, with the
circuit open after repeated failures, on a timeout or an answer that will not validate twice,
the person gets the structured brief built from their notes, and a line saying why.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Generic, Protocol, TypeVar

from bot import commands as c
from bot import rights
from bot.context import Caller, Ctx, find_release
from bot.domain import DraftRecord, EntryKind, Kind, Person, Role
from bot.drafting import prompt as drafting
from bot.duties import ownership
from bot.errors import InvalidInput, NotFound
from bot.ports import Clock, UnitOfWorkFactory
from bot.rights import Party

log = logging.getLogger("handoff.drafts")

OFF = ("Drafting is off: set OPENAI_API_KEY and HANDOFF_DRAFT_MODEL (and OPENAI_BASE_URL for Azure OpenAI, "
       "vLLM or Ollama) to turn it on. Here is a brief built from your notes.")
TIMEOUT_SECONDS = 20.0
DAILY_TOKENS = 200_000
BREAKER_FAILURES = 5
BREAKER_SECONDS = 60.0


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int


class DraftUnavailable(Exception):
    """The model server did not give an answer (timeout, 429, 5xx, refused connection)."""


class Drafter(Protocol):
    """An OpenAI-compatible chat model; ``on_text`` gets the answer so far as it streams."""

    async def complete(self, messages: list[dict[str, str]], schema: dict,
                       on_text: Callable[[str], Awaitable[None]] | None = None) -> Completion: ...


class CircuitBreaker:
    """After ``limit`` failures in a row, skip the model for ``seconds``: people get the brief at once."""

    def __init__(self, limit: int = BREAKER_FAILURES, seconds: float = BREAKER_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self.failures = 0
        self.open_until = 0.0

    def allows(self) -> bool:
        return self.clock() >= self.open_until

    def succeeded(self) -> None:
        self.failures = 0

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= self.limit:
            self.open_until = self.clock() + self.seconds
            self.failures = 0


# --- in the command's transaction ------------------------------------------------------------

async def start(cmd: c.DraftMessaging, ctx: Ctx) -> DraftRecord:
    notes, release_id, handoff_id = cmd.notes, None, None
    if cmd.handoff is not None:
        handoff = await ctx.uow.handoffs.by_number(cmd.handoff)
        if handoff is None or (handoff.private and ctx.actor.id not in (handoff.owner_id, handoff.requester_id)):
            raise NotFound(f"There is no handoff #{cmd.handoff}.")
        notes = f"{handoff.title}\n{handoff.details}".strip()
        release_id, handoff_id = handoff.release_id, handoff.id
    if len(notes.strip()) < 10:
        raise InvalidInput("There is nothing to draft from yet: give a sentence or more of technical notes.")
    if cmd.release:
        release_id = (await find_release(ctx.uow, cmd.release)).id
    options = {k: v for k, v in (("audience", cmd.audience), ("tone", cmd.tone), ("format", cmd.format)) if v}
    return await ctx.uow.drafts.add(drafting.clean_notes(notes), options, ctx.actor.id, ctx.now, release_id, handoff_id,
                                    ctx.caller.private_conversation)


async def load(ctx: Ctx, draft_id: int, *, mine: bool = False) -> DraftRecord:
    record = await ctx.uow.drafts.get(draft_id)
    if record is None or (record.private and record.created_by != ctx.actor.id):
        raise NotFound("That draft is gone; start a new one with `draft <notes>`.")
    if mine:
        rights.require("draft.decide", ctx.actor, {Party.DRAFT_AUTHOR} if record.created_by == ctx.actor.id else set(),
                       subject="this draft")
    return record


async def save(cmd: c.SaveDraft, ctx: Ctx) -> DraftRecord:
    record = await load(ctx, cmd.draft_id)
    body = draft_text(cmd.result) if cmd.result else brief_text(drafting.brief(record.notes, record.options.get("audience")))
    entry = await ctx.record(EntryKind.DRAFT, body, record.release_id, record.handoff_id)
    await ctx.uow.drafts.finish(record.id, cmd.status, cmd.result, entry.id)
    record.status, record.result, record.entry_id = cmd.status, cmd.result, entry.id
    return record


OPEN_DRAFT = ("pending", "drafted", "brief")  # not used, not discarded: a click on Use or Discard still counts


async def use(cmd: c.UseDraft, ctx: Ctx) -> c.CreateHandoff:
    """The draft becomes a messaging handoff to the PMM who drives messaging (or any PMM)."""
    record = await load(ctx, cmd.draft_id, mine=True)
    if record.status in ("discarded", "used"):
        raise InvalidInput(f"This draft was already {record.status}; `draft <notes>` starts a new one.")
    owner = await _messaging_owner(ctx, record.release_id)
    release = (await ctx.uow.releases.get_many([record.release_id])).get(record.release_id) if record.release_id else None
    title = (record.result or {}).get("headline") or "Messaging for: " + _first_sentence(record.notes)
    details = draft_text(record.result) if record.result else brief_text(drafting.brief(record.notes, record.options.get("audience")))
    if not await ctx.uow.drafts.set_status(record.id, "used", expected=OPEN_DRAFT):
        raise InvalidInput("Someone used or discarded this draft a moment ago; `draft <notes>` starts a new one.")
    return c.CreateHandoff(title=title[:200], owner=c.UserRef(platform_id=owner.platform_user_id) if owner else None,
                           kind=Kind.MESSAGING, release=release.name if release else None, details=details[:3000])


async def discard(cmd: c.DiscardDraft, ctx: Ctx) -> DraftRecord:
    record = await load(ctx, cmd.draft_id, mine=True)
    if not await ctx.uow.drafts.set_status(record.id, "discarded", expected=OPEN_DRAFT):
        raise InvalidInput(f"This draft was already {record.status}.")
    return record


async def regenerate(cmd: c.RegenerateDraft, ctx: Ctx) -> DraftRecord:
    record = await load(ctx, cmd.draft_id, mine=True)
    return await ctx.uow.drafts.add(record.notes, record.options, ctx.actor.id, ctx.now, record.release_id,
                                    record.handoff_id, record.private)


async def _messaging_owner(ctx: Ctx, release_id: int | None) -> Person | None:
    area = (await ctx.resolve_area("messaging")).area
    if area is not None:
        drivers = ownership(await ctx.uow.areas.assignments(area.id), area.id, release_id).effective_drivers
        if drivers and (person := await ctx.uow.people.get(drivers[0])):
            return person
    pmms = await ctx.uow.people.with_role(Role.PMM)
    return pmms[0] if pmms else None


# --- after the ack ---------------------------------------------------------------------------

R = TypeVar("R", covariant=True)


class CommandRunner(Protocol[R]):
    """What the drafting service needs of the core (:class:`bot.chat.core.Core`): its transactions,
    its clock, and a way to run the command that stores the draft, answering with the core's outcome.
    Named here so that drafting does not import the command layer that imports it."""

    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def execute(self, caller: Caller, command: c.Command) -> R: ...


class DraftService(Generic[R]):
    def __init__(self, core: CommandRunner[R], drafter: Drafter | None, *, daily_tokens: int = DAILY_TOKENS,
                 timeout: float = TIMEOUT_SECONDS, breaker: CircuitBreaker | None = None) -> None:
        self.core = core
        self.drafter = drafter
        self.daily_tokens = daily_tokens
        self.timeout = timeout
        self.breaker = breaker or CircuitBreaker()

    async def run(self, caller: Caller, draft_id: int,
                  on_text: Callable[[str], Awaitable[None]] | None = None) -> R:
        """Write the draft (or the brief) for a started request; no transaction is held meanwhile."""
        async with self.core.uow_factory(caller.workspace_id) as uow:
            record = await uow.drafts.get(draft_id)
            used = await uow.drafts.tokens_used(self.core.clock().astimezone(UTC).date())
        if record is None:
            return await self.core.execute(caller, c.SaveDraft(draft_id, "brief", None))  # answers "gone"
        problem = self._why_not(used)
        result = None
        if problem is None:
            result, problem = await self._ask(caller, record, on_text)
        status = "drafted" if result else "brief"
        return await self.core.execute(caller, c.SaveDraft(draft_id, status, result, problem))

    def _why_not(self, used: int) -> str | None:
        if self.drafter is None:
            return OFF
        if used >= self.daily_tokens:
            return "Today's drafting budget for this workspace is spent; here is a brief built from your notes."
        if not self.breaker.allows():
            return "The model has failed several times in a row; here is a brief built from your notes meanwhile."
        return None

    async def _ask(self, caller: Caller, record: DraftRecord,
                   on_text: Callable[[str], Awaitable[None]] | None) -> tuple[dict | None, str | None]:
        assert self.drafter is not None
        options = drafting.DraftOptions(record.options.get("audience"), record.options.get("tone"),
                                        record.options.get("format"))
        messages = drafting.messages(record.notes, options)
        spent = 0
        problem = None
        for attempt in range(2):  # one retry for an answer that does not validate
            try:
                async with asyncio.timeout(self.timeout):
                    completion = await self.drafter.complete(messages, drafting.SCHEMA, on_text)
            except (DraftUnavailable, TimeoutError) as exc:
                self.breaker.failed()
                reason = "it took too long" if isinstance(exc, TimeoutError) else str(exc)
                problem = f"The model did not answer ({reason}); here is a brief built from your notes."
                break
            spent += completion.tokens
            try:
                draft = drafting.parse(completion.text, record.notes)
            except drafting.DraftInvalid as exc:
                log.warning("draft %s attempt %s did not validate: %s", record.id, attempt + 1, exc)
                problem = f"{exc} I tried twice; here is a brief built from your notes instead."
                continue
            self.breaker.succeeded()
            problem = None
            await self._spend(caller, spent)
            return draft.to_json(), None
        await self._spend(caller, spent)
        return None, problem

    async def _spend(self, caller: Caller, tokens: int) -> None:
        if not tokens:
            return
        async with self.core.uow_factory(caller.workspace_id) as uow:
            await uow.drafts.spend(self.core.clock().astimezone(UTC).date(), tokens)
            await uow.commit()


# --- words -----------------------------------------------------------------------------------

def draft_text(result: dict) -> str:
    p = result.get("positioning", {})
    lines = [
        f"Value proposition: {result.get('value_proposition', '')}",
        f"Positioning: For {p.get('for_whom', '')} who {p.get('who_need', '')}, {p.get('product_is', '')} "
        f"that {p.get('that', '')}. Unlike {p.get('unlike', '')}.",
        f"Headline: {result.get('headline', '')}",
        f"Subheadline: {result.get('subheadline', '')}",
        *(f"Benefit: {b.get('benefit', '')} (from: {b.get('from_feature', '')})" for b in result.get("benefits", [])),
        f"Release note: {result.get('release_note', '')}",
    ]
    if result.get("jargon_avoided"):
        lines.append("Jargon avoided: " + ", ".join(result["jargon_avoided"]))
    return "\n".join(lines)


def _first_sentence(text: str, limit: int = 80) -> str:
    first = re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def brief_text(slots: dict[str, list[str]]) -> str:
    return "\n".join(f"{slot}: " + (" / ".join(items) if items else "(nothing in the notes yet)") for slot, items in slots.items())
