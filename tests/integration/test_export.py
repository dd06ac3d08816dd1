"""`release export`: the Markdown brief and the CSV parse back to what the database holds."""

from __future__ import annotations

import csv
import dataclasses
import io
import re

from bot.domain import EntryKind
from bot.ports import HandoffQuery
from bot.reply import OutFile, message_of
from tests.support import Chat, FakeClock

SECTIONS = ["Summary", "Gates", "Decisions", "Notes", "Handoffs", "History and comments", "Ownership", "Drafts"]
CSV_COLUMNS = ["release", "number", "kind", "title", "area", "owner", "requester", "status", "due", "created",
               "acknowledged", "done", "details", "reason"]
HOSTILE_TITLE = "SSO|SCIM <!channel> *bold* [x](https://evil) & `code`"


def sections(text: str) -> dict[str, list[str]]:
    """``## Heading`` -> the lines under it."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            current = found.setdefault(line[3:], [])
        else:
            current.append(line)
    return found


def split_row(line: str) -> list[str]:
    """Cells of a Markdown table row, honouring backslash escapes."""
    assert line.startswith("| ") and line.endswith(" |"), line
    cells, cell, chars = [], "", iter(line[2:-2])
    for ch in chars:
        if ch == "\\":
            cell += ch + next(chars)
        elif ch == "|":
            cells.append(cell)
            cell = ""
        else:
            cell += ch
    return [unescape(c.strip()) for c in [*cells, cell]]


def unescape(cell: str) -> str:
    return re.sub(r"\\(.)", r"\1", cell.replace("<br>", "\n"))


def table(lines: list[str]) -> list[dict[str, str]]:
    rows = [line for line in lines if line.startswith("|")]
    headers = split_row(rows[0])
    assert set(rows[1]) <= {"|", "-"}
    return [dict(zip(headers, split_row(row), strict=True)) for row in rows[2:]]


def summary(lines: list[str]) -> dict[str, str]:
    return dict(re.fullmatch(r"- \*\*(.+?):\*\* (.*)", line).groups() for line in lines if line.startswith("- "))


def by_name(files: tuple[OutFile, ...]) -> dict[str, str]:
    return {f.name: f.content.decode("utf-8-sig") for f in files}


async def seed(chat: Chat, clock: FakeClock | None = None) -> int:
    def later() -> None:
        if clock:
            clock.advance(minutes=7)

    await chat.ok("dana", "release new v2.3 2026-12-15")
    await chat.ok("dana", f"@lee requirement for v2.3 about pricing: {HOSTILE_TITLE} by fri\n"
                          "line one | two\nline three")
    await chat.ok("lee", "@dana messaging for v2.3: homepage hero copy")
    await chat.ok("dana", "@lee question for v2.3: =HYPERLINK(\"https://evil\")")
    later()
    await chat.ok("lee", "ack 1")
    later()
    await chat.ok("lee", "done 3")
    later()
    await chat.ok("lee", "comment 1 legal approved the claim, \"mostly\"")
    await chat.ok("dana", "block 2 waiting on legal, see =doc")
    await chat.ok("dana", "release note v2.3 Analyst day moved to the 10th")
    await chat.ok("dana", "release brief v2.3 Admins audit every SSO login in one place")
    await chat.ok("dana", "release decide v2.3 We launch mid-market first")
    await chat.ok("lee", "owner claim messaging for v2.3")  # a driver of one of its areas may decide for the release
    await chat.ok("lee", "release decide v2.3 Pricing: usage tier | seats\nno free plan")
    await chat.ok("dana", "owner set pricing @dana for v2.3")
    await chat.ok("dana", "owner add pricing @lee owes win/loss data for v2.3")
    await chat.ok("dana", "draft for v2.3 Added SAML SSO with SCIM provisioning for admins")
    draft_id = chat.outcomes[-1].draft_id
    assert draft_id is not None and not (await chat.core.drafts.run(chat.caller("dana"), draft_id)).reply.is_error
    return draft_id


async def test_the_brief_and_the_csv_parse_back_to_the_database(chat: Chat, clock: FakeClock) -> None:
    draft_id = await seed(chat, clock)
    reply = await chat.ok("dana", "release export v2.3")
    files = by_name(chat.outcomes[-1].files)
    assert sorted(files) == ["handoffs-v2.3.csv", "launch-brief-v2.3.md"]
    brief, rows = files["launch-brief-v2.3.md"], list(csv.DictReader(io.StringIO(files["handoffs-v2.3.csv"])))

    async with chat.core.uow_factory(chat.workspace_id) as uow:
        release = await uow.releases.by_name("v2.3")
        handoffs, _ = await uow.handoffs.find(HandoffQuery(release_id=release.id))
        handoffs.sort(key=lambda h: h.number)
        decisions = list(reversed(await uow.knowledge.latest(release.id, frozenset({EntryKind.DECISION}), 50)))
        notes = list(reversed(await uow.knowledge.latest(release.id, frozenset({EntryKind.NOTE}), 50)))
        history = {h.number: await uow.handoffs.history(h.id) for h in handoffs}
        gates = await uow.gates.for_release(release.id)
        people = await uow.people.get_many([e.author_id for e in decisions + notes] + [h.requester_id for h in handoffs]
                                           + [h.owner_id for h in handoffs if h.owner_id])
        areas = {a.id: a.name for a in await uow.areas.list()}

    assert f"Launch brief for v2.3: 3 handoffs, {len(decisions)} decisions, 0 of {len(gates)} gates passed" in reply
    assert brief.startswith("# Launch brief: v2.3\n")
    parts = sections(brief)
    assert list(parts) == SECTIONS
    facts = summary(parts["Summary"])
    assert facts["Handoffs"] == "3 (1 acknowledged, 1 blocked, 1 done)" and facts["Drafts"] == "1"
    assert facts["What it does"] == "Admins audit every SSO login in one place (by dana; not confirmed yet)"
    assert facts["Notes"] == str(len(notes))
    assert facts["Decisions"] == str(len(decisions)) and facts["Target date"] == "2026-12-15"
    assert facts["Gates"] == f"0 of {len(gates)} passed, 0 declined"

    table_rows = table(parts["Handoffs"])
    assert [int(r["#"]) for r in table_rows] == [h.number for h in handoffs]
    assert [r["Title"] for r in table_rows] == [h.title for h in handoffs]
    assert table_rows[0]["Title"] == HOSTILE_TITLE and table_rows[0]["Details"] == "line one | two\nline three"
    assert [r["Owner"] for r in table_rows] == [people[h.owner_id].display_name for h in handoffs]
    assert table_rows[0]["Area"] == "pricing" and table_rows[0]["Due"] == handoffs[0].due_date.isoformat()

    decided = table(parts["Decisions"])
    assert [(d["Who"], d["Decision"]) for d in decided] == [
        (people[e.author_id].display_name, e.body) for e in decisions]
    assert {("dana", "We launch mid-market first"), ("lee", "Pricing: usage tier | seats\nno free plan")} <= {
        (d["Who"], d["Decision"]) for d in decided}
    assert [d["When"] for d in decided] == [e.created_at.strftime("%Y-%m-%d %H:%M") for e in decisions]
    assert [(g["Gate"], g["Status"]) for g in table(parts["Gates"])] == [(g.name, g.status.value) for g in gates]
    assert [(n["Who"], n["Note"]) for n in table(parts["Notes"])] == [
        (people[e.author_id].display_name, e.body) for e in notes]
    assert ("dana", "Analyst day moved to the 10th") in [(n["Who"], n["Note"]) for n in table(parts["Notes"])]
    assert_history(parts["History and comments"], handoffs, history, people)

    owners = {r["Area"]: r for r in table(parts["Ownership"])}
    assert len(owners) == len(areas)
    assert owners["pricing"]["Driver"] == "dana (for v2.3)"
    assert owners["pricing"]["Supporters"] == "lee (owes win/loss data)"
    assert [(d["#"], d["Status"], d["Asked by"]) for d in table(parts["Drafts"])] == [(str(draft_id), "brief", "dana")]

    assert list(rows[0]) == CSV_COLUMNS
    assert [r["title"] for r in rows] == [HOSTILE_TITLE, "homepage hero copy", "'=HYPERLINK(\"https://evil\")"]
    for row, h in zip(rows, handoffs, strict=True):
        events = history[h.number]
        acked = [e.at.isoformat() for e in events if e.action == "ack"]
        done = [e.at.isoformat() for e in events if e.action == "done"]
        reasons = [e.note for e in events if e.action in ("block", "decline")]
        assert row == {
            "release": "v2.3", "number": str(h.number), "kind": h.kind.value, "title": csv_text(h.title),
            "area": areas.get(h.area_id, ""), "owner": people[h.owner_id].display_name,
            "requester": people[h.requester_id].display_name, "status": h.status.value,
            "due": h.due_date.isoformat() if h.due_date else "", "created": h.created_at.isoformat(),
            "acknowledged": acked[0] if acked else "", "done": done[-1] if done else "",
            "details": h.details, "reason": csv_text(reasons[-1]) if reasons else "",
        }
    assert rows[0]["details"] == "line one | two\nline three" and rows[0]["acknowledged"] > rows[0]["created"]
    assert rows[2]["done"] > rows[0]["acknowledged"] and rows[1]["reason"] == "waiting on legal, see =doc"
    assert [bool(r["acknowledged"]) for r in rows] == [True, False, False]


def csv_text(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def assert_history(lines: list[str], handoffs: list, history: dict, people: dict) -> None:
    """One ``### #N title`` per handoff, a line per lifecycle event, then its comments."""
    text = "\n".join(lines)
    blocks = {int(re.match(r"\\#(\d+)", b).group(1)): b for b in text.split("### ")[1:]}
    assert sorted(blocks) == [h.number for h in handoffs]
    for h in handoffs:
        block = blocks[h.number]
        moves = [e for e in history[h.number] if e.action != "comment"]
        items = [unescape(line[2:]) for line in block.split("Comments:")[0].splitlines() if line.startswith("- ")]
        assert len(items) == len(moves)
        for item, e in zip(items, moves, strict=True):
            assert item.startswith(f"{e.at:%Y-%m-%d %H:%M} · {people[e.actor_id].display_name} · {e.action}"), item
    first = blocks[1]
    assert "· lee · ack → acknowledged" in first
    assert "Comments:" in first and unescape(first.split("Comments:")[1]).strip().endswith(
        'lee: legal approved the claim, "mostly"')
    assert "· dana · block → blocked: waiting on legal, see =doc" in blocks[2] and "Comments:" not in blocks[2]


async def test_user_text_cannot_become_markup(chat: Chat) -> None:
    await seed(chat)
    await chat.ok("dana", "release export v2.3")
    brief = by_name(chat.outcomes[-1].files)["launch-brief-v2.3.md"]
    assert "[x](" not in brief and "<!channel>" not in brief and "*bold*" not in brief
    assert r"\<\!channel\>" in brief and r"SSO\|SCIM" in brief
    assert "&" not in brief.replace(r"\&", "")


async def test_what_was_said_privately_stays_out_of_a_public_export(chat: Chat) -> None:
    await chat.ok("dana", "release new v2.3")
    await chat.ok("dana", "@lee requirement for v2.3: public pricing page")
    sam_in_a_dm = dataclasses.replace(chat.caller("sam"), private_conversation=True)
    made = await chat.core.handle(sam_in_a_dm, "@lee requirement for v2.3: secret acquisition plan")
    assert not made.reply.is_error
    assert not (await chat.core.handle(sam_in_a_dm, "owner claim pricing for v2.3")).reply.is_error  # may decide now
    assert not (await chat.core.handle(sam_in_a_dm, "release decide v2.3 secret price cut")).reply.is_error

    await chat.ok("dana", "release export v2.3")
    public = " ".join(by_name(chat.outcomes[-1].files).values())
    assert "public pricing page" in public and "secret" not in public
    assert "Left out" in public and "1 handoff," in (await chat.say("dana", "release export v2.3"))

    for who, sees in (("sam", True), ("dana", False)):
        in_a_dm = dataclasses.replace(chat.caller(who), private_conversation=True)
        outcome = await chat.core.handle(in_a_dm, "release export v2.3")
        text = " ".join(by_name(outcome.files).values())
        assert ("secret acquisition plan" in text) is sees and ("secret price cut" in text) is sees, who
        assert "public pricing page" in text and "Left out" not in text

    channel = dataclasses.replace(chat.caller("sam"), private_conversation=True, public_reply=True)
    assert "secret" not in " ".join(by_name((await chat.core.handle(channel, "release export v2.3")).files).values())


async def test_an_unknown_release_is_one_sentence_and_no_files(chat: Chat) -> None:
    text = await chat.fails("dana", "release export v9")
    assert text == "There is no release called “v9”; `release list` shows them." and chat.outcomes[-1].files == ()
    assert "Name one release" in await chat.fails("dana", "release export")
    assert "Name one release" in await chat.fails("dana", "release export v2.3 extra")
    assert message_of(chat.last)


async def test_an_odd_release_name_makes_a_safe_file_name(chat: Chat) -> None:
    await chat.ok("dana", 'release new "../Big launch: Q1/2027"')
    await chat.ok("dana", 'release export "../Big launch: Q1/2027"')
    names = [f.name for f in chat.outcomes[-1].files]
    assert names == ["launch-brief-Big-launch-Q1-2027.md", "handoffs-Big-launch-Q1-2027.csv"]
    brief = by_name(chat.outcomes[-1].files)[names[0]]
    assert sections(brief)["Handoffs"][1] == "_None._" and "- **Handoffs:** 0" in brief
