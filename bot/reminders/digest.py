"""Daily channel digests: when one is due (pure), and what it says (pure).

A digest is due once per working day at the subscription's local time; after downtime the
first pass that day catches up (the outbox key ``digest:{subscription}:{local date}`` makes it
once), and a missed day is not sent the next day. It covers what changed since the previous
working day's digest time, grouped by release, counts first, and what needs someone: overdue and
due soon, stuck (blocked, waiting for an answer, or declined this week: with the reason and for how
long), gates to decide this week. A release that has been at risk since before the window (a gate
declined or late earlier) is a standing risk: one compact line, and not news on its own, so a day
with nothing else is still "nothing new".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.dates import zone
from bot.domain import (
    ACTIVE_STATUSES,
    CLOSED_RELEASES,
    Area,
    Assignment,
    DigestSubscription,
    Gate,
    GateStatus,
    Handoff,
    KnowledgeEntry,
    Person,
    Release,
    Status,
)
from bot.duties import AreaScope, OwnershipIndex
from bot.reply import Fields, Link, Reply, ReplyBuilder, Span, Strong
from bot.working_time import WorkingHours

DUE_SOON_DAYS = 2
GATE_DAYS = 7  # undecided gates due within a week are listed
DECLINED_DAYS = 7  # a declined handoff is listed as stuck for a week, then left to the requester
STUCK = frozenset({Status.BLOCKED, Status.NEEDS_INFO, Status.DECLINED})
UPCOMING_DAYS = 14
MAX_ITEMS = 8  # per section: a digest is read at a glance


def digest_key(sub: DigestSubscription, day: date) -> str:
    return f"digest:{sub.id}:{day.isoformat()}"


def due_day(sub: DigestSubscription, now: datetime, hours: WorkingHours) -> date | None:
    """The local date whose digest is due at ``now``, if any: a working day, past the local
    time, and the subscription already existed at that time (no instant digest at sign-up)."""
    local = now.astimezone(zone(sub.timezone))
    scheduled = scheduled_at(sub, local.date())
    if not hours.is_working_day(local.date()) or now < scheduled or sub.created_at > scheduled:
        return None
    return local.date()


def scheduled_at(sub: DigestSubscription, day: date) -> datetime:
    return datetime.combine(day, sub.local_time, tzinfo=zone(sub.timezone)).astimezone(UTC)


def window_start(sub: DigestSubscription, day: date, hours: WorkingHours) -> datetime:
    """Since the previous working day's digest time: Monday's digest covers the weekend."""
    return scheduled_at(sub, hours.previous_working_day(day))


@dataclass(frozen=True)
class DigestData:
    subscription: DigestSubscription
    since: datetime
    today: date
    handoffs: Sequence[Handoff]
    people: Mapping[int, Person]
    releases: Mapping[int, Release]
    areas: Sequence[Area]
    assignments: Sequence[Assignment]
    decisions: Sequence[KnowledgeEntry]
    gates: Sequence[Gate] = ()  # declined, or undecided and due within GATE_DAYS
    scope: AreaScope = field(default_factory=AreaScope)  # areas each release needs, and those it skips


@dataclass
class _Group:
    new: list[Handoff]
    done: list[Handoff]
    awaiting: list[Handoff]
    due_soon: list[Handoff]
    overdue: list[Handoff]
    gaps: list[str]
    decisions: list[KnowledgeEntry]
    gates: list[str] = field(default_factory=list)
    stuck: list[Handoff] = field(default_factory=list)

    def empty(self) -> bool:
        return not any((self.new, self.done, self.awaiting, self.due_soon, self.overdue, self.gaps, self.decisions,
                        self.gates, self.stuck))


def visible_in(h: Handoff, sub: DigestSubscription) -> bool:
    """A private conversation's handoff appears only in that conversation's own digest."""
    if not h.private:
        return True
    return sub.private and bool(h.message_ref) and h.message_ref.split(":", 1)[0] == sub.channel


def compose(data: DigestData) -> Reply | None:
    """The digest, or ``None`` when there is nothing to say."""
    sub, today = data.subscription, data.today
    releases = {rid: r for rid, r in data.releases.items()
                if (sub.release_id is None or rid == sub.release_id) and not r.closed}
    handoffs = [h for h in data.handoffs if visible_in(h, sub) and (sub.release_id is None or h.release_id == sub.release_id)
                and (h.release_id is None or h.release_id in releases) and not data.scope.skips(h.release_id, h.area_id)]
    upcoming = sorted((r for r in releases.values()
                       if r.target_date and today <= r.target_date <= today + timedelta(days=UPCOMING_DAYS)),
                      key=lambda r: (r.target_date, r.name))
    groups: dict[int | None, _Group] = {}

    def group(release_id: int | None) -> _Group:
        return groups.setdefault(release_id, _Group([], [], [], [], [], [], []))

    for h in handoffs:
        g = group(h.release_id if h.release_id in releases else None)
        if h.created_at >= data.since and h.status in ACTIVE_STATUSES:
            g.new.append(h)
        if h.status is Status.DONE and h.updated_at >= data.since:
            g.done.append(h)
        elif h.status is Status.OPEN and h.created_at < data.since:
            g.awaiting.append(h)
        if is_stuck(h, data):
            g.stuck.append(h)
        elif h.status in ACTIVE_STATUSES and h.due_date:
            if h.due_date < today:
                g.overdue.append(h)
            elif h.due_date <= today + timedelta(days=DUE_SOON_DAYS):
                g.due_soon.append(h)
    owners = OwnershipIndex(data.assignments)
    for release in upcoming:
        for area in data.scope.areas(release, data.areas):
            drivers = owners(area.id, release.id).effective_drivers
            if len(drivers) != 1:
                group(release.id).gaps.append(f"{area.name}: {'no driver' if not drivers else f'{len(drivers)} drivers'}")
    for gate in data.gates:
        if gate.release_id in releases and not _standing(gate, data) and not _launched_past(gate, releases[gate.release_id]):
            group(gate.release_id).gates.append(_gate_line(gate, today))
    for entry in data.decisions:
        if not entry.private and entry.created_at >= data.since and (sub.release_id is None or entry.release_id == sub.release_id):
            group(entry.release_id if entry.release_id in releases else None).decisions.append(entry)
    groups = {k: g for k, g in groups.items() if not g.empty()}
    if not groups and not upcoming:
        return None
    return _render(data, groups, upcoming)


def all_clear(sub: DigestSubscription, today: date, standing: Sequence[str] = ()) -> Reply:
    """Nothing new: all clear, or, with a standing risk, that line and nothing more."""
    if not standing:
        return Reply(title=f"Handoff digest for {today:%a %b} {today.day}: all clear", ephemeral=False)
    out = ReplyBuilder(title=f"Handoff digest for {today:%a %b} {today.day}: nothing new", ephemeral=False)
    out.para(Strong("Still at risk: "), " · ".join(standing))
    return out.build()


def is_stuck(h: Handoff, data: DigestData) -> bool:
    """Blocked, waiting for the requester's answer, or declined this week."""
    if h.status is Status.DECLINED:
        return _age(h, data) <= DECLINED_DAYS
    return h.status in STUCK


def standing_risks(data: DigestData) -> list[str]:
    """One compact line per release at risk since before this digest's window."""
    sub = data.subscription
    by_release: dict[int, list[str]] = {}
    for gate in data.gates:
        if (_standing(gate, data) and gate.release_id in data.releases and sub.release_id in (None, gate.release_id)
                and data.releases[gate.release_id].status not in CLOSED_RELEASES):
            by_release.setdefault(gate.release_id, []).append(_risk(gate, data))
    return [f"{data.releases[rid].name} ({'; '.join(reasons)})" for rid, reasons in
            sorted(by_release.items(), key=lambda item: data.releases[item[0]].name)]


def _standing(gate: Gate, data: DigestData) -> bool:
    """A declined gate decided before the window, or an undecided one that was late already then."""
    if gate.status is GateStatus.DECLINED:
        return gate.decided_at is None or gate.decided_at < data.since
    return gate.due_date is not None and gate.due_date < data.since.astimezone(zone(data.subscription.timezone)).date()


def _risk(gate: Gate, data: DigestData) -> str:
    if gate.status is GateStatus.DECLINED:
        when = f" {_ago(data.today, gate.decided_at, data)}" if gate.decided_at else ""
        return f"{gate.name} declined{when}" + (f": {gate.note}" if gate.note else "")
    assert gate.due_date is not None
    late = (data.today - gate.due_date).days
    return f"{gate.name} {late} day{'s' if late != 1 else ''} late"


def _age(h: Handoff, data: DigestData) -> int:
    return (data.today - h.updated_at.astimezone(zone(data.subscription.timezone)).date()).days


def _ago(today: date, at: datetime, data: DigestData) -> str:
    days = (today - at.astimezone(zone(data.subscription.timezone)).date()).days
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


def _render(data: DigestData, groups: dict[int | None, _Group], upcoming: Sequence[Release]) -> Reply:
    today = data.today
    total = _Group([], [], [], [], [], [], [])
    for g in groups.values():
        for name in ("new", "done", "awaiting", "due_soon", "overdue", "gaps", "decisions", "gates", "stuck"):
            getattr(total, name).extend(getattr(g, name))
    out = ReplyBuilder(title=f"Handoff digest for {today:%a %b} {today.day}", ephemeral=False)
    out.blocks.append(Fields((
        ("New", str(len(total.new))), ("Done", str(len(total.done))),
        ("Awaiting acknowledgement", str(len(total.awaiting))), ("Due soon", str(len(total.due_soon))),
        ("Overdue", str(len(total.overdue))), ("Stuck", str(len(total.stuck))),
        ("Grey areas to settle", str(len(total.gaps))), ("Gates to decide", str(len(total.gates))),
    )))
    if standing := standing_risks(data):
        out.para(Strong("Still at risk: "), " · ".join(standing))
    if upcoming:
        out.bullets([(Strong(r.name), f" ships {_when(r.target_date, today)}{_statement(r)}") for r in upcoming],
                    heading="Upcoming releases")
    order = sorted(groups, key=lambda rid: (rid is None, data.releases[rid].name if rid in data.releases else ""))
    for rid in order:
        g = groups[rid]
        out.para(Strong(data.releases[rid].name if rid in data.releases else "Not tied to a release"))
        for heading, items in (("Overdue", g.overdue), ("Due soon", g.due_soon)):
            out.bullets(_items(items, data, today), heading=heading)
        out.bullets(_stuck_items(g.stuck, data), heading="Stuck")
        for heading, items in (("New", g.new), ("Awaiting acknowledgement", g.awaiting), ("Done", g.done)):
            out.bullets(_items(items, data, today), heading=heading)
        out.bullets([(line,) for line in g.gates[:MAX_ITEMS]] + _more(len(g.gates)), heading="Launch gates")
        out.bullets([(gap,) for gap in g.gaps[:MAX_ITEMS]] + _more(len(g.gaps)), heading="Grey areas to settle")
        out.bullets([(e.body,) for e in g.decisions[:MAX_ITEMS]] + _more(len(g.decisions)), heading="Decisions")
    out.context("Change it with `digest here HH:MM`, stop it with `digest off`.")
    return out.build()


def _stuck_items(items: Sequence[Handoff], data: DigestData) -> list[tuple[Span, ...]]:
    """``#4 battlecard — blocked for 3 days: waiting on legal (Dana)``."""
    lines: list[tuple[Span, ...]] = []
    for h in items[:MAX_ITEMS]:
        owner = data.people.get(h.owner_id) if h.owner_id else None
        requester = data.people.get(h.requester_id)
        days = _age(h, data)
        since = "since today" if days == 0 else f"for {days} day{'s' if days != 1 else ''}"
        state = {Status.BLOCKED: f"blocked {since}",
                 Status.NEEDS_INFO: f"waiting for {requester.display_name if requester else 'the requester'}'s answer {since}",
                 Status.DECLINED: f"declined {_ago(data.today, h.updated_at, data)}"}[h.status]
        why = f": {h.status_note}" if h.status_note else ""
        ref: Span = Link(h.ref, h.message_ref) if h.message_ref else Strong(h.ref)
        lines.append((ref, f" {h.title} — {state}{why} ({owner.display_name if owner else 'no owner'})"))
    return lines + _more(len(items))


def _gate_line(gate: Gate, today: date) -> str:
    if gate.status is GateStatus.DECLINED:
        return f"{gate.name} declined" + (f": {gate.note}" if gate.note else "") + " (the release is at risk)"
    late = " (the release is at risk)" if gate.due_date and gate.due_date < today else ""
    return f"{gate.name} to decide, due {_when(gate.due_date, today)}{late}"


def _items(items: Sequence[Handoff], data: DigestData, today: date) -> list[tuple[Span, ...]]:
    lines: list[tuple[Span, ...]] = []
    for h in items[:MAX_ITEMS]:
        owner = data.people.get(h.owner_id) if h.owner_id else None
        due = f", due {_when(h.due_date, today)}" if h.due_date and h.status in ACTIVE_STATUSES else ""
        ref: Span = Link(h.ref, h.message_ref) if h.message_ref else Strong(h.ref)
        lines.append((ref, f" {h.title} ({owner.display_name if owner else 'no owner'}{due})"))
    return lines + _more(len(items))


def _more(count: int) -> list[tuple[Span, ...]]:
    return [(f"… and {count - MAX_ITEMS} more",)] if count > MAX_ITEMS else []


def _launched_past(gate: Gate, release: Release) -> bool:
    """A shipped release's pre-launch gates are behind it (its 6 Month Assessment is not)."""
    return release.shipped and (gate.due_date is None or release.target_date is None or gate.due_date <= release.target_date)


def _statement(release: Release) -> str:
    """Whether both sides stand behind what the release does (``release brief`` / ``release confirm``)."""
    if release.statement is None:
        return "" if release.tier is None else "; no statement of what it does yet"
    return "; both sides confirmed what it does" if release.confirmed_by else "; what it does is not confirmed yet"


def _when(day: date | None, today: date) -> str:
    if day is None:
        return "some day"
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} ago"
    return f"in {days} days ({day:%a %b} {day.day})"
