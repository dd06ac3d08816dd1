"""Sixty days of a team in four time zones, through the running app: every hourly nudge pass, every
delivery into the fake Slack API, and the promises checked over the whole run (issue 14, findings
3, 4 and 8).

A lead in New York, a PM in Los Angeles, a PMM in Berlin and a salesperson in Kolkata run three
releases at once. Some handoffs are answered, some never are: one for the whole sixty days (the
reminders that used to stop after fourteen), one the salesperson handed to themself, one owned by
the driver of its area. Gates fall due and go late. The invariants:

- recorded as sent ⇔ delivered: every recorded nudge rode on exactly one message Slack received,
  and every scheduled message Slack received carries recorded nudges, each named in it;
- every planned nudge was recorded, or reported with its reason;
- every reminder reached its person inside their own working hours, on a working day, at most three
  a local day;
- escalations count only delivered reminders, come again after as many more, and always reach someone
  other than the owner;
- a gate is reminded on its working day, then on a cadence until decided, never after; gate dates
  are on working days; a late gate's proposed date grows with its lateness.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import build_jobs
from tests.e2e.slack_harness import SlackHarness, running_app
from tests.e2e.test_slack_scheduled import OnlyThisTeam, delivery_key_of
from tests.support import FakeClock

START = datetime(2026, 11, 23, 0, 5, tzinfo=UTC)  # a Monday
DAYS = 60
QUIET = (date(2026, 12, 24), date(2026, 12, 25))
TEAM = {  # Slack user: (name, zone)
    "UNY": ("lena", "America/New_York"), "ULA": ("paul", "America/Los_Angeles"),
    "UBE": ("mia", "Europe/Berlin"), "UIN": ("sid", "Asia/Kolkata"),
}
ZONES = {user: ZoneInfo(zone) for user, (_, zone) in TEAM.items()} | {"UADMIN": ZoneInfo("Europe/Paris")}
SETUP = (
    ("UADMIN", "person <@UNY|lena> role lead"), ("ULA", "person me role pm"), ("UBE", "person me role pmm"),
    ("UIN", "person me role other"),
    ("UNY", "nudges set quiet 2026-12-24,2026-12-25"),
    ("UNY", "release new alpha 2026-12-14"), ("ULA", "release new beta 2027-01-08"),
    ("UBE", "release new gamma 2027-02-01"),
    ("ULA", "owner claim pricing"),
    ("ULA", "<@UBE|mia> requirement for alpha: tier table by 2026-12-03"),  # #1: answered, then done
    ("ULA", "<@UBE|mia> requirement for beta: battlecard refresh"),  # #2: never answered
    ("UIN", "<@UIN|sid> question: who briefs the analysts?"),  # #3: to themself, never answered
    ("UBE", "<@ULA|paul> messaging for alpha about pricing: price page copy by 2026-11-27"),  # #4: its driver owns it
    ("UNY", "<@ULA|paul> question: which roadmap slot?"),  # #5: acknowledged, then quiet
)
# (day, UTC hour, Slack user, command): what people do as the weeks go by.
ACTIONS = (
    (1, 15, "UBE", "ack 1"), (3, 17, "ULA", "ack 5"), (9, 14, "UBE", "done 1"),
    (2, 15, "UNY", "gate approve alpha 1 sized"), (12, 15, "UNY", "gate approve alpha 4 on track"),
)


@pytest.fixture
async def slack(engine: AsyncEngine, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    clock.now = START
    async with running_app(engine, clock) as harness:
        harness.fake.clock = lambda: clock().timestamp()
        for user, (name, zone) in TEAM.items():
            harness.fake.add_user(user, name=name, real_name=name.title(), tz=zone, team_id=harness.team)
        yield harness


async def rows(engine: AsyncEngine, sql: str, workspace: str) -> list[tuple]:
    """Raw rows, with SQLite's text timestamps and dates read back as PostgreSQL gives them."""
    async with engine.connect() as conn:
        return [tuple(_typed(v) for v in row) for row in (await conn.execute(text(sql), {"w": workspace})).all()]


def _typed(value: object) -> object:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2})?", value):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return value


async def test_sixty_days_of_passes_lose_nothing_and_send_nothing_twice(slack: SlackHarness, engine: AsyncEngine,
                                                                        clock: FakeClock) -> None:
    clock.now = START + timedelta(hours=9)
    for user, command in SETUP:
        answer = json.dumps(await slack.slash(command, user=user))
        assert ":warning:" not in answer, (command, answer)
    ticks = build_jobs(slack.settings, slack.core, engine)
    ticks.jobs.workspaces = OnlyThisTeam(slack.team)
    workspace = f"slack:{slack.team}"
    planned: set[str] = set()
    not_queued: dict[str, str] = {}
    deferred_reasons: set[str] = set()
    actions = {(d, h): (u, c) for d, h, u, c in ACTIONS}
    for hour in range(DAYS * 24):
        clock.now = START + timedelta(hours=hour)
        if act := actions.get(divmod(hour, 24)):
            answer = json.dumps(await slack.slash(act[1], user=act[0]))
            assert ":warning:" not in answer, (act, answer)
        report = await ticks.jobs.nudges()
        planned |= set(report.planned)
        not_queued |= dict(report.not_queued)
        deferred_reasons |= {why for _, why in report.deferred}
        if report.queued:  # as the scheduler's tick does
            await ticks.outbox.drain()

    nudges = await rows(engine, "SELECT key, rule, person_id, handoff_id, delivery_key, at FROM nudges "
                                "WHERE workspace_id = :w", workspace)
    people = {pid: user for pid, user in await rows(engine, "SELECT id, platform_user_id FROM people "
                                                            "WHERE workspace_id = :w", workspace)}
    numbers = {hid: n for hid, n in await rows(engine, "SELECT id, number FROM handoffs WHERE workspace_id = :w", workspace)}
    deliveries = {k: (status, target, sent_at) for k, status, target, sent_at in await rows(
        engine, "SELECT key, status, target, sent_at FROM deliveries WHERE workspace_id = :w", workspace)}
    posted = Counter(delivery_key_of(c.params) for c in slack.fake.calls_to("chat.postMessage"))
    bodies = {delivery_key_of(c.params): json.dumps(c.params.get("blocks")) for c in slack.fake.calls_to("chat.postMessage")}

    # Recorded as sent ⇔ delivered, exactly once, each item named in its message.
    assert nudges, "sixty days and no reminders?"
    for key, _, _, handoff_id, delivery_key, _ in nudges:
        assert deliveries[delivery_key][0] == "sent", key
        assert posted[delivery_key] == 1, key
        if handoff_id is not None:
            assert f"#{numbers[handoff_id]}" in bodies[delivery_key], key
    scheduled = {k for k in posted if k.startswith(("nudges:", "thread:"))}
    assert scheduled == {n[4] for n in nudges}, "a scheduled message that carries no recorded nudge"
    outbox_posts = {k: n for k, n in posted.items() if k != "notice:"}  # interactive posts carry no outbox key
    assert all(n == 1 for n in outbox_posts.values()), [k for k, n in outbox_posts.items() if n > 1]

    # Every planned nudge was recorded, or reported with its reason.
    recorded = {n[0] for n in nudges}
    assert planned - recorded <= set(not_queued), sorted(planned - recorded - set(not_queued))[:5]
    assert all(not_queued.values()) and all(deferred_reasons)

    # In each person's working hours and days, at most three reminder DMs a local day.
    per_day: Counter[tuple[str, date]] = Counter()
    for key, (status, target, sent_at) in deliveries.items():
        if not key.startswith("nudges:") or status != "sent":
            continue
        user = target.removeprefix("dm:")
        local = sent_at.astimezone(ZONES[user])
        assert local.weekday() < 5 and local.date() not in QUIET and 9 <= local.hour < 18, (key, user, local)
        per_day[(user, local.date())] += 1
    assert max(per_day.values()) <= 3

    by_handoff: dict[int, list] = defaultdict(list)
    for n in nudges:
        if n[3] is not None:
            by_handoff[numbers[n[3]]].append(n)

    # The handoff nobody answers is reminded all sixty days, not fourteen, and escalated again and again.
    owner_days = sorted({n[5].date() for n in by_handoff[2]
                         if n[1] in ("unacknowledged", "due_soon", "overdue")})
    assert len(owner_days) >= 30 and owner_days[-1] >= (START + timedelta(days=DAYS - 3)).date(), owner_days[-5:]
    escalations = [n for n in by_handoff[2] if n[1] == "escalation"]
    assert len({n[5] for n in escalations}) >= 5
    # Escalation counts only delivered reminders, and what it says is the count since the last one.
    for number in (2, 3, 4):
        reminders = sorted(n[5] for n in by_handoff[number] if n[1] in ("unacknowledged", "due_soon", "overdue"))
        last: dict[int, datetime] = {}
        for n in sorted((n for n in by_handoff[number] if n[1] == "escalation"), key=lambda n: n[5]):
            since = last.get(n[2], START)
            count = sum(1 for at in reminders if since < at < n[5])
            said = re.search(r"has not answered (\d+) reminders", bodies[n[4]])
            assert said and int(said.group(1)) == count >= 3, (number, count, said and said.group(0))
            last[n[2]] = n[5]
    # Someone other than the owner: the lead when the owner asked for it themself or drives the area.
    def told(number: int) -> set[str]:
        return {people[n[2]] for n in by_handoff[number] if n[1] == "escalation"}
    assert told(3) == {"UNY"} and "UIN" not in told(3)
    assert {"UBE", "UNY"} <= told(4) and "ULA" not in told(4)
    assert "UBE" not in told(2) and "ULA" in told(2)
    assert not [n for n in by_handoff[5] if n[5] > START + timedelta(days=4)]  # acknowledged, then left alone
    assert not [n for n in by_handoff[1] if n[5] > START + timedelta(days=9, hours=15)]  # done on day 9

    # Gates: on working days; reminded on their day, then on a cadence until decided, never after.
    gates = await rows(engine, "SELECT g.id, r.name, g.position, g.name, g.status, g.due_date, g.decided_at "
                               "FROM gates g JOIN releases r ON r.id = g.release_id WHERE g.workspace_id = :w", workspace)
    for _, release, _, name, _, due, _ in gates:
        assert due.weekday() < 5 and due not in QUIET, (release, name, due)
    gate_nudges = [n for n in nudges if n[1] == "gate"]
    for gid, release, _, name, status, due, decided_at in gates:
        told_at = sorted(n[5] for n in gate_nudges if n[0].startswith(f"gate:{gid}:"))
        if decided_at is not None:
            assert all(at < decided_at for at in told_at), (release, name)
        if status == "pending" and due < (START + timedelta(days=DAYS - 10)).date():
            after = {at.date() for at in told_at if at.date() > due + timedelta(days=1)}
            assert len(after) >= 3, (release, name, due, told_at[-3:])  # still reminded long after its date
    # A late gate's proposed date grows with its lateness, at least a week.
    slips = await rows(engine, "SELECT s.key, s.old_target, s.proposed_target, s.created_at, g.due_date FROM slips s "
                               "JOIN gates g ON g.id = s.gate_id WHERE s.workspace_id = :w AND s.key LIKE 'overdue:%'",
                       workspace)
    assert len(slips) >= 6
    for key, old, proposed, created, due in slips:
        late = (created.date() - due).days
        assert (proposed - old).days >= max(7, late), (key, old, proposed, late)
