"""Shared tools for the hostile-input and security tests: row counts, a log watch, and a spy on
what the core accepted, so a test can say "a refused request wrote nothing" and mean it."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.core import Core, Outcome
from bot.context import Caller
from bot.reply import plain_text

# What a request can change; each is compared per workspace before and after.
TABLES = ("handoffs", "releases", "gates", "disputes", "deliveries", "knowledge_entries")
# Markup Slack turns into pings or links when it appears raw in mrkdwn.
HOSTILE = ("<!channel> <!here> <!subteam^S1> <@U1> <#C1> <https://evil.example|Click> "
           "[Click](https://evil.example) ze\u200bro\u200dwidth\u2060 **bold** _it_")
SQLISH = "'; DROP TABLE handoffs; -- 100% a_b \\ \" ` ;"
SECRETS = ("xoxb-test-token", "test-signing-secret", "client-secret")


async def counts(engine: AsyncEngine, workspace_id: str | None) -> dict[str, int]:
    """Row counts of :data:`TABLES` for one workspace (or all of them), in one round trip.

    ``None`` counts every workspace: a hostile payload naming some other team must not write there either."""
    where = "" if workspace_id is None else " WHERE workspace_id = :w"
    columns = ", ".join(f"(SELECT count(*) FROM {t}{where}) AS {t}" for t in TABLES)
    async with engine.connect() as conn:
        row = (await conn.execute(text(f"SELECT {columns}"), {"w": workspace_id} if workspace_id else {})).one()
    return dict(zip(TABLES, row, strict=True))


async def snapshot(engine: AsyncEngine, workspace_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of a workspace's changeable tables (and their histories), to prove nothing moved."""
    tables = (*TABLES, "handoff_events", "drafts", "slips", "area_assignments")
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as conn:
        for table in tables:
            rows = await conn.execute(text(f"SELECT * FROM {table} WHERE workspace_id = :w ORDER BY id"), {"w": workspace_id})
            found[table] = [tuple(r) for r in rows]
    return found


class LogWatch(logging.Handler):
    """Every record at WARNING and above, from any logger, while installed on the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def clear(self) -> None:
        self.records.clear()

    def errors(self) -> list[str]:
        """ERROR records: an unhandled exception, a 500, or the core's "something went wrong"."""
        return [f"{r.name}: {r.getMessage()}" + (f" [{r.exc_info[0].__name__}: {r.exc_info[1]}]" if r.exc_info and r.exc_info[1] else "")
                for r in self.records if r.levelno >= logging.ERROR]

    def text(self) -> str:
        return "\n".join(self.format(r) + (f" {r.exc_info[1]!r}" if r.exc_info else "") for r in self.records)


@contextmanager
def watching_logs() -> Iterator[LogWatch]:
    watch = LogWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield watch
    finally:
        root.removeHandler(watch)


@dataclass
class CoreSpy:
    """Wraps ``core.execute`` (which ``core.handle`` and every surface go through) to record outcomes.

    The oracle for "invalid input writes nothing": when no outcome of a request was accepted
    (all refused, or the core never ran), the workspace's row counts must not have moved."""

    core: Core
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        original = self.core.execute

        async def execute(caller: Caller, command: Any) -> Outcome:
            outcome = await original(caller, command)
            self.outcomes.append(outcome)
            return outcome

        self.core.execute = execute  # type: ignore[method-assign]

    def clear(self) -> None:
        self.outcomes.clear()

    @property
    def accepted(self) -> bool:
        return any(not o.reply.is_error for o in self.outcomes)

    def replies(self) -> str:
        return "\n".join(plain_text(o.reply) for o in self.outcomes)


def mrkdwn_texts(value: object) -> list[str]:
    """Every string Slack parses for mentions and links: mrkdwn text objects and top-level ``text``."""
    found: list[str] = []
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" or (isinstance(value.get("text"), str) and value.get("type") != "plain_text"):
            found.append(value["text"])
        for child in value.values():
            found += mrkdwn_texts(child)
    elif isinstance(value, list):
        for child in value:
            found += mrkdwn_texts(child)
    return found


# The only raw control sequences the bot builds itself: links to messages it posted, and a
# channel it could not post in (named from the request, for "/invite me there").
_OWN_MARKUP = re.compile(r"<https://slack\.com/archives/[A-Z0-9]+/p\d+\|[^<>|]*>|<#C[A-Z0-9]+>")


def foreign_markup(texts: list[str]) -> list[str]:
    """Raw ``<!…>``, ``<@…>``, ``<#…>`` or ``<http…>`` the bot did not build, and invisible characters."""
    problems = []
    for t in texts:
        rest = _OWN_MARKUP.sub("", t)
        problems += [f"{raw!r} in {t[:120]!r}" for raw in ("<!", "<@", "<#", "<http") if raw in rest]
        if re.search("[\u200b-\u200f\u2060\ufeff]", t):
            problems.append(f"invisible character in {t[:120]!r}")
    return problems


_ESCAPED = re.compile(r"\\.", re.DOTALL)


def card_strings(card: object) -> list[str]:
    """Every string of an Adaptive Card that Teams renders as Markdown: TextBlock text and facts."""
    found: list[str] = []
    if isinstance(card, dict):
        if card.get("type") == "TextBlock" and isinstance(card.get("text"), str):
            found.append(card["text"])
        if card.get("type") == "FactSet":
            found += [s for fact in card.get("facts", []) for s in (fact.get("title", ""), fact.get("value", ""))]
        for child in card.values():
            found += card_strings(child)
    elif isinstance(card, list):
        for child in card:
            found += card_strings(child)
    return found


def markdown_links(texts: list[str]) -> list[str]:
    """Markdown links or raw angle brackets that survive escaping (the renderer builds neither)."""
    problems = []
    for t in texts:
        bare = _ESCAPED.sub("", t)  # what is left once every backslash escape is taken out
        if re.search(r"\[[^\]]*\]\(", bare) or "<" in bare:
            problems.append(t[:200])
    return problems
