"""The nudge policy: a pure function from what is true at ``now`` to who should hear what.

No I/O and no clock of its own: the job loads the state, asks :func:`plan`, and records the
answer. Tests call it with fixed times across time zones, DST changes and working hours.

Rules, most urgent first (one per item per pass):
- overdue: due date before the owner's today -> DM the owner, and say it once in the release thread;
- due soon: due today or tomorrow (owner's calendar) -> DM the owner;
- unacknowledged: still open one working day after it was handed off -> DM the owner;
- no owner: nobody owns it one working day on -> DM the requester;
- escalation: N delivered reminders went unanswered (nothing changed on the handoff since, nor
  since the last escalation to that person) -> DM the requester and the area's driver, and a lead
  (an admin when there is none) when there is no driver or the owner is the requester or the
  driver: always someone other than the owner;
- grey areas: a release due within the window has areas with no driver (-> its owner and the
  leads) or two drivers (-> the leads, to decide);
- gates: an undecided gate's approvers hear on its due day in their own zone (on the working day
  before, when it falls on a day off), then every ``gate_every`` working days until it is decided;
- slips: the owner of a release whose late gate made the scheduler propose a new date hears once.
Every DM waits for the recipient's working hours; an item is nudged at most once per
``min_gap``; a person gets at most ``max_dms_per_day`` nudge DMs a local day, each batching
everything due for them at that pass (gate and slip items included). Every key names its local
day, so a reminder that is still due tomorrow is tomorrow's reminder, never a repeat of today's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from bot.dates import local_today, zone
from bot.domain import (
    ACTIVE_STATUSES,
    CLOSED_RELEASES,
    Area,
    Assignment,
    Gate,
    Handoff,
    Person,
    Release,
    Role,
    Slip,
    Status,
)
from bot.duties import AreaScope, OwnershipIndex, ownership
from bot.records import GateDue, PastNudge, Rule, SlipDue
from bot.working_time import NudgeSettings

OWNER_RULES = (Rule.OVERDUE, Rule.DUE_SOON, Rule.UNACKNOWLEDGED)
_URGENCY = {rule: i for i, rule in enumerate((Rule.ESCALATION, Rule.GATE, Rule.SLIP, Rule.OVERDUE, Rule.DUE_SOON,
                                              Rule.AREAS, Rule.UNACKNOWLEDGED, Rule.NO_OWNER))}
MAX_DATE = date.max


# --- stored settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NudgeState:
    now: datetime
    workspace_timezone: str
    settings: NudgeSettings
    handoffs: Sequence[Handoff]  # candidates: active, possibly due (the job may over-select)
    people: Mapping[int, Person]
    releases: Mapping[int, Release]
    areas: Sequence[Area]
    assignments: Sequence[Assignment]
    past: Sequence[PastNudge]  # nudges of the last few weeks
    dm_times: Mapping[int, Sequence[datetime]] = field(default_factory=dict)  # person -> nudge DMs sent
    gates: Sequence[GateDue] = ()
    slips: Sequence[SlipDue] = ()
    scope: AreaScope = field(default_factory=AreaScope)  # areas each release needs, and those it skips

    @cached_property
    def past_by_handoff(self) -> dict[int, list[PastNudge]]:
        found: dict[int, list[PastNudge]] = {}
        for p in self.past:
            if p.handoff_id is not None:
                found.setdefault(p.handoff_id, []).append(p)
        return found

    @cached_property
    def last_by_item(self) -> dict[tuple[str, int, int], datetime]:
        """When each item was last nudged to each person (release-thread posts are not nudges to anyone)."""
        return _last_nudge_per_item(self.past)


@dataclass(frozen=True)
class Nudge:
    key: str  # unique per workspace: recording it twice is impossible
    rule: Rule
    person: Person  # who is told
    reason: str
    handoff: Handoff | None = None
    release: Release | None = None
    areas: tuple[tuple[Area, str], ...] = ()  # (area, "no driver" | "2 drivers")
    gate: Gate | None = None
    slip: Slip | None = None


@dataclass(frozen=True)
class Deferred:
    nudge: Nudge
    why: str
    until: datetime | None = None


@dataclass
class Plan:
    dms: dict[int, list[Nudge]] = field(default_factory=dict)  # person id -> one batched DM
    thread_posts: list[Nudge] = field(default_factory=list)  # overdue items, said in the release thread
    deferred: list[Deferred] = field(default_factory=list)

    @property
    def nudges(self) -> list[Nudge]:
        return [n for batch in self.dms.values() for n in batch] + self.thread_posts


def plan(state: NudgeState) -> Plan:
    out = Plan()
    candidates: list[Nudge] = []
    for handoff in state.handoffs:
        candidates.extend(_handoff_nudges(state, handoff))
    candidates.extend(_area_nudges(state))
    candidates.extend(_gate_nudges(state))
    candidates.extend(_slip_nudges(state))
    last_by_item = state.last_by_item
    keys = {p.key for p in state.past}
    for nudge in candidates:
        if nudge.key in keys:
            continue
        if nudge.rule is Rule.OVERDUE and nudge.key.startswith("thread:"):
            out.thread_posts.append(nudge)
            continue
        item = _item(nudge)
        last = last_by_item.get(item)
        if last and state.now - last < state.settings.min_gap and nudge.rule is not Rule.ESCALATION:
            out.deferred.append(Deferred(nudge, "nudged less than a day ago", last + state.settings.min_gap))
            continue
        tz = _tz(state, nudge.person)
        if not state.settings.hours.is_open(state.now, tz):
            out.deferred.append(Deferred(nudge, f"outside {nudge.person.display_name}'s working hours",
                                         state.settings.hours.next_opening(state.now, tz)))
            continue
        out.dms.setdefault(nudge.person.id, []).append(nudge)
    _apply_daily_limit(state, out)
    _cap_batches(state, out)
    return out


def _cap_batches(state: NudgeState, out: Plan) -> None:
    """One DM is read at a glance: the most urgent items go now, the rest at a later pass."""
    cap = state.settings.max_items_per_dm
    for person_id, batch in out.dms.items():
        if len(batch) > cap:
            batch.sort(key=lambda n: (_URGENCY[n.rule], n.handoff.due_date or MAX_DATE if n.handoff else MAX_DATE))
            out.deferred.extend(Deferred(n, f"more than {cap} items in one reminder", None) for n in batch[cap:])
            out.dms[person_id] = batch[:cap]


# --- handoffs --------------------------------------------------------------------------------

def _handoff_nudges(state: NudgeState, h: Handoff) -> list[Nudge]:
    if h.status not in ACTIVE_STATUSES or (h.snoozed_until and h.snoozed_until > state.now):
        return []
    requester = state.people.get(h.requester_id)
    owner = state.people.get(h.owner_id) if h.owner_id else None
    release = state.releases.get(h.release_id) if h.release_id else None
    if release and (release.closed or (release.shipped and h.plan_key and not _after_launch(h.due_date, release))):
        return []  # a closed release is done with; a shipped one keeps only its post-launch items
    if state.scope.skips(h.release_id, h.area_id):
        return []  # its area does not apply to the release
    s = state.settings
    if owner is None:
        tz = _tz(state, requester) if requester else state.workspace_timezone
        if requester and state.now >= s.hours.add_working_days(h.created_at, s.ack_after_working_days, tz):
            return [Nudge(f"nudge:{h.id}:{Rule.NO_OWNER}:{requester.id}:{local_today(state.now, tz)}", Rule.NO_OWNER, requester,
                          "nobody owns it yet: reassign it to someone", h, release)]
        return []
    tz = _tz(state, owner)
    today = local_today(state.now, tz)
    found: list[Nudge] = []
    if h.due_date and h.due_date < today and h.status is not Status.NEEDS_INFO:
        found.append(Nudge(f"nudge:{h.id}:{Rule.OVERDUE}:{owner.id}:{today}", Rule.OVERDUE, owner,
                           f"overdue since {h.due_date:%a %b} {h.due_date.day}", h, release))
        if release and release.thread_ref and not h.private:
            found.append(Nudge(f"thread:{h.id}:{Rule.OVERDUE}:{h.due_date}", Rule.OVERDUE, owner,
                               f"is overdue (was due {h.due_date:%a %b} {h.due_date.day})", h, release))
    elif h.due_date and h.due_date <= today + timedelta(days=s.due_soon_days) and h.status is not Status.NEEDS_INFO:
        when = "today" if h.due_date == today else "tomorrow" if h.due_date == today + timedelta(days=1) else f"{h.due_date:%a %b} {h.due_date.day}"
        found.append(Nudge(f"nudge:{h.id}:{Rule.DUE_SOON}:{owner.id}:{today}", Rule.DUE_SOON, owner, f"due {when}", h, release))
    elif h.status is Status.OPEN and state.now >= s.hours.add_working_days(h.created_at, s.ack_after_working_days, tz):
        found.append(Nudge(f"nudge:{h.id}:{Rule.UNACKNOWLEDGED}:{owner.id}:{today}", Rule.UNACKNOWLEDGED, owner,
                           "not acknowledged yet", h, release))
    found.extend(_escalations(state, h, owner, release))
    return found


def _escalations(state: NudgeState, h: Handoff, owner: Person, release: Release | None) -> list[Nudge]:
    """After N delivered reminders go unanswered, someone other than the owner hears of it; again
    after N more, for as long as nothing changes."""
    past = state.past_by_handoff.get(h.id, [])
    reminders = [p.at for p in past  # delivered reminders to the owner: a release-thread post is not one
                 if p.handoff_id == h.id and p.person_id == owner.id and p.rule in OWNER_RULES and p.delivered
                 and p.at > h.updated_at and not p.key.startswith("thread:")]
    if len(reminders) < state.settings.escalate_after:
        return []
    found = []
    for person in _escalate_to(state, h, owner):
        since = max((p.at for p in past if p.rule is Rule.ESCALATION and p.person_id == person.id), default=h.updated_at)
        unanswered = sum(1 for at in reminders if at > since)
        if unanswered >= state.settings.escalate_after:
            day = local_today(state.now, _tz(state, person))
            found.append(Nudge(f"escalate:{h.id}:{person.id}:{day}", Rule.ESCALATION, person,
                               f"{owner.display_name} has not answered {unanswered} reminders", h, release))
    return found


def _escalate_to(state: NudgeState, h: Handoff, owner: Person) -> list[Person]:
    """The requester when it is someone else, the area's drivers, and a lead (or an admin) when
    that leaves nobody, or when the owner is the requester or drives the area: never the owner."""
    drivers = ownership(state.assignments, h.area_id, h.release_id).effective_drivers if h.area_id else ()
    ids = [h.requester_id, *drivers]
    if not drivers or owner.id in ids:
        ids += [p.id for p in _above(state, owner)]
    return list({i: state.people[i] for i in ids if i != owner.id and i in state.people}.values())


# --- grey areas ------------------------------------------------------------------------------

def _area_nudges(state: NudgeState) -> list[Nudge]:
    today = local_today(state.now, state.workspace_timezone)
    horizon = today + timedelta(days=state.settings.area_window_days)
    leads = _leads(state)
    owners = OwnershipIndex(state.assignments)
    found: list[Nudge] = []
    for release in state.releases.values():
        if not release.target_date or not today <= release.target_date <= horizon or release.status in CLOSED_RELEASES:
            continue
        gaps: list[tuple[Area, str]] = []
        disputes: list[tuple[Area, str]] = []
        for area in state.scope.areas(release, state.areas):
            drivers = owners(area.id, release.id).effective_drivers
            if not drivers:
                gaps.append((area, "no driver"))
            elif len(drivers) > 1:
                disputes.append((area, f"{len(drivers)} drivers"))
        days = (release.target_date - today).days
        due = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        owner = state.people.get(release.owner_id) if release.owner_id else None
        for person in {p.id: p for p in ([owner] if owner else []) + leads}.values():
            items = gaps + (disputes if person in leads else [])
            if not items:
                continue
            local = local_today(state.now, _tz(state, person))
            found.append(Nudge(f"areas:{release.id}:{person.id}:{local}", Rule.AREAS, person,
                               f"ships {due}", release=release, areas=tuple(items)))
    return found


def _leads(state: NudgeState) -> list[Person]:
    leads = [p for p in state.people.values() if p.role is Role.LEAD]
    return leads or [p for p in state.people.values() if p.is_admin]


def _above(state: NudgeState, owner: Person) -> list[Person]:
    """The leads other than the owner; the admins other than the owner when there is no such lead."""
    leads = [p for p in state.people.values() if p.role is Role.LEAD and p.id != owner.id]
    return leads or [p for p in state.people.values() if p.is_admin and p.id != owner.id]


# --- gates and slips -------------------------------------------------------------------------

def _gate_nudges(state: NudgeState) -> list[Nudge]:
    """Each approver of an undecided gate, in their own calendar: on the due day (the working day
    before, when it falls on a day off), then every ``gate_every`` working days until decided."""
    hours, found = state.settings.hours, []
    for due in state.gates:
        gate = due.gate
        if gate.due_date is None or due.release.closed or (due.release.shipped and not _after_launch(gate.due_date, due.release)):
            continue  # shipped: the pre-launch gates are behind it; the 6 Month Assessment is not
        remind_from = hours.working_day_on_or_before(gate.due_date)
        for person in due.approvers:
            tz = _tz(state, person)
            today = local_today(state.now, tz)
            if today < remind_from:
                continue
            last = state.last_by_item.get(("gate", gate.id, person.id))
            if last and local_today(last, tz) >= remind_from and today < hours.add_working_days_to(
                    local_today(last, tz), state.settings.gate_every):
                continue  # reminded for this due date, and the next reminder is not yet due
            found.append(Nudge(f"gate:{gate.id}:{person.id}:{today}", Rule.GATE, person, _gate_reason(gate, today),
                               release=due.release, gate=gate))
    return found


def _after_launch(day: date | None, release: Release) -> bool:
    """Work due after the target date is post-launch work (the 6 Month Assessment)."""
    return day is not None and release.target_date is not None and day > release.target_date


def _gate_reason(gate: Gate, today: date) -> str:
    assert gate.due_date is not None
    days = (gate.due_date - today).days
    if days > 0:
        return f"due {gate.due_date:%a %b} {gate.due_date.day}" + (" (tomorrow)" if days == 1 else "")
    if days == 0:
        return "due today"
    return f"past its date since {gate.due_date:%a %b} {gate.due_date.day}: the release is at risk"


def _slip_nudges(state: NudgeState) -> list[Nudge]:
    """The release owner hears once of each new date the scheduler proposes."""
    found = []
    for due in state.slips:
        if due.release.status in CLOSED_RELEASES or ("slip", due.slip.id, due.owner.id) in state.last_by_item:
            continue
        today = local_today(state.now, _tz(state, due.owner))
        found.append(Nudge(f"slip:{due.slip.id}:{due.owner.id}:{today}", Rule.SLIP, due.owner, due.slip.reason,
                           release=due.release, slip=due.slip))
    return found


# --- limits ----------------------------------------------------------------------------------

def _apply_daily_limit(state: NudgeState, out: Plan) -> None:
    for person_id in list(out.dms):
        person = state.people[person_id] if person_id in state.people else out.dms[person_id][0].person
        tz = _tz(state, person)
        today = local_today(state.now, tz)
        sent_today = sum(1 for t in state.dm_times.get(person_id, ()) if local_today(t, tz) == today)
        if sent_today >= state.settings.max_dms_per_day:
            tomorrow = state.settings.hours.next_opening(start_of_next_day(state.now, tz), tz)
            had = f"{sent_today} reminder{'s' if sent_today != 1 else ''}"
            out.deferred.extend(Deferred(n, f"{person.display_name} already had {had} today", tomorrow)
                                for n in out.dms.pop(person_id))


def _item(nudge: Nudge) -> tuple[str, int, int]:
    if nudge.handoff is not None:
        return ("handoff" if nudge.rule is not Rule.ESCALATION else "escalation", nudge.handoff.id, nudge.person.id)
    if nudge.gate is not None:
        return ("gate", nudge.gate.id, nudge.person.id)
    if nudge.slip is not None:
        return ("slip", nudge.slip.id, nudge.person.id)
    return ("release", nudge.release.id if nudge.release else 0, nudge.person.id)


def _last_nudge_per_item(past: Sequence[PastNudge]) -> dict[tuple[str, int, int], datetime]:
    found: dict[tuple[str, int, int], datetime] = {}
    for p in past:
        if p.key.startswith("thread:"):
            continue
        found[p.item] = max(found.get(p.item, p.at), p.at)
    return found


def _tz(state: NudgeState, person: Person | None) -> str:
    return (person.timezone if person and person.timezone else None) or state.workspace_timezone


def start_of_next_day(now: datetime, timezone: str) -> datetime:
    tz = zone(timezone)
    return datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
