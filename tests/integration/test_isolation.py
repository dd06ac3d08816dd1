"""A workspace's handoffs, areas, releases and knowledge are invisible and untouchable from another."""

from __future__ import annotations

from bot.chat.core import Core
from tests.support import Chat

MARKER = "zqxmarker"  # only ever written in workspace A; workspace B never types it


async def test_workspace_b_never_sees_or_changes_workspace_a(core: Core, workspace_id: str) -> None:
    a = Chat(core, workspace_id + "-a")
    b = Chat(core, workspace_id + "-b")
    await a.ok("dana", "release new launchy")
    await a.ok("dana", f"@lee requirement for launchy: pricing page {MARKER}")
    await a.ok("dana", f"release decide launchy pricing decision {MARKER}")
    await a.ok("dana", "owner new field events outbound")
    await a.ok("dana", "owner set field events @lee")
    await a.ok("lee", "person me role pmm")

    replies = [
        await b.say("dana", "show 1"),
        await b.say("lee", "ack 1"),
        await b.say("dana", "cancel 1"),
        await b.say("dana", "reassign 1 @sam"),
        await b.say("dana", "comment 1 from b"),
        await b.say("lee", "list all"),
        await b.say("lee", "list mine"),
        await b.say("dana", "release show launchy"),
        await b.say("dana", "release list"),
        await b.say("dana", "search pricing"),
        await b.say("dana", "what did we decide about pricing?"),
        await b.say("dana", "who owns field events?"),
        await b.say("dana", "owner list"),
        await b.say("dana", "person list"),
        await b.say("dana", "person @lee"),
    ]
    assert [r for r in replies if MARKER in r or ("launchy" in r and "no release" not in r)] == []
    assert "no handoff #1" in replies[1] and "field events" not in replies[12]
    # A is untouched: still open, owned by lee, nothing from B in its history.
    shown = await a.ok("dana", "show 1")
    assert "Status: open" in shown and "Owner: lee" in shown and "from b" not in shown
