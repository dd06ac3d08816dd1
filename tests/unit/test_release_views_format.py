"""Formatting across releases: the board's gate marks (on every platform), the .ics, the CSV's quoting, Teams' offers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from bot import commands as c
from bot.context import Caller
from bot.domain import Gate, GateStatus, Handoff, HandoffEvent, Kind, Person, Release, Role, Status
from bot.releases.board import LEGEND, BoardLine, board_reply, gate_marks
from bot.releases.calendar import ics, uid_part
from bot.releases.export_format import CSV_COLUMNS, HandoffSheet, handoffs_csv
from bot.reply import OutFile, plain_text
from handlers.render_text import render
from handlers.slack.render import render_dicts
from handlers.teams.files import Offer
from handlers.teams.render import render_card
from tests.e2e.teams_harness import assert_valid_card

TODAY = date(2026, 12, 5)
NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def gate(gid: int, status: GateStatus, due: date | None, name: str = "Gate") -> Gate:
    return Gate(gid, "ws", 1, gid - 1, name, (Role.PM,), status, due)


def release(rid: int = 1, name: str = "v2.3", target: date | None = date(2026, 12, 15), tier: int | None = None) -> Release:
    return Release(rid, "slack:T1", name, target, NOW, tier=tier)


def test_one_mark_per_gate_in_order_and_overdue_wins_over_pending() -> None:
    gates = [gate(1, GateStatus.APPROVED, date(2026, 11, 1)), gate(2, GateStatus.DECLINED, date(2026, 11, 2)),
             gate(3, GateStatus.WAIVED, date(2026, 11, 3)), gate(4, GateStatus.PENDING, date(2026, 12, 4)),
             gate(5, GateStatus.PENDING, TODAY), gate(6, GateStatus.PENDING, None)]
    assert gate_marks(gates, TODAY) == "✓✗–!··"
    assert all(mark in LEGEND for mark in "✓✗·–!")


def test_the_board_reply_escapes_nothing_itself_and_names_the_risk() -> None:
    hostile = release(name="<!channel> *v3*", tier=1)
    lines = [BoardLine(release(), [gate(1, GateStatus.DECLINED, None)], 3, 1, 2, "Gate was declined"),
             BoardLine(hostile, [], 0, 0, 0, None)]
    reply = board_reply(lines, TODAY)
    text = plain_text(reply)
    assert reply.title == "Release board: 2 open, 1 at risk"
    assert "v2.3 — 2026-12-15 (in 10 days) · gates ✗ · 3 open, 1 overdue, 2 blocked · at risk: Gate was declined" in text
    assert "<!channel> *v3* — 2026-12-15 (in 10 days) · Tier 1 · no gates · 0 open" in text  # data: renderers escape it
    assert board_reply([], TODAY).title == "No open releases."


def test_the_ics_parses_back_with_stable_uids_and_all_day_dates() -> None:
    r = release(rid=7, name="v2.3; \"Q1\", launch\nnow")
    gates = [gate(40, GateStatus.PENDING, date(2026, 12, 11), "Release Readiness"), gate(41, GateStatus.PENDING, None)]
    cal = Calendar.from_ical(ics([(r, gates), (release(rid=8, name="v3", target=None), [])], "slack:T1", NOW, "x"))
    events = cal.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == ["release-7.slack-T1@handoff", "gate-40.slack-T1@handoff"]
    assert [str(e["SUMMARY"]) for e in events] == ["v2.3; \"Q1\", launch\nnow launch",
                                                   "v2.3; \"Q1\", launch\nnow: Release Readiness gate"]
    assert [e.decoded("DTSTART") for e in events] == [date(2026, 12, 15), date(2026, 12, 11)]
    assert [e.decoded("DTEND") for e in events] == [date(2026, 12, 16), date(2026, 12, 12)]
    assert all(e.decoded("DTSTAMP") == NOW for e in events) and str(cal["VERSION"]) == "2.0"


@pytest.mark.parametrize(("workspace", "part"), [("slack:T1", "slack-T1"), ("teams:a1b2-c3", "teams-a1b2-c3"),
                                                 ("test:<x>@y", "test-x-y"), (":::", "workspace")])
def test_a_workspace_id_becomes_plain_uid_characters(workspace: str, part: str) -> None:
    assert uid_part(workspace) == part


def test_the_csv_quotes_newlines_commas_and_quotes_and_guards_formulas() -> None:
    r = release()
    h = Handoff(5, "ws", 12, Kind.MESSAGING, "=SUM(A1)", 'a, "b"\nc', 1, 2, 1, None, None, Status.DECLINED,
                "@not ours", 3, NOW, NOW)
    events = [HandoffEvent(5, 2, "ack", Status.OPEN, Status.ACKNOWLEDGED, None, NOW),
              HandoffEvent(5, 2, "block", Status.ACKNOWLEDGED, Status.BLOCKED, "first", NOW),
              HandoffEvent(5, 2, "decline", Status.BLOCKED, Status.DECLINED, "-not ours", NOW)]
    people = {1: Person(1, "ws", "U1", "+dana"), 2: Person(2, "ws", "U2", "lee")}
    (row,) = csv.DictReader(io.StringIO(handoffs_csv(HandoffSheet([(r, h)], {5: events}, people, {}))))
    assert list(row) == list(CSV_COLUMNS)
    assert row["title"] == "'=SUM(A1)" and row["details"] == 'a, "b"\nc' and row["requester"] == "'+dana"
    assert row["reason"] == "'-not ours" and row["acknowledged"] == NOW.isoformat() and row["done"] == ""


def test_a_teams_offer_rebuilds_the_command_that_made_its_file() -> None:
    caller = Caller("teams:t", "29:dana", "Dana", private_conversation=True)
    cases = [(c.ExportRelease("v2.3"), "release export v2.3", {"handoff_export": "v2.3", "file": "f", "public": False}),
             (c.ExportAllReleases(), "release export all", {"handoff_export": "", "file": "f", "public": False,
                                                            "kind": "export-all"}),
             (c.ReleaseCalendar('Big launch'), 'release calendar "Big launch"',
              {"handoff_export": "Big launch", "file": "f", "public": True, "kind": "calendar"}),
             (c.ReleaseCalendar(), "release calendar", {"handoff_export": "", "file": "f", "public": True,
                                                        "kind": "calendar"})]
    for command, again, context in cases:
        offer = Offer.of(command, caller, OutFile("f", "t", b"x", "text/plain"))
        assert offer.context() == context and offer.again == again
        read = Offer.read(context)
        assert read == offer and read.command() == (command if not isinstance(command, c.ExportRelease)
                                                    else c.ExportRelease("v2.3", public=False))
    assert Offer.read({"handoff_export": "", "file": "f"}) is None  # one release's export names it
    assert Offer.read({"handoff_export": "v2.3", "file": "f", "kind": "rm -rf"}) is None


def test_every_platform_renders_the_board_and_escapes_the_names() -> None:
    lines = [BoardLine(release(name="<!channel> *v3*", tier=1), [gate(1, GateStatus.APPROVED, None)], 1, 0, 0, None)]
    reply = board_reply(lines, TODAY)
    slack = str(render_dicts(reply))
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack and "✓" in slack
    card = render_card(reply)
    assert_valid_card(card)
    assert "✓" in str(card) and "Tier 1" in str(card)
    assert "<!channel> *v3*" in render(reply) and LEGEND in render(reply)
