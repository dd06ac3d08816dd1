"""Handoff use cases end to end through the core, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot import commands as c
from bot.domain import Action
from tests.support import Chat


async def test_create_then_ack_start_done_with_history(chat: Chat) -> None:
    await chat.ok("dana", "release new v2.3 2026-12-15")
    text = await chat.ok("dana", "@lee requirement for v2.3: pricing page needs a tier table by fri | audience: SMB admins")
    assert "Handed off #1 to lee" in text and "2026-11-27" in text and "v2.3" in text
    assert chat.last is not None and not chat.last.ephemeral
    assert [n.to.display_name for n in chat.outcomes[-1].notices] == ["lee"]
    for step, status in (("ack", "acknowledged"), ("start", "in progress"), ("done", "done")):
        assert f"#1 is now {status}" in await chat.ok("lee", f"{step} 1")
    shown = await chat.ok("dana", "show #1")
    assert [line.split(" UTC ")[1] for line in shown.splitlines() if " UTC " in line] == [
        "dana created", "lee ack", "lee start", "lee done"]
    assert "✓ audience" in shown and "✗ problem" in shown and "✗ why now" in shown


async def test_numbers_are_short_and_per_workspace(chat: Chat, core, workspace_id: str) -> None:
    for i in range(3):
        assert f"#{i + 1}" in await chat.ok("dana", f"@lee question: q{i}")
    other = Chat(core, workspace_id + "-b")
    assert "#1" in await other.ok("dana", "@lee question: first in B")


async def test_decline_needs_a_reason_and_records_it(chat: Chat) -> None:
    await chat.ok("dana", "@lee messaging: refresh the homepage hero")
    assert "Say why" in await chat.fails("lee", "decline 1")
    text = await chat.ok("lee", "decline 1 not ours, ask web team")
    assert "declined" in text and "not ours, ask web team" in text
    assert "reopen" in await chat.fails("lee", "start 1")


async def test_ask_for_info_then_answer_returns_it_to_open(chat: Chat) -> None:
    await chat.ok("dana", "@lee requirement: usage tier")
    text = await chat.ok("lee", "ask 1 who is the audience?")
    assert "needs info" in text and "who is the audience?" in text
    assert [n.to.display_name for n in chat.outcomes[-1].notices] == ["dana"]
    assert "Only dana" in await chat.fails("lee", "answer 1 me")
    text = await chat.ok("dana", "answer 1 audience: mid-market ops leads")
    assert "#1 is now open" in text and "✓ audience" in text


async def test_cancel_is_the_requesters_alone(chat: Chat) -> None:
    await chat.ok("dana", "@lee question: which tier?")
    chat.admins.add("alex")
    assert "Only dana" in await chat.fails("lee", "cancel 1")
    assert "Only dana" in await chat.fails("alex", "cancel 1")
    assert "cancelled" in await chat.ok("dana", "cancel 1 not needed")


async def test_strangers_cannot_move_a_handoff_but_a_lead_can(chat: Chat) -> None:
    await chat.ok("dana", "@lee requirement: x")
    assert "Only lee (the owner), a lead or an admin" in await chat.fails("sam", "ack 1")
    await chat.ok("alex", "person me role lead")
    assert "acknowledged" in await chat.ok("alex", "ack 1")


async def test_reassign_and_comment(chat: Chat) -> None:
    await chat.ok("dana", "@lee requirement: x")
    await chat.ok("lee", "ack 1")
    text = await chat.ok("lee", "reassign 1 @sam")
    assert "now belongs to sam" in text and "open" in text
    assert {n.to.display_name for n in chat.outcomes[-1].notices} == {"sam", "dana"}
    assert "already owns" in await chat.fails("dana", "reassign 1 @sam")
    await chat.ok("sam", "comment 1 on it after the offsite")
    assert "on it after the offsite" in await chat.ok("dana", "show 1")


async def test_bad_input_changes_nothing(chat: Chat) -> None:
    await chat.ok("dana", "@lee question: first")
    assert "in the past" in await chat.fails("dana", "@lee requirement: late by 2020-01-01")
    assert "no release" in await chat.fails("dana", "@lee requirement for v9: nowhere")
    assert "no handoff #99" in await chat.fails("dana", "ack 99")
    # The failed creates rolled back whole: the next handoff is #2, and only one exists.
    assert "#2" in await chat.ok("dana", "@lee question: second")
    assert "(2)" in await chat.ok("lee", "list mine")


async def test_lists_by_scope_release_status_and_overdue(chat: Chat, clock) -> None:
    await chat.ok("dana", "release new v2.3")
    await chat.ok("dana", "@lee requirement for v2.3: a due tomorrow")
    await chat.ok("dana", "@lee requirement: b due in 5 days")
    await chat.ok("lee", "@dana messaging for v2.3: c")
    await chat.ok("lee", "ack 2")
    assert "(2)" in await chat.ok("lee", "list mine")
    assert "#3" in await chat.ok("lee", "list owed") and "#1" not in await chat.ok("lee", "list owed")
    assert "(2)" in await chat.ok("dana", "list asked")
    assert "#1" in (t := await chat.ok("dana", "list all for v2.3")) and "#3" in t and "#2" not in t
    assert "#2" in (t := await chat.ok("dana", "list all acknowledged")) and "#1" not in t
    assert "Nothing overdue" in await chat.ok("dana", "list all overdue")
    clock.advance(days=2)
    text = await chat.ok("dana", "what's overdue?")
    assert "#1" in text and "OVERDUE" in text and "#2" not in text
    await chat.ok("lee", "done 1")
    assert "Nothing overdue" in await chat.ok("dana", "list all overdue")


async def test_due_dates_use_the_owners_time_zone(chat: Chat, clock) -> None:
    from datetime import UTC, datetime

    clock.now = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already Tuesday in Tokyo
    await chat.ok("kenji", "person me tz Asia/Tokyo")
    assert "past" in await chat.fails("dana", "@kenji question: q due 2026-11-23")
    assert "2026-11-24 (today)" in await chat.ok("kenji", "@kenji question: q due today")


async def test_a_stale_version_loses_the_compare_and_set(chat: Chat) -> None:
    await chat.ok("dana", "@lee requirement: x")
    caller = chat.caller("lee")
    first = await chat.core.execute(caller, c.MoveHandoff(1, Action.ACK, expected_version=1))
    assert not first.reply.is_error
    second = await chat.core.execute(caller, c.MoveHandoff(1, Action.START, expected_version=1))
    assert second.reply.is_error and "changed by someone else" in second.reply.blocks[0].spans[0]


@pytest.mark.parametrize("title", ["<!channel> launch now", "'; DROP TABLE handoffs; --", "Ünïcödé 🚀 ok"])
async def test_hostile_titles_are_stored_verbatim(chat: Chat, title: str) -> None:
    await chat.ok("dana", f"@lee question: {title}")
    assert chat.last is not None and chat.last.title == f"#1 {title}"
    assert title in await chat.ok("dana", "show 1")


async def test_snooze_is_the_owners_and_only_for_active_handoffs(chat: Chat) -> None:
    await chat.ok("dana", "@lee requirement: x")
    await chat.ok("lee", "person me tz Europe/Paris")
    text = await chat.ok("lee", "snooze 1 3d")
    assert "snoozed until Thu 2026-11-26 11:00 Europe/Paris" in text and "Snoozed until: 2026-11-26 10:00 UTC" in text
    assert "2026-11-27 08:00 UTC" in await chat.ok("lee", "snooze 1 until fri")  # 09:00 in Paris
    assert "Only lee (the owner)" in await chat.fails("dana", "snooze 1 1d")
    assert "at most 90 days" in await chat.fails("lee", "snooze 1 200d")
    assert "can't read" in await chat.fails("lee", "snooze 1 whenever")
    await chat.ok("lee", "done 1")
    assert "nothing to snooze" in await chat.fails("lee", "snooze 1 1d")
    assert "Snoozed until" not in await chat.ok("lee", "show 1")


async def test_long_lists_say_how_many_more(chat: Chat) -> None:
    for i in range(55):
        await chat.ok("dana", f"@lee question: q{i}")
    text = await chat.ok("lee", "list mine")
    assert "(50 of 55)" in text and "5 more" in text
