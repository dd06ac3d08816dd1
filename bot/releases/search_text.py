"""What a search looks for and what each hit shows, the same for SQLite and PostgreSQL.

A query's words are letters-and-digits runs, lowercased, without English stop words.
PostgreSQL's ``english`` configuration drops these stop words itself; SQLite's porter tokenizer
keeps them, so the query loses them here, before either database sees it, and both find the same.
"""

from __future__ import annotations

import re

from bot.domain import EntryKind

# PostgreSQL's english.stop (the Snowball list), so both engines ignore exactly these words.
_STOP = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her
    hers herself it its itself they them their theirs themselves what which who whom this that these
    those am is are was were be been being have has had having do does did doing a an the and but if
    or because as until while of at by for with about against between into through during before after
    above below to from up down in out on off over under again further then once here there when where
    why how all any both each few more most other some such no nor not only own same so than too very
    s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP.split())
# The automatic lines a handoff writes as it moves ("dana handed off #12 …", "lee acknowledged …"):
# searched only when asked with ``all``, and ranked below what people wrote.
LIFECYCLE = frozenset({EntryKind.HANDOFF})
MAX_WORDS = 8
SNIPPET = 160
TOO_COMMON = "Those words are too common to search for; add a more specific word."

WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    """Letters-and-digits runs, lowercased, as both engines tokenise them."""
    return [w.lower() for w in WORD.findall(text)]


def search_terms(text: str) -> list[str]:
    """The words worth looking for: no stop words, no repeats, at most ``MAX_WORDS``."""
    return list(dict.fromkeys(w for w in words_of(text) if w not in STOP_WORDS))[:MAX_WORDS]


def snippet(body: str, word: int = 0, width: int = SNIPPET) -> str:
    """About ``width`` characters of ``body`` around its ``word``-th word, with … where cut."""
    text = " ".join(body.split())
    if len(text) <= width:
        return text
    starts = [m.start() for m in WORD.finditer(text)]
    at = starts[word] if 0 <= word < len(starts) else 0
    start = max(0, min(at - width // 2, len(text) - width))
    end = start + width
    if start > 0 and text[start - 1] != " " and (space := text.find(" ", start, at)) != -1:
        start = space + 1  # don't begin inside a word
    if end < len(text) and text[end] != " " and (space := text.rfind(" ", max(start, at), end)) > at:
        end = space  # nor end inside one
    return ("…" if start > 0 else "") + text[start:end].strip() + ("…" if end < len(text) else "")
