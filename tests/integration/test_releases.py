"""Releases, their knowledge thread and search — the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.support import Chat


async def test_release_names_are_unique_case_insensitively(chat: Chat) -> None:
    assert "created, target 2026-12-15" in await chat.ok("dana", "release new v2.3 2026-12-15")
    assert "already a release" in await chat.fails("lee", "release new V2.3")
    assert "past" in await chat.fails("lee", "release new v2.4 2020-01-01")
    assert "v2.3" in await chat.ok("lee", "release show V2.3")
    assert "v2.3" in await chat.ok("lee", "release list")


async def test_release_show_summarises_handoffs_and_decisions(chat: Chat, clock) -> None:
    await chat.ok("alex", "release new v2.3 in 4 weeks")
    await chat.ok("dana", "@lee requirement for v2.3: a due tomorrow")
    await chat.ok("dana", "@lee requirement for v2.3: b")
    await chat.ok("lee", "@dana messaging for v2.3: c")
    await chat.ok("lee", "done 2")
    await chat.ok("alex", "release decide v2.3 We launch mid-market first")
    await chat.ok("lee", "release note v2.3 Analyst briefing booked")
    clock.advance(days=3)
    text = await chat.ok("alex", "release show v2.3")
    assert "Open: 1 (1 messaging)" in text
    assert "Overdue: 1 (1 requirement)" in text
    assert "Done: 1 (1 requirement)" in text
    assert "We launch mid-market first — alex" in text and "Analyst briefing booked" in text


async def test_search_finds_decisions_notes_and_handoff_events_across_releases(chat: Chat) -> None:
    await chat.ok("alex", "release new v2.3")
    await chat.ok("alex", "release new v2.4")
    await chat.ok("alex", "release decide v2.3 We launch mid-market first")
    await chat.ok("alex", "release note v2.4 Mid-market pricing page needs legal review")
    await chat.ok("dana", "@lee requirement for v2.4: tiered pricing table")
    text = await chat.ok("dana", "search mid market")
    assert "[v2.3] We launch mid-market first" in text and "[v2.4] Mid-market pricing" in text
    assert "(2)" in text
    # The handoff's lifecycle lines are searched only when asked with a trailing ``all``.
    assert "add `all`" in await chat.ok("dana", "search PRICING tier")
    assert "tiered pricing table" in await chat.ok("dana", "search PRICING tier all")
    decided = await chat.ok("dana", "what did we decide about mid-market?")
    assert "We launch mid-market first" in decided and "legal review" not in decided
    assert "Nothing found" in await chat.ok("dana", "search zebra")
    assert "Nothing found" in await chat.ok("dana", "search !!! ???")


async def test_search_prefix_and_all_words(chat: Chat) -> None:
    await chat.ok("alex", "release new v2.3")
    await chat.ok("alex", "release decide v2.3 Positioning approved by the leadership team")
    assert "(1)" in await chat.ok("dana", "search position leader")
    assert "Nothing found" in await chat.ok("dana", "search positioning finance")
    assert "Nothing found" in await chat.ok("dana", 'search "quoted" OR NEAR(x) *')
