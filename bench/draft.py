"""One draft end to end, and what it costs besides the model.

The loopback OpenAI-compatible server streams a scripted answer (the `tests/` fixture) in 5 chunks,
each followed by 0.2 s, so the model's own time is known: 1.0 s. Everything else
(command, transaction, prompt, the real ``openai`` client, streaming, validation, saving the
knowledge entry, rendering) is the bot's overhead. Run from the repository root::

    .venv/bin/python -m bench.draft
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.chat.core import Core
from bot.context import Caller
from bot.drafting.service import DraftService
from handlers.llm import OpenAIDrafter
from handlers.render_text import render
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes.openai_server import FakeOpenAI, Script
from tests.integration.test_drafting import DRAFT, NOTES

CHUNKS, DELAY, RUNS = 5, 0.2, 10


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        await upgrade(engine)
        async with FakeOpenAI() as llm:
            llm.default = Script("text", json.dumps(DRAFT), chunks=CHUNKS, delay=DELAY)
            core = Core(SqlUnitOfWorkFactory(engine))
            core.drafts = DraftService(core, OpenAIDrafter("bench-key", "scripted", llm.base_url))
            caller = Caller("bench", "sam", "Sam")
            overheads, totals, reply = [], [], None
            for _ in range(RUNS):
                started = time.perf_counter()
                outcome = await core.handle(caller, f"draft audience: IT admins; {NOTES}")
                assert outcome.draft_id is not None
                done = await core.drafts.run(caller, outcome.draft_id)
                total = time.perf_counter() - started
                totals.append(total * 1000)
                overheads.append((total - DELAY * CHUNKS) * 1000)
                reply = done.reply
        await engine.dispose()
    print(render(reply))
    print(f"\n{RUNS} drafts: end to end p50 {statistics.median(totals):.0f} ms; "
          f"minus the model's {DELAY * CHUNKS * 1000:.0f} ms of streaming: p50 {statistics.median(overheads):.0f} ms, "
          f"max {max(overheads):.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
