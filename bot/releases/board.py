"""``releases board``: every open release in one reply, with its gates as a row of marks.

One line per release, soonest target first: the target date, the launch tier, one mark per gate
in template order, the open, overdue and blocked handoffs, and whether the release is at risk
(the readiness rule of :func:`bot.releases.readiness.risk`: a declined gate, or one past its date
and undecided). A legend under the lines says what each mark means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import commands as c
from bot.context import Ctx
from bot.domain import Gate, GateStatus, Release, Status
from bot.ports import HandoffQuery, UnitOfWork
from bot.releases.readiness import risk
from bot.releases.use_cases import open_releases
from bot.reply import Code, Reply, ReplyBuilder, Span, Strong
from bot.wording import due_text

MARKS = {GateStatus.APPROVED: "✓", GateStatus.DECLINED: "✗", GateStatus.PENDING: "·", GateStatus.WAIVED: "–"}
OVERDUE = "!"
LEGEND = "Gates, in template order: ✓ approved, ✗ declined, · pending, – waived, ! overdue."


@dataclass(frozen=True)
class BoardLine:
    release: Release
    gates: list[Gate]
    open: int  # active handoffs, overdue ones included
    overdue: int
    blocked: int
    risk: str | None  # why it is at risk, or None


async def board(_: c.ShowReleaseBoard, ctx: Ctx) -> list[BoardLine]:
    """The open releases (not shipped or closed), soonest target first, those without one last."""
    releases = await open_releases(ctx.uow)
    return [await _line(ctx.uow, r, ctx.today()) for r in releases]


async def _line(uow: UnitOfWork, release: Release, today: date) -> BoardLine:
    gates = await uow.gates.for_release(release.id)
    counts = await uow.handoffs.counts_for_release(release.id, today)
    overdue = sum(counts["overdue"].values())
    _, blocked = await uow.handoffs.find(HandoffQuery(release_id=release.id, statuses=frozenset({Status.BLOCKED}), limit=1))
    return BoardLine(release, gates, sum(counts["open"].values()) + overdue, overdue, blocked,
                     risk(release, gates, today))


def gate_marks(gates: list[Gate], today: date) -> str:
    """``✓✓✗·!``: one mark per gate, an undecided gate past its date as ``!``."""
    return "".join(OVERDUE if g.is_overdue(today) else MARKS[g.status] for g in gates)


def board_reply(lines: list[BoardLine], today: date) -> Reply:
    if not lines:
        return ReplyBuilder(title="No open releases.").para("Create one: ", Code("release new v2.3 2026-12-15")).build()
    risky = sum(line.risk is not None for line in lines)
    out = ReplyBuilder(title=f"Release board: {len(lines)} open" + (f", {risky} at risk" if risky else ""))
    out.bullets([_item(line, today) for line in lines])
    out.context(LEGEND + " `release calendar` puts the dates in your calendar.")
    return out.build()


def _item(line: BoardLine, today: date) -> tuple[Span, ...]:
    r = line.release
    target = due_text(r.target_date, today) if r.target_date else "no target date"
    tier = f" · Tier {r.tier}" if r.tier else ""
    gates: tuple[Span, ...] = (" · gates ", Code(gate_marks(line.gates, today))) if line.gates else (" · no gates",)
    counts = f" · {line.open} open, {line.overdue} overdue, {line.blocked} blocked"
    at_risk: tuple[Span, ...] = (" · ", Strong("at risk"), f": {line.risk}") if line.risk else ()
    return (Strong(r.name), f" — {target}{tier}", *gates, counts, *at_risk)
