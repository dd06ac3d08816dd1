"""`release export` and `release calendar` end to end: Slack uploads, Teams file consent, files the shell writes."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import HandoffQuery
from bot.releases.calendar import uid_part
from handlers.teams import files as teams_files
from handlers.teams.app import TEAMS_BOT
from tests.e2e.slack_harness import SlackHarness, running_app
from tests.e2e.teams_harness import TeamsHarness, assert_valid_card, card_text, running_teams
from tests.e2e.test_shell import run_cli
from tests.integration.test_export import SECTIONS, sections, table
from tests.support import FakeClock

BRIEF, CSV = "launch-brief-v2.3.md", "handoffs-v2.3.csv"
TITLE = "SSO|SCIM <!channel> tier table"
CHANNEL = "19:launch@thread.tacv2"


def shown(card: dict[str, Any]) -> str:
    """A card's JSON without the backslashes that escape Markdown: the text as a person reads it."""
    return card_text(card).replace("\\\\", "")


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def database_titles(harness: SlackHarness | TeamsHarness, workspace: str) -> list[tuple[int, str, str]]:
    """(number, title, status) of the release's handoffs, as the database has them."""
    async with harness.core.uow_factory(workspace) as uow:
        release = await uow.releases.by_name("v2.3")
        handoffs, _ = await uow.handoffs.find(HandoffQuery(release_id=release.id))
    return sorted((h.number, h.title, h.status.value) for h in handoffs)


# --- Slack ------------------------------------------------------------------------------------

async def seed_slack(h: SlackHarness) -> None:
    h.fake.private_channels.add("CPRIV")
    await h.slash("release new v2.3 2026-12-15")
    await h.slash(f"<@U2|lee> requirement for v2.3: {TITLE} by fri")
    await h.slash("<@U2|lee> question for v2.3: secret acquisition plan", channel="CPRIV")
    await h.slash("release decide v2.3 We launch mid-market first")


async def test_slack_uploads_the_brief_and_the_csv_to_the_channel(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as h:
        await seed_slack(h)
        ack = await h.slash("release export v2.3")
        assert "Launch brief for v2.3: 1 handoff, 1 decision" in json.dumps(ack)

        asked = h.fake.calls_to("files.getUploadURLExternal")
        assert [(c.params["filename"], int(c.params["length"])) for c in asked] == [
            (u.filename, len(u.data or b"")) for u in h.fake.uploads.values()]
        completed = h.fake.calls_to("files.completeUploadExternal")
        assert len(completed) == 1 and completed[0].params["channel_id"] == "C1"
        assert completed[0].token == "xoxb-test-token"
        shared = {u.filename: u for u in h.fake.shared()}
        assert sorted(shared) == [CSV, BRIEF] and {u.channel for u in shared.values()} == {"C1"}
        assert shared[BRIEF].title == "Launch brief: v2.3"

        brief = (shared[BRIEF].data or b"").decode()
        assert list(sections(brief)) == SECTIONS and "secret" not in brief
        in_db = await database_titles(h, f"slack:{h.team}")
        public = [row for row in in_db if "secret" not in row[1]]
        assert [(int(r["#"]), r["Title"], r["Status"]) for r in table(sections(brief)["Handoffs"])] == public
        rows = csv_rows(shared[CSV].data or b"")
        assert [(int(r["number"]), r["title"], r["status"]) for r in rows] == public
        assert rows[0]["owner"] == "Lee" and rows[0]["requester"] == "Dana"


async def test_slack_in_a_private_channel_keeps_what_the_caller_said_there(engine: AsyncEngine,
                                                                           clock: FakeClock) -> None:
    async with running_app(engine, clock) as h:
        await seed_slack(h)
        await h.slash("release export v2.3", channel="CPRIV")
        shared = {u.filename: u for u in h.fake.shared()}
        assert {u.channel for u in shared.values()} == {"CPRIV"}
        rows = csv_rows(shared[CSV].data or b"")
        assert [r["title"] for r in rows] == [TITLE, "secret acquisition plan"]


async def test_slack_upload_refused_gets_a_private_line_not_a_traceback(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as h:
        await h.slash("release new v2.3")
        h.fake.fail_next("files.completeUploadExternal", error="not_in_channel")
        h.fake.fail_next("chat.postEphemeral", error="channel_not_found")
        await h.slash("release export v2.3", channel="C9")
        assert h.fake.shared() == []
        told = [c.params for c in h.fake.calls_to("chat.postMessage") if c.params.get("channel") == "U1"]
        assert len(told) == 1 and "couldn't upload the files here (not_in_channel)" in told[0]["text"]
        assert "/invite @Handoff" in told[0]["text"] and "Traceback" not in json.dumps(told)

        before = len(h.fake.calls_to("files.getUploadURLExternal"))
        ack = await h.slash("release export v9")
        assert "no release called" in json.dumps(ack) and len(h.fake.calls_to("files.getUploadURLExternal")) == before


# --- Teams ------------------------------------------------------------------------------------

def consent_invoke(teams: TeamsHarness, attachment: dict[str, Any], action: str = "accept",
                   conversation: str | None = None) -> dict[str, Any]:
    """What Teams sends when the person clicks Allow (or Decline) on a file consent card."""
    name = attachment["name"]
    body = teams.activity(conversation=conversation)
    body.update(type="invoke", name="fileConsent/invoke", text=None, value={
        "type": "fileUpload", "action": action, "context": attachment["content"]["acceptContext"],
        "uploadInfo": {"name": name, "uploadUrl": teams.connector.upload_url(name),
                       "contentUrl": f"https://contoso.sharepoint.com/personal/dana/{name}", "uniqueId": f"u-{name}",
                       "fileType": name.rsplit(".", 1)[-1]}})
    return body


async def seed_teams(teams: TeamsHarness) -> None:
    teams.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    await teams.say("release new v2.3 2026-12-15")
    for text, mentions in ((f"handoff <at>Lee</at> requirement for v2.3: {TITLE}", ("lee",)),
                           ("release decide v2.3 We launch mid-market first", ())):
        await teams.say(text, mentions=mentions, kind="channel", conversation=CHANNEL)


async def test_teams_1to1_consent_then_upload_then_a_file_card(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_teams(engine, clock) as teams:
        await seed_teams(teams)
        assert await teams.post(teams.activity("release export v2.3")) in (200, 201)
        dm = f"a:dm-dana-{teams.tenant}"
        reply = teams.connector.cards(dm)[-1]
        assert_valid_card(reply)
        assert "Launch brief for v2.3" in shown(reply)
        offers = teams.connector.attachments(teams_files.CONSENT, dm)
        assert [a["name"] for a in offers] == [BRIEF, CSV]
        assert offers[0]["content"]["acceptContext"] == {"handoff_export": "v2.3", "file": BRIEF, "public": False}
        assert offers[0]["content"]["sizeInBytes"] > 0

        bot = teams.web_app[TEAMS_BOT]
        for offer in offers:
            assert await teams.post(consent_invoke(teams, offer)) == 200
        await bot.drain()
        data, headers = teams.connector.uploads[BRIEF]
        assert headers["Content-Range"] == f"bytes 0-{len(data) - 1}/{len(data)}"
        assert list(sections(data.decode())) == SECTIONS
        in_db = await database_titles(teams, f"teams:{teams.tenant}")
        assert [(int(r["number"]), r["title"], r["status"]) for r in csv_rows(teams.connector.uploads[CSV][0])] == in_db
        file_cards = teams.connector.attachments(teams_files.INFO, dm)
        shown_files = sorted((a["name"], a["content"]["uniqueId"], a["contentUrl"].rsplit("/", 1)[-1])
                             for a in file_cards)
        assert shown_files == [(CSV, f"u-{CSV}", CSV), (BRIEF, f"u-{BRIEF}", BRIEF)]


async def test_teams_decline_and_a_failed_upload_say_so(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_teams(engine, clock) as teams:
        await seed_teams(teams)
        await teams.post(teams.activity("release export v2.3"))
        offers = teams.connector.attachments(teams_files.CONSENT)
        before = len(teams.connector.sent)
        assert await teams.post(consent_invoke(teams, offers[0], action="decline")) == 200
        assert f"Not sent: {BRIEF}." in shown(teams.connector.cards()[-1])
        teams.connector.upload_fail_statuses.append(507)
        assert await teams.post(consent_invoke(teams, offers[1])) == 200
        await teams.web_app[TEAMS_BOT].drain()
        assert teams.connector.uploads == {} and teams.connector.attachments(teams_files.INFO) == []
        assert "HTTP 507" in shown(teams.connector.cards()[-1]) and len(teams.connector.sent) == before + 2
        forged = consent_invoke(teams, {"name": BRIEF, "content": {"acceptContext": {"x": 1}}})
        assert await teams.post(forged) == 200 and "expired" in shown(teams.connector.cards()[-1])


async def test_teams_channel_gets_a_card_and_the_files_come_in_a_1to1_chat(engine: AsyncEngine,
                                                                           clock: FakeClock) -> None:
    async with running_teams(engine, clock) as teams:
        await seed_teams(teams)
        await teams.say("handoff <at>Lee</at> question for v2.3: secret acquisition plan", mentions=("lee",))
        export = teams.activity("release export v2.3", kind="channel", conversation=CHANNEL)
        assert await teams.post(export) in (200, 201)
        card = teams.connector.cards(CHANNEL)[-1]
        assert_valid_card(card)
        text = shown(card)
        assert "Launch brief for v2.3: 1 handoff, 1 decision" in text and "We launch mid-market first" in text
        assert "1:1 chat" in text and "secret" not in text

        chat = teams.connector.created[-1]
        assert not chat.get("isGroup") and chat["members"] == [{"id": "29:dana", "name": "Dana"}]
        offers = teams.connector.attachments(teams_files.CONSENT)
        assert [a["name"] for a in offers] == [BRIEF, CSV] and offers[0]["content"]["acceptContext"]["public"] is True
        personal = next(s.conversation for s in teams.connector.sent if s.activity.get("attachments") == [offers[0]])
        assert await teams.post(consent_invoke(teams, offers[1], conversation=personal)) == 200
        await teams.web_app[TEAMS_BOT].drain()
        rows = csv_rows(teams.connector.uploads[CSV][0])
        assert [r["title"] for r in rows] == [TITLE]  # asked in a channel: what was said privately stays out


# --- the shell --------------------------------------------------------------------------------

def test_the_shell_writes_both_files_and_never_over_an_earlier_one(tmp_path: Path) -> None:
    script = (f"release new v2.3 in 3 weeks\n@lee requirement for v2.3: {TITLE} by fri\n"
              "release decide v2.3 We launch mid-market first\nrelease export v2.3\nrelease export v2.3\n"
              "release export nope\n")
    result = run_cli("shell", "--as", "dana", stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"wrote {tmp_path / BRIEF}" in out and f"wrote {tmp_path / CSV}" in out
    assert f"wrote {tmp_path / 'launch-brief-v2.3-2.md'}" in out and f"wrote {tmp_path / 'handoffs-v2.3-2.csv'}" in out
    assert "There is no release called “nope”" in out and "Traceback" not in out + result.stderr
    brief = (tmp_path / BRIEF).read_text()
    assert list(sections(brief)) == SECTIONS
    assert [r["Title"] for r in table(sections(brief)["Handoffs"])] == [TITLE]
    assert [(r["#"], r["Title"], r["Owner"]) for r in table(sections(brief)["Handoffs"])] == [("1", TITLE, "lee")]
    rows = csv_rows((tmp_path / CSV).read_bytes())
    assert [(r["number"], r["title"], r["owner"], r["requester"]) for r in rows] == [("1", TITLE, "lee", "dana")]
    assert (tmp_path / "handoffs-v2.3-2.csv").read_bytes() == (tmp_path / CSV).read_bytes()


# --- release calendar and release export all: the same delivery --------------------------------

ICS = "releases.ics"


def ics_events(data: bytes) -> dict[str, Any]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


async def test_slack_uploads_the_release_calendar_to_the_channel(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as h:
        await seed_slack(h)
        ack = await h.slash("release calendar")
        assert "Calendar of 1 release: 1 launch date" in json.dumps(ack)
        completed = h.fake.calls_to("files.completeUploadExternal")
        assert len(completed) == 1 and completed[0].params["channel_id"] == "C1"
        shared = {u.filename: u for u in h.fake.shared()}
        assert sorted(shared) == [ICS] and shared[ICS].channel == "C1"
        events = ics_events(shared[ICS].data or b"")
        async with h.core.uow_factory(f"slack:{h.team}") as uow:
            release = await uow.releases.by_name("v2.3")
            gates = await uow.gates.for_release(release.id)
        where = uid_part(f"slack:{h.team}")
        assert events[f"release-{release.id}.{where}@handoff"].decoded("DTSTART") == date(2026, 12, 15)
        assert str(events[f"release-{release.id}.{where}@handoff"]["SUMMARY"]) == "v2.3 launch"
        assert {uid for uid in events if uid.startswith("gate-")} == {f"gate-{g.id}.{where}@handoff" for g in gates}

        await h.slash("release export all")
        rows = csv_rows({u.filename: u for u in h.fake.shared()}["handoffs-all.csv"].data or b"")
        assert [(r["release"], r["title"]) for r in rows] == [("v2.3", TITLE)]  # the private one stays out


async def test_teams_offers_the_calendar_and_uploads_it_on_consent(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_teams(engine, clock) as teams:
        await seed_teams(teams)
        assert await teams.post(teams.activity("release calendar v2.3")) in (200, 201)
        dm = f"a:dm-dana-{teams.tenant}"
        (offer,) = teams.connector.attachments(teams_files.CONSENT, dm)
        assert offer["name"] == "release-v2.3.ics"
        assert offer["content"]["acceptContext"] == {"handoff_export": "v2.3", "file": "release-v2.3.ics",
                                                     "public": True, "kind": "calendar"}
        assert await teams.post(consent_invoke(teams, offer)) == 200
        await teams.web_app[TEAMS_BOT].drain()
        events = ics_events(teams.connector.uploads["release-v2.3.ics"][0])
        assert "v2.3 launch" in {str(e["SUMMARY"]) for e in events.values()}
        assert [a["name"] for a in teams.connector.attachments(teams_files.INFO, dm)] == ["release-v2.3.ics"]


def test_the_shell_writes_a_calendar_that_parses(tmp_path: Path) -> None:
    script = "release new v2.3 2026-12-15\nrelease new v2.4\nrelease calendar\nrelease calendar v2.3\n"
    result = run_cli("shell", "--as", "dana", stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"wrote {tmp_path / ICS}" in result.stdout and f"wrote {tmp_path / 'release-v2.3.ics'}" in result.stdout
    events = ics_events((tmp_path / ICS).read_bytes())
    summaries = {str(e["SUMMARY"]): e.decoded("DTSTART") for e in events.values()}
    assert summaries["v2.3 launch"] == date(2026, 12, 15) and "v2.4 launch" not in summaries  # v2.4 has no target
    assert "v2.3: Release Readiness gate" in summaries
    assert all(uid.endswith("@handoff") and "local" in uid for uid in events), list(events)
    one = ics_events((tmp_path / "release-v2.3.ics").read_bytes())
    assert set(one) == {uid for uid, e in events.items() if str(e["SUMMARY"]).startswith("v2.3")}
    assert "Traceback" not in result.stdout + result.stderr
