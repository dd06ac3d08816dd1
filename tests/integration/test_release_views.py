"""Across releases: `release export all`, `releases board` and `release calendar`, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, timedelta

from icalendar import Calendar

from bot.releases.calendar import uid_part
from bot.reply import Code, plain_text
from tests.integration.test_export import CSV_COLUMNS
from tests.support import Chat, FakeClock


async def seed(chat: Chat) -> None:
    """v2.3 (at risk: a declined gate), v2.4 (Tier 2, no handoffs of its own), v2.2 shipped, v2.1 closed."""
    await chat.ok("alex", "person @dana role pm")
    await chat.ok("dana", "release new v2.3 2026-12-15")
    await chat.ok("dana", "release new v2.2 2026-11-30")
    await chat.ok("dana", "release new v2.1")
    await chat.ok("dana", "@lee requirement for v2.3: pricing page by fri")
    await chat.ok("dana", "@lee messaging for v2.3: +1 hero copy, \"bold\"\nsecond line")
    await chat.ok("dana", "@lee question for v2.2: shipped already")
    await chat.ok("dana", "@lee question for v2.1: closed already")
    await chat.ok("dana", "release new v2.4 2027-01-20 tier 2")
    await chat.ok("lee", "block 2 waiting on legal")
    await chat.ok("dana", "gate decline v2.3 1 not ready")
    await chat.ok("dana", "release ship v2.2")
    await chat.ok("dana", "release close v2.1")


def rows_of(chat: Chat) -> list[dict[str, str]]:
    (file,) = chat.outcomes[-1].files
    assert file.name == "handoffs-all.csv" and file.mime.startswith("text/csv")
    return list(csv.DictReader(io.StringIO(file.content.decode("utf-8-sig"))))


# --- release export all ------------------------------------------------------------------------

async def test_export_all_is_every_open_release_in_one_csv(chat: Chat) -> None:
    await seed(chat)
    reply = await chat.ok("dana", "release export all")
    rows = rows_of(chat)
    assert list(rows[0]) == CSV_COLUMNS
    assert {r["release"] for r in rows} == {"v2.3", "v2.4"}  # shipped and closed ones are left out
    assert "Handoffs of 2 open releases" in reply and "handoffs-all.csv" in reply
    mine = [r for r in rows if r["release"] == "v2.3"]
    assert [(r["number"], r["kind"], r["owner"], r["requester"], r["status"]) for r in mine] == [
        ("1", "requirement", "lee", "dana", "open"), ("2", "messaging", "lee", "dana", "blocked")]
    assert mine[1]["title"] == "'+1 hero copy, \"bold\"" and mine[1]["details"] == "second line"
    assert mine[1]["reason"] == "waiting on legal" and mine[0]["reason"] == ""
    assert mine[0]["due"] and mine[0]["created"].startswith("2026-11-23T10:00")
    assert all(r["acknowledged"] == "" and r["done"] == "" for r in mine)
    plan = [r for r in rows if r["release"] == "v2.4"]
    assert plan and all(r["area"] for r in plan)  # the Tier 2 plan's items, each from its grey area
    assert [r["release"] for r in rows] == sorted((r["release"] for r in rows), key=["v2.3", "v2.4"].index)


async def test_export_all_keeps_what_was_said_privately_out_of_a_wider_audience(chat: Chat) -> None:
    await chat.ok("dana", "release new v2.3")
    await chat.ok("dana", "@lee requirement for v2.3: public pricing page")
    sam_in_a_dm = dataclasses.replace(chat.caller("sam"), private_conversation=True)
    assert not (await chat.core.handle(sam_in_a_dm, "@lee requirement for v2.3: secret plan")).reply.is_error
    await chat.ok("dana", "release export all")
    assert [r["title"] for r in rows_of(chat)] == ["public pricing page"]
    assert "left out" in plain_text(chat.last)
    for who, sees in (("sam", True), ("dana", False)):
        outcome = await chat.core.handle(dataclasses.replace(chat.caller(who), private_conversation=True),
                                         "release export all")
        text = outcome.files[0].content.decode("utf-8-sig")
        assert ("secret plan" in text) is sees and "public pricing page" in text, who


async def test_export_all_with_no_open_release_is_a_header_only(chat: Chat) -> None:
    reply = await chat.ok("dana", "release export all")
    assert rows_of(chat) == [] and "Handoffs of 0 open releases: 0 handoffs" in reply
    await chat.ok("dana", 'release new "all" 2026-12-20')
    await chat.ok("dana", 'release export "all"')
    assert sorted(f.name for f in chat.outcomes[-1].files) == ["handoffs-all.csv", "launch-brief-all.md"]


# --- releases board ----------------------------------------------------------------------------

async def test_the_board_shows_every_open_release_with_its_gates_counts_and_risk(chat: Chat, clock: FakeClock) -> None:
    await seed(chat)
    await chat.ok("dana", "gate approve v2.3 2")
    await chat.ok("dana", "gate waive v2.3 3")
    clock.advance(days=12)  # Dec 5: v2.3's gate 4 (due Dec 4) and v2.4's first two are past their dates
    text = await chat.ok("dana", "releases board")
    assert chat.last.title == "Release board: 2 open, 2 at risk"
    (bullets,) = [b for b in chat.last.blocks if hasattr(b, "items")]
    names = [item[0].text for item in bullets.items]
    assert names == ["v2.3", "v2.4"]  # soonest target first; shipped and closed ones are not on it
    v23, v24 = ("".join(s.text if not isinstance(s, str) else s for s in item) for item in bullets.items)
    marks = [s.text for item in bullets.items for s in item if isinstance(s, Code)]
    assert marks[0] == "✗✓–!···" and marks[1] == "!!·····"
    assert "2026-12-15" in v23 and "2 open, 1 overdue, 1 blocked" in v23  # #1 was due Fri Nov 27
    assert "at risk: Market Opportunity was declined: not ready" in v23
    assert "Tier 2" in v24 and "Tier" not in v23 and "at risk: Market Opportunity is past its date" in v24
    assert "✓ approved, ✗ declined, · pending, – waived, ! overdue" in text
    assert text == await chat.ok("lee", "release board")


async def test_the_board_counts_overdue_handoffs_and_says_when_there_is_nothing(chat: Chat, clock: FakeClock) -> None:
    assert "No open releases." in await chat.ok("dana", "releases board")
    await chat.ok("dana", "release new v3")
    await chat.ok("dana", "@lee requirement for v3: pricing page by tue")
    clock.advance(days=3)
    text = await chat.ok("dana", "releases board")
    assert "v3 — no target date · gates ······· · 1 open, 1 overdue, 0 blocked" in text and "at risk" not in text
    assert "`release show v2.3` shows one" in await chat.fails("dana", "release board v3")


# --- release calendar --------------------------------------------------------------------------

def calendar_of(chat: Chat, name: str) -> Calendar:
    (file,) = chat.outcomes[-1].files
    assert file.name == name and file.mime.startswith("text/calendar")
    return Calendar.from_ical(file.content)


async def test_the_calendar_has_a_launch_and_a_gate_event_per_date(chat: Chat) -> None:
    await seed(chat)
    reply = await chat.ok("dana", "release calendar")
    cal = calendar_of(chat, "releases.ics")
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    async with chat.core.uow_factory(chat.workspace_id) as uow:
        releases = {r.name: r for r in await uow.releases.list()}
        gates = {name: await uow.gates.for_release(releases[name].id) for name in ("v2.3", "v2.4")}
    where = uid_part(chat.workspace_id)
    expected = {f"release-{releases[n].id}.{where}@handoff": (f"{n} launch", releases[n].target_date)
                for n in ("v2.3", "v2.4")}
    expected |= {f"gate-{g.id}.{where}@handoff": (f"{n}: {g.name} gate", g.due_date) for n in gates for g in gates[n]}
    assert {uid: (str(e["SUMMARY"]), e.decoded("DTSTART")) for uid, e in events.items()} == expected
    assert "v2.3: Release Readiness gate" in {str(e["SUMMARY"]) for e in events.values()}
    for e in events.values():
        start = e.decoded("DTSTART")
        assert type(start) is date and e.decoded("DTEND") == start + timedelta(days=1)  # all-day
        assert e.decoded("DTSTAMP").isoformat() == "2026-11-23T10:00:00+00:00"
    assert not any("v2.2" in str(e["SUMMARY"]) or "v2.1" in str(e["SUMMARY"]) for e in events.values())
    assert "Calendar of 2 releases: 2 launch dates, 14 gate dates" in reply and "releases.ics" in reply

    again = await chat.ok("lee", "release calendar all")
    assert again == reply and {str(e["UID"]) for e in calendar_of(chat, "releases.ics").walk("VEVENT")} == set(events)


async def test_the_calendar_of_one_release_even_a_shipped_one(chat: Chat) -> None:
    await seed(chat)
    await chat.ok("dana", "release calendar v2.2")
    events = calendar_of(chat, "release-v2.2.ics").walk("VEVENT")
    summaries = [str(e["SUMMARY"]) for e in events]
    assert summaries[0] == "v2.2 launch" and all(s.startswith("v2.2") for s in summaries)
    assert events[0].decoded("DTSTART") == date(2026, 11, 30)
    await chat.ok("dana", 'release new "Big launch: Q1" 2027-03-01')
    await chat.ok("dana", 'release calendar "Big launch: Q1"')
    assert str(calendar_of(chat, "release-Big-launch-Q1.ics").walk("VEVENT")[0]["SUMMARY"]) == "Big launch: Q1 launch"
    text = await chat.fails("dana", "release calendar v9")
    assert text == "There is no release called “v9”; `release list` shows them." and chat.outcomes[-1].files == ()
    assert "Name one release" in await chat.fails("dana", "release calendar v2.3 extra")
