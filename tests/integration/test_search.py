"""Search people can rely on: one corpus, the same answers on SQLite and PostgreSQL.

Stems (battlecard = battlecards), stop words, the release filter, what people wrote before the
handoff lifecycle lines (those only with ``all``), a short snippet per hit, private entries and
other workspaces kept out.
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.chat.core import Core
from bot.releases.search_text import SNIPPET
from bot.reply import Bullets, Strong
from tests.support import Chat

LONG_NOTE = ("Field notes from the regional kickoff. " * 6 + "Reps asked for a battlecard on Zapier pricing. "
             + "Everyone agreed the next step is a shorter deck. " * 6).strip()


@pytest.fixture
async def corpus(chat: Chat) -> Chat:
    """Two releases, decisions and notes about battlecards, a handoff's lifecycle, a private note."""
    for line in (
        "release new beacon", "release new v2.3",
        "release decide beacon Battlecards go to sales before the Zapier webinar",
        "release note beacon The battlecard for Zapier needs legal review",
        "release note v2.3 Zapier integration slips a week",
        "release note v2.3 The tier names are Starter, Growth and Scale",
        f"release note beacon {LONG_NOTE}",
        "@lee requirement for beacon: battlecard refresh for Zapier",
    ):
        await chat.ok("dana", line)
    await chat.ok("lee", "ack 1")
    in_a_dm = dataclasses.replace(chat.caller("sam"), private_conversation=True)
    assert not (await chat.core.handle(in_a_dm, "release note beacon Secret battlecard for the board")).reply.is_error
    return chat


async def hits(chat: Chat, line: str, who: str = "dana") -> list[tuple[str, str, str]]:
    """Each hit as (release, snippet, kind), in the order shown."""
    await chat.ok(who, line)
    assert chat.last is not None
    items = [item for block in chat.last.blocks if isinstance(block, Bullets) for item in block.items]
    return [(_text(tag).strip("[] "), str(body), str(when).split(",")[0].removeprefix(" — "))
            for tag, body, when in items]


def _text(span: object) -> str:
    return span.text if isinstance(span, Strong) else str(span)


async def test_a_word_and_its_plural_find_the_same_entries(corpus: Chat) -> None:
    one = await hits(corpus, "search battlecard")
    assert one == await hits(corpus, "search battlecards") == await hits(corpus, "search BATTLECARDS")
    assert [(release, kind) for release, _, kind in one] == [("beacon", "note")] * 2 + [("beacon", "decision")] + [
        ("beacon", "note")] * 1
    assert one[0][1] == "Secret battlecard for the board" and one[1][1] == "The battlecard for Zapier needs legal review"


async def test_stop_words_are_ignored_and_a_query_of_only_stop_words_says_so(corpus: Chat) -> None:
    assert [body for _, body, _ in await hits(corpus, "search the tier name")] == [
        "The tier names are Starter, Growth and Scale"]
    assert await hits(corpus, "search the tier name") == await hits(corpus, "search tier names")
    for line in ("search the", "search what is it", "search all", "what did we decide about the?"):
        assert await corpus.fails("dana", line) == "Those words are too common to search for; add a more specific word."
    assert "Nothing found" in await corpus.ok("dana", "search !!! ???")
    assert "add `all`" not in await corpus.ok("dana", "what did we decide about refresh?")


async def test_a_trailing_release_limits_the_hits_to_it(corpus: Chat) -> None:
    everywhere = await hits(corpus, "search zapier")
    assert {release for release, _, _ in everywhere} == {"beacon", "v2.3"}
    assert [body for _, body, _ in await hits(corpus, "search zapier for v2.3")] == ["Zapier integration slips a week"]
    assert "Found for “zapier” in v2.3 (1)" in await corpus.ok("dana", "search zapier in V2.3")
    beacon = await hits(corpus, "search zapier for beacon")
    assert beacon and {release for release, _, _ in beacon} == {"beacon"}
    assert await corpus.fails("dana", "search zapier for v9") == "There is no release called “v9”; `release list` shows them."
    # A trailing word that is no release is one more word to look for.
    assert [body for _, body, _ in await hits(corpus, "search integration for zapier")] == [
        "Zapier integration slips a week"]
    decided = await hits(corpus, "what did we decide about battlecards for beacon?")
    assert [kind for _, _, kind in decided] == ["decision"]


async def test_lifecycle_lines_come_only_with_all_and_after_what_people_wrote(corpus: Chat) -> None:
    plain = await hits(corpus, "search refresh")
    assert plain == [] and "add `all`" in await corpus.ok("dana", "search refresh")
    every = await hits(corpus, "search battlecard all")
    kinds = [kind for _, _, kind in every]
    assert kinds[:4] == [kind for _, _, kind in await hits(corpus, "search battlecard")]
    assert kinds[4:] == ["handoff", "handoff"] and "lee acknowledged" in every[4][1]
    assert every == await hits(corpus, "search battlecards for beacon all") == await hits(
        corpus, "search battlecards all for beacon")


async def test_each_hit_shows_a_short_snippet_around_the_first_match(corpus: Chat) -> None:
    found = await hits(corpus, "search zapier pricing")
    assert len(found) == 1
    snippet = found[0][1]
    assert len(snippet) <= SNIPPET + 2 and snippet.startswith("…") and snippet.endswith("…")
    assert "battlecard on Zapier pricing" in snippet and len(LONG_NOTE) > 3 * SNIPPET


async def test_private_entries_stay_out_of_public_replies_and_other_workspaces_see_nothing(corpus: Chat,
                                                                                            core: Core) -> None:
    in_public = dataclasses.replace(corpus.caller("sam"), public_reply=True)
    answer = await corpus.core.handle(in_public, "search battlecard")
    assert "Secret" not in str(answer.reply) and "legal review" in str(answer.reply)
    other = Chat(core, corpus.workspace_id + "-b")
    await other.ok("dana", "release new beacon")
    assert "Nothing found" in await other.ok("dana", "search battlecard all")
    assert "Nothing found" in await other.ok("dana", "search zapier for beacon")
