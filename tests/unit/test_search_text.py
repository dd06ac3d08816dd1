"""The words a search looks for and the snippet a hit shows (bot/releases/search_text.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.releases.search_text import MAX_WORDS, SNIPPET, search_terms, snippet


def test_terms_drop_stop_words_repeats_and_punctuation() -> None:
    assert search_terms("The TIER names, the tiers!") == ["tier", "names", "tiers"]
    assert search_terms("the of and") == [] and search_terms("a_b 100%") == ["b", "100"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(20)))) == MAX_WORDS


def test_a_short_body_is_its_own_snippet_with_whitespace_folded() -> None:
    assert snippet("Tier names:\n\n  Starter,  Growth") == "Tier names: Starter, Growth"


def test_a_long_body_is_cut_around_the_word_at_word_boundaries() -> None:
    body = " ".join(f"word{i}" for i in range(100)) + " battlecard " + " ".join(f"tail{i}" for i in range(100))
    middle = snippet(body, 100)
    assert middle.startswith("…word") and middle.endswith("…") and "battlecard" in middle
    assert abs(middle.index("battlecard") - len(middle) // 2) < 20
    assert snippet(body, 0).startswith("word0 ") and snippet(body, 200).endswith(" tail99")


@given(st.text(max_size=600), st.integers(min_value=-5, max_value=200))
def test_a_snippet_is_never_much_longer_than_asked(body: str, word: int) -> None:
    assert len(snippet(body, word)) <= SNIPPET + 2
