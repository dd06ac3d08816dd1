"""RELIABILITY 24 through the whole core: any text gets a Reply, and a refused command writes nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.chat.core import Core
from bot.context import Caller
from bot.reply import Tone
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support import FakeClock

TABLES = ("handoffs", "handoff_events", "knowledge_entries", "releases", "areas", "area_assignments", "people")
HEADS = ["", "new ", "@lee ", "@lee requirement for v1: ", "ack ", "decline 1 ", "reassign 1 ", "release new ",
         "release decide v1 ", "owner set ", "owner claim ", "who owns ", "person @lee role ", "search ", "due 1 ",
         "list ", "show ", "comment 1 ", "owner new ", "ask 1 ", "answer 1 "]


class Harness:
    def __init__(self, path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.engine = create_engine(f"sqlite:///{path}")
        self.core = Core(SqlUnitOfWorkFactory(self.engine), clock=FakeClock())
        self.run(upgrade(self.engine))
        for line in ("release new v1", "@lee requirement for v1: seed", "owner claim pricing"):
            assert not self.run(self.core.handle(self.caller("dana"), line)).reply.is_error

    def caller(self, who: str) -> Caller:
        return Caller(workspace_id="fuzz", user_id=who, display_name=who, names_create_people=True)

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def counts(self) -> dict[str, int]:
        async def count() -> dict[str, int]:
            async with self.engine.connect() as conn:
                return {t: (await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in TABLES}

        return self.run(count())

    def close(self) -> None:
        self.run(self.engine.dispose())
        self.loop.close()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    h = Harness(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    yield h
    h.close()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.sampled_from(HEADS), tail=st.text(max_size=200))
def test_any_text_gets_a_reply_and_refusals_write_nothing(harness: Harness, head: str, tail: str, caplog: pytest.LogCaptureFixture) -> None:
    before = harness.counts()
    with caplog.at_level(logging.ERROR, logger="handoff.core"):
        outcome = harness.run(harness.core.handle(harness.caller("sam"), head + tail))
    assert outcome.reply.error_id is None, caplog.text  # never the "something went wrong" path
    if outcome.reply.tone in (Tone.ERROR, Tone.USAGE):
        assert harness.counts() == before


def test_an_unexpected_error_is_an_apology_with_an_id(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def __call__(self, workspace_id: str):
            raise RuntimeError("boom xoxb-secret")

    outcome = asyncio.run(Core(Broken()).handle(Caller("w", "u", "u"), "list"))
    assert outcome.reply.error_id and outcome.reply.is_error
    text_out = outcome.reply.blocks[0].spans[0]
    assert outcome.reply.error_id in text_out and "boom" not in text_out and "Traceback" not in text_out
    assert outcome.reply.error_id in caplog.text
