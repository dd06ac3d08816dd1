"""Test helpers: a settable clock and a chat harness that reads like a conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.chat.core import Core, Outcome
from bot.context import Caller
from bot.reply import Reply, plain_text

# A Monday morning, so "fri", "eow" and working days are predictable.
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime = MONDAY

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Chat:
    """``await chat.say("dana", "ack 1")`` returns the reply as text; ``chat.last`` the Reply."""

    core: Core
    workspace_id: str
    last: Reply | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    admins: set[str] = field(default_factory=set)

    def caller(self, who: str) -> Caller:
        return Caller(
            workspace_id=self.workspace_id, user_id=who, display_name=who, is_admin=who in self.admins,
            names_create_people=True,
        )

    async def say(self, who: str, text: str) -> str:
        outcome = await self.core.handle(self.caller(who), text)
        self.outcomes.append(outcome)
        self.last = outcome.reply
        return plain_text(outcome.reply)

    async def ok(self, who: str, text: str) -> str:
        """Say something that must succeed."""
        reply_text = await self.say(who, text)
        assert self.last is not None and not self.last.is_error, f"{text!r} failed: {reply_text}"
        return reply_text

    async def fails(self, who: str, text: str) -> str:
        reply_text = await self.say(who, text)
        assert self.last is not None and self.last.is_error, f"{text!r} should have failed: {reply_text}"
        return reply_text
