"""`load`: per-person workload, its flags and the suggestion, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.chat.core import Core
from bot.context import Caller
from bot.reply import Bullets, Fields
from tests.support import Chat, FakeClock


async def seed(chat: Chat, clock: FakeClock) -> None:
    """A team of six; the figures each test expects are worked out in the comments.

    Monday 2026-11-23 10:00 UTC: alex acks #1 after an hour (more than 30 days before `load`:
    it must not count). Then 35 days later, T0 = Monday 2026-12-28 10:00 UTC, the rest."""
    await chat.ok("dana", "@alex question: an old one")
    clock.advance(hours=1)
    await chat.ok("alex", "ack 1")
    await chat.ok("alex", "done 1")
    clock.advance(days=35, hours=-1)  # T0
    await chat.ok("dana", "release new v2.3 2027-01-29")
    for who, role in (("dana", "pm"), ("kim", "pm"), ("lee", "pmm"), ("sam", "pmm"), ("bea", "pmm"), ("alex", "lead")):
        await chat.ok("alex", f"person @{who} role {role}")
    # lee owns six open ones; #8 goes to sam and is done.
    await chat.ok("dana", "@lee requirement for v2.3: tier table by 2026-12-30")  # #2 in, due 12-30
    await chat.ok("dana", "@lee requirement: usage tiers by 2026-12-29")  # #3 in, due 12-29 (overdue by then)
    await chat.ok("dana", "@lee messaging: hero copy")  # #4 out, undated
    await chat.ok("dana", "@lee question: which segment?")  # #5 other, undated
    private = Caller(chat.workspace_id, "dana", "dana", names_create_people=True, private_conversation=True)
    assert not (await chat.core.handle(private, "@lee requirement about launch: launch checklist")).reply.is_error
    # ^ #6: launch is outbound, so out despite being a requirement; undated but private: never suggested
    await chat.ok("dana", "@lee question about pricing: discount policy by 2027-01-04")  # #7 in (pricing is inbound)
    await chat.ok("dana", "@lee requirement: churn report")  # #8
    await chat.ok("lee", "@dana messaging: verify claims by 2026-12-29")  # #9 dana, out, overdue by then
    await chat.ok("lee", "@sam question about win/loss: deal review")  # #10 sam, other (shared area, a question)
    await chat.ok("lee", "@bea messaging: faq refresh")  # #11 bea, out
    # Areas: release-level drivers override workspace-level ones for v2.3.
    for line in ("pricing @dana for v2.3", "launch @dana for v2.3", "messaging @lee", "positioning @lee",
                 "messaging @sam for v2.3", "requirements @kim", "web content @kim", "web content @bea for v2.3"):
        await chat.ok("alex", f"owner set {line}")  # a lead sets them: an override needs the driver or a lead
    clock.advance(hours=3)  # T0 + 3 h
    await chat.ok("lee", "ack 2")  # lee waited 3 h
    await chat.ok("lee", "reassign 8 @sam")  # #8 becomes sam's now
    clock.advance(hours=6)  # T0 + 9 h
    await chat.ok("lee", "ack 3")  # 9 h: lee's average (3 + 9) / 2 = 6.0 h
    await chat.ok("sam", "ack 8")  # 6 h since the reassign, not 9 since creation
    await chat.ok("sam", "done 8")
    await chat.ok("sam", "ack 10")  # 9 h: sam's average (6 + 9) / 2 = 7.5 h
    clock.advance(hours=51)  # T0 + 60 h = Wednesday 2026-12-30 22:00 UTC: #3 and #9 are overdue
    await chat.ok("dana", "ack 9")  # 60 h = 2.5 d


def bullets(chat: Chat) -> list[list[str]]:
    assert chat.last is not None
    return [["".join(s if isinstance(s, str) else s.text for s in item) for item in b.items]
            for b in chat.last.blocks if isinstance(b, Bullets)]


async def test_the_team_view_shows_every_figure_and_both_flags(chat: Chat, clock: FakeClock) -> None:
    await seed(chat, clock)
    text = await chat.ok("kim", "load")
    assert chat.last is not None and chat.last.ephemeral and chat.last.title == "Workload: team (6 people)"
    flags, people = bullets(chat)
    # Open totals 6, 1, 1, 1, 0, 0: the median is 1; lee's 6 is > 2 x 1 and >= 1 + 3. The other
    # PMMs, bea and sam, have 1 each: bea by name. lee's undated items are #4, #5 and the private
    # #6; the newest that is not private is #5.
    assert flags == [
        "lee has 6 open, far above the team median of 1; move #5 to bea (1 open)",
        "dana drives pricing (inbound) and launch (outbound) for v2.3",
    ]
    # kim drives requirements (inbound) and web content (outbound) workspace-wide, but bea drives
    # web content for v2.3: no flag. alex's only ack is 37 days old: no average.
    assert people == [
        "lee (pmm) — 3 in / 2 out / 6 open · 1 overdue · drives 2 areas · ack 6.0 h",
        "bea (pmm) — 0 in / 1 out / 1 open · 0 overdue · drives 1 area · ack —",
        "dana (pm) — 0 in / 1 out / 1 open · 1 overdue · drives 2 areas · ack 2.5 d",
        "sam (pmm) — 0 in / 0 out / 1 open · 0 overdue · drives 1 area · ack 7.5 h",
        "alex (lead) — 0 in / 0 out / 0 open · 0 overdue · drives 0 areas · ack —",
        "kim (pm) — 0 in / 0 out / 0 open · 0 overdue · drives 2 areas · ack —",
    ]
    assert "Team median: 1 open." in text
    assert await chat.ok("dana", "workload team") == text


async def test_a_role_or_one_person_is_measured_against_the_whole_team(chat: Chat, clock: FakeClock) -> None:
    await seed(chat, clock)
    await chat.ok("dana", "load pmm")
    assert chat.last is not None and chat.last.title == "Workload: PMMs"
    flags, people = bullets(chat)
    assert [p.split(" (")[0] for p in people] == ["lee", "bea", "sam"]
    assert flags == ["lee has 6 open, far above the team median of 1; move #5 to bea (1 open)"]
    text = await chat.ok("lee", "load @dana")
    assert chat.last is not None and chat.last.title == "Workload: dana"
    assert bullets(chat) == [["dana drives pricing (inbound) and launch (outbound) for v2.3"]]
    assert [b.pairs for b in chat.last.blocks if isinstance(b, Fields)] == [(
        ("Role", "pm"), ("Open (in / out / total)", "0 in / 1 out / 1 open"), ("Overdue", "1"),
        ("Grey areas driven", "2"), ("Time to acknowledge (30 days)", "2.5 d"),
    )]
    assert "Team median: 1 open." in text
    await chat.ok("dana", "load lead")
    assert bullets(chat) == [["alex (lead) — 0 in / 0 out / 0 open · 0 overdue · drives 0 areas · ack —"]]


async def test_another_workspace_never_shows(chat: Chat, clock: FakeClock, core: Core, workspace_id: str) -> None:
    other = Chat(core, workspace_id + "-b")
    await other.ok("zed", "person me role pm")
    await other.ok("zed", "@yan requirement: elsewhere")
    await seed(chat, clock)
    text = await chat.ok("dana", "load")
    assert "zed" not in text and "yan" not in text
    assert "I don't know @zed" in await chat.fails("dana", "load @zed")
    theirs = await other.ok("zed", "load")
    assert not any(name in theirs for name in ("lee", "dana", "bea", "kim", "alex"))
    assert "yan (no role) — 1 in / 0 out / 1 open" in theirs and "zed (pm)" in theirs


async def test_bad_input_gets_one_sentence_and_changes_nothing(chat: Chat) -> None:
    await chat.ok("dana", "person me role pm")
    assert await chat.fails("dana", "load @nobody") == "I don't know @nobody here yet, so there is no workload to show."
    assert "nobody" not in await chat.ok("dana", "person list")
    text = await chat.fails("dana", "load sideways")
    assert "`load` takes team, pm, pmm, lead or one @person" in text and "load [team|pm|pmm|lead|@person]" in text
    assert "load [team" in await chat.fails("dana", "load @dana pm")
    assert "Nobody is on the team" not in await chat.ok("dana", "load")
    assert (await chat.ok("dana", "load lead")).startswith("No leads on the team.")
