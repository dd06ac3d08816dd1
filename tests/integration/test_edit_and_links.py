"""Correcting a handoff and linking handoffs, through the core, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot import commands as c
from bot.domain import EntryKind
from tests.support import Chat


async def _entries(core, workspace_id: str, release: str) -> list[str]:
    async with core.uow_factory(workspace_id) as uow:
        found = await uow.releases.by_name(release)
        return [e.body for e in await uow.knowledge.latest(found.id, frozenset({EntryKind.HANDOFF}), 50)]


async def test_edit_each_field_is_in_the_history_with_old_and_new_and_tells_the_other_party(chat: Chat) -> None:
    await chat.ok("dana", "release new v2.3 2027-01-15")
    await chat.ok("dana", "release new v2.4 2027-03-01")
    await chat.ok("dana", "@lee requirement for v2.3 about pricing: pricing pgae tier table | audience: SMB")
    text = await chat.ok("dana", "edit 1 title Pricing page tier table")
    assert "Edited #1: title: “pricing pgae tier table” → “Pricing page tier table”." in text
    assert [(n.to.display_name, n.handoff_number) for n in chat.outcomes[-1].notices] == [("lee", 1)]
    assert chat.outcomes[-1].handoffs and chat.outcomes[-1].handoffs[0].handoff.title == "Pricing page tier table"
    await chat.ok("dana", "edit 1 kind messaging")
    await chat.ok("dana", "edit 1 release v2.4")
    await chat.ok("dana", "edit 1 grey area positioning")
    await chat.ok("dana", "edit 1 details audience: SMB admins\nproblem: no tier table")
    shown = await chat.ok("dana", "show 1")
    for line in ("edit: title: “pricing pgae tier table” → “Pricing page tier table”",
                 "edit: kind: “requirement” → “messaging”", "edit: release: “v2.3” → “v2.4”",
                 "edit: area: “pricing” → “positioning”", "edit: details: “audience: SMB” → “audience: SMB admins problem: no tier table”"):
        assert line in shown
    assert "Release: v2.4" in shown and "Grey area: positioning" in shown and "Kind: messaging" in shown


async def test_a_move_to_another_release_is_told_in_both_threads(chat: Chat, core, workspace_id: str) -> None:
    await chat.ok("dana", "release new v2.3 2027-01-15")
    await chat.ok("dana", "release new v2.4 2027-03-01")
    await chat.ok("dana", "@lee requirement for v2.3: tier table")
    await chat.ok("dana", "edit 1 release v2.4")
    moved = "dana edited #1 tier table: release: “v2.3” → “v2.4”"
    assert moved in await _entries(core, workspace_id, "v2.3")
    assert moved in await _entries(core, workspace_id, "v2.4")
    assert "release: “v2.4” → “none”" in await chat.ok("dana", "edit 1 release none")
    assert "Release: none" in await chat.ok("dana", "show 1")


async def test_edit_rights_requester_for_what_was_asked_owner_for_their_reason(chat: Chat) -> None:
    await chat.ok("dana", "@lee requirement: tier table")
    assert "Only dana (the requester), a lead or an admin can correct what #1 asks." in await chat.fails("lee", "edit 1 title x")
    assert "Only dana (the requester)" in await chat.fails("sam", "edit 1 title x")
    assert "has no reason to reword" in await chat.fails("lee", "edit 1 reason waiting")
    await chat.ok("lee", "block 1 waiting on legal")
    assert "Only lee (the owner), a lead or an admin can reword the reason given on #1." in await chat.fails("dana", "edit 1 reason x")
    text = await chat.ok("lee", "edit 1 reason waiting on legal's review of the claims")
    assert "Reason: waiting on legal's review of the claims" in text
    assert [n.to.display_name for n in chat.outcomes[-1].notices] == ["dana"]


async def test_bad_edits_change_nothing_and_say_what_to_do(chat: Chat) -> None:
    await chat.ok("dana", "release new v2.3 2027-01-15")
    await chat.ok("dana", "@lee requirement for v2.3: tier table")
    assert "There is no release called “v9”" in await chat.fails("dana", "edit 1 release v9")
    assert "I don't know a grey area called “nonsense”" in await chat.fails("dana", "edit 1 area nonsense")
    assert "Nothing to change" in await chat.fails("dana", "edit 1 title tier table")
    assert "1 to 200 characters" in await chat.fails("dana", "edit 1 title " + "x" * 201)
    assert "I can't edit “colour”" in await chat.fails("dana", "edit 1 colour red")
    assert "There is no handoff #7" in await chat.fails("dana", "edit 7 title x")
    await chat.ok("dana", "release close v2.3")
    await chat.ok("dana", "release new v2.2 2026-12-01")
    await chat.ok("dana", "release ship v2.2")
    assert "v2.2 is shipped" in await chat.fails("dana", "edit 1 release v2.2")
    assert " edit" not in await chat.ok("dana", "show 1")


async def test_edit_with_a_stale_version_is_refused(chat: Chat, core) -> None:
    await chat.ok("dana", "@lee requirement: tier table")
    await chat.ok("dana", "edit 1 title Tier table")
    stale = await core.execute(chat.caller("dana"), c.EditHandoff(1, (("title", "Older"),), expected_version=1))
    assert stale.reply.is_error
    assert "Tier table" in await chat.ok("dana", "show 1")


async def test_edit_form_holds_what_the_caller_may_change(chat: Chat, core) -> None:
    await chat.ok("dana", "release new v2.3 2027-01-15")
    await chat.ok("dana", "@lee requirement for v2.3: tier table | audience: SMB")
    text = await chat.ok("dana", "edit 1")
    assert "Title: tier table" in text and "Release: v2.3" in text and "edit 1 <field> <new value>" in text
    form = chat.last.form
    assert form is not None and form.action == "handoff.edit" and form.value.startswith("1:")
    assert [f.id for f in form.fields] == ["kind", "title", "details", "release", "area"]
    assert "Only dana (the requester)" in await chat.fails("lee", "edit 1")
    await chat.ok("lee", "decline 1 not ours")
    await chat.ok("lee", "edit 1")
    assert [f.id for f in chat.last.form.fields] == ["reason"]


async def test_block_by_links_and_is_lifted_when_the_last_need_is_done(chat: Chat) -> None:
    await chat.ok("dana", "@lee messaging: launch blog post")
    await chat.ok("lee", "@dana requirement: final price points")
    await chat.ok("lee", "@sam question: legal sign-off")
    text = await chat.ok("lee", "block 1 by #2 and #3")
    assert "#1 is now blocked" not in text and "#1 waits on #2, #3 and is blocked" in text
    assert "Reason: waiting on #2 final price points, #3 legal sign-off" in text
    assert "Waits on" in text
    assert {n.to.display_name for n in chat.outcomes[-1].notices} >= {"dana", "sam"}
    assert "Needed by" in await chat.ok("dana", "show 2")
    await chat.ok("dana", "done 2")
    assert all("unblocked" not in n.text for n in chat.outcomes[-1].notices)
    assert "blocked" in await chat.ok("lee", "show 1")
    await chat.ok("sam", "done 3")
    told = [n for n in chat.outcomes[-1].notices if n.to.display_name == "lee"]
    assert any("#3 (legal sign-off) is done: #1 launch blog post is unblocked and back in progress." in n.text for n in told)
    shown = await chat.ok("lee", "show 1")
    assert "Status: in progress" in shown and "unblock: #3 (legal sign-off) is done" in shown


async def test_a_block_for_another_reason_is_left_to_the_owner(chat: Chat) -> None:
    await chat.ok("dana", "@lee messaging: launch blog post")
    await chat.ok("lee", "@dana requirement: final price points")
    await chat.ok("lee", "link 1 needs #2")
    await chat.ok("lee", "block 1 waiting on legal")
    await chat.ok("dana", "done 2")
    told = [n.text for n in chat.outcomes[-1].notices if n.to.display_name == "lee"]
    assert any("It is still blocked (waiting on legal); `start 1`" in t for t in told)
    assert "Status: blocked" in await chat.ok("lee", "show 1")


async def test_links_refuse_loops_self_finished_and_strangers(chat: Chat) -> None:
    for title in ("a", "b", "c"):
        await chat.ok("dana", f"@lee question: {title}")
    await chat.ok("dana", "link 1 needs #2")
    await chat.ok("dana", "link 2 needs #3")
    assert "#1 already waits on #3 (directly or through others)" in await chat.fails("dana", "link 3 needs #1")
    assert "can't wait on itself" in await chat.fails("dana", "link 1 needs #1")
    assert "already waits on #2" in await chat.fails("dana", "link 1 needs #2")
    assert "Only dana (the requester), lee (the owner), a lead or an admin can link #1" in await chat.fails("sam", "link 1 needs #3")
    await chat.ok("lee", "done 3")
    await chat.ok("dana", "@lee question: d")
    assert "is done already" in await chat.fails("dana", "link 4 needs #3")
    assert "There is no handoff #9" in await chat.fails("dana", "link 1 needs #9")


async def test_unlink_the_last_block_link_lifts_the_block(chat: Chat) -> None:
    await chat.ok("dana", "@lee messaging: launch blog post")
    await chat.ok("lee", "@dana requirement: final price points")
    await chat.ok("lee", "block 1 by #2")
    assert "does not wait on #1" in await chat.fails("lee", "unlink 2 #1")
    text = await chat.ok("lee", "unlink 1 #2")
    assert "Status: in progress" in text and "Waits on" not in text
    assert "Needed by" not in await chat.ok("dana", "show 2")


async def test_links_stay_in_their_workspace(chat: Chat, core, workspace_id: str) -> None:
    await chat.ok("dana", "@lee question: a")
    other = Chat(core, workspace_id + "-b")
    await other.ok("dana", "@lee question: b")
    assert "There is no handoff #2" in await other.fails("dana", "link 1 needs #2")


async def test_undo_puts_back_the_callers_last_edit_in_full(chat: Chat, clock) -> None:
    long_details = "audience: SMB admins " + "x" * 300
    await chat.ok("dana", f"@lee requirement: tier table | {long_details}")
    await chat.ok("dana", "edit 1 title Tier table")
    clock.advance(seconds=30)
    await chat.ok("dana", "edit 1 details audience: everyone")
    assert "Undone: details: “audience: everyone” → “audience: SMB admins xxx" in await chat.ok("dana", "undo")
    shown = await chat.ok("dana", "show 1")
    assert long_details in shown and "#1 Tier table" in shown and "undo: details" in shown
    assert "Your last change was `undo` on #1" in await chat.fails("dana", "undo")  # one step, not a stack
    assert "no handoff in the last 10 minutes" in await chat.fails("lee", "undo")


async def test_undo_refuses_moves_stale_changes_and_someone_elses_later_edit(chat: Chat, clock) -> None:
    await chat.ok("dana", "@lee requirement: tier table")
    await chat.ok("lee", "ack 1")
    assert "Your last change was `ack` on #1, which `undo` can't take back" in await chat.fails("lee", "undo")
    clock.advance(seconds=30)
    await chat.ok("dana", "edit 1 title Tier table")
    clock.advance(seconds=30)
    chat.admins.add("alex")
    await chat.ok("alex", "edit 1 title Tier table for SMB")
    assert "Your last change was `ack`" not in await chat.fails("dana", "undo")
    assert "alex changed the title of #1 since, so I left it" in await chat.fails("dana", "undo")
    clock.advance(seconds=30)
    await chat.ok("dana", "edit 1 kind messaging")
    clock.advance(minutes=11)
    assert "no handoff in the last 10 minutes" in await chat.fails("dana", "undo")
    assert "Kind: messaging" in await chat.ok("dana", "show 1")


async def test_undo_takes_back_a_link(chat: Chat) -> None:
    await chat.ok("dana", "@lee question: a")
    await chat.ok("dana", "@lee question: b")
    await chat.ok("dana", "link 1 needs #2")
    assert "Undone: #1 no longer waits on #2." in await chat.ok("dana", "undo")
    assert "Needed by" not in await chat.ok("dana", "show 2")
