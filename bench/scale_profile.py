"""Where an operation's time goes: in SQL (every statement it ran, timed at the cursor, and the
plan of the costliest: ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN ANALYZE`` on PostgreSQL) and
in Python (cProfile's functions with the most time of their own).

Attach one :class:`Statements` to the engine, set ``label`` around the calls to attribute, and
read :meth:`Statements.summary` for one label.
"""

from __future__ import annotations

import cProfile
import pstats
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Sql:
    statement: str
    parameters: Any
    calls: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Summary:
    sql_ms: float  # per operation
    statements: float  # per operation
    top: Sql | None  # the SELECT with the most time in all
    top_handoffs: Sql | None  # the same among those that read the handoffs table: the history
    handoffs_ms: float  # per operation, in statements that read the handoffs table


class Statements:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.label: str | None = None
        self.seen: dict[str, dict[str, Sql]] = defaultdict(dict)
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.seen.clear()

    def _before(self, conn: Any, _cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if self.label is None:
            return
        sql = self.seen[self.label].setdefault(statement, Sql(statement, None if many else parameters))
        sql.calls += 1
        sql.seconds += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())

    def summary(self, label: str, operations: int) -> Summary:
        rows = list(self.seen.get(label, {}).values())
        selects = [r for r in rows if r.statement.lstrip().upper().startswith("SELECT") and r.parameters is not None]
        top = max(selects, key=lambda r: r.seconds, default=None)
        on_handoffs = [r for r in rows if "FROM handoffs" in r.statement]
        top_handoffs = max((r for r in selects if r in on_handoffs), key=lambda r: r.seconds, default=None)
        return Summary(sum(r.seconds for r in rows) * 1000 / operations, sum(r.calls for r in rows) / operations, top,
                       top_handoffs, sum(r.seconds for r in on_handoffs) * 1000 / operations)

    async def plan(self, sql: Sql) -> list[str]:
        """The plan of one recorded SELECT, run again with the parameters it had."""
        postgres = self.engine.dialect.name == "postgresql"
        prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
        async with self.engine.connect() as conn:
            rows = (await conn.exec_driver_sql(prefix + sql.statement, sql.parameters)).all()
        if postgres:
            return [str(r[0]) for r in rows]
        depth: dict[int, int] = {0: -1}
        lines = []
        for node, parent, _, detail in rows:  # id, parent, notused, detail: indent by parent
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + str(detail))
        return lines


def one_line(statement: str, width: int = 160) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


async def hot_spots(run: Callable[[], Awaitable[object]], times: int, top: int = 8) -> list[str]:
    """The Python functions that take the most time of their own over ``times`` runs (cProfile;
    SQLite's own work happens on aiosqlite's thread and shows here as waiting in ``epoll``)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(times):
        await run()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values())
    lines = [f"{'own ms/run':>10} {'share':>6} {'calls/run':>10}  function (cProfile over {times} runs)"]
    for (path, line, name), (_, calls, own, _, _) in sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]:
        where = f"{_short(path)}:{line}({name})" if line else name
        lines.append(f"{own * 1000 / times:>10.2f} {own / total * 100:>5.0f}% {calls / times:>10.0f}  {where}")
    return lines


def _short(path: str) -> str:
    if match := re.search(r"/(?:site-packages|lib/python3\.\d+)/(.*)$", path):
        return match.group(1)
    return path.removeprefix(f"{ROOT}/")
