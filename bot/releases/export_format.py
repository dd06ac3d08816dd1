"""The export's file formats: a Markdown launch brief and a CSV of handoffs (one release's, or many).

User text is data in both. In Markdown every character that could start syntax gets a
backslash (so a title cannot become a link, emphasis, HTML or a new table column), and line
breaks inside a table cell become ``<br>``, the one piece of markup the brief adds itself. In
CSV, a cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) starts with an
apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.dates import zone
from bot.domain import (
    Area,
    Assignment,
    DraftRecord,
    Gate,
    GateStatus,
    Handoff,
    HandoffEvent,
    KnowledgeEntry,
    Person,
    Release,
    Status,
)
from bot.duties import Ownership
from bot.gates.decisions import blocker

EMPTY = "—"
MAX_CELL = 500  # details and notes longer than this are cut in the brief's tables
MAX_NOTES = 200  # a draft's technical notes: the start is enough to recognise it
CSV_COLUMNS = ("release", "number", "kind", "title", "area", "owner", "requester", "status", "due", "created",
               "acknowledged", "done", "details", "reason")
SECTIONS = ("Summary", "Gates", "Decisions", "Notes", "Handoffs", "History and comments", "Ownership", "Drafts")
REASONS = frozenset({"block", "decline"})  # the events whose note is the CSV's "reason"
_SYNTAX = re.compile(r"([\\`*_{}\[\]<>|#!~&$])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
_BREAK = re.compile(r"\r\n|\r|\n")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def md(text: str, limit: int | None = None) -> str:
    """User text as inline Markdown that shows exactly what was typed (in a table cell, too)."""
    text = _CONTROL.sub("", text).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _BREAK.sub("<br>", _SYNTAX.sub(r"\\\1", text)) or EMPTY


def slug(name: str) -> str:
    """A release name as part of a file name: no separators, no leading dots."""
    return re.sub(r"[^\w.\-]+", "-", name).strip("-._")[:60] or "release"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def status_counts(handoffs: Iterable[Handoff]) -> str:
    """``3 open, 1 in progress, 2 done``, in lifecycle order."""
    counts = Counter(h.status for h in handoffs)
    return ", ".join(f"{counts[status]} {status.label}" for status in Status if counts[status])


def when(moment: datetime | None, timezone: str) -> str:
    return moment.astimezone(zone(timezone)).strftime("%Y-%m-%d %H:%M") if moment else ""


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GitHub-flavoured table; cells are already escaped with :func:`md`."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines if len(lines) > 2 else ["_None._"]


def markdown(brief: LaunchBrief) -> str:
    r = brief.release
    lines = [f"# Launch brief: {md(r.name)}", "",
             f"Exported {when(brief.exported_at, brief.timezone)} by {md(brief.exported_by.display_name)}. "
             f"Times are in {md(brief.timezone)}.", ""]
    bodies = (_summary(brief), _gates(brief), _entries(brief, brief.decisions, "Decision"),
              _entries(brief, brief.notes, "Note"), _handoffs(brief), _histories(brief), _ownership(brief),
              _drafts(brief))
    for heading, body in zip(SECTIONS, bodies, strict=True):
        lines += [f"## {heading}", "", *body, ""]
    return "\n".join(lines)


def handoffs_csv(sheet: HandoffSheet) -> str:
    """One row per handoff; acknowledged, done and the reason come from its history."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for release, h in sheet.rows:
        writer.writerow([csv_cell(cell) for cell in _csv_row(sheet, release, h)])
    return out.getvalue()


def _csv_row(sheet: HandoffSheet, release: Release, h: Handoff) -> list[str]:
    events = sheet.history.get(h.id, [])
    area = sheet.areas.get(h.area_id) if h.area_id else None
    acked = next((e.at for e in events if e.action == "ack"), None)
    done = next((e.at for e in reversed(events) if e.to_status is Status.DONE), None) if h.status is Status.DONE else None
    reason = next((e.note or "" for e in reversed(events) if e.action in REASONS), "")
    return [release.name, str(h.number), h.kind.value, h.title, area.name if area else "", sheet.name(h.owner_id),
            sheet.name(h.requester_id), h.status.value, h.due_date.isoformat() if h.due_date else "",
            h.created_at.isoformat(), acked.isoformat() if acked else "", done.isoformat() if done else "",
            h.details, reason]


def csv_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


# --- sections ------------------------------------------------------------------------------

def _summary(brief: LaunchBrief) -> list[str]:
    r, gates = brief.release, brief.gates
    declined = sum(g.status is GateStatus.DECLINED for g in gates)
    gaps = [f"{area.name}: {'no driver' if not o.effective_drivers else f'{len(o.effective_drivers)} drivers'}"
            for area, o in brief.owners if len(o.effective_drivers) != 1]
    shown = f" (the first {len(brief.handoffs)} are listed)" if brief.handoffs_total > len(brief.handoffs) else ""
    by_status = f" ({status_counts(brief.handoffs)})" if brief.handoffs else ""
    items = [
        ("Release", md(r.name)),
        ("Target date", r.target_date.isoformat() if r.target_date else "not set"),
        ("Status", md(r.status)),
        ("Launch tier", str(r.tier) if r.tier else "none"),
        ("What it does", _statement(brief)),
        ("Handoffs", f"{brief.handoffs_total}{shown}{by_status}"),
        ("Overdue", str(sum(h.is_overdue(brief.today) for h in brief.handoffs))),
        ("Gates", f"{brief.gates_passed} of {len(gates)} passed, {declined} declined"),
        ("Blocking the launch", md(blocker(gates, brief.today) or "nothing yet")),
        ("Decisions", str(len(brief.decisions))),
        ("Notes", str(len(brief.notes))),
        ("Grey areas to settle", md("; ".join(gaps)) if gaps else "none"),
        ("Not applicable", md("; ".join(f"{area} ({why})" if why else area for area, why in brief.skipped))
         if brief.skipped else "none"),
        ("Drafts", str(len(brief.drafts))),
    ]
    if brief.public:
        items.append(("Left out", "what was said in private conversations"))
    return [f"- **{label}:** {value}" for label, value in items]


def _statement(brief: LaunchBrief) -> str:
    r = brief.release
    if not r.statement:
        return "not written yet"
    confirmed = f"confirmed by {md(brief.name(r.confirmed_by))}" if r.confirmed_by else "not confirmed yet"
    return f"{md(r.statement, MAX_CELL)} (by {md(brief.name(r.statement_by))}; {confirmed})"


def _gates(brief: LaunchBrief) -> list[str]:
    return table(("#", "Gate", "Status", "Due", "Decided by", "Decided at", "Note"), (
        (str(i), md(g.name), g.status.value, g.due_date.isoformat() if g.due_date else EMPTY,
         md(brief.name(g.decided_by)), when(g.decided_at, brief.timezone) or EMPTY, md(g.note or "", MAX_CELL))
        for i, g in enumerate(brief.gates, 1)))


def _entries(brief: LaunchBrief, entries: list[KnowledgeEntry], heading: str) -> list[str]:
    return table(("When", "Who", heading), (
        (when(e.created_at, brief.timezone), md(brief.name(e.author_id)), md(e.body)) for e in entries))


def _handoffs(brief: LaunchBrief) -> list[str]:
    return table(("#", "Kind", "Title", "Status", "Owner", "Requester", "Due", "Area", "Details"),
                 (_handoff_row(brief, h) for h in brief.handoffs))


def _handoff_row(brief: LaunchBrief, h: Handoff) -> list[str]:
    area = brief.areas.get(h.area_id) if h.area_id else None
    status = h.status.label + (f": {h.status_note}" if h.status_note else "")
    return [str(h.number), h.kind.value, md(h.title), md(status, MAX_CELL), md(brief.name(h.owner_id)),
            md(brief.name(h.requester_id)), h.due_date.isoformat() if h.due_date else EMPTY,
            md(area.name if area else ""), md(h.details, MAX_CELL)]


def _histories(brief: LaunchBrief) -> list[str]:
    """Per handoff, one line per lifecycle event (when, who, what), then its comments."""
    lines: list[str] = []
    for h in brief.handoffs:
        events = brief.history.get(h.id, [])
        moves = [e for e in events if e.action != "comment"]
        comments = [e for e in events if e.action == "comment"]
        if not events:
            continue
        lines += [f"### {md(h.ref)} {md(h.title)}", ""]
        lines += [f"- {_event(brief, e)}" for e in moves]
        if comments:
            lines += ["", "Comments:", ""]
            lines += [f"- {when(e.at, brief.timezone)} · {md(brief.name(e.actor_id))}: {md(e.note or '', MAX_CELL)}"
                      for e in comments]
        lines.append("")
    return lines[:-1] or ["_None._"]


def _event(brief: LaunchBrief, e: HandoffEvent) -> str:
    to = f" → {e.to_status.label}" if e.to_status else ""
    note = f": {md(e.note, MAX_CELL)}" if e.note else ""
    return f"{when(e.at, brief.timezone)} · {md(brief.name(e.actor_id))} · {md(e.action)}{to}{note}"


def _ownership(brief: LaunchBrief) -> list[str]:
    def names(ids: Iterable[int]) -> str:
        return "; ".join(brief.name(i) for i in ids)

    def supporters(items: Iterable[Assignment]) -> str:
        return "; ".join(brief.name(a.person_id) + (f" (owes {a.owes})" if a.owes else "") for a in items)

    rows = []
    for area, o in brief.owners:
        driver = names(o.effective_drivers) + (f" (for {brief.release.name})" if o.release_drivers else "")
        rows.append((md(area.name), area.side.value, md(driver if o.effective_drivers else ""),
                     md(supporters((*o.supporters, *o.release_supporters))), md(names(o.informed))))
    return table(("Area", "Side", "Driver", "Supporters", "Informed"), rows)


def _drafts(brief: LaunchBrief) -> list[str]:
    return table(("#", "Status", "Asked by", "Created", "Audience", "Notes", "Headline", "Release note"),
                 (_draft_row(brief, d) for d in brief.drafts))


def _draft_row(brief: LaunchBrief, d: DraftRecord) -> list[str]:
    result = d.result or {}
    return [str(d.id), d.status, md(brief.name(d.created_by)), when(d.created_at, brief.timezone),
            md(str(d.options.get("audience") or "")), md(d.notes, MAX_NOTES),
            md(str(result.get("headline") or ""), MAX_CELL),
            md(str(result.get("release_note") or ""), MAX_CELL)]


@dataclass
class HandoffSheet:
    """What the CSV needs: each handoff with its release, the handoffs' histories, the names."""

    rows: list[tuple[Release, Handoff]]
    history: dict[int, list[HandoffEvent]]  # by handoff id, oldest first
    people: dict[int, Person]
    areas: dict[int, Area]

    def name(self, person_id: int | None) -> str:
        person = self.people.get(person_id) if person_id is not None else None
        return person.display_name if person else ""


@dataclass
class LaunchBrief:
    release: Release
    public: bool
    exported_by: Person
    exported_at: datetime
    timezone: str
    today: date
    handoffs: list[Handoff]
    handoffs_total: int
    decisions: list[KnowledgeEntry]  # oldest first
    gates: list[Gate]
    owners: list[tuple[Area, Ownership]]
    drafts: list[DraftRecord]
    people: dict[int, Person]
    areas: dict[int, Area]
    skipped: list[tuple[str, str | None]] = field(default_factory=list)  # areas not applicable, and why
    notes: list[KnowledgeEntry] = field(default_factory=list)  # oldest first
    history: dict[int, list[HandoffEvent]] = field(default_factory=dict)  # by handoff id, oldest first

    @property
    def sheet(self) -> HandoffSheet:
        return HandoffSheet([(self.release, h) for h in self.handoffs], self.history, self.people, self.areas)

    def name(self, person_id: int | None) -> str:
        person = self.people.get(person_id) if person_id is not None else None
        return person.display_name if person else ""

    @property
    def gates_passed(self) -> int:
        return sum(g.status in (GateStatus.APPROVED, GateStatus.WAIVED) for g in self.gates)
